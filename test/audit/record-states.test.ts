// `gxpw verify` proves every live record is what its audit trail says (Part 11 §11.10(a)): a row
// edited outside the application, a row no event accounts for and an event whose record is gone are
// each reported — for every record type, signed or not.
import { expect } from 'chai';
import fc from 'fast-check';
import type { Server } from 'node:http';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import { attestRecordsOnUpgrade, reconcileRecordStates, type RecordReconciliation } from '../../src/audit/record-reconciliation.js';
import { canonicalStateJson, stateDigestOfRow, type RecordStateDefinition } from '../../src/audit/record-states.js';
import { canonicalJson } from '../../src/platform/canonical-json.js';
import { checkIntegrity, describeIntegrity } from '../../src/integrity/integrity-check.js';
import { systemContext } from '../../src/platform/request-context.js';
import { bearer, failLogins } from '../auth/auth-helpers.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase, type TestDialect } from '../support/databases.js';
import { listenOnLoopback, salesOrderInterfaces } from '../support/runner-fixtures.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

describe('record states: the digest of one state', () => {
  const flatValue = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
  const flat = fc.dictionary(fc.string(), flatValue);

  it('is the RFC 8785 canonical JSON of the state, written directly (the same text as the general canonicalizer)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), flat, fc.option(fc.array(flat, { maxLength: 4 }), { nil: undefined }), (type, id, columns, parts) => {
        const state = { type, id, columns, ...(parts ? { parts } : {}) };
        expect(canonicalStateJson(state)).to.equal(canonicalJson(state));
      }),
      { numRuns: 500 },
    );
  });

  it('never digests a value a column should not hold like another value: text in a number, boolean or time column stays text', () => {
    const definition: RecordStateDefinition = { type: 't', table: 't', idColumn: 'id', idKind: 'integer', columns: { n: 'integer', b: 'boolean', at: 'time' } };
    const digest = (row: Record<string, unknown>) => stateDigestOfRow(definition, { id: 1, ...row });
    expect(digest({ n: 'abc' })).to.not.equal(digest({ n: null }));
    expect(digest({ n: '' })).to.not.equal(digest({ n: 0 }));
    expect(digest({ b: 'maybe' })).to.not.equal(digest({ b: 0 }));
    expect(digest({ at: 'not a time' })).to.not.equal(digest({ at: null }));
    // The same value as either database returns it digests the same.
    expect(digest({ n: '42', b: 1, at: '2026-12-06 21:03:51.123 +00:00' })).to.equal(digest({ n: 42, b: true, at: new Date('2026-12-06T21:03:51.123Z') }));
  });
});

