// A run's plan — depth from the current risk assessment, the current contract — is fixed when it is
// queued and checked again when its turn comes: a run that waited while the interface was reassessed
// or given a new contract does not execute a stale plan for record. An assessment whose periodic
// review is overdue still runs, and the run says so.
import { expect } from 'chai';
import type { Server } from 'node:http';
import request from 'supertest';
import { systemContext } from '../../src/platform/request-context.js';
import { auditEvents } from '../support/audit-assertions.js';
import { listenOnLoopback, SALES_ORDERS_CONTRACT, salesOrderInterfaces } from '../support/runner-fixtures.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';


describeEachDatabase('runs: the plan is checked again when the run is claimed', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let qa: string;
  const ctx = systemContext('test');
  const assess = (key: string, processRisk: string) =>
    request(wb.app).post(`/api/v1/interfaces/${key}/risk-assessments`).set('Authorization', `Bearer ${qa}`).send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk, dataIntegrityImpact: 'transports-gxp-records' } }).expect(201);

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '5000' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, ['IF-PLAN-001', 'IF-PLAN-002', 'IF-PLAN-003', 'IF-PLAN-004'], { test: `${base}/sim/wms` });
    for (const key of ['IF-PLAN-001', 'IF-PLAN-002', 'IF-PLAN-003', 'IF-PLAN-004']) {
      await wb.services.scenarios.save(ctx, key, { key: 'unknown-order', name: 'An unknown order is 404', category: 'smoke', steps: [{ name: 'Look up an unknown order', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }] });
    }
    qa = await wb.login('qa');
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('aborts, unexecuted, a run whose interface was reassessed while it waited, saying why', async () => {
    const first = await assess('IF-PLAN-001', 'not-high');
    const queued = await wb.services.runs.create(ctx, { interface: 'IF-PLAN-001' });
    expect(JSON.parse(queued.assurance).assessmentId).to.equal(first.body.id);
    const second = await assess('IF-PLAN-001', 'high');
    const ended = await wb.services.runs.execute(ctx, queued.id);
    expect(ended.status).to.equal('aborted');
    expect(JSON.parse(ended.summary!).reason).to.equal(`the interface was reassessed while the run was queued (assessment ${second.body.id} replaced ${first.body.id}), so its depth no longer holds; start it again`);
    expect(await wb.services.runs.steps(queued.id)).to.deep.equal([]);
    // Audited as every abort is, so a filter on run.aborted finds it.
    const [event] = await auditEvents(wb.services, { action: 'run.aborted', entityType: 'run', entityId: String(queued.id) });
    expect(event?.after).to.deep.equal({ status: 'aborted', stepsRecorded: 0 });
    expect(event?.reason).to.equal(JSON.parse(ended.summary!).reason);
    expect(await auditEvents(wb.services, { action: 'run.finished', entityType: 'run', entityId: String(queued.id) })).to.deep.equal([]);
    // Started again, it runs at the new depth.
    const again = await wb.services.runs.runToEnd(ctx, { interface: 'IF-PLAN-001' });
    expect(JSON.parse(again.assurance).assessmentId).to.equal(second.body.id);
    expect(['passed', 'failed']).to.include(again.status);
  });

  it('aborts a run whose contract was replaced while it waited', async () => {
    await assess('IF-PLAN-002', 'not-high');
    const queued = await wb.services.runs.create(ctx, { interface: 'IF-PLAN-002' });
    await wb.services.contracts.register(ctx, 'IF-PLAN-002', { format: 'openapi', document: SALES_ORDERS_CONTRACT.replace(/^(\s*version:\s*).*$/m, '$1 9.9.9') });
    const ended = await wb.services.runs.execute(ctx, queued.id);
    expect(ended.status).to.equal('aborted');
    expect(JSON.parse(ended.summary!).reason).to.match(/^contract v2 replaced v1 while the run was queued/);
  });

  it('names in the run the scenarios written for another contract version, which it cannot run; any saved version can be read back', async () => {
    await assess('IF-PLAN-004', 'not-high');
    await wb.services.contracts.register(ctx, 'IF-PLAN-004', { format: 'openapi', document: SALES_ORDERS_CONTRACT.replace(/^(\s*version:\s*).*$/m, '$1 9.9.9') });
    await wb.services.scenarios.save(ctx, 'IF-PLAN-004', { key: 'on-v2', name: 'Written for v2', category: 'smoke', steps: [{ name: 'Look up an unknown order', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }] });
    const run = await wb.services.runs.create(ctx, { interface: 'IF-PLAN-004' });
    const assurance = JSON.parse(run.assurance);
    expect(JSON.parse(run.scenarios).map((s: { key: string }) => s.key)).to.deep.equal(['on-v2']);
    expect(assurance.notRun).to.deep.equal([{ key: 'unknown-order', version: 1, category: 'smoke', contractVersion: 1 }]);
    expect(assurance.reason).to.include('not run, written for another contract version than v2: unknown-order (v1)');
    await wb.services.runs.abortInterrupted(ctx);

    const it_ = await wb.login('it');
    await wb.services.scenarios.save(ctx, 'IF-PLAN-004', { key: 'on-v2', name: 'Written for v2, renamed', category: 'smoke', steps: [{ name: 'Look up an unknown order', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }] });
    const read = (query: Record<string, string>) => request(wb.app).get('/api/v1/interfaces/IF-PLAN-004/scenarios/on-v2').query(query).set('Authorization', `Bearer ${it_}`);
    expect((await read({})).body).to.include({ version: 2, name: 'Written for v2, renamed' });
    expect((await read({ version: '1' })).body).to.include({ version: 1, name: 'Written for v2' });
    const missing = await read({ version: '3' });
    expect(missing.status).to.equal(404);
    expect(missing.body.error.code).to.equal('scenario_not_found');
    for (const bad of ['0', 'abc', '1.5']) expect((await read({ version: bad })).status, bad).to.equal(400);
  });

  // Last: it moves the clock ten years on.
  it('runs for an assessment whose periodic review is overdue, recording that in the run', async () => {
    const assessed = await assess('IF-PLAN-003', 'not-high');
    const fresh = await wb.services.runs.create(ctx, { interface: 'IF-PLAN-003' });
    expect(JSON.parse(fresh.assurance)).to.include({ reviewOverdue: false, reviewDue: assessed.body.reviewDue });
    wb.clock.advance(10 * 366 * 24 * 3600 * 1000);
    const late = await wb.services.runs.create(ctx, { interface: 'IF-PLAN-003' });
    const assurance = JSON.parse(late.assurance);
    expect(assurance.reviewOverdue).to.equal(true);
    expect(assurance.reason).to.include(`the assessment's periodic review was due ${String(assessed.body.reviewDue).slice(0, 10)} and is overdue`);
  });
});
