// Platforms as registry records (issue 14): product, vendor, kind, the version in service per
// environment and the systems on it; interfaces name them as text and the text resolves to the
// record; "which interfaces does this release touch" is one indexed query; free text written before
// platforms were records is adopted, audited. Every change audited with its reason.
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import { platforms as platformsMigration } from '../../src/platform/migrations/0015-platforms.js';
import { platformKeyOf, splitPlatformText } from '../../src/registry/platform-model.js';
import { systemContext } from '../../src/platform/request-context.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { anInterface, ERP, WMS } from '../support/registry-fixtures.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

describe('platform texts: product and version', () => {
  it('splits the version off the end, and keeps a text without one whole', () => {
    const cases: Array<[string, string, string | null]> = [
      ['MuleSoft Runtime 4.6', 'MuleSoft Runtime', '4.6'],
      ['SAP S/4HANA 2023 FPS02', 'SAP S/4HANA', '2023 FPS02'],
      ['Confluent Kafka 7.6', 'Confluent Kafka', '7.6'],
      ['Boomi Atom 24.08', 'Boomi Atom', '24.08'],
      ['Oracle Database 19c', 'Oracle Database', '19c'],
      ['  Snowflake   9.20 ', 'Snowflake', '9.20'],
      ['Snowflake', 'Snowflake', null],
      ['4.6', '4.6', null],
    ];
    for (const [text, product, version] of cases) expect(splitPlatformText(text), text).to.deep.equal({ product, version });
  });

  it('takes a known platform name first, whatever its words, in any case', () => {
    expect(splitPlatformText('Dynamics 365 10.0.38', ['Dynamics 365'])).to.deep.equal({ product: 'Dynamics 365', version: '10.0.38' });
    expect(splitPlatformText('mulesoft runtime 4.9', ['MuleSoft', 'MuleSoft Runtime'])).to.deep.equal({ product: 'MuleSoft Runtime', version: '4.9' });
    expect(splitPlatformText('MuleSoftRuntime 4.9', ['MuleSoft'])).to.deep.equal({ product: 'MuleSoftRuntime', version: '4.9' });
  });

  it('makes a stable slug of a name', () => {
    expect(platformKeyOf('MuleSoft Runtime')).to.equal('mulesoft-runtime');
    expect(platformKeyOf('SAP S/4HANA')).to.equal('sap-s-4hana');
    expect(platformKeyOf('Zürich Bus')).to.equal('zurich-bus');
    expect(platformKeyOf('数据')).to.equal('platform');
  });
});

