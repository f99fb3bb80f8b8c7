// Templates: what can be known when a scenario is saved is refused then (unknown names, values no
// earlier step captures, bad patterns). A value an earlier step failed to capture at run time errs
// the step that needs it, with its evidence, like a template in the request does; the rest of the run
// goes on. It never ends the whole run as an error with no step recorded.
import { expect } from 'chai';
import type { Server } from 'node:http';
import request from 'supertest';
import { systemContext } from '../../src/platform/request-context.js';
import type { RunStep } from '../../src/scenarios/scenario-models.js';
import { render, TemplateError } from '../../src/scenarios/scenario-templates.js';
import { listenOnLoopback, salesOrderInterfaces, SALES_ORDER } from '../support/runner-fixtures.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

const byName = (steps: RunStep[]) => Object.fromEntries(steps.map((s) => [s.name, s]));
const lookup = (name: string, assertions?: unknown[]) => ({ name, operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404, ...(assertions ? { assertions } : {}) } });

describeEachDatabase('runner: a template that cannot be rendered errs its step, not the run', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let token: string;
  const ctx = systemContext('test');
  const save = (key: string, body: unknown) => request(wb.app).post(`/api/v1/interfaces/${key}/scenarios`).set('Authorization', `Bearer ${token}`).send(body as object);

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '5000' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, ['IF-TPL-001', 'IF-TPL-002'], { test: `${base}/sim/wms` });
    token = await wb.login('it');
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('refuses at save what a run could not render or compile: unknown templates, uncaptured values, digits:N out of range, a bad pattern', async () => {
    const count = async () => (await wb.services.scenarios.current('IF-TPL-001')).length;
    const before = await count();
    const refused = await save('IF-TPL-001', {
      key: 'a-bogus-assertion',
      name: 'A lookup with bogus templates',
      category: 'smoke',
      steps: [
        lookup('Look up, asserting a bogus template', [{ pointer: '/error', equals: '{{bogus}}' }, { pointer: '/error/message', matches: '([' }]),
        { ...lookup('Look up with an uncaptured value'), pathParams: { orderNumber: '{{vars.orderNumber}}' }, headers: { 'x-trace': '{{digits:0}}' } },
        { ...lookup('Capture it only now'), capture: { orderNumber: '/error/code' } },
        lookup('Use it afterwards', [{ pointer: '/error/code', equals: '{{vars.orderNumber}}' }]),
      ],
    });
    expect(refused.status).to.equal(400);
    expect(refused.body.error.code).to.equal('scenario_invalid');
    expect(refused.body.error.details).to.deep.equal([
      { field: 'body.steps.0.expect.assertions', rule: 'template', message: '{{bogus}} is not a known template' },
      { field: 'body.steps.0.expect.assertions.1.matches', rule: 'pattern', message: refused.body.error.details[1].message },
      { field: 'body.steps.1.pathParams', rule: 'template', message: "{{vars.orderNumber}}: no earlier step of this scenario captures 'orderNumber'" },
      { field: 'body.steps.1.headers', rule: 'template', message: '{{digits:0}}: digits:N takes N from 1 to 64' },
    ]);
    expect(refused.body.error.details[1].message).to.match(/^not a valid regular expression/);
    expect(await count(), 'nothing saved').to.equal(before);
  });

  it('errs a step whose assertion uses a value no earlier step captured, and goes on with the next steps', async () => {
    const saved = await save('IF-TPL-002', {
      key: 'capture-missing',
      name: 'An order number that was never captured',
      category: 'positive',
      steps: [
        { name: 'Create an order, capturing from a field the answer lacks', operation: 'POST /orders', body: SALES_ORDER, expect: { status: 201 }, capture: { orderNumber: '/noSuchField' } },
        lookup('Assert on the uncaptured order number', [{ pointer: '/error/message', equals: '{{vars.orderNumber}}' }]),
        lookup('Look up afterwards'),
      ],
    });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    const run = await wb.services.runs.runToEnd(ctx, { interface: 'IF-TPL-002', dryRun: true });
    const named = byName(await wb.services.runs.steps(run.id));
    expect(named['Create an order, capturing from a field the answer lacks']!.status).to.equal('passed');
    const errored = named['Assert on the uncaptured order number']!;
    expect(errored.status).to.equal('error');
    expect(errored.message).to.equal("The step's assertions cannot be rendered, so nothing was sent: {{vars.orderNumber}} has no value: no earlier step captured 'orderNumber'");
    expect(errored.requestEvidence).to.match(/^[0-9a-f]{64}$/);
    expect(named['Look up afterwards']!.status).to.equal('passed');
    expect(run.status).to.equal('error');
    expect(JSON.parse(run.summary!)).to.include({ total: 3, passed: 2, error: 1 });
  });
});

