// Sessions end when the credentials behind them change (Part 11 §11.10(d), §11.300): an
// administrator's password reset ends all of the user's sessions, the user's own password change
// all but the session that made it, and the token of a user whose password expired (or must be
// changed) is refused like such a sign-in, its session ended — so a refresh is refused too. Each
// ended session is audited as auth.session_ended. And a successful re-authentication (signing,
// policy acknowledgement) ends a run of failures, as a successful sign-in does.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createSigner } from '../support/signers.js';
import { TestDocuments } from '../support/test-documents.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { attemptLogin, bearer, createActiveUser, DAY, failLogins, MINUTE, uniqueName, userIdOf, WRONG_PASSWORD } from './auth-helpers.js';

const NEW_PASSWORD = 'a-brand-new-passphrase-42';

function whoAmI(wb: TestWorkbench, token: string) {
  return request(wb.app).get('/api/v1/auth/session').set(bearer(token));
}

function sessionIdOf(token: string): string {
  return (jwt.decode(token) as jwt.JwtPayload).sid as string;
}

describeEachDatabase('sessions end when credentials change', (dialect) => {
  let wb: TestWorkbench;
  let adminToken: string;
  let adminId: number;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    adminToken = await wb.login('admin');
    adminId = await userIdOf(wb, 'admin');
  });
  after(async () => wb?.close());

  it("ends every session of the user at an administrator's password reset (401 session_ended), each audited as auth.session_ended by the admin", async () => {
    const user = await createActiveUser(wb, 'reset-ends');
    const first = await wb.login(user.username);
    const second = await wb.login(user.username);
    await whoAmI(wb, first).expect(200);
    await whoAmI(wb, second).expect(200);

    await request(wb.app).post(`/api/v1/users/${user.id}/reset-password`).set(bearer(adminToken)).send({ password: 'temporary-passphrase-31', reason: 'forgotten, identity checked' }).expect(200);
    const reset = await lastAuditEvent(wb.services, 'user.password_reset');
    expect(reset!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
    expect(reset!.reason).to.equal('forgotten, identity checked');

    for (const token of [first, second]) {
      const response = await whoAmI(wb, token);
      expect(response.status).to.equal(401);
      expect(response.body.error.code).to.equal('session_ended');
      expect((await request(wb.app).post('/api/v1/auth/refresh').set(bearer(token))).status).to.equal(401);
      const session = await wb.services.models.Session.findByPk(sessionIdOf(token));
      expect(session!.endReason).to.equal('password_reset');
      const ended = await auditEvents(wb.services, { action: 'auth.session_ended', entityType: 'session', entityId: sessionIdOf(token) });
      expect(ended).to.have.length(1);
      expect(ended[0]!.actor).to.include({ id: adminId, role: 'admin' });
      expect(ended[0]!.after).to.deep.equal({ userId: user.id, reason: 'password_reset' });
    }
    // Other users' sessions are untouched, the administrator's own included.
    await whoAmI(wb, adminToken).expect(200);
  });

  it('ends the other sessions at a password change and keeps the one whose token was sent with it; each ended one audited', async () => {
    const user = await createActiveUser(wb, 'change-ends');
    const changer = await wb.login(user.username);
    const other = await wb.login(user.username);

    await request(wb.app).post('/api/v1/auth/password').set(bearer(changer)).send({ username: user.username, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }).expect(200);
    const changed = await lastAuditEvent(wb.services, 'user.password_changed');
    expect(changed!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
    expect(changed!.actor).to.include({ id: user.id });

    await whoAmI(wb, changer).expect(200);
    await request(wb.app).post('/api/v1/auth/refresh').set(bearer(changer)).expect(200);
    const refused = await whoAmI(wb, other);
    expect(refused.status).to.equal(401);
    expect(refused.body.error.code).to.equal('session_ended');
    expect((await wb.services.models.Session.findByPk(sessionIdOf(other)))!.endReason).to.equal('password_changed');

    const ended = await auditEvents(wb.services, { action: 'auth.session_ended', entityType: 'session', entityId: sessionIdOf(other) });
    expect(ended).to.have.length(1);
    expect(ended[0]!.actor).to.include({ id: user.id });
    expect(ended[0]!.after).to.deep.equal({ userId: user.id, reason: 'password_changed' });
    expect(await auditEvents(wb.services, { action: 'auth.session_ended', entityType: 'session', entityId: sessionIdOf(changer) })).to.have.length(0);
  });

  it("never lets a password change that was proven before an administrator's reset undo the reset (409, nothing written)", async () => {
    const user = await createActiveUser(wb, 'reset-race');
    // The reset lands while the change is hashing its new password: after the old password was
    // proven, before the change is written (the hasher is the real one; the reset is timed into it).
    const hasher = (wb.services.auth as unknown as { hasher: { hash(password: string): Promise<string> } }).hasher;
    const hash = hasher.hash;
    hasher.hash = async function (this: unknown, password: string) {
      const hashed = await hash.call(this, password);
      if (password === NEW_PASSWORD) await request(wb.app).post(`/api/v1/users/${user.id}/reset-password`).set(bearer(adminToken)).send({ password: 'temporary-passphrase-31', reason: 'password disclosed' }).expect(200);
      return hashed;
    };
    let changed: request.Response;
    try {
      changed = await request(wb.app).post('/api/v1/auth/password').send({ username: user.username, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD });
    } finally {
      hasher.hash = hash;
    }
    expect(changed.status).to.equal(409);
    expect(changed.body.error.code).to.equal('password_changed_meanwhile');
    const after = await wb.services.models.User.findByPk(user.id);
    expect(after!.mustChangePassword, 'the reset stands').to.equal(true);
    expect((await attemptLogin(wb, user.username, NEW_PASSWORD)).status).to.equal(401);
    expect(await auditEvents(wb.services, { action: 'user.password_changed', entityType: 'user', entityId: String(user.id) })).to.deep.equal([]);
  });

  it('ends all sessions at a password change sent without a token (or with the token of someone else)', async () => {
    const user = await createActiveUser(wb, 'change-all');
    const mine = await wb.login(user.username);
    const someoneElse = await wb.login('auditor');
    await request(wb.app).post('/api/v1/auth/password').set(bearer(someoneElse)).send({ username: user.username, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }).expect(200);
    expect(await lastAuditEvent(wb.services, 'user.password_changed')).to.have.nested.property('entity.id', String(user.id));
    expect((await whoAmI(wb, mine)).body.error.code).to.equal('session_ended');
    expect(await auditEvents(wb.services, { action: 'auth.session_ended', entityType: 'session', entityId: sessionIdOf(mine) })).to.have.length(1);
    await whoAmI(wb, someoneElse).expect(200);
  });

  it('refuses the token of a user who must change the password (403 password_change_required, as at sign-in), ends its session (audited) and refuses its refresh', async () => {
    const user = await createActiveUser(wb, 'must-change');
    const token = await wb.login(user.username);
    const spare = await wb.login(user.username);
    // However the flag came to be set while the session was open.
    await wb.services.models.User.update({ mustChangePassword: true }, { where: { id: user.id } });

    const refused = await whoAmI(wb, token);
    expect(refused.status).to.equal(403);
    expect(refused.body.error.code).to.equal('password_change_required');
    expect(refused.body.error.message).to.include('/api/v1/auth/password');
    expect((await wb.services.models.Session.findByPk(sessionIdOf(token)))!.endReason).to.equal('password_change_required');
    const ended = await auditEvents(wb.services, { action: 'auth.session_ended', entityType: 'session', entityId: sessionIdOf(token) });
    expect(ended).to.have.length(1);
    expect(ended[0]!.actor).to.include({ id: user.id });
    expect(ended[0]!.after).to.deep.equal({ userId: user.id, reason: 'password_change_required' });
    expect((await whoAmI(wb, token)).body.error.code).to.equal('session_ended');

    const refresh = await request(wb.app).post('/api/v1/auth/refresh').set(bearer(spare));
    expect(refresh.status).to.equal(403);
    expect(refresh.body.error.code).to.equal('password_change_required');
    expect(refresh.body).to.not.have.property('token');

    // The forced change needs no token; afterwards the user signs in again.
    await request(wb.app).post('/api/v1/auth/password').send({ username: user.username, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }).expect(200);
    await attemptLogin(wb, user.username, NEW_PASSWORD).expect(200);
  });

  describe('a successful re-authentication resets the failure count, as a successful sign-in does', () => {
    it('4 wrong passwords at policy acknowledgement, then the right one, then one sign-in typo: 401, not a lockout', async () => {
      const user = await createActiveUser(wb, 'ack', 'qa');
      const token = await wb.login(user.username);
      for (let i = 0; i < 4; i += 1) {
        const wrong = await request(wb.app).post('/api/v1/signatures/policy/acknowledge').set(bearer(token)).send({ password: WRONG_PASSWORD });
        expect(wrong.status, `attempt ${i + 1}`).to.equal(401);
      }
      expect(await auditEvents(wb.services, { action: 'signature_policy.authentication_failed', entityType: 'user', entityId: String(user.id) })).to.have.length(4);
      await request(wb.app).post('/api/v1/signatures/policy/acknowledge').set(bearer(token)).send({ password: TEST_PASSWORD }).expect(200);
      const acknowledged = await lastAuditEvent(wb.services, 'user.signature_policy_acknowledged');
      expect(acknowledged!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
      expect((await wb.services.users.get(user.id)).failedLoginCount).to.equal(0);

      const [typo] = await failLogins(wb, user.username, 1);
      expect(typo!.status).to.equal(401);
      expect(typo!.body.error.code).to.equal('invalid_credentials');
      expect((await wb.services.users.get(user.id)).lockedAt).to.equal(null);
      await whoAmI(wb, token).expect(200);
    });

    it('4 wrong passwords at signing, then a signature, then one sign-in typo: 401, not a lockout', async () => {
      const docs = new TestDocuments();
      wb.services.signatures.register(docs.recordType);
      const signer = await createSigner(wb, uniqueName('signer'), 'qa', { fullName: 'Sam Signer' });
      docs.add('DOC-RA-1', { title: 'Plan' }, [await userIdOf(wb, 'it')]);
      const token = await wb.login(signer.username);
      const sign = (password: string) =>
        request(wb.app).post('/api/v1/signatures').set(bearer(token)).send({ recordType: 'test-document', recordId: 'DOC-RA-1', version: 1, meaning: 'approved', reason: 'approved after review', username: signer.username, password });
      for (let i = 0; i < 4; i += 1) expect((await sign(WRONG_PASSWORD)).status, `attempt ${i + 1}`).to.equal(401);
      expect(await auditEvents(wb.services, { action: 'signature.authentication_failed', entityType: 'user', entityId: String(signer.id) })).to.have.length(4);
      const signed = await sign(TEST_PASSWORD);
      expect(signed.status, JSON.stringify(signed.body)).to.equal(201);
      const event = await lastAuditEvent(wb.services, 'signature.created');
      expect(event!.entity).to.deep.equal({ type: 'test-document', id: 'DOC-RA-1' });
      expect(event!.actor).to.include({ id: signer.id });

      const [typo] = await failLogins(wb, signer.username, 1);
      expect(typo!.status).to.equal(401);
      expect((await wb.services.users.get(signer.id)).lockedAt).to.equal(null);
    });

    it('still locks after consecutive failures across sign-ins and re-authentications (no success between)', async () => {
      const user = await createActiveUser(wb, 'mixed', 'qa');
      const token = await wb.login(user.username);
      for (let i = 0; i < 3; i += 1) await request(wb.app).post('/api/v1/signatures/policy/acknowledge').set(bearer(token)).send({ password: WRONG_PASSWORD }).expect(401);
      const answers = await failLogins(wb, user.username, 2);
      expect(answers.map((a) => a.status)).to.deep.equal([401, 423]);
      expect(await auditEvents(wb.services, { action: 'user.locked', entityType: 'user', entityId: String(user.id) })).to.have.length(1);
    });
  });
});

describeEachDatabase('sessions end when the password expires', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { env: { GXPW_PASSWORD_MAX_AGE_DAYS: '1' } })));
  after(async () => wb?.close());

  it('refuses a live token once its user\'s password expires (403 password_expired, as at sign-in), ends and audits its session, and refuses a refresh', async () => {
    const user = await createActiveUser(wb, 'ages');
    wb.clock.advance(DAY - 5 * MINUTE);
    const token = await wb.login(user.username);
    const spare = await wb.login(user.username);
    await whoAmI(wb, token).expect(200);
    wb.clock.advance(6 * MINUTE); // the password is now older than a day; token and session are still fresh

    const refused = await whoAmI(wb, token);
    expect(refused.status).to.equal(403);
    expect(refused.body.error.code).to.equal('password_expired');
    expect(refused.body.error.message).to.include('/api/v1/auth/password');
    expect((await wb.services.models.Session.findByPk(sessionIdOf(token)))!.endReason).to.equal('password_expired');
    const ended = await auditEvents(wb.services, { action: 'auth.session_ended', entityType: 'session', entityId: sessionIdOf(token) });
    expect(ended).to.have.length(1);
    expect(ended[0]!.actor).to.include({ id: user.id });
    expect(ended[0]!.after).to.deep.equal({ userId: user.id, reason: 'password_expired' });
    expect((await request(wb.app).post('/api/v1/auth/refresh').set(bearer(token))).body.error.code).to.equal('session_ended');

    const refresh = await request(wb.app).post('/api/v1/auth/refresh').set(bearer(spare));
    expect(refresh.status).to.equal(403);
    expect(refresh.body.error.code).to.equal('password_expired');
    expect(refresh.body).to.not.have.property('token');

    await request(wb.app).post('/api/v1/auth/password').send({ username: user.username, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }).expect(200);
    expect(await lastAuditEvent(wb.services, 'user.password_changed')).to.have.nested.property('entity.id', String(user.id));
    await attemptLogin(wb, user.username, NEW_PASSWORD).expect(200);
  });
});
