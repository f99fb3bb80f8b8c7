// The demo workspace: the seed article's reference architecture, every interface with a contract
// and a risk assessment under both shipped models, created once.
import { expect } from 'chai';
import request from 'supertest';
import fs from 'node:fs';
import type { Server } from 'node:http';
import net from 'node:net';
import { DEMO_APPROVED_SCOPE, DEMO_IN_REVIEW_SCOPE } from '../../src/demo/demo-packages.js';
import { runDemoScenarios, seedDemoWorkspace } from '../../src/demo/demo-workspace.js';
import { DEMO_INTERFACES, DEMO_PLATFORM_RECORDS, DEMO_SYSTEMS } from '../../src/demo/reference-architecture.js';
import { systemContext } from '../../src/platform/request-context.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

describeEachDatabase('demo workspace', (dialect) => {
  let wb: TestWorkbench;
  let auditor: string;
  const get = (path: string) => request(wb.app).get(path).set('Authorization', `Bearer ${auditor}`);

  before(async () => {
    wb = await createTestWorkbench(dialect, { demoRegistry: true });
    auditor = await wb.login('auditor');
  });
  after(async () => wb?.close());

  it('has the reference architecture: ERP, WMS, serialization, integration platform, event streaming, data hub, control tower, trading partner', async () => {
    const systems = (await get('/api/v1/systems')).body.systems;
    expect(systems.map((s: { kind: string }) => s.kind)).to.have.members(['erp', 'wms', 'serialization', 'integration-platform', 'event-broker', 'data-hub', 'control-tower', 'trading-partner']);
    expect(systems.map((s: { name: string }) => s.name)).to.include.members(['SAP S/4HANA', 'TraceLink', 'MuleSoft', 'Confluent Kafka', 'Snowflake', 'Kinaxis']);
  });

  it('has at least 12 active interfaces, each with a contract and a current CSA assessment superseding a GAMP 5 one', async () => {
    const { total, interfaces } = (await get('/api/v1/interfaces').query({ limit: 100 })).body;
    expect(total).to.equal(DEMO_INTERFACES.length).and.to.be.at.least(12);
    for (const iface of interfaces) {
      expect(iface, iface.key).to.include({ status: 'active', currentContractVersion: 1 });
      expect(iface.riskLevel, iface.key).to.be.oneOf(['high', 'medium', 'low']);
      const history = (await get(`/api/v1/interfaces/${iface.key}/risk-assessments`)).body.riskAssessments;
      expect(history.map((a: { model: { id: string }; current: boolean }) => `${a.model.id}:${a.current}`), iface.key).to.deep.equal(['fda-csa:true', 'gamp5:false']);
      expect(history[0].assessedBy.name).to.equal('Quinn Quality');
    }
    const levels = new Set(interfaces.map((i: { riskLevel: string }) => i.riskLevel));
    expect([...levels]).to.have.members(['high', 'medium', 'low']);
  });

  it('has its platforms as records, with the version in service per environment and the interfaces on each', async () => {
    const platforms = (await get('/api/v1/platforms')).body.platforms as Array<{ key: string; kind: string; versions: Record<string, string>; systems: Array<{ id: number; name: string }>; interfaceCounts: { active: number } }>;
    expect(platforms.map((p) => p.key)).to.have.members(DEMO_PLATFORM_RECORDS.map((p) => p.key));
    const mule = platforms.find((p) => p.key === 'mulesoft-runtime')!;
    expect(mule).to.deep.include({ kind: 'integration-platform', versions: { production: '4.6', test: '4.9', validation: '4.6' }, systems: [{ id: mule.systems[0]!.id, name: 'MuleSoft' }] });
    // Every platform text of every demo interface resolved to one of these records: nothing was created on the side.
    const expected = (text: string) => DEMO_INTERFACES.filter((i) => i.platforms.includes(text)).length;
    expect(mule.interfaceCounts.active).to.equal(expected('MuleSoft Runtime 4.6'));
    expect(platforms.find((p) => p.key === 'tracelink')!.interfaceCounts.active).to.equal(expected('TraceLink 2026.08'));
    const onMule = await wb.services.platforms.interfacesOn((await wb.services.platforms.get('mulesoft-runtime')).id);
    expect(onMule).to.have.length(expected('MuleSoft Runtime 4.6'));
    expect(onMule.every((i) => i.riskLevel !== null)).to.equal(true);
  });

  it('covers the flows of the seed article', async () => {
    const interfaces = (await get('/api/v1/interfaces').query({ limit: 100 })).body.interfaces as Array<{ sourceSystem: string; targetSystem: string; dataDomains: string[]; pattern: string; name: string }>;
    const flow = (source: RegExp, target: RegExp, domain?: string) => interfaces.some((i) => source.test(i.sourceSystem) && target.test(i.targetSystem) && (!domain || i.dataDomains.includes(domain)));
    expect(flow(/S\/4HANA/, /Manhattan/, 'orders'), 'sales orders ERP→WMS').to.equal(true);
    expect(flow(/Manhattan/, /S\/4HANA/, 'shipments'), 'pick/ship confirmations WMS→ERP').to.equal(true);
    expect(flow(/S\/4HANA/, /TraceLink/, 'product-master'), 'product master ERP→serialization').to.equal(true);
    expect(flow(/S\/4HANA/, /TraceLink/, 'location-master'), 'location master with GLN').to.equal(true);
    expect(flow(/Manhattan/, /TraceLink/, 'serialization-events'), 'aggregation WMS→serialization').to.equal(true);
    expect(flow(/TraceLink/, /Northstar/), 'EPCIS / DSCSA to the trading partner').to.equal(true);
    expect(flow(/./, /Snowflake/, 'inventory'), 'inventory snapshot to the data hub').to.equal(true);
    expect(flow(/./, /Kinaxis/), 'exceptions to the control tower').to.equal(true);
    expect(interfaces.some((i) => i.dataDomains.includes('telemetry') && i.pattern === 'event-stream'), 'cold-chain telemetry on the event mesh').to.equal(true);
  });

  it('scores every demo interface with both shipped models', async () => {
    for (const demo of DEMO_INTERFACES) {
      for (const modelId of ['fda-csa', 'gamp5'] as const) {
        const response = await request(wb.app).post(`/api/v1/risk-models/${modelId}/evaluate`).set('Authorization', `Bearer ${auditor}`).send({ answers: demo.risk[modelId] });
        expect(response.status, `${demo.key} ${modelId}`).to.equal(200);
        expect(response.body.level).to.be.oneOf(['high', 'medium', 'low']);
      }
    }
  });

  it('gives every interface requirements drafted from it, carrying its risk, and scenarios that name them', async () => {
    for (const demo of DEMO_INTERFACES) {
      const iface = (await get(`/api/v1/interfaces/${demo.key}`)).body;
      const requirements = (await get(`/api/v1/interfaces/${demo.key}/requirements`)).body.requirements as Array<{ key: string; type: string; risk: string; scenarios: string[] }>;
      expect(requirements.map((r) => r.type), demo.key).to.include.members(['user', 'functional']);
      expect(requirements.every((r) => r.key.startsWith(`${demo.key}-R`) && r.risk === iface.riskLevel), demo.key).to.equal(true);
      const keys = new Set(requirements.map((r) => r.key));
      const scenarios = (await get(`/api/v1/interfaces/${demo.key}/scenarios`)).body.scenarios as Array<{ key: string; definition: { requirements: string[] } }>;
      for (const scenario of scenarios) {
        expect(scenario.definition.requirements, `${demo.key} ${scenario.key}`).to.not.be.empty;
        for (const key of scenario.definition.requirements) expect(keys.has(key), `${demo.key} ${scenario.key} names ${key}`).to.equal(true);
      }
      expect(requirements.filter((r) => r.type === 'functional' && r.scenarios.length).length, `${demo.key}: a functional requirement verified by a scenario`).to.be.greaterThan(0);
    }
    // The EPCIS history scenario verifies the serialization domain rules it applies.
    const epcis = (await get('/api/v1/interfaces/IF-SER-TP-009/requirements')).body.requirements as Array<{ text: string; scenarios: string[] }>;
    expect(epcis.find((r) => r.text.includes('(domain rule event-order)'))!.scenarios).to.include('epcis-serial-history');
  });

  it('creates nothing the second time', async () => {
    const before = (await get('/api/v1/audit').query({ limit: 1, order: 'desc' })).body;
    expect(await seedDemoWorkspace(wb.services, TEST_PASSWORD)).to.deep.equal({ usersCreated: [], interfacesCreated: 0, generatedPassword: null });
    expect((await get('/api/v1/audit').query({ limit: 1, order: 'desc' })).body).to.deep.equal(before);
  });
});