describeEachDatabase('platforms as records', (dialect) => {
  let wb: TestWorkbench;
  let it_: string;
  let auditor: string;
  const ctx = systemContext('test');
  const api = (method: 'get' | 'post' | 'patch' | 'put', path: string, token = it_) => request(wb.app)[method](path).set('Authorization', `Bearer ${token}`);
  const platformIdOf = async (key: string) => (await wb.services.platforms.get(key)).id;
  const indexRows = async (interfaceKey: string) =>
    wb.services.database.sequelize.query<{ platform: string; key: string | null }>(
      'SELECT ip.platform, p.key FROM interface_platforms ip JOIN interfaces i ON i.id = ip.interface_id LEFT JOIN platforms p ON p.id = ip.platform_id WHERE i.key = ? ORDER BY ip.platform',
      { replacements: [interfaceKey], type: QueryTypes.SELECT },
    );

  before(async () => {
    wb = await createTestWorkbench(dialect);
    it_ = await wb.login('it');
    auditor = await wb.login('auditor');
    for (const system of [ERP, WMS]) await wb.services.systems.create(ctx, system);
  });
  after(async () => wb?.close());

  describe('records', () => {
    it('registers a platform with its versions per environment and its systems, audited', async () => {
      const erp = (await wb.services.systems.list()).find((s) => s.name === ERP.name)!;
      const response = await api('post', '/api/v1/platforms').send({ name: 'MuleSoft Runtime', vendor: 'Salesforce (MuleSoft)', kind: 'integration-platform', versions: { test: '4.9', production: '4.6' }, systemIds: [erp.id] });
      expect(response.status, JSON.stringify(response.body)).to.equal(201);
      expect(response.body).to.deep.equal({
        key: 'mulesoft-runtime',
        name: 'MuleSoft Runtime',
        vendor: 'Salesforce (MuleSoft)',
        kind: 'integration-platform',
        status: 'active',
        retiredReason: null,
        versions: { production: '4.6', test: '4.9' },
        systems: [{ id: erp.id, name: ERP.name }],
        interfaceCounts: { active: 0, draft: 0, retired: 0 },
      });
      const event = await lastAuditEvent(wb.services, 'platform.created');
      expect(event?.entity).to.deep.equal({ type: 'platform', id: 'mulesoft-runtime' });
      expect(event?.actor.name).to.equal('Ingrid Integration');
      expect(event?.after).to.deep.include({ name: 'MuleSoft Runtime', versions: { production: '4.6', test: '4.9' }, systemIds: [erp.id] });
    });

    it('refuses a second platform with the same key or the same name in another case, changing nothing', async () => {
      const seq = await wb.services.audit.lastSeq();
      for (const body of [{ name: 'MuleSoft Runtime', kind: 'other' }, { name: 'mulesoft RUNTIME', kind: 'other', key: 'mule' }, { name: 'Mule', kind: 'other', key: 'mulesoft-runtime' }]) {
        const response = await api('post', '/api/v1/platforms').send(body);
        expect(response.status, JSON.stringify(body)).to.equal(409);
        expect(response.body.error.code).to.equal('platform_exists');
      }
      expect(await wb.services.audit.lastSeq()).to.equal(seq);
    });

    it('edits a platform only with a reason, recording before and after', async () => {
      expect((await api('patch', '/api/v1/platforms/mulesoft-runtime').send({ vendor: 'MuleSoft' })).status).to.equal(400);
      const edited = await api('patch', '/api/v1/platforms/mulesoft-runtime').send({ vendor: 'MuleSoft, a Salesforce company', reason: 'vendor renamed in the contract' });
      expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
      expect(edited.body.vendor).to.equal('MuleSoft, a Salesforce company');
      const event = await lastAuditEvent(wb.services, 'platform.updated');
      expect([event?.before.vendor, event?.after.vendor, event?.reason]).to.deep.equal(['Salesforce (MuleSoft)', 'MuleSoft, a Salesforce company', 'vendor renamed in the contract']);
    });

    it('sets the version in service in one environment with a reason; the same version again changes nothing', async () => {
      const response = await api('put', '/api/v1/platforms/mulesoft-runtime/versions/validation').send({ version: '4.9', reason: 'CHG-12 deployed to validation' });
      expect(response.status, JSON.stringify(response.body)).to.equal(200);
      expect(response.body.versions).to.deep.equal({ production: '4.6', test: '4.9', validation: '4.9' });
      const event = await lastAuditEvent(wb.services, 'platform.version_set');
      expect(event?.entity).to.deep.equal({ type: 'platform', id: 'mulesoft-runtime' });
      expect(event?.before.versions).to.deep.equal({ production: '4.6', test: '4.9' });
      expect(event?.after.versions).to.deep.equal({ production: '4.6', test: '4.9', validation: '4.9' });
      expect(event?.reason).to.equal('CHG-12 deployed to validation');
      const seq = await wb.services.audit.lastSeq();
      expect((await api('put', '/api/v1/platforms/mulesoft-runtime/versions/validation').send({ version: '4.9', reason: 'again' })).status).to.equal(200);
      expect(await wb.services.audit.lastSeq()).to.equal(seq);
    });

    it("sets a version inside the caller's transaction: rolled back with it, event and all", async () => {
      const seq = await wb.services.audit.lastSeq();
      await wb.services.database
        .write(async (tx) => {
          const set = await wb.services.platforms.setVersion(ctx, 'mulesoft-runtime', 'production', '4.9', 'CHG-12 implemented', tx);
          expect(set.versions.production).to.equal('4.9');
          throw new Error('the change failed after');
        })
        .catch(() => undefined);
      expect((await wb.services.platforms.get('mulesoft-runtime')).versions.production).to.equal('4.6');
      expect(await wb.services.audit.lastSeq()).to.equal(seq);
    });

    it('lets every role read platforms, and only `it` change them', async () => {
      const list = await api('get', '/api/v1/platforms', auditor);
      expect(list.status).to.equal(200);
      expect(list.body.platforms.map((p: { key: string }) => p.key)).to.include('mulesoft-runtime');
      expect((await api('get', '/api/v1/platforms/mulesoft-runtime', auditor)).body).to.include({ key: 'mulesoft-runtime', name: 'MuleSoft Runtime' });
      expect((await api('post', '/api/v1/platforms', auditor).send({ name: 'Boomi', kind: 'other' })).status).to.equal(403);
      expect((await api('put', '/api/v1/platforms/mulesoft-runtime/versions/test', await wb.login('qa')).send({ version: '5.0', reason: 'x' })).status).to.equal(403);
    });
  });

  describe('interfaces reference platforms', () => {
    it('resolves "MuleSoft Runtime 4.6" to the MuleSoft Runtime record, and still shows the text', async () => {
      const created = await api('post', '/api/v1/interfaces').send(anInterface('IF-PLT-001', { status: 'active' }));
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body.platforms).to.deep.equal(['MuleSoft Runtime 4.6']);
      expect(await indexRows('IF-PLT-001')).to.deep.equal([{ platform: 'MuleSoft Runtime 4.6', key: 'mulesoft-runtime' }]);
      // Any case; another version of the same product is the same platform.
      await wb.services.interfaces.create(ctx, anInterface('IF-PLT-002', { platforms: ['mulesoft runtime 4.9'], status: 'active' }));
      expect(await indexRows('IF-PLT-002')).to.deep.equal([{ platform: 'mulesoft runtime 4.9', key: 'mulesoft-runtime' }]);
      const page = (await api('get', '/api/v1/platforms/mulesoft-runtime', auditor)).body;
      expect(page.interfaceCounts).to.deep.equal({ active: 2, draft: 0, retired: 0 });
      expect(page.interfaces).to.deep.equal([
        { key: 'IF-PLT-001', name: 'Sales orders IF-PLT-001', status: 'active', riskLevel: null, platform: 'MuleSoft Runtime 4.6' },
        { key: 'IF-PLT-002', name: 'Sales orders IF-PLT-002', status: 'active', riskLevel: null, platform: 'mulesoft runtime 4.9' },
      ]);
    });

    it('creates a record for a product nobody registered yet, audited as named by the interface', async () => {
      await wb.services.interfaces.create(ctx, anInterface('IF-PLT-003', { platforms: ['MuleSoft Runtime 4.6', 'Boomi Atom 24.08'] }));
      const boomi = await wb.services.platforms.get('boomi-atom');
      expect(boomi).to.deep.include({ name: 'Boomi Atom', kind: 'other', vendor: null, status: 'active', versions: {}, interfaceCounts: { active: 0, draft: 1, retired: 0 } });
      const event = await lastAuditEvent(wb.services, 'platform.created');
      expect(event?.entity.id).to.equal('boomi-atom');
      expect(event?.reason).to.equal('named by interface IF-PLT-003 as "Boomi Atom 24.08"');
      // Re-pointing the interface re-links its index rows.
      await api('patch', '/api/v1/interfaces/IF-PLT-003').send({ platforms: ['Confluent Kafka 7.6'], reason: 'moved to the event mesh' }).expect(200);
      expect(await indexRows('IF-PLT-003')).to.deep.equal([{ platform: 'Confluent Kafka 7.6', key: 'confluent-kafka' }]);
      expect((await wb.services.platforms.get('boomi-atom')).interfaceCounts).to.deep.equal({ active: 0, draft: 0, retired: 0 });
    });

    it('resolves an import of many interfaces in one go: one record per new product', async () => {
      const before = (await auditEvents(wb.services, { action: 'platform.created' })).length;
      const interfaces = Array.from({ length: 30 }, (_, i) => anInterface(`IF-PLT-1${String(i).padStart(2, '0')}`, { platforms: [`Solace PubSub+ 10.${i % 3}`], status: 'active' }));
      const response = await api('post', '/api/v1/registry/import').send({ interfaces });
      expect(response.status, JSON.stringify(response.body)).to.equal(201);
      expect((await auditEvents(wb.services, { action: 'platform.created' })).length).to.equal(before + 1);
      const solace = await wb.services.platforms.findByName('solace pubsub+');
      expect(solace).to.deep.include({ key: 'solace-pubsub', name: 'Solace PubSub+' });
      expect((await wb.services.platforms.get('solace-pubsub')).interfaceCounts).to.deep.equal({ active: 30, draft: 0, retired: 0 });
    });

    it('answers which active interfaces run on a platform, by key, with their risk level and environments', async () => {
      await wb.services.interfaces.create(ctx, anInterface('IF-PLT-004', { platforms: ['Confluent Kafka 7.6'], status: 'active' }));
      await wb.services.interfaces.create(ctx, anInterface('IF-PLT-000', { platforms: ['Confluent Kafka 7.7', 'Confluent Kafka 7.6'], status: 'active', environments: { test: 'self:/sim/wms' } }));
      await wb.services.interfaces.create(ctx, anInterface('IF-PLT-005', { platforms: ['Confluent Kafka 7.6'], status: 'active' }));
      await wb.services.interfaces.setStatus(ctx, 'IF-PLT-005', 'retired', 'replaced by IF-PLT-004');
      await wb.services.interfaces.create(ctx, anInterface('IF-PLT-006', { platforms: ['Confluent Kafka 7.6'] }));
      const assessed = await wb.services.assessments.assess(ctx, 'IF-PLT-004', { modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } });
      const level = (await wb.services.interfaces.view('IF-PLT-004')).riskLevel;
      expect(level).to.be.a('string');

      const kafka = await platformIdOf('confluent-kafka');
      const on = await wb.services.platforms.interfacesOn(kafka);
      // IF-PLT-003 is a draft, IF-PLT-005 retired, IF-PLT-006 a draft: none is in service.
      expect(on.map((i) => i.key)).to.deep.equal(['IF-PLT-000', 'IF-PLT-004']);
      expect(on[0]).to.deep.equal({ id: on[0]!.id, key: 'IF-PLT-000', name: 'Sales orders IF-PLT-000', riskLevel: null, environments: { test: 'self:/sim/wms' }, currentAssessmentId: null, currentContractVersion: null });
      expect(on[1]).to.deep.include({ key: 'IF-PLT-004', riskLevel: level, currentAssessmentId: assessed.id, currentContractVersion: null });
      expect(await wb.services.database.write((tx) => wb.services.platforms.interfacesOn(kafka, tx))).to.deep.equal(on);
      expect(await wb.services.platforms.interfacesOn(await platformIdOf('boomi-atom'))).to.deep.equal([]);
      expect((await wb.services.platforms.interfacesOn(await platformIdOf('mulesoft-runtime'))).map((i) => i.key)).to.deep.equal(['IF-PLT-001', 'IF-PLT-002']);
    });

    it('finds a platform by name, key or id', async () => {
      const id = await platformIdOf('mulesoft-runtime');
      expect((await wb.services.platforms.findByName('MuleSoft  Runtime'))?.key).to.equal('mulesoft-runtime');
      expect(await wb.services.platforms.findByName('MuleSoft')).to.equal(null);
      expect((await wb.services.platforms.get(id)).key).to.equal('mulesoft-runtime');
      expect((await wb.services.platforms.get(String(id))).key).to.equal('mulesoft-runtime');
    });
  });

  describe('retirement', () => {
    it('refuses to retire a platform live interfaces run on; retired, it takes no interface and no version; reactivated, it does', async () => {
      const inUse = await api('patch', '/api/v1/platforms/boomi-atom').send({ status: 'retired', reason: 'end of life' });
      expect(inUse.status, JSON.stringify(inUse.body)).to.equal(200); // nothing runs on it any more
      const retired = await lastAuditEvent(wb.services, 'platform.retired');
      expect([retired?.entity.id, retired?.before.status, retired?.after.status, retired?.after.retiredReason]).to.deep.equal(['boomi-atom', 'active', 'retired', 'end of life']);

      const kafka = await api('patch', '/api/v1/platforms/confluent-kafka').send({ status: 'retired', reason: 'end of life' });
      expect(kafka.status).to.equal(409);
      expect(kafka.body.error.code).to.equal('platform_in_use');
      expect(kafka.body.error.message).to.contain('IF-PLT-000');

      const seq = await wb.services.audit.lastSeq();
      const named = await api('post', '/api/v1/interfaces').send(anInterface('IF-PLT-007', { platforms: ['MuleSoft Runtime 4.6', 'Boomi Atom 24.10'] }));
      expect(named.status).to.equal(400);
      expect(named.body.error.details).to.deep.equal([{ field: 'body.platforms.1', rule: 'in-service', message: "platform 'Boomi Atom' (boomi-atom) is retired" }]);
      const version = await api('put', '/api/v1/platforms/boomi-atom/versions/test').send({ version: '24.10', reason: 'x' });
      expect([version.status, version.body.error.code]).to.deep.equal([409, 'platform_retired']);
      expect((await api('patch', '/api/v1/platforms/boomi-atom').send({ vendor: 'Boomi', reason: 'x' })).status).to.equal(409);
      expect(await wb.services.audit.lastSeq()).to.equal(seq);

      const back = await api('patch', '/api/v1/platforms/boomi-atom').send({ status: 'active', vendor: 'Boomi', reason: 'contract renewed' });
      expect(back.status).to.equal(200);
      expect(back.body).to.include({ status: 'active', retiredReason: null, vendor: 'Boomi' });
      expect((await lastAuditEvent(wb.services, 'platform.reactivated'))?.reason).to.equal('contract renewed');
    });
  });

  describe('adopting the free text written before platforms were records', () => {
    /** Leaves an interface's platform index as it was before migration 0015: text only, no record (and its audit event). */
    const writeTheOldWay = async (interfaceKey: string, platforms: string[]) => {
      await wb.services.database.write(async (tx) => {
        const sql = wb.services.database.sequelize;
        const [row] = await sql.query<{ id: number }>('SELECT id FROM interfaces WHERE key = ?', { replacements: [interfaceKey], type: QueryTypes.SELECT, transaction: tx });
        await sql.query('DELETE FROM interface_platforms WHERE interface_id = ?', { replacements: [row!.id], transaction: tx });
        for (const platform of platforms) await sql.query('INSERT INTO interface_platforms (interface_id, platform) VALUES (?, ?)', { replacements: [row!.id, platform], transaction: tx });
        await sql.query('UPDATE interfaces SET platforms = ? WHERE id = ?', { replacements: [JSON.stringify(platforms), row!.id], transaction: tx });
        await wb.services.audit.record(tx, systemContext('legacy'), { action: 'interface.updated', entityType: 'interface', entityId: interfaceKey, change: 'update', after: { platforms }, reason: 'as written before 0015' });
      });
    };

    it('creates a record per product and links every index row, audited as the migration, once', async () => {
      await wb.services.interfaces.create(ctx, anInterface('IF-PLT-201', { status: 'active' }));
      await wb.services.interfaces.create(ctx, anInterface('IF-PLT-202', { status: 'active' }));
      await writeTheOldWay('IF-PLT-201', ['Legacy Bus 2.1', 'MuleSoft Runtime 4.6']);
      await writeTheOldWay('IF-PLT-202', ['Legacy Bus 2.2']);
      expect(await indexRows('IF-PLT-201')).to.deep.equal([{ platform: 'Legacy Bus 2.1', key: null }, { platform: 'MuleSoft Runtime 4.6', key: null }]);

      const adopted = await wb.services.platforms.adoptFreeText(systemContext('migration'));
      expect(adopted).to.deep.equal([
        { platform: 'legacy-bus', created: true, texts: ['Legacy Bus 2.1', 'Legacy Bus 2.2'], interfaces: 2 },
        { platform: 'mulesoft-runtime', created: false, texts: ['MuleSoft Runtime 4.6'], interfaces: 1 },
      ]);
      expect(await indexRows('IF-PLT-201')).to.deep.equal([{ platform: 'Legacy Bus 2.1', key: 'legacy-bus' }, { platform: 'MuleSoft Runtime 4.6', key: 'mulesoft-runtime' }]);
      const created = await lastAuditEvent(wb.services, 'platform.created');
      expect([created?.actor.id, created?.actor.name, created?.entity.id, created?.reason]).to.deep.equal([null, 'migration', 'legacy-bus', 'migration 0015: platforms become records']);
      const linked = (await auditEvents(wb.services, { action: 'platform.references_adopted' })).map((e) => [e.entity.id, e.after.interfaces, Object.keys(e.states!).sort()]);
      expect(linked).to.deep.equal([
        ['legacy-bus', ['IF-PLT-201', 'IF-PLT-202'], ['interface:IF-PLT-201', 'interface:IF-PLT-202', 'platform:legacy-bus']],
        ['mulesoft-runtime', ['IF-PLT-201'], ['interface:IF-PLT-201', 'platform:mulesoft-runtime']],
      ]);
      const on = await wb.services.platforms.interfacesOn(await platformIdOf('legacy-bus'));
      expect(on.map((i) => i.key)).to.deep.equal(['IF-PLT-201', 'IF-PLT-202']);

      const seq = await wb.services.audit.lastSeq();
      expect(await wb.services.platforms.adoptFreeText(systemContext('migration'))).to.deep.equal([]);
      expect(await wb.services.audit.lastSeq()).to.equal(seq);
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, 'get' | 'post' | 'patch' | 'put', string, unknown, number, string]> = [
      ['an unknown platform', 'get', '/api/v1/platforms/no-such-platform', undefined, 404, 'platform_not_found'],
      ['an unknown platform to edit', 'patch', '/api/v1/platforms/no-such-platform', { vendor: 'x', reason: 'x' }, 404, 'platform_not_found'],
      ['an unknown platform to version', 'put', '/api/v1/platforms/no-such-platform/versions/test', { version: '1', reason: 'x' }, 404, 'platform_not_found'],
      ['a malformed key', 'get', '/api/v1/platforms/MuleSoft%20Runtime', undefined, 400, 'params.key'],
      ['an empty name', 'post', '/api/v1/platforms', { name: '', kind: 'other' }, 400, 'body.name'],
      ['a blank name', 'post', '/api/v1/platforms', { name: '   ', kind: 'other' }, 400, 'body.name'],
      ['an unknown kind', 'post', '/api/v1/platforms', { name: 'Tibco', kind: 'middleware' }, 400, 'body.kind'],
      ['a malformed key to create', 'post', '/api/v1/platforms', { name: 'Tibco', kind: 'other', key: 'Tibco BW' }, 400, 'body.key'],
      ['a bad environment name among the versions', 'post', '/api/v1/platforms', { name: 'Tibco', kind: 'other', versions: { 'Prod!': '1' } }, 400, 'body.versions'],
      ['an empty version', 'post', '/api/v1/platforms', { name: 'Tibco', kind: 'other', versions: { test: '' } }, 400, 'body.versions.test'],
      ['an unknown system', 'post', '/api/v1/platforms', { name: 'Tibco', kind: 'other', systemIds: [999999] }, 400, 'body.systemIds.0'],
      ['an unknown field', 'post', '/api/v1/platforms', { name: 'Tibco', kind: 'other', interfaces: [] }, 400, 'body.interfaces'],
      ['an edit without a reason', 'patch', '/api/v1/platforms/mulesoft-runtime', { vendor: 'x' }, 400, 'body.reason'],
      ['a reason and nothing to change', 'patch', '/api/v1/platforms/mulesoft-runtime', { reason: 'x' }, 400, 'body'],
      ['a key change', 'patch', '/api/v1/platforms/mulesoft-runtime', { key: 'mule', reason: 'x' }, 400, 'body.key'],
      ['a bad environment name', 'put', '/api/v1/platforms/mulesoft-runtime/versions/PRODUCTION', { version: '4.9', reason: 'x' }, 400, 'params.environment'],
      ['a version without a reason', 'put', '/api/v1/platforms/mulesoft-runtime/versions/production', { version: '4.9' }, 400, 'body.reason'],
      ['a blank reason', 'put', '/api/v1/platforms/mulesoft-runtime/versions/production', { version: '4.9', reason: ' ' }, 400, 'body.reason'],
      ['a reason without a version', 'put', '/api/v1/platforms/mulesoft-runtime/versions/production', { reason: 'x' }, 400, 'body.version'],
      ['a version too long', 'put', '/api/v1/platforms/mulesoft-runtime/versions/production', { version: '9'.repeat(65), reason: 'x' }, 400, 'body.version'],
    ];
    for (const [what, method, path, body, status, expected] of cases) {
      it(`refuses ${what} with ${status}, changing nothing`, async () => {
        const seq = await wb.services.audit.lastSeq();
        const before = (await api('get', '/api/v1/platforms', auditor)).body;
        const response = await (body === undefined ? api(method, path) : api(method, path).send(body as object));
        expect(response.status, JSON.stringify(response.body)).to.equal(status);
        if (status === 404) expect(response.body.error.code).to.equal(expected);
        else expect(response.body.error.details.map((d: { field: string }) => d.field), JSON.stringify(response.body.error)).to.include(expected);
        expect(await wb.services.audit.lastSeq()).to.equal(seq);
        expect((await api('get', '/api/v1/platforms', auditor)).body).to.deep.equal(before);
      });
    }
  });
});

