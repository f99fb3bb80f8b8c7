// The interface registry: systems, interfaces, lifecycle, filters, import/export — all audited.
import { expect } from 'chai';
import request from 'supertest';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase, type TestDialect } from '../support/databases.js';
import { anInterface, ERP, WMS } from '../support/registry-fixtures.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

type HttpMethod = 'get' | 'post' | 'patch';
const callApi = (wb: TestWorkbench, method: HttpMethod, path: string, token: string) => request(wb.app)[method](path).set('Authorization', `Bearer ${token}`);
const countInterfaces = async (wb: TestWorkbench) => Number((await wb.services.database.sequelize.query('SELECT COUNT(*) AS n FROM interfaces', { plain: true }))!.n);

/** One suite's workbench with the ERP and WMS registered, and the API as the IT engineer. */
function registrySuite(dialect: TestDialect) {
  const suite = {
    wb: undefined as unknown as TestWorkbench,
    token: '',
    api: (method: HttpMethod, path: string, token?: string) => callApi(suite.wb, method, path, token ?? suite.token),
    interfaceCount: () => countInterfaces(suite.wb),
  };
  before(async () => {
    suite.wb = await createTestWorkbench(dialect);
    suite.token = await suite.wb.login('it');
    for (const system of [ERP, WMS]) await suite.api('post', '/api/v1/systems').send(system).expect(201);
  });
  after(async () => suite.wb?.close());
  return suite;
}