describeEachDatabase('demo workspace seeding, interrupted or declined', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  it('completes a seeding that stopped half-way (some systems, one interface without contract or assessment)', async () => {
    const ctx = systemContext('test');
    const [first] = DEMO_INTERFACES;
    for (const name of [first!.sourceSystem, first!.targetSystem]) await wb.services.systems.create(ctx, DEMO_SYSTEMS.find((s) => s.name === name)!);
    const { contract: _c, risk: _r, ...fields } = first!;
    await wb.services.interfaces.create(ctx, fields);
    const result = await seedDemoWorkspace(wb.services, TEST_PASSWORD);
    expect(result.interfacesCreated).to.equal(DEMO_INTERFACES.length - 1);
    const views = await wb.services.interfaces.views(new Date());
    expect(views.total).to.equal(DEMO_INTERFACES.length);
    expect(views.withoutContract).to.deep.equal([]);
    expect(views.withoutAssessment).to.deep.equal([]);
  });

  it("leaves a registry that holds someone's own systems alone", async () => {
    const other = await createTestWorkbench(dialect);
    try {
      await other.services.systems.create(systemContext('test'), { name: 'Our Own ERP', kind: 'erp', vendor: 'Acme', product: 'ERP', version: '1', gampCategory: 4, layer: 'source-system', owner: 'IT' });
      expect((await seedDemoWorkspace(other.services, TEST_PASSWORD)).interfacesCreated).to.equal(0);
      expect((await other.services.systems.list()).map((s) => s.name)).to.deep.equal(['Our Own ERP']);
    } finally {
      await other.close();
    }
  });
});

