// Sign in, sign out, password change (forced and chosen), idle timeout, time zone, and the
// page-wide guarantees: cookie attributes, strict CSP with no inline script or style, CSRF.
import { expect } from 'chai';
import request from 'supertest';
import { userIdOf } from '../auth/auth-helpers.js';
import { systemContext } from '../../src/platform/request-context.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { csrfOf, signInWeb } from '../support/web-agent.js';

const RESET = 'temporary-password-set-by-admin';
const CHOSEN = 'my-own-new-password-2026';

describeEachDatabase('web session pages', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  async function signInForm(agent = request.agent(wb.app)) {
    const page = await agent.get('/sign-in').accept('html').expect(200);
    return { agent, csrf: csrfOf(page.text) };
  }

  it('signs in through the form: an HttpOnly SameSite=Strict session cookie, the audit event, then the page asked for', async () => {
    const { agent, csrf } = await signInForm();
    const response = await agent.post('/sign-in').type('form').send({ _csrf: csrf, username: 'it', password: TEST_PASSWORD, next: '/account' });
    expect(response.status).to.equal(303);
    expect(response.headers.location).to.equal('/account');
    const cookie = (response.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('gxpw_session='))!;
    expect(cookie).to.match(/HttpOnly/i).and.match(/SameSite=Strict/i).and.match(/Path=\//);
    const event = await lastAuditEvent(wb.services, 'auth.login');
    expect(event?.actor.name).to.equal((await wb.services.models.User.findOne({ where: { username: 'it' } }))!.fullName);
    const account = await agent.get('/account').accept('html').expect(200);
    expect(account.text).to.match(/<dt>User name<\/dt><dd>it<\/dd>/);
  });

  it('refuses a wrong password with the reason on the form (401), audited, no cookie, and never an open redirect', async () => {
    const before = (await auditEvents(wb.services, { action: 'auth.login_failed' })).length;
    const { agent, csrf } = await signInForm();
    const response = await agent.post('/sign-in').type('form').send({ _csrf: csrf, username: 'qa', password: 'wrong-password-here', next: '//evil.example/' });
    expect(response.status).to.equal(401);
    expect(response.text).to.contain('The user name or password is incorrect.');
    expect(response.text).to.contain('role="alert"');
    expect(response.text).to.not.contain('wrong-password-here');
    expect(String(response.headers['set-cookie'] ?? '')).to.not.contain('gxpw_session=');
    expect((await auditEvents(wb.services, { action: 'auth.login_failed' })).length).to.equal(before + 1);
    const good = await agent.post('/sign-in').type('form').send({ _csrf: csrf, username: 'qa', password: TEST_PASSWORD, next: '//evil.example/' });
    expect(good.headers.location).to.equal('/');
  });

  it('refuses a sign-in form without its token, before checking any password', async () => {
    const before = (await auditEvents(wb.services, { action: 'auth.login_failed' })).length;
    const response = await request(wb.app).post('/sign-in').type('form').accept('html').send({ username: 'qa', password: 'whatever-it-is' });
    expect(response.status).to.equal(403);
    expect((await auditEvents(wb.services, { action: 'auth.login_failed' })).length).to.equal(before);
  });

  it('signs out: the session ends (audited) and its cookie no longer opens a page', async () => {
    const session = await signInWeb(wb.app, 'auditor');
    const out = await session.post('/sign-out');
    expect(out.status).to.equal(303);
    expect(out.headers.location).to.equal('/sign-in');
    expect((await lastAuditEvent(wb.services, 'auth.logout'))?.actor.role).to.equal('auditor');
    const after = await session.get('/');
    expect(after.status).to.equal(303);
    expect(after.headers.location).to.equal('/sign-in?next=%2F');
  });

  it('does not accept a session cookie whose signature is not the server’s', async () => {
    const session = await signInWeb(wb.app, 'qa');
    const sessionId = (await wb.services.models.Session.findAll({ order: [['createdAt', 'DESC']], limit: 1 }))[0]!.id;
    const forged = await request(wb.app).get('/').accept('html').set('Cookie', `gxpw_session=${sessionId}.AAAA`);
    expect(forged.status).to.equal(303);
    expect((await session.get('/')).status).to.equal(200);
  });

  it('ends a session idle past the timeout and says why on the sign-in page', async () => {
    const session = await signInWeb(wb.app, 'it');
    wb.clock.advance((wb.config.auth.sessionIdleSeconds + 5) * 1000);
    const response = await session.get('/account');
    expect(response.status).to.equal(303);
    expect(response.headers.location).to.equal('/sign-in?next=%2Faccount');
    const signIn = await session.get('/sign-in?next=%2Faccount');
    expect(signIn.text).to.match(/session ended after 30 minutes without activity/);
  });

  it('sends a user whose password was set by an administrator to change it, then signs in with the new one', async () => {
    const id = await userIdOf(wb, 'qa2');
    await wb.services.users.resetPassword(systemContext('test'), id, RESET, 'forgotten');
    const { agent, csrf } = await signInForm();
    const refused = await agent.post('/sign-in').type('form').send({ _csrf: csrf, username: 'qa2', password: RESET });
    expect(refused.status).to.equal(303);
    expect(refused.headers.location).to.equal('/password?username=qa2');
    const form = await agent.get('/password?username=qa2').accept('html');
    expect(form.text).to.contain('set by an administrator');
    expect(form.text).to.contain('value="qa2"');
    // Two different new passwords: refused beside the second field, nothing changed.
    const mismatch = await agent.post('/password').type('form').send({ _csrf: csrfOf(form.text), username: 'qa2', currentPassword: RESET, newPassword: CHOSEN, confirmPassword: `${CHOSEN}x` });
    expect(mismatch.status).to.equal(400);
    expect(mismatch.text).to.match(/id="f-confirmPassword"[^>]*aria-invalid="true"/);
    expect(mismatch.text).to.contain('Type the same new password twice.');
    // Too short: the policy's own message, beside the new password.
    const short = await agent.post('/password').type('form').send({ _csrf: csrfOf(form.text), username: 'qa2', currentPassword: RESET, newPassword: 'short', confirmPassword: 'short' });
    expect(short.status).to.equal(400);
    expect(short.text).to.match(/id="f-newPassword"[^>]*aria-invalid="true"/);
    const changed = await agent.post('/password').type('form').send({ _csrf: csrfOf(form.text), username: 'qa2', currentPassword: RESET, newPassword: CHOSEN, confirmPassword: CHOSEN });
    expect(changed.status).to.equal(303);
    expect(changed.headers.location).to.equal('/sign-in');
    expect((await lastAuditEvent(wb.services, 'user.password_changed'))?.entity.id).to.equal(String(id));
    await signInWeb(wb.app, 'qa2', CHOSEN);
  });

  it('shows times in the chosen time zone with the zone named, and refuses a zone that does not exist', async () => {
    const session = await signInWeb(wb.app, 'qa');
    const bad = await session.post('/account/time-zone', { timeZone: 'Mars/Olympus_Mons' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('Choose a time zone from the list.');
    const set = await session.post('/account/time-zone', { timeZone: 'Asia/Tokyo' });
    expect(set.status).to.equal(303);
    const account = await session.get('/account');
    expect(account.text).to.contain('Times are shown in <strong>Asia/Tokyo</strong>');
    expect(account.text).to.match(/<time datetime="[^"]+Z">\d{2} \w{3} \d{4}, \d{2}:\d{2} GMT\+9<\/time>/);
  });

  it('serves every page with a strict CSP and no inline script, style or event handler', async () => {
    const session = await signInWeb(wb.app, 'qa');
    for (const path of ['/', '/account', '/password']) {
      const page = await session.get(path);
      expect(page.headers['content-security-policy']).to.contain("script-src 'self'").and.contain("style-src 'self'").and.contain("frame-ancestors 'none'");
      expect(page.text).to.not.match(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(page.text).to.not.match(/\sstyle="/);
      expect(page.text).to.not.match(/\son[a-z]+="/);
    }
  });

  it('answers an unknown page with an HTML 404 for a browser and the JSON error for an API client', async () => {
    const session = await signInWeb(wb.app, 'qa');
    const page = await session.get('/no-such-page');
    expect(page.status).to.equal(404);
    expect(page.text).to.contain('There is no page at this address');
    const api = await request(wb.app).get('/no-such-page');
    expect(api.status).to.equal(404);
    expect(api.body.error.code).to.equal('route_not_found');
  });

  it('keeps a session alive from the timeout warning, with or without script', async () => {
    const session = await signInWeb(wb.app, 'it');
    const json = await session.agent.post('/session/keep-alive').type('form').set('Accept', 'application/json').send({ _csrf: session.csrf });
    expect(json.status).to.equal(200);
    expect(json.body.idleTimeoutSeconds).to.equal(wb.config.auth.sessionIdleSeconds);
    const plain = await session.post('/session/keep-alive', { next: '/account' });
    expect(plain.status).to.equal(303);
    expect(plain.headers.location).to.equal('/account');
  });
});