describeEachDatabase('interface registry', (dialect) => {
  let wb: TestWorkbench;
  let it_: string;
  let auditor: string;
  const api = (method: HttpMethod, path: string, token = it_) => callApi(wb, method, path, token);
  const interfaceCount = () => countInterfaces(wb);

  before(async () => {
    wb = await createTestWorkbench(dialect);
    it_ = await wb.login('it');
    auditor = await wb.login('auditor');
  });
  after(async () => wb?.close());

  describe('systems', () => {
    it('registers a system, audited, and refuses a second one with the same name', async () => {
      const created = await api('post', '/api/v1/systems').send(ERP);
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body).to.include({ name: 'SAP S/4HANA', kind: 'erp', gampCategory: 4, status: 'active' });
      const event = await lastAuditEvent(wb.services, 'system.created');
      expect(event?.entity).to.deep.equal({ type: 'system', id: String(created.body.id) });
      expect(event?.after).to.include({ name: 'SAP S/4HANA', vendor: 'SAP' });
      const again = await api('post', '/api/v1/systems').send(ERP);
      expect(again.status).to.equal(409);
      expect(again.body.error.code).to.equal('system_exists');
      expect((await api('post', '/api/v1/systems').send(WMS)).status).to.equal(201);
    });

    it('edits a system only with a reason, recording before and after', async () => {
      const [erp] = (await api('get', '/api/v1/systems').expect(200)).body.systems.filter((s: { name: string }) => s.name === ERP.name);
      expect((await api('patch', `/api/v1/systems/${erp.id}`).send({ version: '2023 FPS03' })).status).to.equal(400);
      const edited = await api('patch', `/api/v1/systems/${erp.id}`).send({ version: '2023 FPS03', reason: 'feature pack upgrade CR-1042' });
      expect(edited.status).to.equal(200);
      expect(edited.body.version).to.equal('2023 FPS03');
      const event = await lastAuditEvent(wb.services, 'system.updated');
      expect(event?.before.version).to.equal('2023 FPS02');
      expect(event?.after.version).to.equal('2023 FPS03');
      expect(event?.reason).to.equal('feature pack upgrade CR-1042');
    });

    it('refuses a kind, layer or GAMP category outside the lists, changing nothing', async () => {
      for (const bad of [{ kind: 'crm' }, { layer: 'cloud' }, { gampCategory: 2 }]) {
        const response = await api('post', '/api/v1/systems').send({ ...ERP, name: 'Other', ...bad });
        expect(response.status, JSON.stringify(bad)).to.equal(400);
      }
      expect((await api('get', '/api/v1/systems')).body.systems).to.have.length(2);
    });
  });

  describe('interfaces', () => {
    it('registers an interface as a draft, audited, with its systems by name', async () => {
      const response = await api('post', '/api/v1/interfaces').send(anInterface('IF-ERP-WMS-001'));
      expect(response.status, JSON.stringify(response.body)).to.equal(201);
      expect(response.body).to.deep.include({ key: 'IF-ERP-WMS-001', sourceSystem: 'SAP S/4HANA', targetSystem: 'Manhattan Active', status: 'draft', revision: 1, currentContractVersion: null, riskLevel: null });
      expect(response.body.platforms).to.deep.equal(['MuleSoft Runtime 4.6']);
      const event = await lastAuditEvent(wb.services, 'interface.created');
      expect(event?.entity).to.deep.equal({ type: 'interface', id: 'IF-ERP-WMS-001' });
      expect(event?.after.environments).to.deep.equal({ test: 'http://127.0.0.1:3000/sim/wms' });
    });

    it('refuses an unknown system, a duplicate key and a malformed key, changing nothing', async () => {
      const before = await interfaceCount();
      const unknown = await api('post', '/api/v1/interfaces').send(anInterface('IF-ERP-WMS-002', { targetSystem: 'Blue Yonder' }));
      expect(unknown.status).to.equal(400);
      expect(unknown.body.error.details).to.deep.equal([{ field: 'body.targetSystem', rule: 'exists', message: "no system named 'Blue Yonder'" }]);
      const duplicate = await api('post', '/api/v1/interfaces').send(anInterface('IF-ERP-WMS-001'));
      expect(duplicate.status).to.equal(400);
      expect(duplicate.body.error.details[0]).to.include({ field: 'body.key', rule: 'unique' });
      expect((await api('post', '/api/v1/interfaces').send(anInterface('erp wms 1'))).status).to.equal(400);
      expect(await interfaceCount()).to.equal(before);
    });

    it('edits with a reason: revision goes up, platforms are re-indexed, before/after audited', async () => {
      const response = await api('patch', '/api/v1/interfaces/IF-ERP-WMS-001').send({ platforms: ['MuleSoft Runtime 4.9'], reason: 'runtime upgrade CHG-77' });
      expect(response.status, JSON.stringify(response.body)).to.equal(200);
      expect(response.body).to.include({ revision: 2 });
      const event = await lastAuditEvent(wb.services, 'interface.updated');
      expect(event?.before.platforms).to.deep.equal(['MuleSoft Runtime 4.6']);
      expect(event?.after.platforms).to.deep.equal(['MuleSoft Runtime 4.9']);
      expect(event?.reason).to.equal('runtime upgrade CHG-77');
      expect((await wb.services.interfaces.onPlatform('MuleSoft Runtime 4.9')).map((i) => i.key)).to.deep.equal(['IF-ERP-WMS-001']);
      expect(await wb.services.interfaces.onPlatform('MuleSoft Runtime 4.6')).to.deep.equal([]);
    });

    it('runs draft → active → retired with reasons; a retired interface cannot be edited or revived', async () => {
      await api('post', '/api/v1/interfaces').send(anInterface('IF-ERP-WMS-009')).expect(201);
      const activated = await api('post', '/api/v1/interfaces/IF-ERP-WMS-009/status').send({ status: 'active', reason: 'validated and released' });
      expect(activated.body.status).to.equal('active');
      expect((await lastAuditEvent(wb.services, 'interface.activated'))?.reason).to.equal('validated and released');
      expect((await api('post', '/api/v1/interfaces/IF-ERP-WMS-009/status').send({ status: 'retired' })).status, 'a reason is required').to.equal(400);
      const retired = await api('post', '/api/v1/interfaces/IF-ERP-WMS-009/status').send({ status: 'retired', reason: 'replaced by event stream' });
      expect(retired.body).to.include({ status: 'retired', retiredReason: 'replaced by event stream' });
      const event = await lastAuditEvent(wb.services, 'interface.retired');
      expect(event?.before.status).to.equal('active');
      const revive = await api('post', '/api/v1/interfaces/IF-ERP-WMS-009/status').send({ status: 'active', reason: 'oops' });
      expect(revive.status).to.equal(409);
      expect(revive.body.error.code).to.equal('invalid_transition');
      expect((await api('patch', '/api/v1/interfaces/IF-ERP-WMS-009').send({ name: 'x', reason: 'y' })).body.error.code).to.equal('interface_retired');
    });

    it('lets auditors read but not edit, and answers 404 for an unknown key', async () => {
      expect((await api('get', '/api/v1/interfaces/IF-ERP-WMS-001', auditor)).status).to.equal(200);
      expect((await api('patch', '/api/v1/interfaces/IF-ERP-WMS-001', auditor).send({ name: 'x', reason: 'y' })).status).to.equal(403);
      expect((await api('get', '/api/v1/interfaces/IF-NOPE-1')).status).to.equal(404);
    });
  });

  describe('import, export and listing', () => {
    const many = (from: number, count: number, overrides = {}) => Array.from({ length: count }, (_, i) => anInterface(`IF-BULK-${String(from + i).padStart(4, '0')}`, overrides));

    it('imports interfaces as one whole, one audit event each', async () => {
      const events = (await auditEvents(wb.services, { action: 'interface.created' })).length;
      const response = await api('post', '/api/v1/registry/import').send({ interfaces: many(1, 30, { layer: 'event-streaming', platforms: ['Confluent Kafka 7.6'] }) });
      expect(response.status, JSON.stringify(response.body)).to.equal(201);
      expect(response.body).to.deep.equal({ systemsCreated: 0, interfacesCreated: 30, contractsCreated: 0 });
      const created = await auditEvents(wb.services, { action: 'interface.created' });
      expect(created.length).to.equal(events + 30);
      // The audit event records exactly what is stored, field for field.
      const stored = (await api('get', '/api/v1/interfaces/IF-BULK-0030')).body;
      const { currentContractVersion: _c, riskLevel: _r, currentAssessmentId: _a, reviewDue: _d, ...registered } = stored;
      expect(created.at(-1)!.after).to.deep.equal(registered);
    });

    it('refuses an import with any problem, listing every one, and imports nothing', async () => {
      const before = await interfaceCount();
      const items = [...many(100, 3), anInterface('IF-BULK-0001'), anInterface('IF-BULK-0100'), anInterface('IF-BULK-0200', { sourceSystem: 'Oracle EBS' })];
      const response = await api('post', '/api/v1/registry/import').send({ interfaces: items });
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal('registry_invalid');
      expect(response.body.error.details.map((d: { field: string; rule: string }) => `${d.field} ${d.rule}`)).to.have.members([
        'body.interfaces.4.key unique',
        'body.interfaces.5.sourceSystem exists',
        'body.interfaces.3.key unique',
      ]);
      expect(await interfaceCount()).to.equal(before);
    });

    it('filters by layer, platform, system and text, and paginates by key', async () => {
      const page = await api('get', '/api/v1/interfaces').query({ layer: 'event-streaming', limit: 10, offset: 10 });
      expect(page.body.total).to.equal(30);
      expect(page.body.interfaces.map((i: { key: string }) => i.key)).to.deep.equal(many(11, 10).map((i) => i.key));
      expect((await api('get', '/api/v1/interfaces').query({ platform: 'Confluent Kafka 7.6', limit: 1 })).body.total).to.equal(30);
      expect((await api('get', '/api/v1/interfaces').query({ system: 'Manhattan Active' })).body.total).to.equal(await interfaceCount());
      expect((await api('get', '/api/v1/interfaces').query({ system: 'Nobody' })).body.total).to.equal(0);
      expect((await api('get', '/api/v1/interfaces').query({ q: 'if-erp-wms' })).body.interfaces.map((i: { key: string }) => i.key)).to.deep.equal(['IF-ERP-WMS-001', 'IF-ERP-WMS-009']);
      expect((await api('get', '/api/v1/interfaces').query({ limit: 5000 })).status).to.equal(400);
    });

    it('refuses an import whose contract cannot be used, naming it, and imports nothing', async () => {
      const before = await interfaceCount();
      const items = [{ ...anInterface('IF-BULK-0300'), contracts: [{ format: 'json-schema', document: { type: 'object' } }, { format: 'openapi', document: 'not: [valid' }] }];
      const response = await api('post', '/api/v1/registry/import').send({ interfaces: items });
      expect(response.status).to.equal(400);
      expect(response.body.error.details).to.have.length(1);
      expect(response.body.error.details[0]).to.include({ field: 'body.interfaces.0.contracts.1', rule: 'contract_not_parseable' });
      expect(await interfaceCount()).to.equal(before);
    });

    it('exports the registry in the shape the import reads, and a fresh workbench imports it whole', async () => {
      const contract = await api('post', '/api/v1/interfaces/IF-ERP-WMS-001/contracts').send({ format: 'json-schema', document: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', required: ['orderNumber'] } });
      expect(contract.status).to.equal(201);
      const exported = (await api('get', '/api/v1/registry/export', auditor).expect(200)).body;
      expect(exported.format).to.equal('gxpw.registry.v1');
      expect(exported.interfaces).to.have.length(await interfaceCount());
      const other = await createTestWorkbench(dialect);
      try {
        const token = await other.login('it');
        expect(exported.interfaces.find((i: { key: string }) => i.key === 'IF-ERP-WMS-009')).to.include({ status: 'retired', retiredReason: 'replaced by event stream' });
        const response = await request(other.app).post('/api/v1/registry/import').set('Authorization', `Bearer ${token}`).send(exported);
        expect(response.status, JSON.stringify(response.body).slice(0, 500)).to.equal(201);
        expect(response.body).to.deep.equal({ systemsCreated: 2, interfacesCreated: exported.interfaces.length, contractsCreated: 1 });
        const copied = (await request(other.app).get('/api/v1/interfaces/IF-ERP-WMS-001/contracts').set('Authorization', `Bearer ${token}`)).body.contracts;
        expect(copied.map((c: { version: number; digest: string }) => [c.version, c.digest])).to.deep.equal([[1, contract.body.digest]]);
        const again = (await request(other.app).get('/api/v1/registry/export').set('Authorization', `Bearer ${token}`)).body;
        expect(again.systems).to.deep.equal(exported.systems);
        expect(again.interfaces).to.deep.equal(exported.interfaces);
      } finally {
        await other.close();
      }
    });
  });
});

describeEachDatabase('interface registry: retired systems', (dialect) => {
  const suite = registrySuite(dialect);
  const { api, interfaceCount } = suite;
  before(() => api('post', '/api/v1/interfaces').send(anInterface('IF-ERP-WMS-001')).expect(201));

  it('keeps live interfaces off retired systems: a system in use cannot retire, a retired one takes no new interface', async () => {
    const legacy = await api('post', '/api/v1/systems').send({ ...WMS, name: 'Legacy WMS' }).expect(201);
    await api('post', '/api/v1/interfaces').send(anInterface('IF-LEG-001', { targetSystem: 'Legacy WMS' })).expect(201);
    const inUse = await api('patch', `/api/v1/systems/${legacy.body.id}`).send({ status: 'retired', reason: 'decommissioned' });
    expect(inUse.status).to.equal(409);
    expect(inUse.body.error.code).to.equal('system_in_use');
    expect(inUse.body.error.message).to.include('IF-LEG-001');
    expect((await api('get', `/api/v1/systems`)).body.systems.find((s: { id: number }) => s.id === legacy.body.id).status).to.equal('active');

    await api('post', '/api/v1/interfaces/IF-LEG-001/status').send({ status: 'retired', reason: 'moved to the new WMS' }).expect(200);
    const retired = await api('patch', `/api/v1/systems/${legacy.body.id}`).send({ status: 'retired', reason: 'decommissioned' });
    expect(retired.status).to.equal(200);
    expect((await lastAuditEvent(suite.wb.services, 'system.retired'))?.reason).to.equal('decommissioned');

    const before = await interfaceCount();
    const onRetired = await api('post', '/api/v1/interfaces').send(anInterface('IF-LEG-002', { targetSystem: 'Legacy WMS' }));
    expect(onRetired.status).to.equal(400);
    expect(onRetired.body.error.details).to.deep.include({ field: 'body.targetSystem', rule: 'in-service', message: "system 'Legacy WMS' is retired" });
    expect(await interfaceCount()).to.equal(before);
    const moved = await api('patch', '/api/v1/interfaces/IF-ERP-WMS-001').send({ targetSystem: 'Legacy WMS', reason: 'wrong system' });
    expect(moved.status).to.equal(400);
    expect((await api('get', '/api/v1/interfaces/IF-ERP-WMS-001')).body.targetSystem).to.equal(WMS.name);
  });
});

// Environments may point at the server itself (`self:/sim/wms`), resolved where it listens when a
// run is queued; the registry accepts only a path there, never a host.
describeEachDatabase('interface environments', (dialect) => {
  const suite = registrySuite(dialect);
  const { api, interfaceCount } = suite;

  it('takes `self:/path` as an environment base URL (this server, wherever it listens) on create, edit and import, and refuses a self reference with a host or without a path, changing nothing', async () => {
    const created = await api('post', '/api/v1/interfaces').send(anInterface('IF-ERP-WMS-020', { environments: { test: 'self:/sim/wms', validation: 'https://val.example.internal/wms' } }));
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.environments).to.deep.equal({ test: 'self:/sim/wms', validation: 'https://val.example.internal/wms' });
    expect((await lastAuditEvent(suite.wb.services, 'interface.created'))?.after.environments).to.deep.include({ test: 'self:/sim/wms' });
    const edited = await api('patch', '/api/v1/interfaces/IF-ERP-WMS-020').send({ environments: { test: 'self:/sim/faulty/schema/wms' }, reason: 'showcase environment' });
    expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
    expect((await lastAuditEvent(suite.wb.services, 'interface.updated'))?.after.environments).to.deep.equal({ test: 'self:/sim/faulty/schema/wms' });
    const before = await interfaceCount();
    for (const bad of ['self://evil.example/sim/wms', 'self:sim/wms', 'self:', 'ftp://val.example.internal/wms', 'self:/sim wms']) {
      const create = await api('post', '/api/v1/interfaces').send(anInterface('IF-ERP-WMS-021', { environments: { test: bad } }));
      expect(create.status, bad).to.equal(400);
      expect(create.body.error.details[0].field, bad).to.equal('body.environments.test');
      const patch = await api('patch', '/api/v1/interfaces/IF-ERP-WMS-020').send({ environments: { test: bad }, reason: 'bad' });
      expect(patch.status, bad).to.equal(400);
      const imported = await api('post', '/api/v1/registry/import').send({ interfaces: [anInterface('IF-ERP-WMS-022', { environments: { test: bad } })] });
      expect(imported.status, bad).to.equal(400);
    }
    expect(await interfaceCount()).to.equal(before);
    expect((await api('get', '/api/v1/interfaces/IF-ERP-WMS-020')).body.environments).to.deep.equal({ test: 'self:/sim/faulty/schema/wms' });
    const imported = await api('post', '/api/v1/registry/import').send({ interfaces: [anInterface('IF-ERP-WMS-023', { environments: { test: 'self:/sim/erp' } })] });
    expect(imported.status, JSON.stringify(imported.body)).to.equal(201);
    expect((await api('get', '/api/v1/interfaces/IF-ERP-WMS-023')).body.environments).to.deep.equal({ test: 'self:/sim/erp' });
  });
});