describe('templates: captured values are only what was captured', () => {
  const context = (vars: Record<string, unknown>) => ({ random: () => 0.5, now: () => new Date('2026-01-01T00:00:00Z'), vars });
  it('never resolves a name every object inherits (constructor, toString) to something no step captured', () => {
    for (const inherited of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(() => render(`{{vars.${inherited}}}`, context({})), inherited).to.throw(TemplateError, `no earlier step captured '${inherited}'`);
    }
  });
  it('resolves a value captured under such a name, keeping its JSON type', () => {
    expect(render('{{vars.constructor}}', context({ constructor: 42 }))).to.equal(42);
    expect(render('order {{vars.toString}}', context({ toString: 'A-1' }))).to.equal('order A-1');
  });
});

describeEachDatabase('runner: a pattern that backtracks catastrophically errs its step, without stalling the server', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let token: string;
  const ctx = systemContext('test');

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '5000', GXPW_RUNNER_CONCURRENCY: '2' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, ['IF-PAT-001'], { test: `${base}/sim/wms` });
    token = await wb.login('it');
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('stops the pattern on its thread after the time limit; the step errs, other checks and scenarios are judged, the API answers meanwhile', async () => {
    const save = (body: object) => request(wb.app).post('/api/v1/interfaces/IF-PAT-001/scenarios').set('Authorization', `Bearer ${token}`).send(body);
    const catastrophic = { pointer: '/receivedAt', matches: '^((.*?)*)*x$' };
    const saved = await save({
      key: 'catastrophic-pattern',
      name: 'A pattern that would run for ages on a timestamp',
      category: 'positive',
      steps: [
        { name: 'Create, asserting with a catastrophic pattern', operation: 'POST /orders', body: SALES_ORDER, expect: { status: 201, assertions: [catastrophic] } },
        { name: 'Create, asserting with a sane pattern', operation: 'POST /orders', body: SALES_ORDER, expect: { status: 201, assertions: [{ pointer: '/receivedAt', matches: '^\\d{4}-' }, { pointer: '/status', matches: '^x' }] } },
        { name: 'Create, expecting the wrong status, with the catastrophic pattern', operation: 'POST /orders', body: SALES_ORDER, expect: { status: 409, assertions: [catastrophic] } },
      ],
    });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    // Run beside it (GXPW_RUNNER_CONCURRENCY=2): its patterns wait for the stopped one, and are judged.
    const beside = await save({ key: 'sane-patterns', name: 'Sane patterns only', category: 'positive', steps: Array.from({ length: 4 }, (_, i) => ({ name: `Sane ${i + 1}`, operation: 'POST /orders', body: SALES_ORDER, expect: { status: 201, assertions: [{ pointer: '/receivedAt', matches: '^\\d{4}-' }] } })) });
    expect(beside.status, JSON.stringify(beside.body)).to.equal(201);
    const running = wb.services.runs.runToEnd(ctx, { interface: 'IF-PAT-001', dryRun: true });
    // The event loop is free while the pattern runs on its thread.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await request(wb.app).get('/healthz')).status).to.equal(200);
    const run = await running;
    const named = byName(await wb.services.runs.steps(run.id));
    const stuck = named['Create, asserting with a catastrophic pattern']!;
    expect(stuck.status, stuck.message ?? '').to.equal('error');
    expect(stuck.message).to.match(/^The step's assertions could not all be checked: a pattern did not finish within 2000 ms/);
    expect(JSON.parse(stuck.actual).assertions[0]).to.include({ passed: false, unchecked: true });
    expect(stuck.responseEvidence).to.match(/^[0-9a-f]{64}$/);
    const sane = named['Create, asserting with a sane pattern']!;
    expect(sane.status, 'the thread was replaced and judges the next step').to.equal('failed');
    expect(JSON.parse(sane.actual).assertions.map((a: { passed: boolean }) => a.passed)).to.deep.equal([true, false]);
    const wrongStatus = named['Create, expecting the wrong status, with the catastrophic pattern']!;
    expect(wrongStatus.status, 'a failure found elsewhere stands').to.equal('failed');
    expect(wrongStatus.message).to.match(/^status 201, expected 409; some patterns could not be checked/);
    for (let i = 1; i <= 4; i += 1) expect(named[`Sane ${i}`]!.status, `Sane ${i}: ${named[`Sane ${i}`]!.message}`).to.equal('passed');
  });
});
