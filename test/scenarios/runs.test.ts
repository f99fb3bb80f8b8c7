// Scenarios and runs against the reference WMS simulator over real HTTP: depth follows the risk
// assessment, every exchange is evidence, failures and errors are told apart, exports and the CLI gate.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { validateXML } from 'xmllint-wasm';
import { validate as ctrfValidate } from 'ctrf';
import { systemContext } from '../../src/platform/request-context.js';
import { DEMO_SYSTEMS } from '../../src/demo/reference-architecture.js';
import { gxpwAsync } from '../cli/cli-helpers.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { junitOf } from '../../src/scenarios/run-presenter.js';
import { listenOnLoopback, requirementsNamed, salesOrderInterfaces, SALES_ORDER } from '../support/runner-fixtures.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';


const SCENARIOS = {
  smoke: { key: 'order-lookup-smoke', name: 'An unknown order is a 404', category: 'smoke', requirements: ['URS-001'], steps: [{ name: 'Look up an order that does not exist', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }] },
  positive: {
    key: 'create-and-read-order',
    name: 'A released order is created and can be read back',
    category: 'positive',
    requirements: ['URS-012', 'FS-4.1'],
    steps: [
      { name: 'Create the outbound order', operation: 'POST /orders', body: SALES_ORDER, expect: { status: 201, maxLatencyMs: 5000, assertions: [{ pointer: '/status', exists: true }, { pointer: '/orderNumber', matches: '^\\d{10}$' }] }, capture: { orderNumber: '/orderNumber' } },
      { name: 'Read it back', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '{{vars.orderNumber}}' }, expect: { status: 200, assertions: [{ pointer: '/orderNumber', equals: '{{vars.orderNumber}}' }] } },
    ],
  },
  negative: { key: 'reject-bad-order', name: 'An order without lines is refused', category: 'negative', requirements: ['URS-013'], steps: [{ name: 'Send an order without lines', operation: 'POST /orders', body: { ...SALES_ORDER, lines: [] }, expect: { status: 422 } }] },
};

