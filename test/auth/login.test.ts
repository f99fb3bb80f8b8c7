// Sign-in (Part 11 §11.10(d), §11.300): short-lived, pinned-algorithm tokens bound to a session;
// failures that never reveal whether a user exists; lockout after repeated failures with an audit
// event and a security alert; unlocking by an administrator.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { attemptLogin, bearer, createActiveUser, errorWithoutCorrelation, failLogins, uniqueName, userIdOf, WRONG_PASSWORD } from './auth-helpers.js';

describeEachDatabase('login', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  it('returns a JWT signed with HS256, issued by gxpw for gxpw-api, living at most 15 minutes, bound to a new session (sid), and audits auth.login', async () => {
    const qaId = await userIdOf(wb, 'qa');
    const response = await attemptLogin(wb, 'qa', TEST_PASSWORD).expect(200);
    const { token, session } = response.body;
    expect(response.body.tokenType).to.equal('Bearer');

    const decoded = jwt.decode(token, { complete: true })!;
    expect(decoded.header.alg).to.equal('HS256');
    const claims = decoded.payload as jwt.JwtPayload;
    expect(claims.iss).to.equal('gxpw');
    expect(claims.aud).to.equal('gxpw-api');
    expect(claims.sub).to.equal(String(qaId));
    expect(claims.exp! - claims.iat!).to.be.greaterThan(0).and.at.most(900);
    expect(new Date(response.body.expiresAt).getTime()).to.equal(claims.exp! * 1000);
    // Signed with the server's own secret, not merely shaped like a token.
    expect(() => jwt.verify(token, wb.services.keyring.sessionTokenSecret(), { algorithms: ['HS256'], clockTimestamp: claims.iat })).to.not.throw();

    expect(claims.sid).to.be.a('string').and.equal(session.id);
    const stored = await wb.services.models.Session.findByPk(claims.sid);
    expect(stored, 'server-side session row').to.not.equal(null);
    expect(stored!.userId).to.equal(qaId);
    expect(stored!.endedAt).to.equal(null);
    expect(session.idleTimeoutSeconds).to.equal(30 * 60);

    const me = await request(wb.app).get('/api/v1/auth/session').set(bearer(token)).expect(200);
    expect(me.body.session.id).to.equal(claims.sid);
    expect(me.body.user.username).to.equal('qa');

    const event = await lastAuditEvent(wb.services, 'auth.login');
    expect(event, 'auth.login audit event').to.not.equal(undefined);
    expect(event!.entity).to.deep.equal({ type: 'session', id: claims.sid });
    expect(event!.actor).to.include({ id: qaId, name: 'Quinn Quality', role: 'qa' });
  });

  it('opens a separate session for each sign-in', async () => {
    const first = await attemptLogin(wb, 'it', TEST_PASSWORD).expect(200);
    const second = await attemptLogin(wb, 'it', TEST_PASSWORD).expect(200);
    expect(first.body.session.id).to.not.equal(second.body.session.id);
  });

  it('never puts the password hash in the sign-in answer', async () => {
    const response = await attemptLogin(wb, 'auditor', TEST_PASSWORD).expect(200);
    expect(response.body.user).to.not.have.property('passwordHash');
    expect(JSON.stringify(response.body)).to.not.include('$scrypt$');
  });

  it('refuses a wrong password with 401 invalid_credentials and audits auth.login_failed', async () => {
    const user = await createActiveUser(wb, 'wrongpw');
    const response = await attemptLogin(wb, user.username, WRONG_PASSWORD);
    expect(response.status).to.equal(401);
    expect(response.body.error.code).to.equal('invalid_credentials');
    expect(response.body).to.not.have.property('token');
    const events = await auditEvents(wb.services, { action: 'auth.login_failed', entityType: 'user', entityId: String(user.id) });
    expect(events).to.have.length(1);
    expect(events[0]!.after).to.include({ username: user.username, failedAttempts: 1 });
  });

  it('answers an unknown user name exactly like a wrong password (same status, code and message), so it does not reveal whether the user exists', async () => {
    const user = await createActiveUser(wb, 'known');
    const wrongPassword = await attemptLogin(wb, user.username, WRONG_PASSWORD);
    const unknownUser = await attemptLogin(wb, uniqueName('nobody'), WRONG_PASSWORD);
    expect(unknownUser.status).to.equal(401);
    expect(wrongPassword.status).to.equal(401);
    expect(errorWithoutCorrelation(unknownUser.body)).to.deep.equal(errorWithoutCorrelation(wrongPassword.body));
    expect(unknownUser.body.error.code).to.equal('invalid_credentials');
  });

  it('answers a deactivated user who gives the right password with the same 401 as a wrong password', async () => {
    const adminToken = await wb.login('admin');
    const user = await createActiveUser(wb, 'gone');
    await attemptLogin(wb, user.username, TEST_PASSWORD).expect(200);
    await request(wb.app).post(`/api/v1/users/${user.id}/deactivate`).set(bearer(adminToken)).send({ reason: 'left the company' }).expect(200);

    const other = await createActiveUser(wb, 'other');
    const deactivated = await attemptLogin(wb, user.username, TEST_PASSWORD);
    const wrongPassword = await attemptLogin(wb, other.username, WRONG_PASSWORD);
    expect(deactivated.status).to.equal(401);
    expect(deactivated.body).to.not.have.property('token');
    expect(errorWithoutCorrelation(deactivated.body)).to.deep.equal(errorWithoutCorrelation(wrongPassword.body));
  });

  it('accepts the user name in any letter case', async () => {
    await attemptLogin(wb, 'QA', TEST_PASSWORD).expect(200);
  });

  it('refuses a login body with an unknown field (400 naming it) and one with a missing password (400 naming it)', async () => {
    const extra = await request(wb.app).post('/api/v1/auth/login').send({ username: 'qa', password: TEST_PASSWORD, role: 'admin' });
    expect(extra.status).to.equal(400);
    expect(extra.body.error.details.map((d: { field: string }) => d.field)).to.include('body.role');
    const missing = await request(wb.app).post('/api/v1/auth/login').send({ username: 'qa' });
    expect(missing.status).to.equal(400);
    expect(missing.body.error.details.map((d: { field: string }) => d.field)).to.include('body.password');
  });

  it('answers malformed JSON with 400 malformed_json, not a 500', async () => {
    const response = await request(wb.app).post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"username": "qa", "password": ');
    expect(response.status).to.equal(400);
    expect(response.body.error.code).to.equal('malformed_json');
  });

  describe('lockout after 5 failed sign-ins', () => {
    it('locks the account at the 5th failed attempt: 401 four times, then 423 account_locked with a clear message', async () => {
      const user = await createActiveUser(wb, 'lock-a');
      const answers = await failLogins(wb, user.username, 5);
      expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 401, 401, 423]);
      const locked = answers[4]!.body.error;
      expect(locked.code).to.equal('account_locked');
      expect(locked.message).to.match(/locked/i).and.match(/administrator/i);
      const stored = await wb.services.users.get(user.id);
      expect(stored.lockedAt).to.not.equal(null);
    });

    it('records an auth.login_failed audit event for every attempt and a user.locked event with a reason', async () => {
      const user = await createActiveUser(wb, 'lock-b');
      await failLogins(wb, user.username, 5);
      const failed = await auditEvents(wb.services, { action: 'auth.login_failed', entityType: 'user', entityId: String(user.id) });
      expect(failed.map((e) => e.after.failedAttempts)).to.deep.equal([1, 2, 3, 4, 5]);
      const locked = await auditEvents(wb.services, { action: 'user.locked', entityType: 'user', entityId: String(user.id) });
      expect(locked).to.have.length(1);
      expect(locked[0]!.reason).to.be.a('string').and.match(/5 failed/);
      expect(locked[0]!.before).to.include({ locked: false });
      expect(locked[0]!.after).to.include({ locked: true });
    });

    it('raises an account_locked security alert that an administrator can list at GET /api/v1/security-alerts', async () => {
      const user = await createActiveUser(wb, 'lock-c');
      await failLogins(wb, user.username, 5);
      const adminToken = await wb.login('admin');
      const response = await request(wb.app).get('/api/v1/security-alerts').set(bearer(adminToken)).expect(200);
      const alerts = response.body.alerts.filter((a: { kind: string; userId: number }) => a.kind === 'account_locked' && a.userId === user.id);
      expect(alerts).to.have.length(1);
      expect(alerts[0]).to.include({ username: user.username, severity: 'high', acknowledged: false });
      expect(alerts[0].message).to.include(user.username);
      const raised = await auditEvents(wb.services, { action: 'security_alert.raised', entityType: 'security-alert', entityId: String(alerts[0].id) });
      expect(raised).to.have.length(1);
    });

    it('refuses even the correct password while the account is locked (423), and audits the refusal', async () => {
      const user = await createActiveUser(wb, 'lock-d');
      await failLogins(wb, user.username, 5);
      const response = await attemptLogin(wb, user.username, TEST_PASSWORD);
      expect(response.status).to.equal(423);
      expect(response.body.error.code).to.equal('account_locked');
      expect(response.body).to.not.have.property('token');
      const refused = await auditEvents(wb.services, { action: 'auth.login_refused', entityType: 'user', entityId: String(user.id) });
      expect(refused).to.have.length(1);
    });

    it('stops the existing sessions of an account once it is locked', async () => {
      const user = await createActiveUser(wb, 'lock-e');
      const token = await wb.login(user.username);
      await request(wb.app).get('/api/v1/auth/session').set(bearer(token)).expect(200);
      await failLogins(wb, user.username, 5);
      const response = await request(wb.app).get('/api/v1/auth/session').set(bearer(token));
      expect(response.status).to.equal(401);
      expect(response.body.error.code).to.equal('account_inactive');
    });

    it('treats unknown user names the same: 401 four times, then 423 with the same message as a real lockout, and raises a repeated_failed_logins alert', async () => {
      const real = await createActiveUser(wb, 'lock-f');
      const ghost = uniqueName('ghost');
      const realAnswers = await failLogins(wb, real.username, 5);
      const ghostAnswers = await failLogins(wb, ghost, 5);
      expect(ghostAnswers.map((a) => a.status)).to.deep.equal(realAnswers.map((a) => a.status));
      expect(ghostAnswers.map((a) => errorWithoutCorrelation(a.body))).to.deep.equal(realAnswers.map((a) => errorWithoutCorrelation(a.body)));
      expect(ghostAnswers[4]!.status).to.equal(423);
      // A further attempt, even "correct"-looking, stays 423 like a locked account does.
      expect((await attemptLogin(wb, ghost, TEST_PASSWORD)).status).to.equal(423);

      const adminToken = await wb.login('admin');
      const response = await request(wb.app).get('/api/v1/security-alerts').set(bearer(adminToken)).expect(200);
      const alerts = response.body.alerts.filter((a: { kind: string; username: string }) => a.kind === 'repeated_failed_logins' && a.username === ghost);
      expect(alerts).to.have.length(1);
      expect(alerts[0].userId).to.equal(null);
      const failed = await auditEvents(wb.services, { action: 'auth.login_failed', entityType: 'login', entityId: ghost });
      expect(failed).to.have.length(6);
    });

    it('lets an administrator unlock the account with a reason (audited as user.unlocked), after which the correct password signs in', async () => {
      const user = await createActiveUser(wb, 'lock-g');
      await failLogins(wb, user.username, 5);
      expect((await attemptLogin(wb, user.username, TEST_PASSWORD)).status).to.equal(423);

      const adminId = await userIdOf(wb, 'admin');
      const adminToken = await wb.login('admin');
      const unlocked = await request(wb.app)
        .post(`/api/v1/users/${user.id}/unlock`)
        .set(bearer(adminToken))
        .send({ reason: 'identity confirmed by phone' })
        .expect(200);
      expect(unlocked.body).to.include({ locked: false, lockedAt: null });

      const event = await lastAuditEvent(wb.services, 'user.unlocked');
      expect(event!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
      expect(event!.actor).to.include({ id: adminId, role: 'admin' });
      expect(event!.reason).to.equal('identity confirmed by phone');
      expect(event!.before).to.include({ locked: true });
      expect(event!.after).to.include({ locked: false });

      await attemptLogin(wb, user.username, TEST_PASSWORD).expect(200);
    });

    it('starts counting failures from zero after an unlock', async () => {
      const user = await createActiveUser(wb, 'lock-h');
      await failLogins(wb, user.username, 5);
      const adminToken = await wb.login('admin');
      await request(wb.app).post(`/api/v1/users/${user.id}/unlock`).set(bearer(adminToken)).send({ reason: 'confirmed' }).expect(200);
      const answers = await failLogins(wb, user.username, 4);
      expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 401, 401]);
    });

    it('resets the failure count after a successful sign-in', async () => {
      const user = await createActiveUser(wb, 'lock-i');
      await failLogins(wb, user.username, 4);
      await attemptLogin(wb, user.username, TEST_PASSWORD).expect(200);
      const answers = await failLogins(wb, user.username, 4);
      expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 401, 401]);
    });

    it('refuses an unlock without a reason (400) and the unlock of a user who is not locked (409), auditing neither', async () => {
      const user = await createActiveUser(wb, 'lock-j');
      const adminToken = await wb.login('admin');
      const before = await auditEvents(wb.services, { entityType: 'user', entityId: String(user.id) });
      const noReason = await request(wb.app).post(`/api/v1/users/${user.id}/unlock`).set(bearer(adminToken)).send({});
      expect(noReason.status).to.equal(400);
      expect(noReason.body.error.details.map((d: { field: string }) => d.field)).to.include('body.reason');
      const notLocked = await request(wb.app).post(`/api/v1/users/${user.id}/unlock`).set(bearer(adminToken)).send({ reason: 'just in case' });
      expect(notLocked.status).to.equal(409);
      expect(notLocked.body.error.code).to.equal('not_locked');
      const after = await auditEvents(wb.services, { entityType: 'user', entityId: String(user.id) });
      expect(after).to.have.length(before.length);
    });

    it('does not let a non-administrator unlock an account (403)', async () => {
      const user = await createActiveUser(wb, 'lock-k');
      await failLogins(wb, user.username, 5);
      for (const role of ['it', 'qa', 'auditor']) {
        const token = await wb.login(role);
        const response = await request(wb.app).post(`/api/v1/users/${user.id}/unlock`).set(bearer(token)).send({ reason: 'please' });
        expect(response.status, role).to.equal(403);
      }
      expect((await wb.services.users.get(user.id)).lockedAt).to.not.equal(null);
    });
  });
});

describeEachDatabase('login: lockout threshold from GXPW_LOCKOUT_THRESHOLD', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { env: { GXPW_LOCKOUT_THRESHOLD: '3' } })));
  after(async () => wb?.close());

  it('locks after the configured number of failures (3): 401, 401, then 423', async () => {
    const user = await createActiveUser(wb, 'three');
    const answers = await failLogins(wb, user.username, 3);
    expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 423]);
    expect(answers[2]!.body.error.code).to.equal('account_locked');
    const locked = await auditEvents(wb.services, { action: 'user.locked', entityType: 'user', entityId: String(user.id) });
    expect(locked).to.have.length(1);
    expect(locked[0]!.reason).to.match(/3 failed/);
    expect((await attemptLogin(wb, user.username, TEST_PASSWORD)).status).to.equal(423);
  });

  it('applies the same threshold to unknown user names', async () => {
    const answers = await failLogins(wb, uniqueName('ghost'), 3);
    expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 423]);
  });
});
