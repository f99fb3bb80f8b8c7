// Part 11 signatures, proven on a record type defined here (later issues register their own).
import { expect } from 'chai';
import request from 'supertest';
import { describeEachDatabase } from '../support/databases.js';
import { TestDocuments } from '../support/test-documents.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { systemContext } from '../../src/platform/request-context.js';

describeEachDatabase('electronic signatures', (dialect) => {
  let wb: TestWorkbench;
  const docs = new TestDocuments();
  const ids = {} as Record<'admin' | 'it' | 'qa' | 'auditor' | 'qa2', number>;
  let qa: string;
  let itToken: string;

  const sign = (token: string, body: Record<string, unknown>) => request(wb.app).post('/api/v1/signatures').set('Authorization', `Bearer ${token}`).send(body);
  const body = (recordId: string, meaning: string, extra: Record<string, unknown> = {}) => ({ recordType: 'test-document', recordId, version: 1, meaning, reason: `${meaning} after review`, password: TEST_PASSWORD, ...extra });

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_LOCKOUT_THRESHOLD: '3' } });
    wb.services.signatures.register(docs.recordType);
    for (const u of await wb.services.users.list({})) ids[u.username as keyof typeof ids] = u.id;
    for (const id of ['DOC-1', 'DOC-2', 'DOC-3', 'DOC-4', 'DOC-5', 'DOC-6']) docs.add(id, { title: `Validation plan ${id}`, steps: ['a', 'b'] }, [ids.it]);
    qa = await wb.login('qa');
    itToken = await wb.login('it');
  });
  after(async () => wb?.close());

  it('needs user name and password for the first signature of a session, then the password alone (§11.200(a))', async () => {
    const withoutName = await sign(qa, body('DOC-1', 'approved'));
    expect(withoutName.status).to.equal(400);
    expect(withoutName.body.error.code).to.equal('username_required');
    const first = await sign(qa, body('DOC-1', 'approved', { username: 'qa' }));
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body.authenticationMethod).to.equal('username+password');
    const second = await sign(qa, body('DOC-1', 'reviewed'));
    expect(second.status, JSON.stringify(second.body)).to.equal(201);
    expect(second.body.authenticationMethod).to.equal('password');
    const newSession = await wb.login('qa');
    expect((await sign(newSession, body('DOC-2', 'approved'))).body.error.code).to.equal('username_required');
  });

  it('shows printed name, date and time with time zone, and meaning, bound to the digest of the exact version (§11.50, §11.70)', async () => {
    const response = await sign(qa, body('DOC-2', 'approved', { username: 'qa' }));
    expect(response.status).to.equal(201);
    expect(response.body.signer).to.deep.include({ printedName: 'Quinn Quality', role: 'qa', username: 'qa' });
    expect(response.body.meaning).to.equal('approved');
    expect(response.body.signedAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(response.body.timeZone).to.equal('UTC');
    expect(response.body.manifestation).to.match(/^Quinn Quality — approved — \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(response.body.record).to.deep.include({ type: 'test-document', id: 'DOC-2', version: 1 });
    expect(response.body.record.digest).to.match(/^[0-9a-f]{64}$/);
    expect(response.body.valid).to.equal(true);
    expect(response.body.signerAccess).to.deep.include({ kind: 'new-user', grantedBy: { id: ids.qa2, printedName: 'Rhea Reviewer' } });
    expect(response.body.signerAccessManifestation).to.match(/^signing access granted \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by Rhea Reviewer \(access grant \d+\)$/);
    const event = await lastAuditEvent(wb.services, 'signature.created');
    expect(event?.entity).to.deep.equal({ type: 'test-document', id: 'DOC-2' });
    expect(event?.actor.id).to.equal(ids.qa);
    expect(event?.reason).to.equal('approved after review');
    expect(event?.after.signatureId).to.equal(response.body.id);
  });

  it('refuses to sign the same version twice with the same meaning, also when a request is replayed', async () => {
    const replay = await sign(qa, body('DOC-2', 'approved', { username: 'qa' }));
    expect(replay.status).to.equal(409);
    expect(replay.body.error.code).to.equal('already_signed');
  });

  it('has the database refuse a second signature with the same meaning on a version, also by another signer', async () => {
    // The service checks first; the unique index is what holds when two signers race on PostgreSQL.
    const [approved] = (await wb.services.signatures.list('test-document', 'DOC-2')).filter((x) => x.meaning === 'approved');
    let refused: unknown = null;
    await wb.services.database.sequelize
      .query(
        'INSERT INTO signatures (record_type, record_id, record_version, record_digest, meaning, reason, signer_id, signer_username, signer_name, signer_role, signed_at, auth_method, session_id, key_id, server_signature) ' +
          "SELECT record_type, record_id, record_version, record_digest, meaning, reason, :signer, 'it', signer_name, signer_role, signed_at, auth_method, session_id, key_id, server_signature FROM signatures WHERE id = :id",
        { replacements: { signer: ids.it, id: approved!.id } },
      )
      .catch((error: unknown) => (refused = error));
    expect((refused as Error | null)?.name).to.equal('SequelizeUniqueConstraintError');
  });

  it('refuses an approval by the author of the record (separation of duties)', async () => {
    const response = await sign(itToken, body('DOC-3', 'reviewed', { username: 'it' }));
    expect(response.status).to.equal(403);
    expect(response.body.error.code).to.equal('separation_of_duties');
    expect((await wb.services.signatures.list('test-document', 'DOC-3')).length).to.equal(0);
  });

  it('refuses a meaning the role may not give, and admins and auditors cannot sign at all', async () => {
    docs.add('DOC-IT', { title: 'by qa' }, [ids.qa]);
    const response = await sign(itToken, body('DOC-IT', 'approved', { username: 'it' }));
    expect(response.status).to.equal(403);
    expect(response.body.error.code).to.equal('role_cannot_sign');
    for (const role of ['admin', 'auditor']) {
      const denied = await sign(await wb.login(role), body('DOC-IT', 'reviewed', { username: role }));
      expect(denied.status, role).to.equal(403);
    }
  });

  it('refuses someone signing with another user name than the one signed in', async () => {
    const response = await sign(itToken, body('DOC-4', 'approved', { username: 'qa' }));
    expect(response.status).to.equal(403);
    expect(response.body.error.code).to.equal('identity_mismatch');
  });

  it('refuses a version that is not the current one, one that does not exist, and an unknown record type', async () => {
    docs.add('DOC-5', { title: 'second version' }, [ids.it]);
    const old = await sign(qa, body('DOC-5', 'approved', { username: 'qa', version: 1 }));
    expect(old.status).to.equal(409);
    expect(old.body.error.code).to.equal('not_current_version');
    expect((await sign(qa, body('NO-SUCH-DOC', 'approved', { username: 'qa' }))).status).to.equal(404);
    const unknownType = await sign(qa, { ...body('DOC-5', 'approved', { username: 'qa' }), recordType: 'spreadsheet' });
    expect(unknownType.status).to.equal(400);
    expect(unknownType.body.error.code).to.equal('unknown_record_type');
  });

  it('shows a signature as invalid — record changed after signing — once the signed version is altered', async () => {
    const signed = await sign(qa, body('DOC-6', 'approved', { username: 'qa' }));
    expect(signed.status).to.equal(201);
    (docs.versions.get('DOC-6')![0]!.content as { title: string }).title = 'quietly edited';
    const verified = await request(wb.app).get(`/api/v1/signatures/${signed.body.id}/verify`).set('Authorization', `Bearer ${itToken}`);
    expect(verified.body).to.deep.include({ valid: false, problem: 'invalid — record changed after signing' });
    // Who stood behind the signer's signing right: the second QA person who approved it, and when.
    expect(verified.body.signerAccess).to.deep.include({ kind: 'new-user', grantedBy: { id: ids.qa2, printedName: 'Rhea Reviewer' } });
    expect(Date.parse(verified.body.signerAccess.grantedAt)).to.be.at.most(Date.parse(signed.body.signedAt));
    const listed = await request(wb.app).get('/api/v1/signatures').query({ recordType: 'test-document', recordId: 'DOC-6' }).set('Authorization', `Bearer ${itToken}`);
    expect(listed.body.signatures[0].valid).to.equal(false);
    expect(listed.body.signatures[0].manifestation).to.include('record changed after signing');
  });

  it('detects a signature row altered or moved to another record in the database', async () => {
    const { sequelize } = wb.services.database;
    const [target] = await wb.services.signatures.list('test-document', 'DOC-1');
    wb.tamperedWith();
    await sequelize.query(dialect === 'sqlite' ? 'DROP TRIGGER signatures_refuse_update' : 'DROP TRIGGER signatures_refuse_update ON signatures');
    await sequelize.query(`UPDATE signatures SET record_id = 'DOC-3' WHERE id = ${target!.id}`);
    const moved = await wb.services.signatures.verify(await wb.services.signatures.get(target!.id));
    expect(moved).to.deep.equal({ valid: false, problem: 'invalid — the signature record was altered or forged' });
  });

  it('keeps signatures insert-only in the database', async () => {
    let refused: Error | null = null;
    await wb.services.database.sequelize.query('DELETE FROM signatures').catch((e: Error) => (refused = e));
    expect(String((refused as { parent?: Error } | null)?.parent?.message ?? refused)).to.match(/append-only/);
  });

  it('counts a wrong signing password toward the lockout, audits it, and locks at the threshold', async () => {
    docs.add('DOC-7', { title: 'lockout' }, [ids.it]);
    const token = await wb.login('qa');
    const before = (await auditEvents(wb.services, { action: 'signature.authentication_failed' })).length;
    const first = await sign(token, body('DOC-7', 'approved', { username: 'qa', password: 'not-the-password' }));
    expect(first.status).to.equal(401);
    expect((await auditEvents(wb.services, { action: 'signature.authentication_failed' })).length).to.equal(before + 1);
    await sign(token, body('DOC-7', 'approved', { username: 'qa', password: 'not-the-password' }));
    const third = await sign(token, body('DOC-7', 'approved', { username: 'qa', password: 'not-the-password' }));
    expect(third.status).to.equal(423);
    const alerts = await wb.services.alerts.list({});
    expect(alerts.some((a) => a.kind === 'account_locked' && a.username === 'qa')).to.equal(true);
    await wb.services.users.unlock(systemContext('test'), ids.qa, 'test over');
  });

  it("keeps a deactivated signer's signatures valid and visible", async () => {
    docs.add('DOC-8', { title: 'signed then signer left' }, [ids.qa]);
    const signed = await sign(itToken, body('DOC-8', 'reviewed', { username: 'it' }));
    expect(signed.status, JSON.stringify(signed.body)).to.equal(201);
    await wb.services.users.deactivate(systemContext('test'), ids.it, 'left the company');
    const listed = await request(wb.app).get('/api/v1/signatures').query({ recordType: 'test-document', recordId: 'DOC-8' }).set('Authorization', `Bearer ${await wb.login('auditor')}`);
    expect(listed.body.signatures).to.have.length(1);
    expect(listed.body.signatures[0]).to.deep.include({ valid: true, problem: null });
    expect(listed.body.signatures[0].signer.printedName).to.equal('Ingrid Integration');
  });
});
