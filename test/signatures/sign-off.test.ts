// What a record needs signed, locking, batch sign-off by QA, the signature policy, server time,
// and `gxpw verify`'s signature check — on the test record type (later issues register their own).
import { expect } from 'chai';
import request from 'supertest';
import { checkIntegrity, describeIntegrity } from '../../src/integrity/integrity-check.js';
import { loadConfig } from '../../src/config.js';
import { StartupError } from '../../src/platform/errors.js';
import { createServices } from '../../src/services.js';
import { gxpwAsync } from '../cli/cli-helpers.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createSigner } from '../support/signers.js';
import { TestDocuments } from '../support/test-documents.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

describeEachDatabase('signature requirements, locking, batch signing and the signature policy', (dialect) => {
  let wb: TestWorkbench;
  const docs = new TestDocuments();
  const ids = {} as Record<string, number>;
  let qa: string;
  let it_: string;

  const post = (path: string, token: string, body: Record<string, unknown>) => request(wb.app).post(path).set('Authorization', `Bearer ${token}`).send(body);
  const sign = (token: string, recordId: string, meaning: string, extra: Record<string, unknown> = {}) =>
    post('/api/v1/signatures', token, { recordType: 'test-document', recordId, version: 1, meaning, reason: `${meaning} after review`, password: TEST_PASSWORD, ...extra });
  const requirements = (recordId: string, version = 1) =>
    request(wb.app).get('/api/v1/signatures/requirements').query({ recordType: 'test-document', recordId, version }).set('Authorization', `Bearer ${qa}`);
  const item = (recordId: string, meaning = 'approved', reviewed = true) => ({ recordType: 'test-document', recordId, version: 1, meaning, reviewed });
  const batch = (token: string, items: unknown[], extra: Record<string, unknown> = {}) => post('/api/v1/signatures/batch', token, { items, reason: 'release review complete', password: TEST_PASSWORD, ...extra });
  const signatureCount = async () => Number((await wb.services.database.sequelize.query('SELECT COUNT(*) AS n FROM signatures', { plain: true }))!.n);

  before(async () => {
    wb = await createTestWorkbench(dialect);
    wb.services.signatures.register(docs.recordType);
    for (const u of await wb.services.users.list({})) ids[u.username] = u.id;
    for (const id of ['LOW-1', 'HIGH-1', 'LOCK-1', 'B-1', 'B-2', 'B-3', 'B-4', 'P-1', 'T-1', 'V-1', 'V-2']) docs.add(id, { title: `Protocol ${id}`, steps: [1, 2, 3] }, [ids.it!]);
    docs.assuranceLevels.set('HIGH-1', 'high');
    qa = await wb.login('qa');
    it_ = await wb.login('it');
  });
  after(async () => wb?.close());

  describe('what a record version needs', () => {
    it('lists the record type’s required meanings, incomplete until a valid signature of an allowed role satisfies each', async () => {
      const before = await requirements('LOW-1');
      expect(before.status).to.equal(200);
      expect(before.body).to.deep.include({ recordType: 'test-document', recordId: 'LOW-1', version: 1, complete: false });
      expect(before.body.requirements).to.deep.equal([{ meaning: 'approved', roles: ['qa'], source: 'required for every test-document', signatureId: null, signedBy: null }]);
      const signed = await sign(qa, 'LOW-1', 'approved', { username: 'qa' });
      expect(signed.status, JSON.stringify(signed.body)).to.equal(201);
      const after = await requirements('LOW-1');
      expect(after.body.complete).to.equal(true);
      expect(after.body.requirements[0]).to.include({ signatureId: signed.body.id, signedBy: 'Quinn Quality' });
    });

    it('adds the signatures the assurance level asks for, and only the roles it names may give them', async () => {
      const status = await requirements('HIGH-1');
      expect(status.body.requirements.map((r: { meaning: string; roles: string[] }) => `${r.meaning}:${r.roles.join('|')}`)).to.have.members(['approved:qa', 'reviewed:it']);
      // The type lets qa review, but on a high-assurance record the requirement says it.
      const qaReview = await sign(qa, 'HIGH-1', 'reviewed');
      expect(qaReview.status).to.equal(403);
      expect(qaReview.body.error.code).to.equal('role_cannot_sign');
      expect((await sign(qa, 'HIGH-1', 'approved')).status).to.equal(201);
      expect((await requirements('HIGH-1')).body.complete).to.equal(false);
      docs.add('HIGH-1', { title: 'Protocol HIGH-1', steps: [1, 2, 3], note: 'v2 by qa' }, [ids.qa!]);
      expect((await sign(it_, 'HIGH-1', 'reviewed', { username: 'it', version: 2 })).status).to.equal(201);
      const v2 = await requirements('HIGH-1', 2);
      expect(v2.body.requirements.find((r: { meaning: string }) => r.meaning === 'reviewed').signedBy).to.equal('Ingrid Integration');
      expect(v2.body.complete, 'v2 still needs its own approval').to.equal(false);
    });

    it('answers 404 for a version that does not exist and 400 for an unknown record type', async () => {
      expect((await requirements('LOW-1', 9)).status).to.equal(404);
      const unknown = await request(wb.app).get('/api/v1/signatures/requirements').query({ recordType: 'spreadsheet', recordId: 'X', version: 1 }).set('Authorization', `Bearer ${qa}`);
      expect(unknown.status).to.equal(400);
      expect(unknown.body.error.code).to.equal('unknown_record_type');
    });
  });

  describe('locking', () => {
    it('locks a signed version against in-place edits; a new version needs its own signatures and the old ones stay valid', async () => {
      await wb.services.signatures.assertUnsigned('test-document', 'LOCK-1', 1);
      const signed = await sign(qa, 'LOCK-1', 'approved');
      expect(signed.status).to.equal(201);
      let refused: { status?: number; code?: string } | null = null;
      await wb.services.signatures.assertUnsigned('test-document', 'LOCK-1', 1).catch((e) => (refused = e));
      expect(refused).to.include({ status: 409, code: 'record_locked' });

      docs.add('LOCK-1', { title: 'Protocol LOCK-1', steps: [1, 2, 3, 4] }, [ids.it!]);
      expect((await requirements('LOCK-1', 2)).body.complete).to.equal(false);
      expect((await requirements('LOCK-1', 1)).body.complete).to.equal(true);
      const verified = await request(wb.app).get(`/api/v1/signatures/${signed.body.id}/verify`).set('Authorization', `Bearer ${qa}`);
      expect(verified.body).to.deep.include({ valid: true, problem: null });
      // The signature cannot be carried over: version 1 is no longer current.
      const replayed = await sign(qa, 'LOCK-1', 'approved');
      expect(replayed.status).to.equal(409);
      expect(replayed.body.error.code).to.equal('not_current_version');
    });
  });

  describe('batch signing by QA', () => {
    it('signs each confirmed record with its own signature row and audit event, in one re-authenticated action', async () => {
      const events = (await auditEvents(wb.services, { action: 'signature.created' })).length;
      const response = await batch(qa, [item('B-1'), item('B-2')]);
      expect(response.status, JSON.stringify(response.body)).to.equal(201);
      expect(response.body.signatures.map((s: { record: { id: string } }) => s.record.id)).to.deep.equal(['B-1', 'B-2']);
      expect(new Set(response.body.signatures.map((s: { id: number }) => s.id)).size).to.equal(2);
      for (const s of response.body.signatures) expect(s).to.deep.include({ meaning: 'approved', valid: true, reason: 'release review complete' });
      const created = await auditEvents(wb.services, { action: 'signature.created' });
      expect(created.length).to.equal(events + 2);
      const [first, second] = created.slice(-2);
      expect(first!.after.batchId).to.be.a('string').and.equal(second!.after.batchId);
      expect([first!.entity.id, second!.entity.id]).to.deep.equal(['B-1', 'B-2']);
    });

    it('refuses the whole batch when any record is not confirmed as reviewed, naming it, and signs nothing', async () => {
      const before = await signatureCount();
      const response = await batch(qa, [item('B-3'), item('B-4', 'approved', false)]);
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal('review_not_confirmed');
      expect(response.body.error.details).to.deep.equal([{ field: 'body.items.1.reviewed', rule: 'const', message: 'must be true: confirm this record was reviewed' }]);
      expect(await signatureCount()).to.equal(before);
    });

    it('refuses the whole batch when any record cannot be signed, listing every refused item, and signs nothing', async () => {
      const before = await signatureCount();
      const events = (await auditEvents(wb.services, { action: 'signature.created' })).length;
      const response = await batch(qa, [item('B-3'), item('B-1'), item('NO-SUCH')]);
      expect(response.status).to.equal(409);
      expect(response.body.error.code).to.equal('batch_refused');
      expect(response.body.error.details.map((d: { field: string; rule: string }) => `${d.field}:${d.rule}`)).to.deep.equal(['body.items.1:already_signed', 'body.items.2:record_not_found']);
      expect(await signatureCount()).to.equal(before);
      expect((await auditEvents(wb.services, { action: 'signature.created' })).length).to.equal(events);
      expect((await batch(qa, [item('B-3')])).status, 'B-3 alone signs: nothing of the refused batch was kept').to.equal(201);
    });

    it('refuses the same item twice, an empty batch, and a wrong password (401, counted and audited)', async () => {
      const duplicate = await batch(qa, [item('B-4'), item('B-4')]);
      expect(duplicate.status).to.equal(400);
      expect(duplicate.body.error.code).to.equal('duplicate_items');
      expect((await batch(qa, [])).status).to.equal(400);
      const failures = (await auditEvents(wb.services, { action: 'signature.authentication_failed' })).length;
      const wrong = await batch(qa, [item('B-4')], { password: 'not-the-password' });
      expect(wrong.status).to.equal(401);
      expect((await auditEvents(wb.services, { action: 'signature.authentication_failed' })).length).to.equal(failures + 1);
    });
  });

  describe('the signature policy (§11.100(c))', () => {
    it('stops a new user from signing until they acknowledge the policy with their password', async () => {
      // Through the real two-person flow, but without the policy acknowledgement.
      const user = await createSigner(wb, 'nina', 'qa', { fullName: 'Nina New', acknowledgePolicy: false });
      const token = await wb.login('nina');
      const refused = await sign(token, 'P-1', 'approved', { username: 'nina' });
      expect(refused.status).to.equal(403);
      expect(refused.body.error.code).to.equal('signature_policy_not_acknowledged');

      const policy = await request(wb.app).get('/api/v1/signatures/policy').set('Authorization', `Bearer ${token}`);
      expect(policy.body.statements.join(' ')).to.match(/legally binding equivalent of my handwritten signature/);
      expect(policy.body.digest).to.match(/^[0-9a-f]{64}$/);

      const wrong = await post('/api/v1/signatures/policy/acknowledge', token, { password: 'not-the-password' });
      expect(wrong.status).to.equal(401);
      expect((await lastAuditEvent(wb.services, 'signature_policy.authentication_failed'))?.entity).to.deep.equal({ type: 'user', id: String(user.id) });
      expect((await wb.services.users.get(user.id)).signaturePolicyAcknowledgedAt).to.equal(null);

      const acknowledged = await post('/api/v1/signatures/policy/acknowledge', token, { password: TEST_PASSWORD });
      expect(acknowledged.status, JSON.stringify(acknowledged.body)).to.equal(200);
      expect(acknowledged.body.user.signaturePolicyAcknowledgedAt).to.match(/Z$/);
      const event = await lastAuditEvent(wb.services, 'user.signature_policy_acknowledged');
      expect(event?.actor.id).to.equal(user.id);
      expect(event?.before).to.deep.equal({ signaturePolicyAcknowledgedAt: null });
      expect(event?.after).to.include({ policyVersion: '1', policyDigest: policy.body.digest });
      expect(event?.reason).to.match(/acknowledged Electronic signature policy version 1/);

      expect((await sign(token, 'P-1', 'approved', { username: 'nina' })).status).to.equal(201);
    });
  });

  describe('server time only', () => {
    it('stamps signatures with this server’s clock, whatever the client or another instance believes', async () => {
      // This instance runs two hours behind the others; the client claims a third time.
      wb.clock.advance(-2 * 3600_000);
      try {
        const expected = wb.clock.now().getTime();
        const response = await sign(qa, 'T-1', 'approved').set('Date', 'Wed, 01 Jan 2031 00:00:00 GMT');
        expect(response.status).to.equal(201);
        const signedAt = Date.parse(response.body.signedAt);
        expect(signedAt).to.be.within(expected, wb.clock.now().getTime());
        expect(Date.now() - signedAt).to.be.greaterThan(3600_000);
        const event = await lastAuditEvent(wb.services, 'signature.created');
        expect(Math.abs(Date.parse(String(event!.occurredAt)) - signedAt)).to.be.lessThan(5_000);
      } finally {
        wb.clock.advance(2 * 3600_000);
      }
      const clientTime = await sign(qa, 'T-1', 'reviewed', { signedAt: '2020-01-01T00:00:00.000Z' });
      expect(clientTime.status).to.equal(400);
      expect(clientTime.body.error.details[0].field).to.match(/signedAt/);
    });
  });

  describe('gxpw verify: every signature', () => {
    it('reports every signature valid on an untouched database', async () => {
      const report = await checkIntegrity(wb.services);
      expect(report.signatures.checked).to.equal(await signatureCount());
      expect(report.signatures.invalid, JSON.stringify(report.signatures.invalid)).to.deep.equal([]);
      expect(report.ok).to.equal(true);
      expect(describeIntegrity(report)).to.match(/Signatures valid: \d+ verified/);
    });

    it('names a signature whose record changed after signing and one whose row was altered', async () => {
      const changed = await sign(qa, 'V-1', 'approved');
      const altered = await sign(qa, 'V-2', 'approved');
      (docs.versions.get('V-1')![0]!.content as { title: string }).title = 'edited behind the signature';
      const { sequelize } = wb.services.database;
      wb.tamperedWith();
      await sequelize.query(dialect === 'sqlite' ? 'DROP TRIGGER signatures_refuse_update' : 'DROP TRIGGER signatures_refuse_update ON signatures');
      await sequelize.query(`UPDATE signatures SET reason = 'approved without reading' WHERE id = ${altered.body.id}`);

      const report = await checkIntegrity(wb.services);
      expect(report.ok).to.equal(false);
      expect(report.auditTrail.ok).to.equal(true);
      expect(report.signatures.invalid.map((s) => [s.id, s.problem])).to.deep.equal([
        [changed.body.id, 'invalid — record changed after signing'],
        [altered.body.id, 'invalid — the signature record was altered or forged'],
      ]);
      const text = describeIntegrity(report);
      expect(text).to.match(/SIGNATURES NOT VALID: 2 of \d+/);
      expect(text).to.include(`signature ${changed.body.id} (test-document V-1 v1, approved): invalid — record changed after signing`);
    });

    it('has the gxpw verify command exit 1 and name the altered signature row', async () => {
      // The child process knows only the record types of the composition root, so the record
      // digest of test documents is checked in-process above; the server's seal is checked here.
      const [altered] = await wb.services.signatures.list('test-document', 'V-2');
      const cli = await gxpwAsync(['verify', '--json'], wb.env);
      expect(cli.status, cli.stderr).to.equal(1);
      const report = JSON.parse(cli.stdout);
      expect(report.ok).to.equal(false);
      expect(report.auditTrail.ok).to.equal(true);
      expect(report.signatures.invalid.find((s: { id: number }) => s.id === altered!.id)?.problem).to.equal('invalid — the signature record was altered or forged');
    });
  });
});

