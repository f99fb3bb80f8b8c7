// What every authenticated request costs the session store (Part 11 §11.10(d)): one read of the
// session and its user, and a write of the session's last activity only once it has moved on by a
// step (a minute, or a tenth of the idle timeout when that is shorter) — never on every request —
// while the idle timeout still ends a session left alone, at most one step early and never late.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { touchIntervalMs } from '../../src/auth/session-lookup.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { bearer, MINUTE } from './auth-helpers.js';

const SECOND = 1000;

describeEachDatabase('session activity: last_seen_at written once a step, not per request', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  const whoAmI = (token: string) => request(wb.app).get('/api/v1/auth/session').set(bearer(token));
  const lastSeenOf = async (token: string) => {
    const session = await wb.services.models.Session.findByPk((jwt.decode(token) as jwt.JwtPayload).sid as string);
    return new Date(session!.lastSeenAt).getTime();
  };
  /** UPDATE statements on sessions sent while `work` runs. */
  const sessionUpdatesDuring = async (work: () => Promise<unknown>): Promise<number> => {
    const { options } = wb.services.database.sequelize as unknown as { options: { logging: unknown } };
    const before = options.logging;
    let updates = 0;
    options.logging = (sql: string) => {
      if (/^Executing \([^)]*\): UPDATE [`"]sessions[`"]/.test(sql)) updates += 1;
    };
    try {
      await work();
    } finally {
      options.logging = before;
    }
    return updates;
  };

  it('steps a minute at the default 30-minute timeout, a tenth of a shorter one', () => {
    expect(touchIntervalMs(30 * 60)).to.equal(MINUTE);
    expect(touchIntervalMs(5 * 60)).to.equal(30 * SECOND);
    expect(touchIntervalMs(60)).to.equal(6 * SECOND);
  });

  it('does not write the session on requests less than a minute after its last recorded activity, and writes it once after', async () => {
    const token = await wb.login('auditor');
    const signedIn = await lastSeenOf(token);
    wb.clock.advance(50 * SECOND);
    expect(await sessionUpdatesDuring(() => whoAmI(token).expect(200))).to.equal(0);
    expect(await lastSeenOf(token)).to.equal(signedIn);

    wb.clock.advance(11 * SECOND); // 61 s after the recorded activity
    expect(await sessionUpdatesDuring(() => whoAmI(token).expect(200))).to.equal(1);
    expect(await lastSeenOf(token)).to.be.within(signedIn + 61 * SECOND, signedIn + 71 * SECOND);
  });

  it('writes once for a burst of concurrent requests of one session', async () => {
    const token = await wb.login('qa');
    wb.clock.advance(2 * MINUTE);
    const updates = await sessionUpdatesDuring(() => Promise.all(Array.from({ length: 10 }, () => whoAmI(token).expect(200))));
    expect(updates).to.equal(1);
  });

  it('keeps a session used every 50 seconds open for 40 minutes (30-minute idle timeout; tokens refreshed)', async () => {
    let token = await wb.login('it');
    for (let elapsed = 0; elapsed < 40 * MINUTE; elapsed += 50 * SECOND) {
      wb.clock.advance(50 * SECOND);
      const refreshed = await request(wb.app).post('/api/v1/auth/refresh').set(bearer(token));
      expect(refreshed.status, `after ${elapsed / SECOND + 50} s`).to.equal(200);
      token = refreshed.body.token;
    }
  });

  it('still ends a session left alone for the idle timeout since its last recorded activity', async () => {
    const token = await wb.login('auditor');
    wb.clock.advance(30 * SECOND); // not recorded: within the step
    await whoAmI(token).expect(200);
    wb.clock.advance(30 * MINUTE - 29 * SECOND); // 30 min 1 s after the recorded activity, 29 min 31 s after the last request
    // A token still valid for this session (the first one has expired after 15 minutes): the session decides.
    const claims = jwt.decode(token) as jwt.JwtPayload;
    const nowSeconds = Math.floor(wb.clock.now().getTime() / 1000);
    const fresh = jwt.sign({ iss: 'gxpw', aud: 'gxpw-api', iat: nowSeconds, exp: nowSeconds + 300, sid: claims.sid, sub: claims.sub }, wb.services.keyring.sessionTokenSecret(), { algorithm: 'HS256' });
    const response = await whoAmI(fresh);
    expect(response.status).to.equal(401);
    expect(response.body.error.code).to.equal('session_expired');
  });
});