describeEachDatabase('scenarios and runs', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let base: string;
  let it_: string;
  let qa: string;
  const api = (method: 'get' | 'post' | 'patch', url: string, token = it_) => request(wb.app)[method](url).set('Authorization', `Bearer ${token}`);
  const startRun = async (body: Record<string, unknown>) => {
    const response = await api('post', '/api/v1/runs').send(body);
    await wb.services.runs.idle();
    return response;
  };
  const runOf = async (id: number) => (await api('get', `/api/v1/runs/${id}`)).body;

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '2000' } });
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, ['IF-RUN-001', 'IF-RUN-002'], { test: `${base}/sim/wms`, faulty: `${base}/sim/wms-missing`, down: 'http://127.0.0.1:9' });
    for (const key of ['IF-RUN-001', 'IF-RUN-002']) await requirementsNamed(wb, key, ['URS-001', 'URS-012', 'FS-4.1', 'URS-013', 'URS-014']);
    it_ = await wb.login('it');
    qa = await wb.login('qa');
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  describe('scenarios', () => {
    it('saves a scenario as a new version with its digest, audited', async () => {
      for (const scenario of Object.values(SCENARIOS)) {
        const saved = await api('post', '/api/v1/interfaces/IF-RUN-001/scenarios').send(scenario);
        expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
        expect(saved.body).to.include({ key: scenario.key, version: 1, contractVersion: 1 });
      }
      const again = await api('post', '/api/v1/interfaces/IF-RUN-001/scenarios').send({ ...SCENARIOS.smoke, name: 'An unknown order is still a 404' });
      expect(again.body.version).to.equal(2);
      expect(again.body.digest).to.match(/^[0-9a-f]{64}$/);
      expect((await lastAuditEvent(wb.services, 'scenario.saved'))?.after).to.include({ key: 'order-lookup-smoke', version: 2 });
      expect((await api('get', '/api/v1/interfaces/IF-RUN-001/scenarios')).body.scenarios.map((s: { key: string; version: number }) => `${s.key}@${s.version}`)).to.deep.equal(['create-and-read-order@1', 'order-lookup-smoke@2', 'reject-bad-order@1']);
    });

    it('refuses a step naming an operation the contract does not have, or a status without a response schema', async () => {
      const missing = await api('post', '/api/v1/interfaces/IF-RUN-001/scenarios').send({ ...SCENARIOS.smoke, key: 'bad', steps: [{ name: 'x', operation: 'DELETE /orders/{orderNumber}' }] });
      expect(missing.status).to.equal(400);
      expect(missing.body.error.details[0]).to.include({ field: 'body.steps.0.operation', rule: 'exists' });
      const noSchema = await api('post', '/api/v1/interfaces/IF-RUN-001/scenarios').send({ ...SCENARIOS.smoke, key: 'bad', steps: [{ name: 'x', operation: 'GET /orders/{orderNumber}', expect: { status: 418 } }] });
      expect(noSchema.body.error.details[0]).to.include({ field: 'body.steps.0.expect.status' });
      expect((await api('post', '/api/v1/interfaces/IF-RUN-001/scenarios', await wb.login('auditor')).send(SCENARIOS.smoke)).status).to.equal(403);
    });
  });

  describe('runs', () => {
    it('cannot run for record without a risk assessment; a dry run is allowed and marked', async () => {
      const refused = await api('post', '/api/v1/runs').send({ interface: 'IF-RUN-001' });
      expect(refused.status).to.equal(409);
      expect(refused.body.error.code).to.equal('not_assessed');
      const dry = await startRun({ interface: 'IF-RUN-001', dryRun: true });
      expect(dry.status, JSON.stringify(dry.body)).to.equal(201);
      expect(dry.body.status).to.equal('queued');
      const run = await runOf(dry.body.id);
      expect(run).to.include({ dryRun: true, status: 'passed' });
      expect(run.assurance.reason).to.match(/dry run/);
    });

    it('runs every category at full depth over real HTTP, keeping each exchange as evidence', async () => {
      await api('post', '/api/v1/interfaces/IF-RUN-001/risk-assessments', qa).send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } }).expect(201);
      const started = await startRun({ interface: 'IF-RUN-001' });
      expect(started.status).to.equal(201);
      const run = await runOf(started.body.id);
      expect(run.status, JSON.stringify(run.steps.map((s: { message: string }) => s.message))).to.equal('passed');
      expect(run.assurance).to.deep.include({ level: 'high', testDepth: 'full' });
      expect(run.assurance.reason).to.match(/assurance level high \(fda-csa 1\.0\.0/);
      expect(run.scenarios.map((s: { key: string }) => s.key)).to.have.members(['create-and-read-order', 'order-lookup-smoke', 'reject-bad-order']);
      expect(run).to.deep.include({ contract: { version: 1, digest: (await wb.services.contracts.get('IF-RUN-001', 1)).digest }, runnerVersion: 'gxpw-runner/1.0' });
      expect(run.steps.map((s: { position: number }) => s.position)).to.deep.equal([1, 2, 3, 4]);
      expect(run.summary).to.include({ total: 4, passed: 4, failed: 0, error: 0 });
      const create = run.steps.find((s: { name: string }) => s.name === 'Create the outbound order');
      expect(create.requirements).to.deep.equal(['URS-012', 'FS-4.1']);
      const response = JSON.parse(fs.readFileSync(wb.services.evidence.store.pathOf(create.evidence.response), 'utf8'));
      expect(response.status).to.equal(201);
      const sent = JSON.parse(fs.readFileSync(wb.services.evidence.store.pathOf(create.evidence.request), 'utf8'));
      expect(sent).to.include({ method: 'POST', url: `${base}/sim/wms/orders` });
      expect(sent.body.lines[0].gtin, 'a generated GTIN with a valid check digit').to.match(/^\d{14}$/);
      const listed = (await api('get', '/api/v1/evidence').query({ belongsToType: 'run', belongsToId: String(run.id) })).body.evidence;
      expect(listed).to.have.length(8);
      const events = await auditEvents(wb.services, { entityType: 'run', entityId: String(run.id) });
      expect(events.map((e) => e.action)).to.deep.equal(['run.queued', 'run.finished']);
    });

    it('runs only smoke and positive scenarios at the scripted-positive depth', async () => {
      for (const scenario of Object.values(SCENARIOS)) await api('post', '/api/v1/interfaces/IF-RUN-002/scenarios').send(scenario).expect(201);
      await api('post', '/api/v1/interfaces/IF-RUN-002/risk-assessments', qa).send({ modelId: 'gamp5', answers: { severity: 'medium', probability: 'medium', detectability: 'medium' } }).expect(201);
      const run = await runOf((await startRun({ interface: 'IF-RUN-002' })).body.id);
      expect(run.assurance).to.deep.include({ level: 'medium', testDepth: 'scripted-positive' });
      expect(run.scenarios.map((s: { key: string }) => s.key)).to.have.members(['create-and-read-order', 'order-lookup-smoke']);
    });

    it('sends property-based cases generated from the request schema at full depth, each judged and kept', async () => {
      const bad = await api('post', '/api/v1/interfaces/IF-RUN-001/scenarios').send({ key: 'gen-bad', name: 'x', category: 'generated', steps: [{ name: 'x', operation: 'GET /orders/{orderNumber}', generate: { count: 2 } }] });
      expect(bad.body.error.details[0]).to.include({ field: 'body.steps.0.generate', rule: 'requestSchema' });
      await api('post', '/api/v1/interfaces/IF-RUN-001/scenarios').send({ key: 'generated-orders', name: 'Any order the contract allows is accepted', category: 'generated', requirements: ['URS-014'], steps: [{ name: 'Orders generated from the request schema', operation: 'POST /orders', generate: { count: 5 }, expect: { status: 201 } }] }).expect(201);
      const run = await runOf((await startRun({ interface: 'IF-RUN-001' })).body.id);
      const generated = run.steps.find((s: { name: string }) => s.name === 'Orders generated from the request schema');
      expect(generated, JSON.stringify(run.steps.map((s: { message: string }) => s.message))).to.deep.include({ status: 'passed' });
      expect(generated.actual).to.deep.equal({ cases: 5, passed: 5, failed: 0, errors: 0 });
      const sent = JSON.parse(fs.readFileSync(wb.services.evidence.store.pathOf(generated.evidence.request), 'utf8')).cases;
      expect(sent).to.have.length(5);
      expect(new Set(sent.map((c: { body: { orderNumber: string } }) => c.body.orderNumber)).size, 'different bodies').to.be.greaterThan(1);
      const rerun = await runOf((await startRun({ interface: 'IF-RUN-001' })).body.id);
      expect(rerun.seed).to.not.equal(run.seed);
    });

    it('fails a step whose answer breaks the contract, and says why', async () => {
      await api('post', '/api/v1/interfaces/IF-RUN-001/scenarios').send({ key: 'schema-fault', name: 'The WMS answers off-contract', category: 'positive', steps: [{ name: 'Create an order (the simulator breaks its answer)', operation: 'POST /orders', query: { fault: 'schema' }, body: SALES_ORDER, expect: { status: 201 } }] }).expect(201);
      const run = await runOf((await startRun({ interface: 'IF-RUN-001' })).body.id);
      expect(run.status).to.equal('failed');
      const failed = run.steps.filter((s: { status: string }) => s.status === 'failed');
      expect(failed).to.have.length(1);
      expect(failed[0].message).to.match(/does not match the contract \(POST \/orders → 201\)/);
    });

    it('opens a deviation on the failed step; QA closes it by signing the resolved version, which locks it', async () => {
      const [failedRun] = (await api('get', '/api/v1/runs').query({ interface: 'IF-RUN-001', status: 'failed' })).body.runs;
      const steps = (await runOf(failedRun.id)).steps as Array<{ position: number; status: string }>;
      const failed = steps.find((s) => s.status === 'failed')!;
      const passed = steps.find((s) => s.status === 'passed')!;
      expect((await api('post', `/api/v1/runs/${failedRun.id}/deviations`).send({ stepPosition: passed.position, title: 'x', description: 'x', impact: 'x' })).body.error.code).to.equal('step_passed');
      const opened = await api('post', `/api/v1/runs/${failedRun.id}/deviations`).send({ stepPosition: failed.position, title: 'WMS answer breaks the contract', description: 'The order receipt misses a required field.', impact: 'Orders could be released without a WMS id.' });
      expect(opened.status, JSON.stringify(opened.body)).to.equal(201);
      expect(opened.body).to.include({ status: 'open', version: 1, run: failedRun.id, interface: 'IF-RUN-001' });
      expect((await lastAuditEvent(wb.services, 'deviation.opened'))?.entity).to.deep.equal({ type: 'deviation', id: String(opened.body.id) });

      const sign = (version: number) => api('post', '/api/v1/signatures', qa).send({ recordType: 'deviation', recordId: String(opened.body.id), version, meaning: 'approved', reason: 'deviation closed', username: 'qa', password: 'correct-horse-battery-staple' });
      expect((await sign(1)).body.error.code, 'an open deviation cannot be approved').to.equal('not_signable');
      const resolved = await api('patch', `/api/v1/deviations/${opened.body.id}`).send({ rootCause: 'Simulator fault injection (fault=schema).', resolution: 'Scenario kept as a negative control; no product impact.', status: 'resolved', reason: 'investigation complete' });
      expect(resolved.status, JSON.stringify(resolved.body)).to.equal(200);
      expect(resolved.body).to.include({ status: 'resolved', version: 2 });
      expect((await lastAuditEvent(wb.services, 'deviation.updated'))?.reason).to.equal('investigation complete');
      expect((await sign(2)).status).to.equal(201);
      expect((await api('get', `/api/v1/deviations/${opened.body.id}`)).body.status).to.equal('closed');
      const locked = await api('patch', `/api/v1/deviations/${opened.body.id}`).send({ impact: 'rewritten', reason: 'after closure' });
      expect(locked.status).to.equal(409);
      expect(locked.body.error.code).to.equal('record_locked');
      const lateEvidence = await api('post', '/api/v1/evidence').query({ belongsToType: 'deviation', belongsToId: String(opened.body.id) }).set('Content-Type', 'text/plain').send('filed after closure');
      expect(lateEvidence.status).to.equal(409);
      expect(lateEvidence.body.error.code).to.equal('deviation_closed');
      const closedList = await api('get', '/api/v1/deviations').query({ status: 'closed' });
      expect(closedList.status).to.equal(200);
      expect(closedList.body.deviations.map((d: { id: number }) => d.id)).to.include(opened.body.id);
      expect(closedList.body.deviations.every((d: { status: string }) => d.status === 'closed')).to.equal(true);
      const resolvedList = await api('get', '/api/v1/deviations').query({ status: 'resolved' });
      expect(resolvedList.body.deviations.map((d: { id: number }) => d.id), 'a closed deviation is not listed as resolved').to.not.include(opened.body.id);
    });

    it('keeps deviation sign-off honest: a review does not freeze it, every editor is an author, one spelling per record id', async () => {
      const [failedRun] = (await api('get', '/api/v1/runs').query({ interface: 'IF-RUN-001', status: 'failed' })).body.runs;
      const failed = ((await runOf(failedRun.id)).steps as Array<{ position: number; status: string }>).find((s) => s.status === 'failed')!;
      const opened = await api('post', `/api/v1/runs/${failedRun.id}/deviations`).send({ stepPosition: failed.position, title: 'Order receipt incomplete', description: 'A required field is missing.', impact: 'Orders could be released without a WMS id.' });
      const id = String(opened.body.id);
      const sign = (recordId: string, version: number, meaning: string) => api('post', '/api/v1/signatures', qa).send({ recordType: 'deviation', recordId, version, meaning, reason: meaning, username: 'qa', password: 'correct-horse-battery-staple' });

      const attached = await api('post', '/api/v1/evidence').query({ belongsToType: 'deviation', belongsToId: id, name: 'mapping-trace.txt' }).set('Content-Type', 'text/plain').send('mapping trace of order 4711');
      expect(attached.status, JSON.stringify(attached.body)).to.equal(201);
      expect(attached.body.belongsTo).to.deep.equal({ type: 'deviation', id });
      // A review signs one version; the investigation goes on in the next ones.
      expect((await sign(id, 1, 'reviewed')).status).to.equal(201);
      const investigating = await api('patch', `/api/v1/deviations/${id}`).send({ status: 'investigating', reason: 'investigation started' });
      expect(investigating.status, JSON.stringify(investigating.body)).to.equal(200);
      expect(investigating.body.version).to.equal(2);
      expect((await lastAuditEvent(wb.services, 'deviation.updated'))?.reason).to.equal('investigation started');

      // QA writes the resolution, IT fixes a typo: QA wrote part of what version 4 says and cannot approve it.
      expect((await api('patch', `/api/v1/deviations/${id}`, qa).send({ rootCause: 'Mapping drops the field.', resolution: 'Mapping corrected in release 4.6.2.', status: 'resolved', reason: 'resolved' })).status).to.equal(200);
      expect((await api('patch', `/api/v1/deviations/${id}`).send({ title: 'Order receipt incomplete.', reason: 'typo' })).body.version).to.equal(4);
      const ownWork = await sign(id, 4, 'approved');
      expect(ownWork.status).to.equal(403);
      expect(ownWork.body.error.code).to.equal('separation_of_duties');

      // "04" or "0…" is not another record: no signature slips past the lock or the one-per-meaning rule.
      const padded = await sign(`0${id}`, 1, 'reviewed');
      expect(padded.status).to.equal(404);
      expect(padded.body.error.code).to.equal('record_not_found');
      expect((await api('get', '/api/v1/signatures').query({ recordType: 'deviation', recordId: id })).body.signatures).to.have.length(1);
    });

    it('ends as error, not failure, when the environment cannot be reached', async () => {
      const run = await runOf((await startRun({ interface: 'IF-RUN-002', environment: 'down' })).body.id);
      expect(run.status).to.equal('error');
      expect(run.steps.every((s: { status: string }) => s.status === 'error')).to.equal(true);
      expect(run.steps[0].message).to.match(/No usable response/);
      expect((await api('post', '/api/v1/runs').send({ interface: 'IF-RUN-002', environment: 'staging' })).body.error.code).to.equal('unknown_environment');
      // Names every object inherits are not environments either.
      for (const inherited of ['constructor']) expect((await api('post', '/api/v1/runs').send({ interface: 'IF-RUN-002', environment: inherited })).body.error?.code, inherited).to.equal('unknown_environment');
    });

    it('exports JUnit XML and CTRF JSON', async () => {
      const [latest] = (await api('get', '/api/v1/runs').query({ interface: 'IF-RUN-001', status: 'failed' })).body.runs;
      const junit = await api('get', `/api/v1/runs/${latest.id}/junit`);
      expect(junit.headers['content-type']).to.match(/application\/xml/);
      expect(junit.text).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="IF-RUN-001 run \d+" tests="6" failures="1" errors="0"/);
      expect(junit.text.match(/<testcase /g)).to.have.length(6);
      expect(junit.text).to.include('<failure message="the response does not match the contract');
      const schema = fs.readFileSync('test/fixtures/junit.xsd', 'utf8');
      const junitCheck = await validateXML({ xml: [{ fileName: 'run.xml', contents: junit.text }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
      expect(junitCheck.errors, 'valid against the JUnit schema').to.deep.equal([]);
      expect(junitCheck.valid).to.equal(true);
      const broken = await validateXML({ xml: [{ fileName: 'broken.xml', contents: junit.text.replace('<properties>', '<properties><unexpected/>') }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
      expect(broken.valid, 'the schema check can fail').to.equal(false);
      const ctrf = (await api('get', `/api/v1/runs/${latest.id}/ctrf`)).body;
      expect(ctrf.results.summary).to.include({ tests: 6, passed: 5, failed: 1, other: 0 });
      expect(ctrf.results.tool.name).to.equal('gxpw');
      const ctrfCheck = ctrfValidate(ctrf);
      expect(ctrfCheck.errors ?? [], 'valid CTRF (reference validator)').to.deep.equal([]);
      expect(ctrfCheck.valid).to.equal(true);
    });

    it('reports an aborted run as an errored run outcome, never as green, and refuses a report of a run not yet finished (409)', async () => {
      const schema = fs.readFileSync('test/fixtures/junit.xsd', 'utf8');
      const queued = await wb.services.runs.create(systemContext('test'), { interface: 'IF-RUN-001' });
      for (const format of ['junit', 'ctrf']) {
        const early = await api('get', `/api/v1/runs/${queued.id}/${format}`);
        expect(early.status, format).to.equal(409);
        expect(early.body.error.code).to.equal('run_not_finished');
      }
      // Nobody executes it: recovery aborts it, with no step recorded.
      expect(await wb.services.runs.abortInterrupted(systemContext('test'))).to.include(queued.id);
      const junit = await api('get', `/api/v1/runs/${queued.id}/junit`);
      expect(junit.status).to.equal(200);
      expect(junit.text).to.match(/<testsuites [^>]*tests="1" failures="0" errors="1"/);
      expect(junit.text).to.include('<property name="status" value="aborted"/>');
      expect(junit.text).to.match(/<error message="The run ended aborted: [^"]+" type="aborted">/);
      const junitCheck = await validateXML({ xml: [{ fileName: 'run.xml', contents: junit.text }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
      expect(junitCheck.errors).to.deep.equal([]);
      const ctrf = (await api('get', `/api/v1/runs/${queued.id}/ctrf`)).body;
      expect(ctrf.results.summary).to.include({ tests: 1, passed: 0, failed: 0, other: 1 });
      expect(ctrf.results.tests[0]).to.include({ status: 'other', name: `run ${queued.id} outcome` });
      expect(ctrf.results.environment.extra.runStatus).to.equal('aborted');
      expect(ctrfValidate(ctrf).errors ?? []).to.deep.equal([]);
    });

    it('keeps the JUnit report well-formed whatever a step message holds: characters XML cannot carry are dropped', async () => {
      const [latest] = (await api('get', '/api/v1/runs').query({ interface: 'IF-RUN-001', status: 'failed' })).body.runs;
      const run = await wb.services.runs.get(latest.id);
      const steps = await wb.services.runs.steps(latest.id);
      // In memory only: what an answer echoed into a message could hold.
      steps[0]!.message = 'odd \uFFFE\uFFFF \uD800 lone surrogate \u0001 control, kept \u{1F600} & <tags>';
      steps[0]!.status = 'failed';
      const text = junitOf(run, steps);
      expect(text).to.include('odd   lone surrogate  control, kept \u{1F600} &amp; &lt;tags&gt;');
      const schema = fs.readFileSync('test/fixtures/junit.xsd', 'utf8');
      const check = await validateXML({ xml: [{ fileName: 'run.xml', contents: text }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
      expect(check.errors).to.deep.equal([]);
    });

    it('keeps a finished run unchangeable in the database', async () => {
      let refused: Error | null = null;
      await wb.services.database.sequelize.query("UPDATE runs SET status = 'passed'").catch((e: Error) => (refused = e));
      expect(String((refused as { parent?: Error } | null)?.parent?.message ?? refused)).to.match(/append-only/);
      let deleted: Error | null = null;
      await wb.services.database.sequelize.query('DELETE FROM run_steps').catch((e: Error) => (deleted = e));
      expect(deleted).to.not.equal(null);
    });

    it('validates message sets (inline, a fixture from the evidence store, generated) against a message schema, with domain rules', async () => {
      const ctx = systemContext('test');
      await wb.services.interfaces.create(ctx, { key: 'IF-RUN-003', name: 'Commissioning events', sourceSystem: 'SAP S/4HANA', targetSystem: 'Manhattan Active WM', layer: 'event-streaming', pattern: 'event-stream', direction: 'unidirectional', messageTypes: ['CommissioningEvent'], dataDomains: ['serialization-events'], platforms: ['Confluent Kafka 7.6'], gxpRelevant: true, intendedUse: 'Commissioned serials', owner: 'Serialization', environments: { test: `${base}/sim/none` }, status: 'active' });
      await wb.services.contracts.register(ctx, 'IF-RUN-003', { format: 'asyncapi', document: fs.readFileSync('demo/contracts/ser-wms-commissioning-events.asyncapi.yaml', 'utf8') });
      await requirementsNamed(wb, 'IF-RUN-003', ['URS-030']);
      await api('post', '/api/v1/interfaces/IF-RUN-003/risk-assessments', qa).send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } }).expect(201);
      const event = (serial: string, time: string, bizStep = 'commissioning') => ({ type: 'ObjectEvent', eventID: `urn:uuid:3f9d2c1a-7b4e-4d8f-a0c2-${serial.padStart(12, '0')}`, eventTime: time, eventTimeZoneOffset: '-05:00', epcList: [`urn:epc:id:sgtin:0312345.067890.${serial}`], action: 'ADD', bizStep, disposition: bizStep === 'commissioning' ? 'active' : 'inactive', readPoint: { id: 'urn:epc:id:sgln:0312345.00002.0' }, bizLocation: { id: 'urn:epc:id:sgln:0312345.00002.0' }, ...(bizStep === 'commissioning' ? { ilmd: { 'cbvmda:lotNumber': 'L2406A', 'cbvmda:itemExpirationDate': '2027-05-31' } } : {}) });
      const { eventID: _dropped, ...withoutId } = event('3', '2026-02-26T13:02:13.000Z');
      const fixture = [event('7', '2026-02-26T13:00:00.000Z'), event('7', '2026-02-26T13:05:00.000Z', 'decommissioning'), event('7', '2026-02-26T13:09:00.000Z')].map((e) => JSON.stringify(e)).join('\n');
      const uploaded = await api('post', '/api/v1/evidence').set('Content-Type', 'application/x-ndjson').send(fixture);
      expect(uploaded.status).to.equal(201);
      const saved = await api('post', '/api/v1/interfaces/IF-RUN-003/scenarios').send({
        key: 'commissioning-events',
        name: 'Commissioning events match the contract and the serial lifecycle',
        category: 'positive',
        requirements: ['URS-030'],
        steps: [
          { name: 'Inline set, one event without its id', messages: { target: 'message CommissioningEvent', source: { inline: [event('1', '2026-02-26T13:02:11.000Z'), event('2', '2026-02-26T13:02:12.000Z'), withoutId] }, rules: ['epc-syntax', 'cbv-vocabulary'], expect: { invalid: 1 } } },
          { name: 'Fixture: a serial commissioned again after decommissioning', messages: { target: 'message CommissioningEvent', source: { evidence: uploaded.body.digest }, rules: ['event-order'] } },
        ],
      });
      expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
      const missingFixture = await api('post', '/api/v1/interfaces/IF-RUN-003/scenarios').send({ key: 'x', name: 'x', category: 'smoke', steps: [{ name: 'x', messages: { target: 'message CommissioningEvent', source: { evidence: 'f'.repeat(64) } } }] });
      expect(missingFixture.body.error.details[0]).to.include({ field: 'body.steps.0.messages.source.evidence', rule: 'exists' });
      const unknownTarget = await api('post', '/api/v1/interfaces/IF-RUN-003/scenarios').send({ key: 'x', name: 'x', category: 'smoke', steps: [{ name: 'x', messages: { target: 'message Nope', source: { inline: [] } } }] });
      expect(unknownTarget.body.error.details[0]).to.include({ field: 'body.steps.0.messages.target', rule: 'exists' });

      const run = await runOf((await startRun({ interface: 'IF-RUN-003' })).body.id);
      const [inline, fromFixture] = run.steps;
      expect(inline, JSON.stringify(inline)).to.deep.include({ status: 'passed' });
      expect(inline.actual).to.include({ messages: 3, invalid: 1, violations: 0 });
      expect(fromFixture.status).to.equal('failed');
      expect(fromFixture.message).to.match(/domain-rule violations \(expected 0\); first: event-order/);
      expect(fromFixture.evidence.request, 'the fixture is the evidence of what was validated').to.equal(uploaded.body.digest);
      const report = JSON.parse(fs.readFileSync(wb.services.evidence.store.pathOf(inline.evidence.response), 'utf8'));
      expect(report.failures[0].index).to.equal(2);
      const ndjson = fs.readFileSync(wb.services.evidence.store.pathOf(inline.evidence.request), 'utf8').trim().split('\n');
      expect(ndjson).to.have.length(3);
    });

    it('errs a message-set step whose fixture was changed on disk, naming it changed (not unparsable), audited and alerted', async () => {
      const fixture = await api('post', '/api/v1/evidence').set('Content-Type', 'application/x-ndjson').send('{"type":"ObjectEvent"}\n');
      const saved = await api('post', '/api/v1/interfaces/IF-RUN-003/scenarios').send({ key: 'tampered-fixture', name: 'A fixture changed after it was chosen', category: 'positive', steps: [{ name: 'The tampered fixture', messages: { target: 'message CommissioningEvent', source: { evidence: fixture.body.digest } } }] });
      expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
      const file = wb.services.evidence.store.pathOf(fixture.body.digest);
      fs.chmodSync(file, 0o640);
      fs.writeFileSync(file, 'no longer JSON at all');
      const run = await runOf((await startRun({ interface: 'IF-RUN-003' })).body.id);
      const step = run.steps.find((s: { name: string }) => s.name === 'The tampered fixture');
      expect(step.status).to.equal('error');
      expect(step.message).to.equal(`The message set cannot be read: fixture ${fixture.body.digest} is changed in the evidence store; a security alert was raised`);
      const alarm = await lastAuditEvent(wb.services, 'evidence.integrity_failed');
      expect(alarm?.after).to.deep.include({ digest: fixture.body.digest, problem: 'changed', refused: 'used' });
      const alerts = (await api('get', '/api/v1/security-alerts', await wb.login('admin'))).body;
      expect(JSON.stringify(alerts)).to.include(fixture.body.digest);
    });

    it('reads a fixture stored as NDJSON line by line even when its lines are arrays, and errs a step whose set holds no message', async () => {
      // First catalogued without a type that tells, then again as NDJSON: the NDJSON row settles it.
      const untold = await api('post', '/api/v1/evidence').set('Content-Type', 'application/octet-stream').send(Buffer.from('["not", "an event"]\n[1, 2]\n'));
      const arrays = await api('post', '/api/v1/evidence').set('Content-Type', 'application/x-ndjson').send('["not", "an event"]\n[1, 2]\n');
      expect(arrays.body).to.include({ digest: untold.body.digest, deduplicated: true });
      const saved = await api('post', '/api/v1/interfaces/IF-RUN-003/scenarios').send({
        key: 'set-shapes',
        name: 'Message sets of odd shapes',
        category: 'negative',
        steps: [
          { name: 'NDJSON of arrays', messages: { target: 'message CommissioningEvent', source: { evidence: arrays.body.digest }, expect: { invalid: 2 } } },
          { name: 'An empty set', messages: { target: 'message CommissioningEvent', source: { inline: [] } } },
        ],
      });
      expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
      const run = await runOf((await startRun({ interface: 'IF-RUN-003' })).body.id);
      const byName = (name: string) => run.steps.find((s: { name: string }) => s.name === name);
      // Two messages (each an array, so each invalid) — not one JSON array that fails to parse.
      expect(byName('NDJSON of arrays'), JSON.stringify(byName('NDJSON of arrays'))).to.deep.include({ status: 'passed' });
      expect(byName('NDJSON of arrays').actual).to.include({ messages: 2, invalid: 2 });
      const empty = byName('An empty set');
      expect(empty.status).to.equal('error');
      expect(empty.message).to.equal('The message set holds no message, so nothing was validated.');
      expect(empty.evidence.request, 'what was (not) validated is still evidence').to.match(/^[0-9a-f]{64}$/);
    });

    it('marks a run interrupted by a stop as aborted at the next start', async () => {
      const queued = await wb.services.runs.create(systemContext('test'), { interface: 'IF-RUN-002' });
      expect(await wb.services.runs.abortInterrupted(systemContext('server start'))).to.deep.equal([queued.id]);
      const run = await runOf(queued.id);
      expect(run.status).to.equal('aborted');
      expect((await lastAuditEvent(wb.services, 'run.aborted'))?.entity).to.deep.equal({ type: 'run', id: String(queued.id) });
    });

    it('gates CI: gxpw run exits 1 on a failed run and writes JUnit, 0 on a passing one', async () => {
      const junit = path.join(os.tmpdir(), `gxpw-junit-${process.pid}.xml`);
      const failing = await gxpwAsync(['run', '--interface', 'IF-RUN-001', '--junit', junit], wb.env);
      expect(failing.status, failing.stderr).to.equal(1);
      expect(failing.stdout).to.match(/FAILED/).and.match(/schema-fault/);
      expect(fs.readFileSync(junit, 'utf8')).to.include('<testsuites');
      const passing = await gxpwAsync(['run', '--interface', 'IF-RUN-002', '--json'], wb.env);
      expect(passing.status, passing.stdout + passing.stderr).to.equal(0);
      expect(JSON.parse(passing.stdout)).to.include({ status: 'passed', interface: 'IF-RUN-002' });
      fs.rmSync(junit, { force: true });
    });

    it('gates CI: a run refused before it begins still leaves JUnit and CTRF reports saying why (exit 1)', async () => {
      const junit = path.join(os.tmpdir(), `gxpw-refused-${process.pid}.xml`);
      const ctrfFile = path.join(os.tmpdir(), `gxpw-refused-${process.pid}.json`);
      try {
        const refused = await gxpwAsync(['run', '--interface', 'IF-RUN-002', '--env', 'staging', '--junit', junit, '--ctrf', ctrfFile], wb.env);
        expect(refused.status, refused.stderr).to.equal(1);
        expect(refused.stderr).to.include("Interface IF-RUN-002 has no environment 'staging'.");
        const text = fs.readFileSync(junit, 'utf8');
        expect(text).to.match(/<error message="Interface IF-RUN-002 has no environment &apos;staging&apos;." type="not_started"\/>/);
        const check = await validateXML({ xml: [{ fileName: 'run.xml', contents: text }], schema: [{ fileName: 'junit.xsd', contents: fs.readFileSync('test/fixtures/junit.xsd', 'utf8') }] });
        expect(check.errors).to.deep.equal([]);
        const ctrf = JSON.parse(fs.readFileSync(ctrfFile, 'utf8'));
        expect(ctrf.results.summary).to.include({ tests: 1, passed: 0, other: 1 });
        expect(ctrf.results.tests[0].message).to.equal("Interface IF-RUN-002 has no environment 'staging'.");
        expect(ctrfValidate(ctrf).errors ?? []).to.deep.equal([]);
      } finally {
        fs.rmSync(junit, { force: true });
        fs.rmSync(ctrfFile, { force: true });
      }
    });

    it('gates CI: a report path that cannot be written is a usage error (exit 2) before anything runs', async () => {
      const before = (await api('get', '/api/v1/runs').query({ interface: 'IF-RUN-002' })).body.runs.length;
      for (const [flag, target] of [['--junit', path.join(os.tmpdir(), 'no-such-dir', 'run.xml')], ['--ctrf', os.tmpdir()], ['--junit', path.resolve('package.json', 'run.xml')]] as const) {
        const refused = await gxpwAsync(['run', '--interface', 'IF-RUN-002', flag, target], wb.env);
        expect(refused.status, refused.stderr).to.equal(2);
        expect(refused.stderr).to.include(`${flag} ${target} cannot be written`);
      }
      expect((await api('get', '/api/v1/runs').query({ interface: 'IF-RUN-002' })).body.runs.length, 'no run was made').to.equal(before);
    });
  });
});

describeEachDatabase('runner: answers it cannot use', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_RUNNER_MAX_RESPONSE_BYTES: '2048' } });
    server = wb.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('fails a step whose answer is not JSON, and ends a step whose answer is over the size cap as an error', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const token = await wb.login('it');
    const small = await request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/plain').send('plain text, not JSON');
    const large = await request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/plain').send('x'.repeat(10_000));
    const ctx = systemContext('test');
    for (const name of ['SAP S/4HANA', 'Manhattan Active WM']) await wb.services.systems.create(ctx, DEMO_SYSTEMS.find((s) => s.name === name)!);
    await wb.services.interfaces.create(ctx, { key: 'IF-RAW-001', name: 'Evidence files', sourceSystem: 'SAP S/4HANA', targetSystem: 'Manhattan Active WM', layer: 'integration-platform', pattern: 'rest-api', direction: 'unidirectional', messageTypes: ['File'], dataDomains: ['orders'], platforms: ['x'], gxpRelevant: false, intendedUse: 'test', owner: 'o', environments: { test: `${base}/api/v1` }, status: 'active' });
    const contract = { openapi: '3.1.0', info: { title: 'files', version: '1' }, paths: { '/evidence/{digest}': { get: { parameters: [{ name: 'digest', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the file', content: { 'application/json': { schema: { type: 'object' } } } } } } } } };
    await wb.services.contracts.register(ctx, 'IF-RAW-001', { format: 'openapi', document: contract });
    const step = (digest: string, name: string) => ({ name, operation: 'GET /evidence/{digest}', pathParams: { digest }, headers: { authorization: `Bearer ${token}` }, expect: { status: 200 } });
    await wb.services.scenarios.save(ctx, 'IF-RAW-001', { key: 'raw', name: 'Raw answers', category: 'smoke', steps: [step(small.body.digest, 'a text answer'), step(large.body.digest, 'an answer over the cap')] });
    const run = await wb.services.runs.runToEnd(ctx, { interface: 'IF-RAW-001', dryRun: true });
    const [text, big] = await wb.services.runs.steps(run.id);
    expect(text).to.include({ status: 'failed' });
    expect(text!.message).to.include('the response body is not JSON');
    expect(big).to.include({ status: 'error' });
    expect(big!.message).to.match(/larger than 2048 bytes/);
    expect(run.status).to.equal('error');
  });
});

describeEachDatabase('runner: domain rules over an answer', (dialect) => {
  const EVENTS = '/epcisBody/queryResults/resultsBody/eventList';
  const UNIT = 'urn:epc:id:sgtin:0312345.067890.10016245';
  const RULES = ['epc-syntax', 'cbv-vocabulary', 'event-order', 'aggregation', 'dscsa-shipping'];
  const historyStep = (query: Record<string, string> = {}) => ({ name: 'Query the events of one unit', operation: 'GET /events', query: { MATCH_epc: UNIT, ...query }, expect: { status: 200, domainRules: { pointer: EVENTS, rules: RULES } } });
  const scenario = (key: string, steps: unknown[]) => ({ key, name: `EPCIS history (${key})`, category: 'positive', requirements: ['URS-009'], steps });
  let wb: TestWorkbench;
  let server: Server;
  let token: string;
  const save = (body: unknown) => request(wb.app).post('/api/v1/interfaces/IF-EPC-001/scenarios').set('Authorization', `Bearer ${token}`).send(body as object);
  const dryRun = async () => (await request(wb.app).get(`/api/v1/runs/${(await wb.services.runs.runToEnd(systemContext('test'), { interface: 'IF-EPC-001', dryRun: true })).id}`).set('Authorization', `Bearer ${token}`)).body;

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '2000' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    const ctx = systemContext('test');
    for (const name of ['TraceLink', 'Northstar Pharma Distribution']) await wb.services.systems.create(ctx, DEMO_SYSTEMS.find((s) => s.name === name)!);
    await wb.services.interfaces.create(ctx, { key: 'IF-EPC-001', name: 'EPCIS events', sourceSystem: 'TraceLink', targetSystem: 'Northstar Pharma Distribution', layer: 'integration-platform', pattern: 'rest-api', direction: 'unidirectional', messageTypes: ['EPCISDocument'], dataDomains: ['serialization-events'], platforms: ['TraceLink 2026.08'], gxpRelevant: true, intendedUse: 'Shipping events', owner: 'Partners', environments: { test: `${base}/sim/trading-partner` }, status: 'active' });
    await wb.services.contracts.register(ctx, 'IF-EPC-001', { format: 'openapi', document: fs.readFileSync('demo/contracts/ser-tp-epcis-shipping-events.openapi.yaml', 'utf8') });
    await requirementsNamed(wb, 'IF-EPC-001', ['URS-009']);
    token = await wb.login('it');
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('refuses domain rules without a pointer, with no rule or an unknown one, or at a pointer the response schema does not hold messages at: a 400 naming the field, nothing saved', async () => {
    const auditBefore = (await auditEvents(wb.services)).length;
    const refusals: Array<[unknown, { field: string; rule: string }]> = [
      [{ rules: RULES }, { field: 'body.steps.0.expect.domainRules.pointer', rule: 'required' }],
      [{ pointer: EVENTS, rules: [] }, { field: 'body.steps.0.expect.domainRules.rules', rule: 'minItems' }],
      [{ pointer: EVENTS, rules: ['lifecycle'] }, { field: 'body.steps.0.expect.domainRules.rules.0', rule: 'enum' }],
      [{ pointer: 'epcisBody/eventList', rules: RULES }, { field: 'body.steps.0.expect.domainRules.pointer', rule: 'pattern' }],
      [['event-order'], { field: 'body.steps.0.expect.domainRules', rule: 'type' }],
      [{ pointer: '/epcisBody/eventList', rules: RULES }, { field: 'body.steps.0.expect.domainRules.pointer', rule: 'exists' }],
      [{ pointer: '/creationDate', rules: RULES }, { field: 'body.steps.0.expect.domainRules.pointer', rule: 'type' }],
    ];
    for (const [domainRules, detail] of refusals) {
      const response = await save(scenario('bad', [{ ...historyStep(), expect: { status: 200, domainRules } }]));
      expect(response.status, JSON.stringify(domainRules)).to.equal(400);
      expect(response.body.error.details, JSON.stringify(domainRules)).to.satisfy((details: Array<{ field: string; rule: string }>) => details.some((d) => d.field === detail.field && d.rule === detail.rule));
    }
    const wrongStatus = await save(scenario('bad', [{ ...historyStep(), operation: 'GET /events', expect: { status: 400, domainRules: { pointer: EVENTS, rules: RULES } } }]));
    expect(wrongStatus.body.error.details[0], 'the 400 answer is a problem document, not an event list').to.include({ field: 'body.steps.0.expect.domainRules.pointer', rule: 'exists' });
    expect(await wb.services.scenarios.current('IF-EPC-001')).to.deep.equal([]);
    expect((await auditEvents(wb.services)).length, 'nothing audited').to.equal(auditBefore);
  });

  it('passes a step whose answer holds under the rules, and fails it, naming the rule and the first violation, when the simulator answers out of order', async () => {
    expect((await save(scenario('serial-history', [historyStep()]))).status).to.equal(201);
    const good = await dryRun();
    expect(good.status, JSON.stringify(good.steps.map((s: { message: string }) => s.message))).to.equal('passed');
    expect(good.steps[0].expected.domainRules).to.deep.equal({ pointer: EVENTS, rules: RULES });
    expect(good.steps[0].actual.domainRules.map((r: { rule: string; checked: number; violationCount: number }) => `${r.rule}:${r.violationCount}`)).to.deep.equal(RULES.map((rule) => `${rule}:0`));
    expect(good.steps[0].actual.domainRules.find((r: { rule: string }) => r.rule === 'event-order').checked, 'three events checked').to.equal(3);

    await save(scenario('serial-history-out-of-order', [historyStep({ fault: 'out-of-order' })])).expect(201);
    await save(scenario('serial-history-outage', [{ ...historyStep({ fault: 'status' }), expect: { status: 503, schema: false, domainRules: { pointer: EVENTS, rules: RULES } } }])).expect(201);
    const bad = await dryRun();
    expect(bad.status).to.equal('failed');
    const byScenario = Object.fromEntries(bad.steps.map((s: { scenario: { key: string } }) => [s.scenario.key, s]));
    expect(byScenario['serial-history'].status).to.equal('passed');
    const outOfOrder = byScenario['serial-history-out-of-order'];
    expect(outOfOrder.status).to.equal('failed');
    expect(outOfOrder.message).to.equal(`${EVENTS}: 3 domain-rule violations (expected 0); first: event-order at message 1: packing event for ${UNIT} comes before its commissioning (message 2)`);
    expect(outOfOrder.actual.schemaErrors, 'the answer matches the contract').to.deep.equal([]);
    expect(outOfOrder.actual.domainRules.find((r: { rule: string }) => r.rule === 'event-order').violations[0]).to.include({ rule: 'event-order', index: 1, pointer: '/childEPCs/0', epc: UNIT });
    const outage = byScenario['serial-history-outage'];
    expect(outage.status).to.equal('failed');
    expect(outage.message).to.equal(`${EVENTS}: is missing, not messages the domain rules (${RULES.join(', ')}) can read`);
  });
});

describeEachDatabase('runner: request bodies from fixtures', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let token: string;
  const saveScenario = (steps: unknown[]) => request(wb.app).post('/api/v1/interfaces/IF-FIX-001/scenarios').set('Authorization', `Bearer ${token}`).send({ key: 'order-from-fixture', name: 'An order from a fixture', category: 'positive', steps });
  const upload = (body: string, type = 'application/json') => request(wb.app).post('/api/v1/evidence').set('Authorization', `Bearer ${token}`).set('Content-Type', type).send(body);

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, ['IF-FIX-001'], { test: `${base}/sim/wms` });
    token = await wb.login('it');
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('sends a body taken from a JSON fixture, its templates rendered, and keeps what was sent as evidence', async () => {
    const fixture = await upload(JSON.stringify(SALES_ORDER));
    const saved = await saveScenario([{ name: 'Create the order from the fixture', operation: 'POST /orders', bodyFrom: { evidence: fixture.body.digest }, expect: { status: 201 } }]);
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    const run = await wb.services.runs.runToEnd(systemContext('test'), { interface: 'IF-FIX-001', dryRun: true });
    const [step] = await wb.services.runs.steps(run.id);
    expect(step!.status, step!.message ?? '').to.equal('passed');
    const sent = JSON.parse(fs.readFileSync(wb.services.evidence.store.pathOf(step!.requestEvidence!), 'utf8'));
    expect(sent.body.orderNumber, 'the template in the fixture was rendered').to.match(/^\d{10}$/);
    expect(sent.body.lines[0]).to.include({ material: 'FG-100245', quantity: 120 });
  });

  it('refuses exchange fields on a message-set step, which would be saved and never used', async () => {
    const saved = await saveScenario([{ name: 'x', messages: { target: 'POST /orders request', source: { inline: [] } }, expect: { status: 200 }, query: { a: 'b' } }]);
    expect(saved.status).to.equal(400);
    expect(saved.body.error.details[0]).to.include({ field: 'body.steps.0', rule: 'messageSet' });
    expect(saved.body.error.details[0].message).to.include('query, expect');
  });

  it('refuses a fixture that is missing, not JSON, or given with a body: a 400 naming the field, nothing saved', async () => {
    const before = (await wb.services.scenarios.current('IF-FIX-001')).length;
    const auditBefore = (await auditEvents(wb.services, { action: 'scenario.saved' })).length;
    const text = await upload('order 4711, not JSON', 'text/plain');
    const missing = await saveScenario([{ name: 'x', operation: 'POST /orders', bodyFrom: { evidence: 'e'.repeat(64) } }]);
    expect(missing.status).to.equal(400);
    expect(missing.body.error.details[0]).to.include({ field: 'body.steps.0.bodyFrom.evidence', rule: 'exists' });
    const notJson = await saveScenario([{ name: 'x', operation: 'POST /orders', bodyFrom: { evidence: text.body.digest } }]);
    expect(notJson.status).to.equal(400);
    expect(notJson.body.error.details[0]).to.include({ field: 'body.steps.0.bodyFrom.evidence', rule: 'json' });
    const both = await saveScenario([{ name: 'x', operation: 'POST /orders', body: SALES_ORDER, bodyFrom: { evidence: text.body.digest } }]);
    expect(both.status).to.equal(400);
    expect(both.body.error.details[0]).to.include({ field: 'body.steps.0', rule: 'oneOf' });
    expect((await wb.services.scenarios.current('IF-FIX-001')).length).to.equal(before);
    expect((await auditEvents(wb.services, { action: 'scenario.saved' })).length).to.equal(auditBefore);
  });

  it('ends the step as an error, sending nothing, when the fixture was changed on disk after the scenario was saved', async () => {
    const fixture = await upload(JSON.stringify({ ...SALES_ORDER, plant: 'US20' }));
    expect((await saveScenario([{ name: 'Create the order from the fixture', operation: 'POST /orders', bodyFrom: { evidence: fixture.body.digest }, expect: { status: 201 } }])).status).to.equal(201);
    const file = wb.services.evidence.store.pathOf(fixture.body.digest);
    fs.chmodSync(file, 0o640);
    fs.writeFileSync(file, JSON.stringify({ ...SALES_ORDER, plant: 'XX99' }));
    const run = await wb.services.runs.runToEnd(systemContext('test'), { interface: 'IF-FIX-001', dryRun: true });
    const [step] = await wb.services.runs.steps(run.id);
    expect(step).to.include({ status: 'error', responseEvidence: null });
    expect(step!.message).to.equal(`The body fixture cannot be used: evidence ${fixture.body.digest} is changed on disk`);
    expect(run.status).to.equal('error');
    const alarm = await lastAuditEvent(wb.services, 'evidence.integrity_failed');
    expect(alarm?.after).to.deep.include({ digest: fixture.body.digest, problem: 'changed', refused: 'used' });
  });
});