describeEachDatabase('platforms: upgrading a registry written before they were records', (dialect) => {
  it('takes migration 0015 down and up again, then adopts the free text left in the index: records, links, a clean trail', async () => {
    const wb = await createTestWorkbench(dialect, { seedUsers: false });
    try {
      const ctx = systemContext('test');
      for (const system of [ERP, WMS]) await wb.services.systems.create(ctx, system);
      await wb.services.interfaces.create(ctx, anInterface('IF-UPG-001', { platforms: ['MuleSoft Runtime 4.6', 'TraceLink 2026.08'], status: 'active' }));
      await wb.services.interfaces.create(ctx, anInterface('IF-UPG-002', { platforms: ['MuleSoft Runtime 4.9'] }));
      const { sequelize, dialect: databaseDialect } = wb.services.database;
      const context = { queryInterface: sequelize.getQueryInterface(), sequelize, dialect: databaseDialect };
      await platformsMigration.down(context);
      const [{ n }] = await sequelize.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM interface_platforms', { type: QueryTypes.SELECT });
      expect(Number(n), 'the index keeps its text').to.equal(3);
      await platformsMigration.up(context);

      const adopted = await wb.services.platforms.adoptFreeText(systemContext('migration'));
      expect(adopted).to.deep.equal([
        { platform: 'mulesoft-runtime', created: true, texts: ['MuleSoft Runtime 4.6', 'MuleSoft Runtime 4.9'], interfaces: 2 },
        { platform: 'tracelink', created: true, texts: ['TraceLink 2026.08'], interfaces: 1 },
      ]);
      const mule = await wb.services.platforms.get('mulesoft-runtime');
      expect(mule.interfaceCounts).to.deep.equal({ active: 1, draft: 1, retired: 0 });
      expect((await wb.services.platforms.interfacesOn(mule.id)).map((i) => i.key)).to.deep.equal(['IF-UPG-001']);
      expect(await wb.services.platforms.adoptFreeText(systemContext('migration'))).to.deep.equal([]);
    } finally {
      // close() reconciles every record with its trail: the adoption events account for the re-linked interfaces.
      await wb.close();
    }
  });
});
