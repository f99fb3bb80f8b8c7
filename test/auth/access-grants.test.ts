// Granting a signing capability is a two-person change (Part 11 §11.10(g), §11.100(a), §11.300;
// Annex 11 §12): an administrator alone can neither make a signer nor sign in someone's name.
import { expect } from 'chai';
import request from 'supertest';
import { systemContext, type RequestContext } from '../../src/platform/request-context.js';
import type { AccessGrant, User } from '../../src/auth/auth-models.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createSigner } from '../support/signers.js';
import { TestDocuments } from '../support/test-documents.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { bearer, DAY, userIdOf } from './auth-helpers.js';

const CHOSEN = 'a-password-the-user-chose';
const ADMIN_CHOSEN = 'the-admin-knows-this-one';

describeEachDatabase('access grants: signing rights need a second person', (dialect) => {
  let wb: TestWorkbench;
  const docs = new TestDocuments();
  let admin: string;
  let seededGrants: AccessGrant[];

  const sign = (token: string, body: Record<string, unknown>) => request(wb.app).post('/api/v1/signatures').set(bearer(token)).send(body);
  const approve = (token: string, grantId: number, username: string) =>
    sign(token, { recordType: 'user-access', recordId: String(grantId), version: 1, meaning: 'approved', reason: 'checked with the line manager', username, password: TEST_PASSWORD });
  const signDocument = (token: string, id: string, username: string, password = TEST_PASSWORD) =>
    sign(token, { recordType: 'test-document', recordId: id, version: 1, meaning: 'approved', reason: 'approved after review', username, password });
  const alerts = async () => (await request(wb.app).get('/api/v1/security-alerts').set(bearer(admin)).expect(200)).body.alerts as Array<{ kind: string; severity: string; userId: number | null; details: Record<string, unknown> }>;
  const actingAs = (user: User): RequestContext => ({ ...systemContext('test'), actor: { userId: user.id, username: user.username, name: user.fullName, role: user.role } });

  before(async () => {
    wb = await createTestWorkbench(dialect);
    wb.services.signatures.register(docs.recordType);
    admin = await wb.login('admin');
    seededGrants = await wb.services.accessGrants.list({});
  });
  after(async () => wb?.close());

  it('refuses the issue-12 repro: an administrator makes an auditor QA, resets the password, changes it and signs (was 201)', async () => {
    const auditorId = await userIdOf(wb, 'auditor');
    docs.add('REPRO-1', { title: 'Validation summary' }, [await userIdOf(wb, 'it')]);
    const patched = await request(wb.app).patch(`/api/v1/users/${auditorId}`).set(bearer(admin)).send({ role: 'qa', reason: 'moves to QA' });
    expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
    // The role change waits for a second person: the user keeps the old role meanwhile.
    expect(patched.body.role).to.equal('auditor');
    expect(patched.body.pendingAccessGrants).to.have.length(1);
    const grant = patched.body.pendingAccessGrants[0];
    expect(grant).to.deep.include({ kind: 'role', status: 'pending', requested: { fromRole: 'auditor', toRole: 'qa' }, reason: 'moves to QA' });
    expect(grant.approval).to.deep.equal({ recordType: 'user-access', recordId: String(grant.id), version: 1, meaning: 'approved' });
    const requested = await lastAuditEvent(wb.services, 'access_grant.requested');
    expect(requested).to.deep.include({ entity: { type: 'access-grant', id: String(grant.id) }, reason: 'moves to QA' });
    expect(requested!.actor.name).to.equal('Alex Admin');

    await request(wb.app).post(`/api/v1/users/${auditorId}/reset-password`).set(bearer(admin)).send({ password: ADMIN_CHOSEN, reason: 'forgot it' }).expect(200);
    await request(wb.app).post('/api/v1/auth/password').send({ username: 'auditor', currentPassword: ADMIN_CHOSEN, newPassword: CHOSEN }).expect(200);
    const asAuditor = await wb.login('auditor', CHOSEN);
    const refused = await signDocument(asAuditor, 'REPRO-1', 'auditor', CHOSEN);
    expect(refused.status).to.equal(403);
    expect(await wb.services.signatures.list('test-document', 'REPRO-1')).to.have.length(0);

    // Every step raised a high alert administrators see at once.
    const raised = (await alerts()).filter((a) => a.userId === auditorId);
    expect(raised.map((a) => a.kind)).to.include.members(['access_grant_requested', 'signer_password_reset']);
    expect(raised.every((a) => a.severity === 'high')).to.equal(true);

    // Once a second QA person approves, the role applies — and still the password an administrator
    // replaced signs only after the cooling-off.
    const qa2 = await wb.login('qa2');
    expect((await approve(qa2, grant.id, 'qa2')).status).to.equal(201);
    expect((await wb.services.users.get(auditorId)).role).to.equal('qa');
    const asQa = await wb.login('auditor', CHOSEN);
    const cooling = await signDocument(asQa, 'REPRO-1', 'auditor', CHOSEN);
    expect(cooling.status).to.equal(403);
    expect(cooling.body.error.code).to.equal('password_cooling_off');
    wb.clock.advance(DAY + 60_000);
    const asQaLater = await wb.login('auditor', CHOSEN);
    const signed = await signDocument(asQaLater, 'REPRO-1', 'auditor', CHOSEN);
    expect(signed.status, JSON.stringify(signed.body)).to.equal(201);
    expect(signed.body.signerAccess).to.deep.include({ grantId: grant.id, kind: 'role', grantedBy: { id: await userIdOf(wb, 'qa2'), printedName: 'Rhea Reviewer' } });
    admin = await wb.login('admin'); // the day that passed expired the earlier token
  });

  it('creates a QA user with a training date as pending grants: it cannot sign until a second QA approves both', async () => {
    const created = await request(wb.app)
      .post('/api/v1/users')
      .set(bearer(admin))
      .send({ username: 'quinton', fullName: 'Quinton New', role: 'qa', password: ADMIN_CHOSEN, trainingCompletedAt: '2026-11-01T00:00:00.000Z' });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ role: 'qa', trainingCompletedAt: null, signingGrantId: null });
    expect(created.body.pendingAccessGrants.map((g: { kind: string }) => g.kind).sort()).to.deep.equal(['new-user', 'training']);
    const events = await auditEvents(wb.services, { action: 'access_grant.requested' });
    expect(events.slice(-2).map((e) => e.after.kind).sort()).to.deep.equal(['new-user', 'training']);
    const raised = (await alerts()).filter((a) => a.userId === created.body.id && a.kind === 'access_grant_requested');
    expect(raised.map((a) => a.details.kind).sort()).to.deep.equal(['new-user', 'training']);

    await request(wb.app).post('/api/v1/auth/password').send({ username: 'quinton', currentPassword: ADMIN_CHOSEN, newPassword: TEST_PASSWORD }).expect(200);
    const token = await wb.login('quinton');
    await request(wb.app).post('/api/v1/signatures/policy/acknowledge').set(bearer(token)).send({ password: TEST_PASSWORD }).expect(200);
    docs.add('NEW-1', { title: 'Plan' }, [await userIdOf(wb, 'it')]);
    const pending = await signDocument(token, 'NEW-1', 'quinton');
    expect(pending.status).to.equal(403);
    expect(pending.body.error.code).to.equal('signing_access_pending');

    const [newUser, training] = [...created.body.pendingAccessGrants].sort((a: { kind: string }, b: { kind: string }) => a.kind.localeCompare(b.kind));
    const qa2 = await wb.login('qa2');
    expect((await approve(qa2, newUser.id, 'qa2')).status).to.equal(201);
    const untrained = await signDocument(token, 'NEW-1', 'quinton');
    expect(untrained.body.error.code).to.equal('training_pending_approval');
    const approved = await approve(qa2, training.id, 'qa2');
    expect(approved.status).to.equal(201);
    expect((await wb.services.users.get(created.body.id)).trainingCompletedAt?.toISOString()).to.equal('2026-11-01T00:00:00.000Z');
    const grantEvent = await lastAuditEvent(wb.services, 'access_grant.approved');
    expect(grantEvent).to.deep.include({ entity: { type: 'access-grant', id: String(training.id) }, reason: 'checked with the line manager' });
    expect(grantEvent!.after).to.include({ status: 'approved', signatureId: approved.body.id, decidedBy: await userIdOf(wb, 'qa2') });
    const userEvent = await lastAuditEvent(wb.services, 'user.access_granted');
    expect(userEvent!.entity).to.deep.equal({ type: 'user', id: String(created.body.id) });
    expect(userEvent!.before).to.include({ trainingCompletedAt: null });
    expect(userEvent!.after).to.include({ trainingCompletedAt: '2026-11-01T00:00:00.000Z' });
    expect((await alerts()).some((a) => a.kind === 'access_grant_approved' && a.details.grantId === training.id)).to.equal(true);
    // The password the administrator set was replaced by the user's own: the cooling-off still runs.
    expect((await signDocument(token, 'NEW-1', 'quinton')).body.error.code).to.equal('password_cooling_off');
  });

  it('makes a reactivated signer sign again only after a second person approves (a role grant for the same role)', async () => {
    const signer = await createSigner(wb, 'walt', 'it');
    await request(wb.app).post(`/api/v1/users/${signer.id}/deactivate`).set(bearer(admin)).send({ reason: 'left the company' }).expect(200);
    const back = await request(wb.app).post(`/api/v1/users/${signer.id}/reactivate`).set(bearer(admin)).send({ reason: 'rehired' });
    expect(back.status).to.equal(200);
    expect(back.body).to.include({ status: 'active', signingGrantId: null });
    const [grant] = await wb.services.accessGrants.list({ userId: signer.id, status: 'pending' });
    expect(grant).to.include({ kind: 'role' });
    expect(JSON.parse(grant!.content).requested).to.deep.equal({ fromRole: 'it', toRole: 'it' });
    expect((await lastAuditEvent(wb.services, 'user.reactivated'))!.after).to.include({ signingGrantId: null });
    docs.add('BACK-1', { title: 'Protocol' }, [await userIdOf(wb, 'qa')]);
    const review = async () =>
      sign(await wb.login('walt'), { recordType: 'test-document', recordId: 'BACK-1', version: 1, meaning: 'reviewed', reason: 'reviewed', username: 'walt', password: TEST_PASSWORD });
    expect((await review()).body.error.code).to.equal('signing_access_pending');
    expect((await approve(await wb.login('qa2'), grant!.id, 'qa2')).status).to.equal(201);
    expect((await review()).status).to.equal(201);
  });

  describe('who may approve (separation of duties, as a table)', () => {
    let subject: User;
    let grantId: number;
    before(async () => {
      subject = await createSigner(wb, 'sally', 'qa');
      // Requested in the name of a QA user: someone who asks for a grant never approves it.
      const requester = await wb.services.users.findByUsername('qa');
      await wb.services.users.update(actingAs(requester!), subject.id, { trainingCompletedAt: '2026-12-01T00:00:00.000Z' }, 'refresher course');
      grantId = (await wb.services.accessGrants.list({ userId: subject.id, status: 'pending' }))[0]!.id;
    });
    const rows: Array<{ who: string; username: () => string; status: number; code?: string }> = [
      { who: 'the requester (qa)', username: () => 'qa', status: 403, code: 'separation_of_duties' },
      { who: 'the user who would receive it (qa)', username: () => subject.username, status: 403, code: 'separation_of_duties' },
      { who: 'an administrator', username: () => 'admin', status: 403 },
      { who: 'an IT engineer', username: () => 'it', status: 403, code: 'role_cannot_sign' },
      { who: 'a second QA person', username: () => 'qa2', status: 201 },
    ];
    for (const row of rows) {
      it(`${row.status === 201 ? 'accepts' : 'refuses'} an approval by ${row.who} (${row.status}${row.code ? ` ${row.code}` : ''})`, async () => {
        const username = row.username();
        const response = await approve(await wb.login(username), grantId, username);
        expect(response.status, JSON.stringify(response.body)).to.equal(row.status);
        if (row.code) expect(response.body.error.code).to.equal(row.code);
        const grant = await wb.services.accessGrants.get(grantId);
        expect(grant.status).to.equal(row.status === 201 ? 'approved' : 'pending');
        expect(await wb.services.signatures.list('user-access', String(grantId))).to.have.length(row.status === 201 ? 1 : 0);
      });
    }
  });

  describe('rejecting and cancelling', () => {
    let target: User;
    before(async () => {
      target = await wb.services.users.create(systemContext('test'), { username: 'rita', fullName: 'Rita Candidate', role: 'auditor', password: ADMIN_CHOSEN });
    });
    const grantFor = async (role: 'it' | 'qa') => {
      const patched = await request(wb.app).patch(`/api/v1/users/${target.id}`).set(bearer(admin)).send({ role, reason: `needs ${role}` }).expect(200);
      return patched.body.pendingAccessGrants[0].id as number;
    };

    it('lets a second QA person reject a request with a reason (audited); it can then no longer be approved', async () => {
      const id = await grantFor('qa');
      const qa2 = await wb.login('qa2');
      const rejected = await request(wb.app).post(`/api/v1/access-grants/${id}/reject`).set(bearer(qa2)).send({ reason: 'no QA training on record' });
      expect(rejected.status).to.equal(200);
      expect(rejected.body).to.deep.include({ status: 'rejected', approval: null });
      expect(rejected.body.decision).to.deep.include({ by: { id: await userIdOf(wb, 'qa2'), printedName: 'Rhea Reviewer' }, reason: 'no QA training on record', signatureId: null });
      const event = await lastAuditEvent(wb.services, 'access_grant.rejected');
      expect(event).to.deep.include({ entity: { type: 'access-grant', id: String(id) }, reason: 'no QA training on record' });
      expect(event!.before).to.include({ status: 'pending' });
      expect(event!.after).to.include({ status: 'rejected' });
      const late = await approve(qa2, id, 'qa2');
      expect(late.status).to.equal(409);
      expect(late.body.error.code).to.equal('grant_not_pending');
      expect(await wb.services.signatures.list('user-access', String(id))).to.have.length(0);
      expect((await wb.services.users.get(target.id)).role).to.equal('auditor');
      expect((await request(wb.app).post(`/api/v1/access-grants/${id}/reject`).set(bearer(qa2)).send({ reason: 'again' })).status).to.equal(409);
    });

    it('lets an administrator cancel a request (audited), and refuses a second role change while one is pending', async () => {
      const id = await grantFor('it');
      const second = await request(wb.app).patch(`/api/v1/users/${target.id}`).set(bearer(admin)).send({ role: 'qa', reason: 'changed my mind' });
      expect(second.status).to.equal(409);
      expect(second.body.error.code).to.equal('grant_pending');
      const cancelled = await request(wb.app).post(`/api/v1/access-grants/${id}/cancel`).set(bearer(admin)).send({ reason: 'asked for the wrong role' });
      expect(cancelled.status).to.equal(200);
      expect(cancelled.body.status).to.equal('cancelled');
      const event = await lastAuditEvent(wb.services, 'access_grant.cancelled');
      expect(event).to.deep.include({ entity: { type: 'access-grant', id: String(id) }, reason: 'asked for the wrong role' });
      expect(event!.actor.name).to.equal('Alex Admin');
    });

    it('refuses a rejection by the user the grant is for', async () => {
      const signer = await createSigner(wb, 'tess', 'qa');
      await request(wb.app).patch(`/api/v1/users/${signer.id}`).set(bearer(admin)).send({ trainingCompletedAt: '2026-12-02T00:00:00.000Z', reason: 'course' }).expect(200);
      const [grant] = await wb.services.accessGrants.list({ userId: signer.id, status: 'pending' });
      const response = await request(wb.app).post(`/api/v1/access-grants/${grant!.id}/reject`).set(bearer(await wb.login('tess'))).send({ reason: 'mine' });
      expect(response.status).to.equal(403);
      expect(response.body.error.code).to.equal('separation_of_duties');
      expect((await wb.services.accessGrants.get(grant!.id)).status).to.equal('pending');
    });

    it('takes a role that cannot sign away at once (no grant), ending the signing right of the old role', async () => {
      const signer = await createSigner(wb, 'uma', 'it');
      const patched = await request(wb.app).patch(`/api/v1/users/${signer.id}`).set(bearer(admin)).send({ role: 'auditor', reason: 'moves to internal audit' }).expect(200);
      expect(patched.body).to.include({ role: 'auditor', signingGrantId: null });
      expect(patched.body.pendingAccessGrants).to.deep.equal([]);
      const event = await lastAuditEvent(wb.services, 'user.updated');
      expect(event!.after).to.include({ role: 'auditor', signingGrantId: null });
    });
  });

  it('withdraws a pending request for a signing role when the user is given a role that cannot sign (audited)', async () => {
    const created = await request(wb.app).post('/api/v1/users').set(bearer(admin)).send({ username: 'xena', fullName: 'Xena Candidate', role: 'it', password: ADMIN_CHOSEN }).expect(201);
    const [pending] = created.body.pendingAccessGrants;
    const patched = await request(wb.app).patch(`/api/v1/users/${created.body.id}`).set(bearer(admin)).send({ role: 'auditor', reason: 'joins internal audit instead' }).expect(200);
    expect(patched.body).to.include({ role: 'auditor' });
    expect(patched.body.pendingAccessGrants).to.deep.equal([]);
    expect((await wb.services.accessGrants.get(pending.id)).status).to.equal('cancelled');
    const event = await lastAuditEvent(wb.services, 'access_grant.cancelled');
    expect(event!.entity).to.deep.equal({ type: 'access-grant', id: String(pending.id) });
    expect(event!.reason).to.equal('superseded by the role change to auditor: joins internal audit instead');
  });

  describe('reading and bad input', () => {
    it('lists grants filtered by status, kind and user, and shows one; auditors read too', async () => {
      const auditor = await wb.login('qa');
      const qaId = await userIdOf(wb, 'qa');
      const listed = await request(wb.app).get('/api/v1/access-grants').query({ userId: qaId, status: 'approved' }).set(bearer(auditor)).expect(200);
      expect(listed.body.accessGrants.map((g: { kind: string }) => g.kind).sort()).to.deep.equal(['new-user', 'password', 'training']);
      const one = await request(wb.app).get(`/api/v1/access-grants/${listed.body.accessGrants[0].id}`).set(bearer(auditor)).expect(200);
      expect(one.body.user).to.deep.include({ id: qaId, username: 'qa' });
      expect(one.body.decision.by.printedName).to.equal('Rhea Reviewer');
      const bootstrap = await request(wb.app).get('/api/v1/access-grants').query({ kind: 'bootstrap' }).set(bearer(admin)).expect(200);
      expect(bootstrap.body.accessGrants).to.have.length(1);
      expect(bootstrap.body.accessGrants[0].decision.by).to.deep.equal({ id: null, printedName: 'server operator (bootstrap from the server shell)' });
    });

    const bad: Array<[string, string, Record<string, unknown> | null, number, string?]> = [
      ['GET', '/api/v1/access-grants?status=granted', null, 400],
      ['GET', '/api/v1/access-grants?userId=0', null, 400],
      ['GET', '/api/v1/access-grants/abc', null, 400],
      ['GET', '/api/v1/access-grants/999999', null, 404, 'access_grant_not_found'],
      ['POST', '/api/v1/access-grants/999999/cancel', { reason: 'x' }, 404, 'access_grant_not_found'],
      ['POST', '/api/v1/access-grants/1/cancel', {}, 400],
      ['POST', '/api/v1/access-grants/1/cancel', { reason: '   ' }, 400],
      ['POST', '/api/v1/access-grants', { kind: 'role', userId: 1, reason: 'x' }, 400],
      ['POST', '/api/v1/access-grants', { kind: 'password', userId: 999999, reason: 'x' }, 404, 'user_not_found'],
    ];
    for (const [method, path, body, status, code] of bad) {
      it(`answers ${method} ${path} ${body ? JSON.stringify(body) : ''} with ${status}${code ? ` ${code}` : ''}, changing nothing`, async () => {
        const seq = await wb.services.audit.lastSeq();
        const req = method === 'GET' ? request(wb.app).get(path) : request(wb.app).post(path).send(body!);
        const response = await req.set(bearer(admin));
        expect(response.status, JSON.stringify(response.body)).to.equal(status);
        if (code) expect(response.body.error.code).to.equal(code);
        expect(await wb.services.audit.lastSeq()).to.equal(seq);
      });
    }
  });

  it('keeps access grants undeletable in the database', async () => {
    let refused: unknown = null;
    await wb.services.database.sequelize.query('DELETE FROM access_grants').catch((error: unknown) => (refused = error));
    expect(String((refused as { parent?: Error } | null)?.parent?.message ?? refused)).to.match(/refused/);
  });

  it('seeds the demo accounts through the same control: qa2 bootstrapped, every other grant approved by qa2', async () => {
    const qa2 = await userIdOf(wb, 'qa2');
    expect(seededGrants.filter((g) => g.kind === 'bootstrap').map((g) => g.userId)).to.deep.equal([qa2]);
    const others = seededGrants.filter((g) => g.kind !== 'bootstrap');
    expect(others.map((g) => `${JSON.parse(g.content).user.username}:${g.kind}`).sort()).to.deep.equal(
      ['admin:training', 'auditor:training', 'it:new-user', 'it:password', 'it:training', 'qa:new-user', 'qa:password', 'qa:training'],
    );
    for (const grant of others) {
      expect(grant.status, `${grant.kind} of user ${grant.userId}`).to.equal('approved');
      expect(grant.decidedBy).to.equal(qa2);
      expect((await wb.services.signatures.get(grant.signatureId!)).signerId).to.equal(qa2);
    }
  });
});