describeEachDatabase('configured signature meanings', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { env: { GXPW_SIGNATURE_MEANINGS: 'authored,reviewed,approved,responsible,verified,released-for-use' } })));
  after(async () => wb?.close());

  it('refuses to register a record type using a meaning the configuration does not list', () => {
    const docs = new TestDocuments();
    expect(() => wb.services.signatures.register({ ...docs.recordType, type: 'checklist', meanings: { executed: ['qa'] }, required: [] })).to.throw(/meanings not configured in GXPW_SIGNATURE_MEANINGS: executed/);
  });

  it('refuses to start when a risk model requires a meaning the configuration does not list', async () => {
    let error: Error | null = null;
    await createServices(loadConfig({ ...wb.env, GXPW_SIGNATURE_MEANINGS: 'authored,approved' }, wb.config.dataDir)).catch((e: Error) => (error = e));
    expect(error).to.be.instanceOf(StartupError);
    expect(error!.message).to.match(/fda-csa\.json: \/levels\/high\/requiredSignatures\/0\/meaning: 'reviewed' is not a configured signature meaning/);
  });

  it("signs with a team's own meaning", async () => {
    const docs = new TestDocuments();
    const release = { ...docs.recordType, type: 'release-note', meanings: { 'released-for-use': ['qa' as const] }, required: ['released-for-use'], additionalRequirements: undefined };
    wb.services.signatures.register(release);
    docs.add('RN-1', { title: 'Release 4.2' }, []);
    const token = await wb.login('qa');
    const body = { recordType: 'release-note', recordId: 'RN-1', version: 1, meaning: 'released-for-use', reason: 'fit for intended use', username: 'qa', password: TEST_PASSWORD };
    const response = await request(wb.app).post('/api/v1/signatures').set('Authorization', `Bearer ${token}`).send(body);
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    expect(response.body.manifestation).to.match(/^Quinn Quality — released-for-use — /);
    expect((await lastAuditEvent(wb.services, 'signature.created'))?.after.meaning).to.equal('released-for-use');
  });
});
