// `gxpw user`: the same input checks as the API (a usage error, exit 2, before anything is
// written), and the administration the API offers — unlock, reactivate — through the same
// audited service methods; a password reset lifts a lockout and ends the user's sessions.
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { createActiveUser, failLogins } from '../auth/auth-helpers.js';
import { gxpw } from './cli-helpers.js';

describeEachDatabase('gxpw user: input checks and administration', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  const refusedAdds: Array<{ what: string; args: string[]; names: string }> = [
    { what: 'a user name with a space', args: ['--username', 'John Smith', '--name', 'John Smith'], names: '--username' },
    { what: 'a one-character user name', args: ['--username', 'j', '--name', 'J'], names: '--username' },
    { what: 'an invalid e-mail address', args: ['--username', 'mail.bad', '--name', 'Mail Bad', '--email', 'not-an-address'], names: '--email' },
    { what: 'a 300-character printed name', args: ['--username', 'long.name', '--name', 'N'.repeat(300)], names: '--name' },
  ];
  for (const { what, args, names } of refusedAdds) {
    it(`refuses ${what} like the API does: usage error naming ${names}, exit 2, no stack trace, nothing created or audited`, async () => {
      const seqBefore = await wb.services.audit.lastSeq();
      const usersBefore = await wb.services.users.count();
      const result = gxpw(['user', 'add', ...args, '--role', 'it'], wb.env);
      expect(result.status, result.stderr).to.equal(2);
      expect(result.stderr).to.include(`gxpw user: ${names}`);
      expect(result.stderr).to.include('Usage: gxpw user add');
      expect(result.stderr).to.not.match(/\n\s+at |Sequelize|unexpected error/);
      expect(await wb.services.users.count()).to.equal(usersBefore);
      expect(await wb.services.audit.lastSeq()).to.equal(seqBefore);
    });
  }

  it('unlocks a locked user with a reason (user.unlocked, the CLI as actor); the user signs in again', async () => {
    const user = await createActiveUser(wb, 'cli-locked');
    await failLogins(wb, user.username, 5);
    expect((await request(wb.app).post('/api/v1/auth/login').send({ username: user.username, password: TEST_PASSWORD })).status).to.equal(423);

    const noReason = gxpw(['user', 'unlock', '--username', user.username], wb.env);
    expect(noReason.status).to.equal(2);
    expect(noReason.stderr).to.include('--reason is required');

    const result = gxpw(['user', 'unlock', '--username', user.username, '--reason', 'identity confirmed by phone', '--json'], wb.env);
    expect(result.status, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout).user).to.include({ username: user.username, locked: false });
    const events = await auditEvents(wb.services, { action: 'user.unlocked', entityType: 'user', entityId: String(user.id) });
    expect(events).to.have.length(1);
    expect(events[0]!.reason).to.equal('identity confirmed by phone');
    expect(events[0]!.actor.name).to.match(/^gxpw CLI \(/);
    expect(events[0]!.before).to.include({ locked: true });
    expect(events[0]!.after).to.include({ locked: false });
    await request(wb.app).post('/api/v1/auth/login').send({ username: user.username, password: TEST_PASSWORD }).expect(200);

    const again = gxpw(['user', 'unlock', '--username', user.username, '--reason', 'again'], wb.env);
    expect(again.status).to.equal(1);
    expect(again.stderr).to.include('is not locked');
    expect(await auditEvents(wb.services, { action: 'user.unlocked', entityType: 'user', entityId: String(user.id) })).to.have.length(1);
  });

  it('reactivates a deactivated user with a reason (user.reactivated, the CLI as actor); the user signs in again', async () => {
    const user = await createActiveUser(wb, 'cli-return');
    expect(gxpw(['user', 'deactivate', '--username', user.username, '--reason', 'on leave'], wb.env).status).to.equal(0);
    expect((await request(wb.app).post('/api/v1/auth/login').send({ username: user.username, password: TEST_PASSWORD })).status).to.equal(401);

    const result = gxpw(['user', 'reactivate', '--username', user.username, '--reason', 'back from leave'], wb.env);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`Reactivated ${user.username}`);
    const event = await lastAuditEvent(wb.services, 'user.reactivated');
    expect(event!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
    expect(event!.reason).to.equal('back from leave');
    expect(event!.actor.name).to.match(/^gxpw CLI \(/);
    expect(event!.before).to.include({ status: 'deactivated' });
    expect(event!.after).to.include({ status: 'active' });
    await request(wb.app).post('/api/v1/auth/login').send({ username: user.username, password: TEST_PASSWORD }).expect(200);

    const again = gxpw(['user', 'reactivate', '--username', user.username, '--reason', 'again'], wb.env);
    expect(again.status).to.equal(1);
    expect(again.stderr).to.include('already active');
  });

  it('resets the password of a locked user: unlocked, to be changed at next sign-in, its open sessions ended (auth.session_ended)', async () => {
    const user = await createActiveUser(wb, 'cli-reset');
    const token = await wb.login(user.username);
    await failLogins(wb, user.username, 5);

    const result = gxpw(['user', 'reset-password', '--username', user.username, '--reason', 'locked out, identity checked', '--password-stdin'], wb.env, 'temporary-passphrase-8\n');
    expect(result.status, result.stderr).to.equal(0);
    const event = await lastAuditEvent(wb.services, 'user.password_reset');
    expect(event!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
    expect(event!.reason).to.equal('locked out, identity checked');
    expect(event!.before).to.include({ locked: true });
    expect(event!.after).to.include({ locked: false, mustChangePassword: true });

    const login = await request(wb.app).post('/api/v1/auth/login').send({ username: user.username, password: 'temporary-passphrase-8' });
    expect(login.status).to.equal(403);
    expect(login.body.error.code).to.equal('password_change_required');

    const sid = (jwt.decode(token) as jwt.JwtPayload).sid as string;
    expect((await wb.services.models.Session.findByPk(sid))!.endReason).to.be.oneOf(['account_inactive', 'password_reset']);
    const session = await request(wb.app).get('/api/v1/auth/session').set('Authorization', `Bearer ${token}`);
    expect(session.status).to.equal(401);
  });

  it('ends the sessions of an unlocked user at a reset, each audited with the CLI as actor', async () => {
    const user = await createActiveUser(wb, 'cli-reset-open');
    const token = await wb.login(user.username);
    const sid = (jwt.decode(token) as jwt.JwtPayload).sid as string;
    const result = gxpw(['user', 'reset-password', '--username', user.username, '--reason', 'suspected disclosure', '--json'], wb.env);
    expect(result.status, result.stderr).to.equal(0);
    const ended = await auditEvents(wb.services, { action: 'auth.session_ended', entityType: 'session', entityId: sid });
    expect(ended).to.have.length(1);
    expect(ended[0]!.actor.name).to.match(/^gxpw CLI \(/);
    expect(ended[0]!.after).to.deep.equal({ userId: user.id, reason: 'password_reset' });
    const session = await request(wb.app).get('/api/v1/auth/session').set('Authorization', `Bearer ${token}`);
    expect(session.status).to.equal(401);
    expect(session.body.error.code).to.equal('session_ended');
  });

  it('lists unlock and reactivate in its help', () => {
    const help = gxpw(['user', '--help']);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.include('gxpw user unlock --username');
    expect(help.stdout).to.include('gxpw user reactivate --username');
  });
});