describeEachDatabase('demo runs against the simulators', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let base: string;
  before(async function () {
    this.timeout(120_000);
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    // Seeded as configured for port 3000, served on another port (a restart with PORT changed): the
    // demo's `self:` environments follow the server to where it listens.
    wb = await createTestWorkbench(dialect, { demoRegistry: true, env: { PORT: '3000', GXPW_SIMULATORS: 'on' } });
    expect(port).to.not.equal(3000);
    server = wb.app.listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${port}`;
    wb.services.runs.listeningOn(base);
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('seeds its test environments as `self:` references to the simulators, not as a fixed address', async () => {
    for (const demo of DEMO_INTERFACES) {
      const { environments } = await wb.services.interfaces.view(demo.key);
      expect(environments.test, demo.key).to.match(/^self:\/sim\/[a-z-]+$/);
      if (environments.faulty) expect(environments.faulty, demo.key).to.match(/^self:\/sim\/faulty\//);
    }
  });

  it('gives every demo interface scenarios drafted from its contract', async () => {
    for (const demo of DEMO_INTERFACES) expect((await wb.services.scenarios.current(demo.key)).length, demo.key).to.be.at.least(1);
  });

  it('runs every demo interface over real HTTP (one passing run each), then the fault showcases fail, each with an open deviation; evidence files open', async function () {
    this.timeout(120_000);
    expect(await runDemoScenarios(wb.services, base, TEST_PASSWORD)).to.equal(DEMO_INTERFACES.length + 2);
    const runs = await wb.services.runs.list({ limit: 100 });
    for (const demo of DEMO_INTERFACES) {
      // One demo run each; a change's regression runs are the change's own (its assurance says so).
      const passed = runs.filter((r) => r.interfaceKey === demo.key && r.status === 'passed' && !r.assurance.includes('regression of change'));
      expect(passed.length, `${demo.key}: ${JSON.stringify((await wb.services.runs.steps(runs.find((r) => r.interfaceKey === demo.key)!.id)).filter((s) => s.status !== 'passed').map((s) => s.message))}`).to.equal(1);
    }
    const failed = runs.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.interfaceKey)).to.have.members(['IF-ERP-WMS-001', 'IF-SER-TP-009']);
    for (const run of failed) {
      const [deviation] = await wb.services.deviations.list({ runId: run.id });
      expect(deviation?.status, run.interfaceKey).to.equal('open');
    }
    // The EPCIS history answered out of order: valid against the contract, caught by the event-order rule.
    // The showcases ran against each interface's `faulty` environment; the scenarios are the interface's own.
    expect(failed.map((r) => r.environment)).to.deep.equal(['faulty', 'faulty']);
    const outOfOrder = (await wb.services.runs.steps(failed.find((r) => r.interfaceKey === 'IF-SER-TP-009')!.id)).filter((s) => s.status !== 'passed');
    expect(outOfOrder.map((s) => s.scenarioKey)).to.deep.equal(['epcis-serial-history']);
    expect(outOfOrder[0]!.message).to.match(/^\/epcisBody\/queryResults\/resultsBody\/eventList: 3 domain-rule violations \(expected 0\); first: event-order at message \d: packing event for urn:epc:id:sgtin:\S+ comes before its commissioning/);
    const epcisRun = runs.find((r) => r.interfaceKey === 'IF-SER-TP-009' && r.status === 'passed')!;
    const epcisSteps = await wb.services.runs.steps(epcisRun.id);
    expect(epcisSteps.map((s) => s.scenarioKey), 'the event history is queried and checked').to.include('epcis-serial-history');
    const exchanges = await Promise.all(epcisSteps.map(async (s) => JSON.parse(fs.readFileSync(wb.services.evidence.store.pathOf(s.requestEvidence!), 'utf8')) as { url: string }));
    expect(exchanges.map((e) => e.url)).to.satisfy((urls: string[]) => urls.length > 0 && urls.every((url) => url.startsWith(`${base}/sim/trading-partner/`)));
    // The run record keeps the reference and the URL it resolved to, where this server listens.
    const presented = (await request(wb.app).get(`/api/v1/runs/${epcisRun.id}`).set('Authorization', `Bearer ${await wb.login('auditor')}`)).body;
    expect(presented.environment).to.deep.equal({ name: 'test', baseUrl: `${base}/sim/trading-partner`, reference: 'self:/sim/trading-partner' });
    const [queued] = await auditEvents(wb.services, { action: 'run.queued', entityType: 'run', entityId: String(epcisRun.id) });
    expect(queued?.after).to.include({ baseUrl: `${base}/sim/trading-partner`, environmentReference: 'self:/sim/trading-partner' });
    expect(await runDemoScenarios(wb.services, base), 'only on a workspace without runs').to.equal(0);
    // No scenario was added to fail on purpose: a later run of a showcase interface against `test` passes.
    const again = await wb.services.runs.runToEnd(systemContext('test'), { interface: 'IF-ERP-WMS-001', environment: 'test' });
    expect(again.status).to.equal('passed');
  });

  it('ends with one approved validation package, signed through the signature service, and one in review held by the open deviation', async () => {
    const packages = await wb.services.packages.list();
    const approved = packages.find((p) => p.status === 'approved')!;
    const inReview = packages.find((p) => p.status === 'in-review')!;
    expect(packages.map((p) => p.status).sort()).to.deep.equal(['approved', 'in-review']);
    expect(JSON.parse(approved.scope)).to.deep.equal([{ interfaceKey: DEMO_APPROVED_SCOPE, contractVersion: 1 }]);
    const signOff = await wb.services.signatures.signOffStatus('package', String(approved.id), approved.revision);
    expect(signOff.complete).to.equal(true);
    expect((await auditEvents(wb.services, { action: 'package.approved', entityType: 'package', entityId: String(approved.id) })).length).to.equal(1);
    const blocked = (await wb.services.packages.approvalBlockers(systemContext('test'), inReview.id)).map((b) => b.message).join('\n');
    expect(blocked).to.match(/no closed deviation covers it/);
    expect(JSON.parse(inReview.scope)[0].interfaceKey).to.equal(DEMO_IN_REVIEW_SCOPE);
  });

  it('ends with a vendor release taken to closure with its regression runs, and one awaiting QA approval for testing', async () => {
    const changes = await wb.services.changes.list();
    expect(changes.map((c) => c.state).sort()).to.deep.equal(['assessed', 'closed']);
    const closed = JSON.parse(changes.find((c) => c.state === 'closed')!.content);
    expect(closed.runs.length).to.be.at.least(1);
    for (const id of closed.runs) expect((await wb.services.runs.get(id)).status).to.equal('passed');
    expect((await wb.services.platforms.findByName('Kinaxis Maestro'))!.versions).to.deep.include({ production: '2025.2' });
    const open = changes.find((c) => c.state === 'assessed')!;
    const status = await wb.services.signatures.signOffStatus('change', String(open.id), open.currentVersion);
    expect(status.requirements.filter((r) => r.signatureId === null).map((r) => r.meaning)).to.include('approved');
  });
});
