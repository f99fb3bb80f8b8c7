// Tokens and sessions (Part 11 §11.10(d)): every bearer token is checked for its algorithm, issuer,
// audience and expiry, then for its server-side session (not ended, not idle too long) and its
// user (still active). The workbench clock drives both the JWT checks and the idle timeout.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { attemptLogin, bearer, createActiveUser, MINUTE, userIdOf } from './auth-helpers.js';

const SECOND = 1000;

function whoAmI(wb: TestWorkbench, token: string) {
  return request(wb.app).get('/api/v1/auth/session').set(bearer(token));
}

async function signIn(wb: TestWorkbench, username: string): Promise<{ token: string; claims: jwt.JwtPayload }> {
  const token = await wb.login(username);
  return { token, claims: jwt.decode(token) as jwt.JwtPayload };
}

/** A token with the given claims, signed like the server signs (unless told otherwise), at the workbench's time. */
function mint(wb: TestWorkbench, claims: Record<string, unknown>, options: { secret?: string | Buffer; algorithm?: jwt.Algorithm } = {}): string {
  const nowSeconds = Math.floor(wb.clock.now().getTime() / 1000);
  return jwt.sign({ iss: 'gxpw', aud: 'gxpw-api', iat: nowSeconds, exp: nowSeconds + 300, ...claims }, options.secret ?? wb.services.keyring.sessionTokenSecret(), {
    algorithm: options.algorithm ?? 'HS256',
  });
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function expectUnauthenticated(response: request.Response, code?: string): void {
  expect(response.status, JSON.stringify(response.body)).to.equal(401);
  expect(response.body.error).to.be.an('object');
  expect(response.body.error.code).to.be.a('string');
  expect(response.body.error.correlationId).to.be.a('string');
  if (code) expect(response.body.error.code).to.equal(code);
}

describeEachDatabase('tokens and sessions', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  describe('logout', () => {
    it('ends the session: logout answers 204, the same token then answers 401 session_ended, and auth.logout is audited', async () => {
      const itId = await userIdOf(wb, 'it');
      const { token, claims } = await signIn(wb, 'it');
      await whoAmI(wb, token).expect(200);
      await request(wb.app).post('/api/v1/auth/logout').set(bearer(token)).expect(204);

      expectUnauthenticated(await whoAmI(wb, token), 'session_ended');
      expectUnauthenticated(await request(wb.app).post('/api/v1/auth/refresh').set(bearer(token)), 'session_ended');
      expectUnauthenticated(await request(wb.app).post('/api/v1/auth/logout').set(bearer(token)), 'session_ended');

      const events = await auditEvents(wb.services, { action: 'auth.logout', entityType: 'session', entityId: claims.sid });
      expect(events).to.have.length(1);
      expect(events[0]!.actor).to.include({ id: itId, role: 'it' });
      const session = await wb.services.models.Session.findByPk(claims.sid);
      expect(session!.endReason).to.equal('logout');
    });

    it('ends only the session logged out of: another session of the same user keeps working', async () => {
      const first = await signIn(wb, 'qa');
      const second = await signIn(wb, 'qa');
      await request(wb.app).post('/api/v1/auth/logout').set(bearer(first.token)).expect(204);
      await whoAmI(wb, second.token).expect(200);
    });
  });

  describe('token checks', () => {
    it('accepts a token shortly before its 15 minutes are up, and answers 401 token_expired once they have passed', async () => {
      const { token } = await signIn(wb, 'auditor');
      wb.clock.advance(14 * MINUTE + 50 * SECOND);
      await whoAmI(wb, token).expect(200);
      wb.clock.advance(11 * SECOND);
      expectUnauthenticated(await whoAmI(wb, token), 'token_expired');
    });

    it('refuses a forged token (the claims of a real one, signed with another secret) with 401 invalid_token', async () => {
      const { claims } = await signIn(wb, 'it');
      const forged = mint(wb, { sid: claims.sid, sub: claims.sub, role: 'admin' }, { secret: 'an-attacker-secret-that-is-long-enough-0123456789' });
      expectUnauthenticated(await whoAmI(wb, forged), 'invalid_token');
    });

    it("refuses an unsigned token (alg: none) carrying the claims of a real one with 401", async () => {
      const { claims } = await signIn(wb, 'it');
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
      expectUnauthenticated(await whoAmI(wb, unsigned), 'invalid_token');
      const unsignedNoDot = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}`;
      expectUnauthenticated(await whoAmI(wb, unsignedNoDot), 'invalid_token');
    });

    it('pins the algorithm: a token signed with the server secret but with HS512 is refused (401 invalid_token)', async () => {
      const { claims } = await signIn(wb, 'it');
      const token = mint(wb, { sid: claims.sid, sub: claims.sub }, { algorithm: 'HS512' });
      expectUnauthenticated(await whoAmI(wb, token), 'invalid_token');
      // The same claims with the pinned algorithm are accepted, so the refusal above is the algorithm's.
      await whoAmI(wb, mint(wb, { sid: claims.sid, sub: claims.sub })).expect(200);
    });

    it('refuses a token for another audience (401 invalid_token)', async () => {
      const { claims } = await signIn(wb, 'it');
      expectUnauthenticated(await whoAmI(wb, mint(wb, { sid: claims.sid, sub: claims.sub, aud: 'some-other-api' })), 'invalid_token');
    });

    it('refuses a token from another issuer (401 invalid_token)', async () => {
      const { claims } = await signIn(wb, 'it');
      expectUnauthenticated(await whoAmI(wb, mint(wb, { sid: claims.sid, sub: claims.sub, iss: 'someone-else' })), 'invalid_token');
    });

    it('refuses a token without an expiry (exp is required, not only checked when present)', async () => {
      const { claims } = await signIn(wb, 'it');
      const nowSeconds = Math.floor(wb.clock.now().getTime() / 1000);
      const noExpiry = jwt.sign({ iss: 'gxpw', aud: 'gxpw-api', iat: nowSeconds, sid: claims.sid, sub: claims.sub }, wb.services.keyring.sessionTokenSecret(), { algorithm: 'HS256' });
      expectUnauthenticated(await whoAmI(wb, noExpiry), 'invalid_token');
    });

    it("refuses a token whose subject is not its session's user (401 invalid_token)", async () => {
      const { claims } = await signIn(wb, 'it');
      const adminId = await userIdOf(wb, 'admin');
      expectUnauthenticated(await whoAmI(wb, mint(wb, { sid: claims.sid, sub: String(adminId) })), 'invalid_token');
    });

    it('refuses a token naming a session that does not exist (401 invalid_token)', async () => {
      const itId = await userIdOf(wb, 'it');
      expectUnauthenticated(await whoAmI(wb, mint(wb, { sid: '00000000-0000-4000-8000-000000000000', sub: String(itId) })), 'invalid_token');
    });

    it('answers 401 to a request without a token and to malformed Authorization headers, never a 500', async () => {
      const { token } = await signIn(wb, 'it');
      const headers = [
        null,
        'Bearer',
        'Bearer ',
        `Basic ${Buffer.from(`it:${TEST_PASSWORD}`).toString('base64')}`,
        `Token ${token}`,
        `Bearer ${token} extra`,
        `Bearer ${token}${token}`,
        'Bearer not.a.jwt',
        'Bearer !!!',
        `Bearer ${'a'.repeat(5000)}`,
        'Bearer eyJhbGciOiJIUzI1NiJ9.e30',
      ];
      for (const header of headers) {
        let req = request(wb.app).get('/api/v1/auth/session');
        if (header !== null) req = req.set('Authorization', header);
        const response = await req;
        expect(response.status, `Authorization: ${header?.slice(0, 60)}`).to.equal(401);
        expect(response.body.error.code).to.be.oneOf(['unauthenticated', 'invalid_token']);
      }
      // The well-formed header with the same token still works.
      await whoAmI(wb, token).expect(200);
    });
  });

  describe('refresh', () => {
    it('gives a new working token for the same session, which outlives the old one', async () => {
      const { token, claims } = await signIn(wb, 'qa');
      wb.clock.advance(10 * MINUTE);
      const refreshed = await request(wb.app).post('/api/v1/auth/refresh').set(bearer(token)).expect(200);
      const newToken: string = refreshed.body.token;
      const newClaims = jwt.decode(newToken) as jwt.JwtPayload;
      expect(newToken).to.not.equal(token);
      expect(newClaims.sid).to.equal(claims.sid);
      expect(refreshed.body.session.id).to.equal(claims.sid);
      expect(newClaims.sub).to.equal(claims.sub);
      expect(newClaims.exp! - newClaims.iat!).to.be.at.most(900);
      expect(newClaims.exp!).to.be.greaterThan(claims.exp!);

      wb.clock.advance(10 * MINUTE); // 20 minutes after sign-in: the first token has expired
      expectUnauthenticated(await whoAmI(wb, token), 'token_expired');
      const me = await whoAmI(wb, newToken).expect(200);
      expect(me.body.session.id).to.equal(claims.sid);
    });
  });

  describe('idle timeout (30 minutes by default)', () => {
    it('keeps a session alive while it is used: refreshing every 14 minutes, it still works 42 minutes after sign-in', async () => {
      let { token } = await signIn(wb, 'auditor');
      for (let i = 0; i < 3; i += 1) {
        wb.clock.advance(14 * MINUTE);
        const refreshed = await request(wb.app).post('/api/v1/auth/refresh').set(bearer(token));
        expect(refreshed.status, `refresh after ${(i + 1) * 14} minutes`).to.equal(200);
        token = refreshed.body.token;
      }
      await whoAmI(wb, token).expect(200);
    });

    it('ends a session idle for more than 30 minutes: a token for it (server-signed, not expired) answers 401 session_expired, and the session stays ended', async () => {
      const { claims } = await signIn(wb, 'auditor');
      wb.clock.advance(31 * MINUTE);
      const token = mint(wb, { sid: claims.sid, sub: claims.sub });
      const response = await whoAmI(wb, token);
      expectUnauthenticated(response, 'session_expired');
      expect(response.body.error.message).to.match(/30 minutes/);
      const session = await wb.services.models.Session.findByPk(claims.sid);
      expect(session!.endedAt).to.not.equal(null);
      expect(session!.endReason).to.equal('idle_timeout');
      expectUnauthenticated(await whoAmI(wb, mint(wb, { sid: claims.sid, sub: claims.sub })), 'session_ended');
    });
  });

  describe('authority from the current user record', () => {
    it('uses the role the user has now, not the one written in the token: a role change applies to an existing token at once', async () => {
      const user = await createActiveUser(wb, 'promoted', 'it');
      const { token, claims } = await signIn(wb, user.username);
      expect(claims.role).to.equal('it');
      expect((await request(wb.app).get('/api/v1/users').set(bearer(token))).status).to.equal(403);

      const adminToken = await wb.login('admin');
      await request(wb.app).patch(`/api/v1/users/${user.id}`).set(bearer(adminToken)).send({ role: 'auditor', reason: 'now audits' }).expect(200);
      const event = await lastAuditEvent(wb.services, 'user.updated');
      expect(event!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
      expect(event!.reason).to.equal('now audits');

      await request(wb.app).get('/api/v1/users').set(bearer(token)).expect(200);
    });
  });

  describe('deactivation', () => {
    it("stops a deactivated user's existing token at once (401 account_inactive); the deactivation is audited with its reason", async () => {
      const user = await createActiveUser(wb, 'leaver');
      const { token, claims } = await signIn(wb, user.username);
      await whoAmI(wb, token).expect(200);

      const adminId = await userIdOf(wb, 'admin');
      const adminToken = await wb.login('admin');
      await request(wb.app).post(`/api/v1/users/${user.id}/deactivate`).set(bearer(adminToken)).send({ reason: 'contract ended' }).expect(200);
      const event = await lastAuditEvent(wb.services, 'user.deactivated');
      expect(event!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
      expect(event!.actor).to.include({ id: adminId });
      expect(event!.reason).to.equal('contract ended');

      expectUnauthenticated(await whoAmI(wb, token), 'account_inactive');
      const session = await wb.services.models.Session.findByPk(claims.sid);
      expect(session!.endReason).to.equal('account_inactive');
      // Reactivating the user does not revive the old session.
      await request(wb.app).post(`/api/v1/users/${user.id}/reactivate`).set(bearer(adminToken)).send({ reason: 'rehired' }).expect(200);
      expectUnauthenticated(await whoAmI(wb, token), 'session_ended');
      await attemptLogin(wb, user.username, TEST_PASSWORD).expect(200);
    });
  });
});

describeEachDatabase('sessions: idle timeout from GXPW_SESSION_IDLE_MINUTES', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { env: { GXPW_SESSION_IDLE_MINUTES: '10' } })));
  after(async () => wb?.close());

  it('announces the configured idle timeout at sign-in', async () => {
    const response = await attemptLogin(wb, 'it', TEST_PASSWORD).expect(200);
    expect(response.body.session.idleTimeoutSeconds).to.equal(600);
  });

  it('answers 401 session_expired when a still-valid token is used after more than 10 idle minutes', async () => {
    const token = await wb.login('it');
    wb.clock.advance(10 * MINUTE + 5 * SECOND);
    expectUnauthenticated(await whoAmI(wb, token), 'session_expired');
  });

  it('keeps the session alive with activity inside the window: 7 minutes, a call, 7 minutes, a call: still 200 14 minutes after sign-in', async () => {
    const token = await wb.login('qa');
    wb.clock.advance(7 * MINUTE);
    await whoAmI(wb, token).expect(200);
    wb.clock.advance(7 * MINUTE);
    await whoAmI(wb, token).expect(200);
  });
});