/** Drops every trigger on `table`: what someone with database access does before editing a protected row. */
async function dropTriggers(wb: TestWorkbench, dialect: TestDialect, table: string): Promise<void> {
  const { sequelize } = wb.services.database;
  if (dialect === 'sqlite') {
    const triggers = await sequelize.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table`, { type: QueryTypes.SELECT, replacements: { table } });
    for (const { name } of triggers) await sequelize.query(`DROP TRIGGER ${name}`);
  } else {
    const triggers = await sequelize.query<{ name: string }>(
      `SELECT t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relname = :table AND n.nspname = current_schema() AND NOT t.tgisinternal`,
      { type: QueryTypes.SELECT, replacements: { table } },
    );
    for (const { name } of triggers) await sequelize.query(`DROP TRIGGER ${name} ON ${table}`);
  }
}

async function tableNames(wb: TestWorkbench, dialect: TestDialect): Promise<string[]> {
  const { sequelize } = wb.services.database;
  const rows = dialect === 'sqlite'
    ? await sequelize.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`, { type: QueryTypes.SELECT })
    : await sequelize.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`, { type: QueryTypes.SELECT });
  return rows.map((r) => r.name).sort();
}

describeEachDatabase('record states: every record reconciled with its audit trail', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  let qa: string;
  let it_: string;
  const ctx = systemContext('test');
  const ids = {} as Record<string, string>;

  const reconcile = (): Promise<RecordReconciliation> => reconcileRecordStates(wb.services.database, wb.services.audit.recordStates);
  const firstId = async (table: string, where = '1 = 1'): Promise<string> => {
    const [row] = await wb.services.database.sequelize.query<{ id: number }>(`SELECT id FROM ${table} WHERE ${where} ORDER BY id LIMIT 1`, { type: QueryTypes.SELECT });
    return String(row!.id);
  };

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_STEP_TIMEOUT_MS: '5000' } });
    wb.tamperedWith();
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, ['IF-REC-001'], { test: `${base}/sim/wms`, faulty: `${base}/sim/faulty/schema/wms` });
    qa = await wb.login('qa');
    it_ = await wb.login('it');
    const assessed = await request(wb.app).post('/api/v1/interfaces/IF-REC-001/risk-assessments').set(bearer(qa))
      .send({ modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'not-high', dataIntegrityImpact: 'transports-gxp-records' } });
    expect(assessed.status, JSON.stringify(assessed.body)).to.equal(201);
    const [requirement] = await wb.services.requirements.draft(ctx, 'IF-REC-001');
    await wb.services.scenarios.save(ctx, 'IF-REC-001', {
      key: 'unknown-order', name: 'An unknown order is 404', category: 'smoke', requirements: [requirement!.key],
      steps: [{ name: 'Look up an unknown order', operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, expect: { status: 404 } }],
    });
    const passed = await wb.services.runs.runToEnd(ctx, { interface: 'IF-REC-001' });
    const failed = await wb.services.runs.runToEnd(ctx, { interface: 'IF-REC-001', environment: 'faulty' });
    expect([passed.status, failed.status]).to.deep.equal(['passed', 'failed']);
    const [step] = (await wb.services.runs.steps(failed.id)).filter((s) => s.status !== 'passed');
    const opened = await request(wb.app).post(`/api/v1/runs/${failed.id}/deviations`).set(bearer(it_)).send({ stepPosition: step!.position, title: 'WMS breaks the contract', description: 'A required field is missing.', impact: 'None: simulated fault.' });
    expect(opened.status, JSON.stringify(opened.body)).to.equal(201);
    const reviewed = await request(wb.app).post('/api/v1/signatures').set(bearer(qa))
      .send({ recordType: 'deviation', recordId: String(opened.body.id), version: 1, meaning: 'reviewed', reason: 'investigation reviewed', username: 'qa', password: TEST_PASSWORD });
    expect(reviewed.status, JSON.stringify(reviewed.body)).to.equal(201);
    await failLogins(wb, 'auditor', wb.config.auth.lockoutThreshold);
    // The interface's "MuleSoft Runtime 4.6" made the platform record; a version gives it a part row.
    await wb.services.platforms.setVersion(ctx, 'mulesoft-runtime', 'test', '4.9', 'record-state fixture');
    const pkg = await wb.services.packages.create(ctx, { title: 'Record-state package', scope: [{ interface: 'IF-REC-001' }] });
    await wb.services.packages.submit(ctx, pkg.id, null);
    const change = await wb.services.changes.log(ctx, { type: 'vendor-release', title: 'Runtime upgrade', platform: 'MuleSoft Runtime', versionFrom: '4.6', versionTo: '4.9', description: 'Upgrade.', justification: 'Support ends.', plannedDate: '2027-01-15', environments: ['test'] });
    await wb.services.changes.transition(ctx, change.id, { to: 'assessed', reason: 'impact reviewed' });
    Object.assign(ids, {
      user: String((await wb.services.users.list({})).find((u) => u.username === 'it')!.id),
      'security-alert': await firstId('security_alerts'),
      'access-grant': await firstId('access_grants'),
      system: await firstId('systems'),
      interface: 'IF-REC-001',
      platform: 'mulesoft-runtime',
      contract: await firstId('contracts'),
      'risk-assessment': String(assessed.body.id),
      requirement: await firstId('requirements'),
      scenario: await firstId('scenarios'),
      run: String(failed.id),
      deviation: String(opened.body.id),
      signature: String(reviewed.body.id),
      evidence: await firstId('evidence_items'),
      package: String(pkg.id),
      change: String(change.id),
    });
  });
  after(async () => {
    server?.close();
    await wb?.close();
  });

  it('accounts for every table: a registered record type, a part of one, or exempt with a reason', async () => {
    const covered = wb.services.audit.recordStates.coveredTables();
    const uncovered = (await tableNames(wb, dialect)).filter((table) => !covered.has(table));
    expect(uncovered, 'a new table needs a record-state registration or an exemption (src/services.ts)').to.deep.equal([]);
  });

  it('finds every record of every type as its audit trail says, on a workbench used only through the application', async () => {
    const report = await reconcile();
    expect(report.problems, JSON.stringify(report.problems)).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    expect(report.recordsInProgress).to.equal(0);
    // Every registered type has at least one record here, so each is really compared.
    for (const definition of wb.services.audit.recordStates.types()) expect(ids[definition.type], definition.type).to.be.a('string');
    expect(report.recordsChecked).to.be.greaterThan(Object.keys(ids).length);
  });

  // One direct edit per record type (a column of the record, or of a row that belongs to it).
  const edits: Array<{ type: string; table: string; column: string; value: string; where?: (id: string) => string }> = [
    { type: 'user', table: 'users', column: 'role', value: `'admin'` },
    { type: 'security-alert', table: 'security_alerts', column: 'severity', value: `'low'` },
    { type: 'access-grant', table: 'access_grants', column: 'status', value: `'pending'` },
    { type: 'system', table: 'systems', column: 'version', value: `'9.9'` },
    { type: 'interface', table: 'interfaces', column: 'risk_level', value: `'low'`, where: (key) => `key = '${key}'` },
    { type: 'interface', table: 'interface_platforms', column: 'platform', value: `'Boomi 1.0'`, where: () => `interface_id = (SELECT id FROM interfaces WHERE key = 'IF-REC-001')` },
    { type: 'interface', table: 'interface_platforms', column: 'platform_id', value: 'NULL', where: () => `interface_id = (SELECT id FROM interfaces WHERE key = 'IF-REC-001')` },
    { type: 'platform', table: 'platforms', column: 'vendor', value: `'Someone else'`, where: (key) => `key = '${key}'` },
    { type: 'platform', table: 'platform_versions', column: 'version', value: `'9.9'`, where: (key) => `platform_id = (SELECT id FROM platforms WHERE key = '${key}')` },
    { type: 'contract', table: 'contracts', column: 'note', value: `'quietly replaced'` },
    { type: 'risk-assessment', table: 'risk_assessments', column: 'notes', value: `'reassessed by hand'` },
    { type: 'requirement', table: 'requirements', column: 'text', value: `'a weaker requirement'` },
    { type: 'scenario', table: 'scenarios', column: 'name', value: `'renamed'` },
    { type: 'run', table: 'runs', column: 'status', value: `'passed'` },
    { type: 'run', table: 'run_steps', column: 'message', value: `'all good'`, where: (id) => `run_id = ${id}` },
    { type: 'deviation', table: 'deviation_versions', column: 'impact', value: `'none'`, where: (id) => `deviation_id = ${id}` },
    { type: 'signature', table: 'signatures', column: 'meaning', value: `'approved'` },
    { type: 'evidence', table: 'evidence_items', column: 'media_type', value: `'text/plain'` },
    { type: 'package', table: 'validation_packages', column: 'status', value: `'approved'` },
    { type: 'change', table: 'change_records', column: 'state', value: `'closed'` },
    { type: 'change', table: 'change_versions', column: 'reason', value: `'rewritten'`, where: (id) => `change_id = ${id} AND version = 2` },
    { type: 'package', table: 'package_manifests', column: 'digest', value: `'${'0'.repeat(64)}'`, where: (id) => `package_id = ${id}` },
  ];

  for (const edit of edits) {
    it(`reports a ${edit.type} changed outside the application (${edit.table}.${edit.column})`, async () => {
      const { sequelize } = wb.services.database;
      const id = ids[edit.type]!;
      const where = edit.where?.(id) ?? `id = ${id}`;
      // deviation_versions keeps its content as JSON text: the edit goes into it.
      const column = edit.table === 'deviation_versions' ? 'content' : edit.column;
      const value = edit.table === 'deviation_versions' ? `REPLACE(content, 'None: simulated fault.', 'none')` : edit.value;
      const [original] = await sequelize.query<Record<string, unknown>>(`SELECT ${column} AS v FROM ${edit.table} WHERE ${where}`, { type: QueryTypes.SELECT });
      await dropTriggers(wb, dialect, edit.table);
      await sequelize.query(`UPDATE ${edit.table} SET ${column} = ${value} WHERE ${where}`);

      const report = await reconcile();
      expect(report.ok).to.equal(false);
      expect(report.problems.map((p) => [p.recordType, p.recordId, p.problem])).to.deep.equal([[edit.type, id, 'changed_outside_application']]);
      expect(report.problems[0]!.seq).to.be.a('number');

      await sequelize.query(`UPDATE ${edit.table} SET ${column} = :v WHERE ${where}`, { replacements: { v: original!.v } });
      expect((await reconcile()).ok, 'restored').to.equal(true);
    });
  }

  it('answers the issue’s three edits through GET /api/v1/audit/verify and gxpw verify: ok false, each record named', async () => {
    const { sequelize } = wb.services.database;
    await dropTriggers(wb, dialect, 'risk_assessments');
    const [assessment] = await sequelize.query<{ result: string }>(`SELECT result FROM risk_assessments WHERE id = ${ids['risk-assessment']}`, { type: QueryTypes.SELECT });
    const [iface] = await sequelize.query<{ risk_level: string }>(`SELECT risk_level FROM interfaces WHERE key = 'IF-REC-001'`, { type: QueryTypes.SELECT });
    expect(iface!.risk_level).to.not.equal('low');
    await sequelize.query(`UPDATE users SET role = 'admin' WHERE id = ${ids.user}`);
    await sequelize.query(`UPDATE risk_assessments SET result = :result WHERE id = ${ids['risk-assessment']}`, { replacements: { result: JSON.stringify({ ...JSON.parse(assessment!.result), level: 'low' }) } });
    await sequelize.query(`UPDATE interfaces SET risk_level = 'low' WHERE key = 'IF-REC-001'`);
    const verified = await request(wb.app).get('/api/v1/audit/verify').set(bearer(qa));
    expect(verified.status).to.equal(200);
    expect(verified.body.ok).to.equal(false);
    expect(verified.body.firstBadSeq).to.equal(null);
    const named = verified.body.problems.map((p: { recordType: string; recordId: string; problem: string }) => `${p.recordType}/${p.recordId}/${p.problem}`);
    expect(named).to.have.members([`user/${ids.user}/changed_outside_application`, `risk-assessment/${ids['risk-assessment']}/changed_outside_application`, 'interface/IF-REC-001/changed_outside_application']);

    const report = await checkIntegrity(wb.services);
    expect(report.ok).to.equal(false);
    expect(report.auditTrail.ok).to.equal(true);
    expect(describeIntegrity(report)).to.match(/RECORDS DO NOT MATCH THEIR AUDIT TRAIL: 3 of \d+/).and.to.contain(`user ${ids.user}: changed_outside_application`);

    await sequelize.query(`UPDATE users SET role = 'it' WHERE id = ${ids.user}`);
    await sequelize.query(`UPDATE risk_assessments SET result = :result WHERE id = ${ids['risk-assessment']}`, { replacements: { result: assessment!.result } });
    await sequelize.query(`UPDATE interfaces SET risk_level = :level WHERE key = 'IF-REC-001'`, { replacements: { level: iface!.risk_level } });
    const restored = await reconcile();
    expect(restored.problems, JSON.stringify(restored.problems)).to.deep.equal([]);
  });

  it('reports a row no audit event accounts for, and an event whose record is gone', async () => {
    const { sequelize } = wb.services.database;
    await sequelize.query(`INSERT INTO systems (name, kind, vendor, product, version, gamp_category, layer, owner, status, created_at, updated_at)
      VALUES ('Shadow ERP', 'erp', 'Nobody', 'Shadow', '1', 4, 'source-system', 'nobody', 'active', :now, :now)`, { replacements: { now: new Date() } });
    const shadow = await firstId('systems', `name = 'Shadow ERP'`);
    await dropTriggers(wb, dialect, 'evidence_items');
    const [gone] = await sequelize.query<Record<string, unknown>>(`SELECT * FROM evidence_items WHERE id = ${ids.evidence}`, { type: QueryTypes.SELECT });
    await sequelize.query(`DELETE FROM evidence_items WHERE id = ${ids.evidence}`);

    const report = await reconcile();
    expect(report.problems.map((p) => [p.recordType, p.recordId, p.problem])).to.have.deep.members([
      ['system', shadow, 'no_audit_event'],
      ['evidence', ids.evidence, 'record_missing'],
    ]);
    expect(report.problems.find((p) => p.problem === 'record_missing')!.seq).to.be.a('number');

    await sequelize.query(`DELETE FROM systems WHERE id = ${shadow}`);
    const columns = Object.keys(gone!);
    await sequelize.query(`INSERT INTO evidence_items (${columns.join(', ')}) VALUES (${columns.map((c) => `:${c}`).join(', ')})`, { replacements: gone });
    expect((await reconcile()).ok).to.equal(true);
  });

  it('accepts an attestation of existing records only where record-state digests begin, never later', async () => {
    const before = await wb.services.audit.lastSeq();
    const attested = await attestRecordsOnUpgrade(wb.services.database, wb.services.audit, ['0010-audit-record-states']);
    expect(attested).to.be.greaterThan(0);
    const report = await reconcile();
    expect(report.ok).to.equal(false);
    expect(report.problems.every((p) => p.problem === 'baseline_out_of_place')).to.equal(true);
    expect(Number(report.problems[0]!.recordId)).to.be.greaterThan(before);
    // Nothing else is attested when the migration was not just applied.
    expect(await attestRecordsOnUpgrade(wb.services.database, wb.services.audit, [])).to.equal(0);
  });
});

describeEachDatabase('record states: an upgraded database attests the records it had', (dialect) => {
  it('attests the records found when the migration is applied to a trail without states, and proves them from then on', async () => {
    const wb = await createTestWorkbench(dialect, { seedUsers: false });
    wb.tamperedWith();
    try {
      const { sequelize } = wb.services.database;
      // As before migration 0010: a record and an event that carries no state digest.
      await sequelize.query(`INSERT INTO systems (name, kind, vendor, product, version, gamp_category, layer, owner, status, created_at, updated_at)
        VALUES ('Legacy WMS', 'wms', 'Acme', 'WMS', '1', 4, 'source-system', 'ops', 'active', :now, :now)`, { replacements: { now: new Date() } });
      await wb.services.database.write((tx) => wb.services.audit.record(tx, systemContext('legacy'), { action: 'legacy.imported', entityType: 'legacy', entityId: 1, change: 'event' }));
      const firstSystemId = async () => String((await wb.services.database.sequelize.query<{ id: number }>('SELECT id FROM systems', { type: QueryTypes.SELECT }))[0]!.id);
      expect((await reconcileRecordStates(wb.services.database, wb.services.audit.recordStates)).problems.map((p) => p.problem)).to.deep.equal(['no_audit_event']);

      expect(await attestRecordsOnUpgrade(wb.services.database, wb.services.audit, ['0010-audit-record-states'])).to.equal(1);
      const attested = await reconcileRecordStates(wb.services.database, wb.services.audit.recordStates);
      expect(attested.ok).to.equal(true);
      expect(attested.baselineSeq).to.equal(2);
      // The attestation is itself audited: by the migration, naming what it attests and the state.
      const [event] = await auditEvents(wb.services, { action: 'audit.record_states_baselined' });
      expect(event).to.deep.include({ seq: 2, actor: { id: null, name: 'migration', role: null }, entity: { type: 'audit-trail', id: 'record-states' } });
      expect(event!.after).to.include({ recordType: 'system', records: 1 });
      expect(Object.keys(event!.states!)).to.deep.equal([`system:${await firstSystemId()}`]);
      await sequelize.query(`UPDATE systems SET version = '2' WHERE name = 'Legacy WMS'`);
      expect((await reconcileRecordStates(wb.services.database, wb.services.audit.recordStates)).problems.map((p) => p.problem)).to.deep.equal(['changed_outside_application']);
    } finally {
      await wb.close();
    }
  });
});
