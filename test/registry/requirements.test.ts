// Requirement records (URS/FS) per interface: created, drafted from the interface, edited and
// retired as new versions, each audited; scenarios may name only active requirements of their
// interface; ids scenarios named as free text before requirements were records are adopted.
import { expect } from 'chai';
import fs from 'node:fs';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import YAML from 'yaml';
import { DEMO_SYSTEMS } from '../../src/demo/reference-architecture.js';
import { digestOf } from '../../src/platform/canonical-json.js';
import { systemContext } from '../../src/platform/request-context.js';
import { DOMAIN_RULE_REQUIREMENTS } from '../../src/registry/requirement-drafting.js';
import { requirementDigest, UnknownRequirementError } from '../../src/registry/requirement-service.js';
import { DOMAIN_RULES } from '../../src/scenarios/domain-rules.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { SALES_ORDERS_CONTRACT, salesOrderInterfaces } from '../support/runner-fixtures.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

const KEY = 'IF-REQ-001';
const BASE = `/api/v1/interfaces/${KEY}/requirements`;

const SMOKE = { key: 'order-lookup', name: 'An unknown order is a 404', category: 'smoke', steps: [{ name: 'Look up an unknown order', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }] };

describeEachDatabase('requirements', (dialect) => {
  let wb: TestWorkbench;
  const tokens: Record<string, string> = {};
  const api = (method: 'get' | 'post' | 'patch', url: string, role = 'it') => request(wb.app)[method](url).set('Authorization', `Bearer ${tokens[role]}`);
  const ctx = systemContext('test');
  const rowCount = async () => Number((await wb.services.database.sequelize.query<{ n: number }>('SELECT COUNT(*) AS n FROM requirements', { type: QueryTypes.SELECT }))[0]!.n);
  const scenarioCount = async () => Number((await wb.services.database.sequelize.query<{ n: number }>('SELECT COUNT(*) AS n FROM scenarios', { type: QueryTypes.SELECT }))[0]!.n);

  before(async () => {
    wb = await createTestWorkbench(dialect);
    await salesOrderInterfaces(wb, [KEY, 'IF-REQ-002', 'IF-REQ-003'], { test: 'http://127.0.0.1:9/sim/wms' });
    for (const role of ['it', 'qa', 'auditor', 'admin']) tokens[role] = await wb.login(role);
  });
  after(async () => wb?.close());

  describe('create, edit, retire', () => {
    it('creates a requirement with the next <interface key>-R<nn> key, its digest, and an audit event with the state of its row', async () => {
      const created = await api('post', BASE).send({ type: 'user', text: '  Released orders reach the warehouse the same day.  ', reason: 'URS workshop 2026-03' });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body).to.deep.include({ interface: KEY, key: `${KEY}-R01`, version: 1, type: 'user', text: 'Released orders reach the warehouse the same day.', risk: 'medium', status: 'active', reason: 'URS workshop 2026-03', scenarios: [] });
      expect(created.body.createdBy).to.deep.equal({ id: (await wb.services.users.findByUsername('it'))!.id, name: 'Ingrid Integration' });
      const digest = digestOf({ interface: KEY, key: `${KEY}-R01`, version: 1, type: 'user', text: 'Released orders reach the warehouse the same day.', risk: 'medium', status: 'active' });
      expect(created.body.digest).to.equal(digest);

      const event = await lastAuditEvent(wb.services, 'requirement.created');
      expect(event).to.deep.include({ entity: { type: 'interface', id: KEY }, reason: 'URS workshop 2026-03' });
      expect(event!.actor.name).to.equal('Ingrid Integration');
      expect(event!.after).to.deep.equal({ key: `${KEY}-R01`, version: 1, type: 'user', text: 'Released orders reach the warehouse the same day.', risk: 'medium', status: 'active', digest });
      const [row] = await wb.services.database.sequelize.query<{ id: number }>(`SELECT id FROM requirements WHERE key = '${KEY}-R01'`, { type: QueryTypes.SELECT });
      expect(Object.keys(event!.states!)).to.include(`requirement:${row!.id}`);

      const second = await api('post', BASE).send({ type: 'functional', text: 'Each order line carries a GTIN.', risk: 'high' });
      expect(second.body).to.include({ key: `${KEY}-R02`, risk: 'high', reason: null });
    });

    it('takes a key of one’s own, and refuses one the interface has already (keys are never reused)', async () => {
      const own = await api('post', BASE).send({ key: 'URS-014', type: 'functional', text: 'Orders are acknowledged within 5 s.' });
      expect(own.status).to.equal(201);
      expect(own.body.key).to.equal('URS-014');
      const rows = await rowCount();
      const again = await api('post', BASE).send({ key: 'URS-014', type: 'user', text: 'Something else.' });
      expect(again.status).to.equal(409);
      expect(again.body.error.code).to.equal('requirement_exists');
      expect(await rowCount()).to.equal(rows);
      // The same key on another interface is another requirement.
      expect((await api('post', '/api/v1/interfaces/IF-REQ-002/requirements').send({ key: 'URS-014', type: 'user', text: 'Other interface.' })).status).to.equal(201);
    });

    it('edits as a new version with a reason; every version stays readable', async () => {
      const edited = await api('patch', `${BASE}/${KEY}-R01`).send({ text: 'Released orders reach the warehouse within 15 minutes.', risk: 'high', reason: 'SLA agreed with the warehouse' });
      expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
      expect(edited.body).to.include({ key: `${KEY}-R01`, version: 2, type: 'user', risk: 'high', status: 'active', reason: 'SLA agreed with the warehouse' });
      expect(edited.body.digest).to.equal(requirementDigest({ interface: KEY, key: `${KEY}-R01`, version: 2, type: 'user', text: 'Released orders reach the warehouse within 15 minutes.', risk: 'high', status: 'active' }));

      const event = await lastAuditEvent(wb.services, 'requirement.updated');
      expect(event).to.deep.include({ entity: { type: 'interface', id: KEY }, reason: 'SLA agreed with the warehouse' });
      expect(event!.before).to.include({ version: 1, text: 'Released orders reach the warehouse the same day.', risk: 'medium' });
      expect(event!.after).to.include({ version: 2, text: 'Released orders reach the warehouse within 15 minutes.', risk: 'high', digest: edited.body.digest });

      const history = (await api('get', `${BASE}/${KEY}-R01`, 'auditor')).body;
      expect(history).to.include({ version: 2, text: 'Released orders reach the warehouse within 15 minutes.' });
      expect(history.versions.map((v: { version: number; reason: string | null }) => `${v.version}:${v.reason}`)).to.deep.equal(['2:SLA agreed with the warehouse', '1:URS workshop 2026-03']);
      const first = (await api('get', `${BASE}/${KEY}-R01/versions/1`, 'qa')).body;
      expect(first).to.include({ version: 1, text: 'Released orders reach the warehouse the same day.', risk: 'medium' });
      expect((await api('get', `${BASE}/${KEY}-R01/versions/3`, 'qa')).status).to.equal(404);

      const unchanged = await api('patch', `${BASE}/${KEY}-R01`).send({ risk: 'high', reason: 'no change' });
      expect(unchanged.status).to.equal(409);
      expect(unchanged.body.error.code).to.equal('requirement_unchanged');
    });

    it('retires with a reason, refused while a current scenario names the requirement', async () => {
      const saved = await api('post', `/api/v1/interfaces/${KEY}/scenarios`).send({ ...SMOKE, requirements: [`${KEY}-R02`, 'URS-014'] });
      expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
      const listed = (await api('get', BASE, 'auditor')).body.requirements;
      expect(listed.map((r: { key: string; scenarios: string[] }) => `${r.key}:${r.scenarios.join('|')}`)).to.deep.equal([`${KEY}-R01:`, `${KEY}-R02:order-lookup`, 'URS-014:order-lookup']);

      const rows = await rowCount();
      const refused = await api('post', `${BASE}/${KEY}-R02/retire`).send({ reason: 'duplicate of URS-014' });
      expect(refused.status).to.equal(409);
      expect(refused.body.error.code).to.equal('requirement_in_use');
      expect(refused.body.error.message).to.contain('order-lookup');
      expect(await rowCount()).to.equal(rows);

      // The scenario's next version names another requirement: nothing names R02 any more.
      expect((await api('post', `/api/v1/interfaces/${KEY}/scenarios`).send({ ...SMOKE, requirements: ['URS-014'] })).status).to.equal(201);
      const retired = await api('post', `${BASE}/${KEY}-R02/retire`).send({ reason: 'duplicate of URS-014' });
      expect(retired.status, JSON.stringify(retired.body)).to.equal(200);
      expect(retired.body).to.include({ version: 2, status: 'retired', text: 'Each order line carries a GTIN.', reason: 'duplicate of URS-014' });
      const event = await lastAuditEvent(wb.services, 'requirement.retired');
      expect(event).to.deep.include({ reason: 'duplicate of URS-014' });
      expect(event!.before).to.include({ status: 'active', version: 1 });
      expect(event!.after).to.include({ status: 'retired', version: 2 });

      expect((await api('get', BASE, 'qa').query({ status: 'active' })).body.requirements.map((r: { key: string }) => r.key)).to.deep.equal([`${KEY}-R01`, 'URS-014']);
      expect((await api('get', BASE, 'qa')).body.requirements.find((r: { key: string }) => r.key === `${KEY}-R02`)).to.include({ status: 'retired' });
      expect((await api('get', `${BASE}/${KEY}-R02/versions/1`, 'qa')).body).to.include({ status: 'active' });

      for (const [method, path, body] of [['patch', `${BASE}/${KEY}-R02`, { text: 'back', reason: 'r' }], ['post', `${BASE}/${KEY}-R02/retire`, { reason: 'again' }]] as const) {
        const response = await api(method, path).send(body);
        expect(response.status, path).to.equal(409);
        expect(response.body.error.code).to.equal('requirement_retired');
      }
      // A retired requirement's key is not handed out again.
      expect((await api('post', BASE).send({ type: 'regulatory', text: 'Audit trail.' })).body.key).to.equal(`${KEY}-R03`);
    });

    it('answers the package service: active current versions ordered by key, and their keys', async () => {
      const { id } = await wb.services.interfaces.get(KEY);
      const current = await wb.services.requirements.currentOf(id);
      expect(current.map((r) => `${r.key}@${r.version}`)).to.deep.equal([`${KEY}-R01@2`, `${KEY}-R03@1`, 'URS-014@1']);
      expect(Object.keys(current[0]!).sort()).to.deep.equal(['createdAt', 'createdByName', 'digest', 'id', 'interfaceId', 'key', 'risk', 'status', 'text', 'type', 'version']);
      expect(current[0]).to.include({ interfaceId: id, type: 'user', risk: 'high', status: 'active', createdByName: 'Ingrid Integration' });
      expect([...(await wb.services.requirements.keysOf(id))].sort()).to.deep.equal([`${KEY}-R01`, `${KEY}-R03`, 'URS-014']);
    });

    it('refuses changes on a retired interface', async () => {
      await wb.services.interfaces.setStatus(ctx, 'IF-REQ-003', 'retired', 'replaced');
      const response = await api('post', '/api/v1/interfaces/IF-REQ-003/requirements').send({ type: 'user', text: 'Too late.' });
      expect(response.status).to.equal(409);
      expect(response.body.error.code).to.equal('interface_retired');
    });
  });

  describe('drafting from the interface', () => {
    it('drafts a user requirement from the intended use, one functional per contract operation, and those of the domain rules and regulations; again, nothing', async () => {
      await api('post', '/api/v1/interfaces/IF-REQ-002/risk-assessments', 'qa').send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } }).expect(201);
      const before = (await auditEvents(wb.services, { action: 'requirement.created' })).length;
      const drafted = await api('post', '/api/v1/interfaces/IF-REQ-002/requirements/draft').send({});
      expect(drafted.status, JSON.stringify(drafted.body)).to.equal(201);
      const created = drafted.body.requirements as Array<{ key: string; type: string; text: string; risk: string; reason: string }>;
      // URS-014 is taken by hand already: numbering starts at R01 all the same.
      expect(created.map((r) => r.key)).to.deep.equal(created.map((_r, i) => `IF-REQ-002-R${String(i + 1).padStart(2, '0')}`));
      expect(created.every((r) => r.risk === 'high'), 'the risk of the interface').to.equal(true);
      expect(created[0]).to.include({ type: 'user', text: 'The interface shall serve its intended use: Order release' });
      const functional = created.filter((r) => r.type === 'functional').map((r) => r.text);
      expect(functional).to.deep.equal([
        'The interface shall provide POST /orders (Create the outbound order for a released sales order), with requests and responses that conform to the interface contract.',
        'The interface shall provide GET /orders/{orderNumber} (Status of an outbound order), with requests and responses that conform to the interface contract.',
      ]);
      // Orders carry no GS1 domain rule; a GxP interface gets data integrity and regulatory ones.
      const integrity = created.filter((r) => r.type === 'data-integrity').map((r) => r.text);
      expect(integrity).to.have.length(1);
      expect(integrity[0]).to.match(/complete and unaltered/);
      expect(created.filter((r) => r.type === 'regulatory').map((r) => r.text).join(' ')).to.contain('Part 11 §11.10(e)').and.not.to.contain('DSCSA');
      expect(created[0]!.reason).to.equal('drafted from the interface: intended use, contract v1, data domains');
      expect((await auditEvents(wb.services, { action: 'requirement.created' })).length - before).to.equal(created.length);

      const again = await api('post', '/api/v1/interfaces/IF-REQ-002/requirements/draft').send({});
      expect(again.status).to.equal(201);
      expect(again.body.requirements).to.deep.equal([]);
      expect((await auditEvents(wb.services, { action: 'requirement.created' })).length - before).to.equal(created.length);
    });

    it('drafts, for serialization events on an AsyncAPI contract, one per message and the GS1/EPCIS domain rules, DSCSA and FMD', async () => {
      for (const name of ['TraceLink']) await wb.services.systems.create(ctx, DEMO_SYSTEMS.find((s) => s.name === name)!);
      await wb.services.interfaces.create(ctx, { key: 'IF-REQ-SER-004', name: 'Commissioning events', sourceSystem: 'TraceLink', targetSystem: 'Manhattan Active WM', layer: 'event-streaming', pattern: 'event-stream', direction: 'unidirectional', messageTypes: ['ObjectEvent'], dataDomains: ['serialization-events', 'shipments'], platforms: ['Confluent Kafka 7.6'], gxpRelevant: true, intendedUse: 'Commissioned serials reach the WMS before packing.', owner: 'Serialization' });
      await wb.services.contracts.register(ctx, 'IF-REQ-SER-004', { format: 'asyncapi', document: fs.readFileSync('demo/contracts/ser-wms-commissioning-events.asyncapi.yaml', 'utf8') });
      const created = (await wb.services.requirements.draft(ctx, 'IF-REQ-SER-004')).map((r) => ({ key: r.key, type: r.type, text: r.text, risk: r.risk }));
      expect(created.filter((r) => r.type === 'functional').map((r) => r.text)).to.deep.equal(['The interface shall carry CommissioningEvent messages that conform to the interface contract; a message that does not is refused and reported.']);
      const rules = created.filter((r) => r.type === 'data-integrity').map((r) => /\(domain rule ([a-z0-9-]+)\)/.exec(r.text)?.[1]).filter(Boolean);
      expect(rules).to.deep.equal(['gs1-check-digits', 'epc-syntax', 'cbv-vocabulary', 'event-order', 'aggregation', 'dscsa-shipping']);
      const regulatory = created.filter((r) => r.type === 'regulatory').map((r) => r.text).join(' ');
      expect(regulatory).to.contain('DSCSA').and.to.contain('Falsified Medicines Directive').and.to.contain('Annex 11 §9');
      expect(created.every((r) => r.risk === 'medium'), 'no risk level yet: medium').to.equal(true);
      expect(created.map((r) => r.key)).to.include('IF-REQ-SER-004-R01');
    });

    it('names the domain rules as the scenario runner does', () => {
      expect(Object.keys(DOMAIN_RULE_REQUIREMENTS)).to.have.members([...DOMAIN_RULES]);
    });

    it('skips a drafted text a team edited away, and drafts only what a new contract version adds', async () => {
      const [first] = (await wb.services.requirements.list('IF-REQ-002')).filter((r) => r.requirement.type === 'functional');
      await wb.services.requirements.update(ctx, 'IF-REQ-002', first!.requirement.key, { text: 'Orders are created with every line, or refused whole.' }, 'sharpened');
      expect(await wb.services.requirements.draft(ctx, 'IF-REQ-002')).to.deep.equal([]);

      const document = YAML.parse(SALES_ORDERS_CONTRACT) as { paths: Record<string, unknown> };
      document.paths['/orders/{orderNumber}/cancellation'] = { post: { summary: 'Cancel an outbound order', parameters: [{ name: 'orderNumber', in: 'path', required: true, schema: { type: 'string' } }], responses: { '204': { description: 'Cancelled' } } } };
      await wb.services.contracts.register(ctx, 'IF-REQ-002', { format: 'openapi', document });
      const added = await wb.services.requirements.draft(ctx, 'IF-REQ-002');
      expect(added.map((r) => [r.type, r.text])).to.deep.equal([['functional', 'The interface shall provide POST /orders/{orderNumber}/cancellation (Cancel an outbound order), with requests and responses that conform to the interface contract.']]);
      expect(added[0]!.reason).to.equal('drafted from the interface: intended use, contract v2, data domains');
    });
  });

  describe('scenarios name requirement records', () => {
    it('refuses a scenario naming a requirement that is not an active one of its interface (422 naming each), and changes nothing', async () => {
      const scenarios = await scenarioCount();
      const events = (await auditEvents(wb.services)).length;
      const response = await api('post', `/api/v1/interfaces/${KEY}/scenarios`).send({ ...SMOKE, key: 'named-badly', requirements: [`${KEY}-R01`, 'URS-999', `${KEY}-R02`, 'IF-REQ-002-R01'] });
      expect(response.status, JSON.stringify(response.body)).to.equal(422);
      expect(response.body.error.code).to.equal('unknown_requirement');
      expect(response.body.error.details.map((d: { field: string; requirement: string }) => `${d.field}:${d.requirement}`)).to.deep.equal(['body.requirements.1:URS-999', `body.requirements.2:${KEY}-R02`, 'body.requirements.3:IF-REQ-002-R01']);
      expect(response.body.error.message).to.contain('URS-999');
      expect(await scenarioCount()).to.equal(scenarios);
      expect((await auditEvents(wb.services)).length).to.equal(events);

      let thrown: unknown;
      await wb.services.scenarios.save(ctx, KEY, { ...SMOKE, key: 'named-badly', category: 'smoke', requirements: ['FS-4.1'] }).catch((error: unknown) => (thrown = error));
      expect(thrown).to.be.instanceOf(UnknownRequirementError);
      expect(await scenarioCount()).to.equal(scenarios);
    });

    it('refuses a requirement key that is not one (400 from the schema)', async () => {
      const response = await api('post', `/api/v1/interfaces/${KEY}/scenarios`).send({ ...SMOKE, requirements: ['not a key'] });
      expect(response.status).to.equal(400);
      expect(response.body.error.details[0].field).to.match(/^body\.requirements\.0/);
    });
  });

  describe('adopting the ids scenarios named before requirements were records', () => {
    /** A scenario version as the service saved it before migration 0013: free-text requirement ids, and its audit event. */
    const saveTheOldWay = async (interfaceKey: string, key: string, requirements: string[]) => {
      const iface = await wb.services.interfaces.get(interfaceKey);
      const definition = { ...SMOKE, key, requirements, contractVersion: 1 };
      await wb.services.database.write(async (tx) => {
        await wb.services.database.sequelize.query(
          `INSERT INTO scenarios (interface_id, key, version, name, category, contract_version, definition, digest, created_at, created_by, created_by_name)
           VALUES (:interfaceId, :key, 1, :name, 'smoke', 1, :definition, :digest, :createdAt, NULL, 'legacy')`,
          { replacements: { interfaceId: iface.id, key, name: SMOKE.name, definition: JSON.stringify(definition), digest: digestOf(definition), createdAt: new Date().toISOString() }, transaction: tx },
        );
        const [row] = await wb.services.database.sequelize.query<{ id: number }>('SELECT id FROM scenarios WHERE interface_id = :id AND key = :key', { type: QueryTypes.SELECT, replacements: { id: iface.id, key }, transaction: tx });
        await wb.services.audit.record(tx, ctx, { action: 'scenario.saved', entityType: 'interface', entityId: interfaceKey, change: 'create', after: { key, version: 1 }, states: [{ type: 'scenario', id: row!.id }] });
      });
    };

    it('creates a record for each id with none on its interface, audited as the system, once', async () => {
      await saveTheOldWay('IF-REQ-002', 'legacy-one', ['URS-100', 'IF-REQ-002-R01']);
      await saveTheOldWay('IF-REQ-002', 'legacy-two', ['URS-100', 'URS-101']);
      const adopted = await wb.services.requirements.adoptScenarioReferences(systemContext('migration'));
      expect(adopted).to.deep.equal([
        { interface: 'IF-REQ-002', requirement: 'URS-100', scenario: 'legacy-one' },
        { interface: 'IF-REQ-002', requirement: 'URS-101', scenario: 'legacy-two' },
      ]);
      const record = (await api('get', '/api/v1/interfaces/IF-REQ-002/requirements/URS-100', 'auditor')).body;
      expect(record).to.deep.include({
        version: 1,
        type: 'functional',
        risk: 'high',
        status: 'active',
        text: 'Adopted from scenario legacy-one: requirement URS-100 named before requirements were records; its text must be written.',
        reason: 'migration 0013: scenario references become requirement records',
        createdBy: { id: null, name: 'migration' },
        scenarios: ['legacy-one', 'legacy-two'],
      });
      const events = (await auditEvents(wb.services, { action: 'requirement.created' })).filter((e) => e.after.key === 'URS-100' || e.after.key === 'URS-101');
      expect(events.map((e) => [e.actor.id, e.actor.name, e.entity.id, e.after.key, e.reason])).to.deep.equal([
        [null, 'migration', 'IF-REQ-002', 'URS-100', 'migration 0013: scenario references become requirement records'],
        [null, 'migration', 'IF-REQ-002', 'URS-101', 'migration 0013: scenario references become requirement records'],
      ]);

      const seq = await wb.services.audit.lastSeq();
      expect(await wb.services.requirements.adoptScenarioReferences(systemContext('migration'))).to.deep.equal([]);
      expect(await wb.services.audit.lastSeq()).to.equal(seq);
      // The adopted ids are records now: a scenario may name them.
      expect((await api('post', '/api/v1/interfaces/IF-REQ-002/scenarios').send({ ...SMOKE, key: 'legacy-one', requirements: ['URS-100'] })).status).to.equal(201);
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, 'get' | 'post' | 'patch', string, unknown, number, string]> = [
      ['empty text', 'post', BASE, { type: 'user', text: '' }, 400, 'body.text'],
      ['blank text', 'post', BASE, { type: 'user', text: '   ' }, 400, 'body.text'],
      ['an unknown type', 'post', BASE, { type: 'wish', text: 'x' }, 400, 'body.type'],
      ['an unknown risk', 'post', BASE, { type: 'user', text: 'x', risk: 'extreme' }, 400, 'body.risk'],
      ['a bad key', 'post', BASE, { key: 'no spaces allowed', type: 'user', text: 'x' }, 400, 'body.key'],
      ['an unknown field', 'post', BASE, { type: 'user', text: 'x', status: 'retired' }, 400, 'body'],
      ['a bad requirement key in the path', 'get', `${BASE}/bad%20key`, undefined, 400, 'params.requirementKey'],
      ['a bad interface key', 'get', '/api/v1/interfaces/if-lower/requirements', undefined, 400, 'params.key'],
      ['an edit without a reason', 'patch', `${BASE}/${KEY}-R01`, { text: 'new text' }, 400, 'body'],
      ['an edit with only a reason', 'patch', `${BASE}/${KEY}-R01`, { reason: 'why' }, 400, 'body'],
      ['a retirement without a reason', 'post', `${BASE}/${KEY}-R01/retire`, {}, 400, 'body'],
      ['drafting with options', 'post', `${BASE}/draft`, { risk: 'high' }, 400, 'body'],
      ['a version that is no number', 'get', `${BASE}/${KEY}-R01/versions/first`, undefined, 400, 'params.version'],
    ];
    for (const [what, method, path, body, status, field] of cases) {
      it(`refuses ${what} with ${status} naming ${field}, changing nothing`, async () => {
        const [rows, seq] = [await rowCount(), await wb.services.audit.lastSeq()];
        const response = await (body === undefined ? api(method, path) : api(method, path).send(body as object));
        expect(response.status, JSON.stringify(response.body)).to.equal(status);
        expect(response.body.error.details.map((d: { field: string }) => d.field).join(' ')).to.contain(field);
        expect([await rowCount(), await wb.services.audit.lastSeq()]).to.deep.equal([rows, seq]);
      });
    }

    it('answers 404 for an unknown interface or requirement', async () => {
      for (const [method, path, body] of [
        ['get', '/api/v1/interfaces/IF-NONE-404/requirements', undefined],
        ['post', '/api/v1/interfaces/IF-NONE-404/requirements', { type: 'user', text: 'x' }],
        ['post', '/api/v1/interfaces/IF-NONE-404/requirements/draft', {}],
      ] as const) {
        const response = await (body === undefined ? api(method, path) : api(method, path).send(body));
        expect(response.status, path).to.equal(404);
        expect(response.body.error.code).to.equal('interface_not_found');
      }
      for (const path of [`${BASE}/URS-404`, `${BASE}/URS-404/versions/1`]) {
        const response = await api('get', path, 'auditor');
        expect(response.status).to.equal(404);
        expect(response.body.error.code).to.equal('requirement_not_found');
      }
      expect((await api('patch', `${BASE}/URS-404`).send({ text: 'x', reason: 'y' })).status).to.equal(404);
    });

    it('lets qa and auditors read, never write', async () => {
      for (const role of ['qa', 'auditor', 'admin']) {
        expect((await api('get', BASE, role)).status).to.equal(200);
        expect((await api('post', BASE, role).send({ type: 'user', text: 'x' })).status, role).to.equal(403);
      }
    });
  });
});
