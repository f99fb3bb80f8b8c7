// Failed sign-ins for names that are not active accounts are counted in the database, like a real
// account's, so another instance on the same database — or this one after a restart — answers an
// unknown name exactly as it answers a real one, lockout included: nothing reveals which names
// exist (Part 11 §11.300(d)). The table keeps a hash of the name, and stays bounded.
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { AuthService } from '../../src/auth/auth-service.js';
import { PasswordHasher } from '../../src/auth/password-hasher.js';
import { systemContext } from '../../src/platform/request-context.js';
import { createServices, type Services } from '../../src/services.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { createActiveUser, DAY, errorWithoutCorrelation, uniqueName, WRONG_PASSWORD } from './auth-helpers.js';

function nameKey(name: string): string {
  return createHash('sha256').update(`gxpw-login-name\0${name}`, 'utf8').digest('hex');
}

function login(app: Express, username: string, password = WRONG_PASSWORD) {
  return request(app).post('/api/v1/auth/login').send({ username, password });
}

async function statuses(app: Express, username: string, count: number): Promise<number[]> {
  const answers: number[] = [];
  for (let i = 0; i < count; i += 1) answers.push((await login(app, username)).status);
  return answers;
}

describeEachDatabase('unknown user names: lockout shared through the database', (dialect) => {
  let wb: TestWorkbench;
  // A second instance on the same database (or the same server after a restart).
  let other: Services;
  let otherApp: Express;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    other = await createServices(wb.config, { now: wb.clock.now });
    otherApp = createApp(other);
  });
  after(async () => {
    await other?.close();
    await wb?.close();
  });

  it('counts failures of one unknown name across instances: 3 on one and 2 on another lock it, as they lock a real account (401 ×4, then 423)', async () => {
    const real = await createActiveUser(wb, 'shared-real');
    const ghost = uniqueName('shared-ghost');
    const realAnswers = [...(await statuses(wb.app, real.username, 3)), ...(await statuses(otherApp, real.username, 2))];
    const ghostAnswers = [...(await statuses(wb.app, ghost, 3)), ...(await statuses(otherApp, ghost, 2))];
    expect(realAnswers).to.deep.equal([401, 401, 401, 401, 423]);
    expect(ghostAnswers).to.deep.equal(realAnswers);

    const failed = await auditEvents(wb.services, { action: 'auth.login_failed', entityType: 'login', entityId: ghost });
    expect(failed.map((e) => e.after.failedAttempts)).to.deep.equal([1, 2, 3, 4, 5]);
    const alerts = await wb.services.models.SecurityAlert.findAll({ where: { kind: 'repeated_failed_logins', username: ghost } });
    expect(alerts).to.have.length(1);
    expect(await auditEvents(wb.services, { action: 'security_alert.raised', entityType: 'security-alert', entityId: String(alerts[0]!.id) })).to.have.length(1);
  });

  it('answers a name locked on one instance with 423 on another, as it answers a locked real account — the same status, code and message', async () => {
    const real = await createActiveUser(wb, 'restart-real');
    const ghost = uniqueName('restart-ghost');
    await statuses(wb.app, real.username, 5);
    await statuses(wb.app, ghost, 5);
    const realAnswer = await login(otherApp, real.username, TEST_PASSWORD);
    const ghostAnswer = await login(otherApp, ghost, TEST_PASSWORD);
    expect(realAnswer.status).to.equal(423);
    expect(ghostAnswer.status).to.equal(423);
    expect(errorWithoutCorrelation(ghostAnswer.body)).to.deep.equal(errorWithoutCorrelation(realAnswer.body));
    const failed = await auditEvents(wb.services, { action: 'auth.login_failed', entityType: 'login', entityId: ghost });
    expect(failed).to.have.length(6);
  });

  it('counts a deactivated user name the same way, and keeps a hash of the name, never the name, with count and lock time', async () => {
    const user = await createActiveUser(wb, 'gone-away');
    await wb.services.users.deactivate(systemContext('test'), user.id, 'left');
    expect((await statuses(wb.app, user.username, 2)).concat(await statuses(otherApp, user.username, 3))).to.deep.equal([401, 401, 401, 401, 423]);
    const failed = await auditEvents(wb.services, { action: 'auth.login_failed', entityType: 'user', entityId: String(user.id) });
    expect(failed.map((e) => e.after.failedAttempts)).to.deep.equal([1, 2, 3, 4, 5]);

    const row = await wb.services.models.LoginNameFailure.findByPk(nameKey(user.username));
    expect(row).to.not.equal(null);
    expect(row!.failedCount).to.equal(5);
    expect(row!.lockedAt).to.be.instanceOf(Date);
    const [rows] = (await wb.services.database.sequelize.query('SELECT * FROM login_name_failures')) as [Array<Record<string, unknown>>, unknown];
    expect(JSON.stringify(rows)).to.not.include(user.username);
  });
});

describeEachDatabase('unknown user names: the failure table stays bounded', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  it('forgets a name after 30 days without an attempt: its row is pruned, and a later attempt counts from 1', async () => {
    const old = uniqueName('old-ghost');
    expect(await statuses(wb.app, old, 5)).to.deep.equal([401, 401, 401, 401, 423]);
    wb.clock.advance(29 * DAY);
    expect((await login(wb.app, old)).status, 'still locked after 29 quiet days').to.equal(423);
    wb.clock.advance(31 * DAY);
    await statuses(wb.app, uniqueName('new-ghost'), 1); // a new name prunes the silent ones
    expect(await wb.services.models.LoginNameFailure.findByPk(nameKey(old))).to.equal(null);
    expect(await statuses(wb.app, old, 1)).to.deep.equal([401]);
    const failed = await auditEvents(wb.services, { action: 'auth.login_failed', entityType: 'login', entityId: old });
    expect(failed.map((e) => e.after.failedAttempts)).to.deep.equal([1, 2, 3, 4, 5, 6, 1]);
  });

  it('keeps at most the configured number of names, dropping the longest silent first', async () => {
    const { services } = wb;
    const capped = new AuthService(
      services.database,
      services.models,
      services.audit,
      services.alerts,
      new PasswordHasher(12),
      services.passwordPolicy,
      services.keyring.sessionTokenSecret(),
      { ...services.config.auth, maxUnknownNames: 3 },
      wb.clock.now,
    );
    await services.models.LoginNameFailure.destroy({ where: {} });
    const names = ['a', 'b', 'c', 'd', 'e'].map((n) => uniqueName(`cap-${n}`));
    for (const name of names) {
      wb.clock.advance(1000);
      const error = await capped.login(systemContext('test'), name, WRONG_PASSWORD).catch((e: unknown) => e);
      expect((error as { status?: number }).status).to.equal(401);
    }
    const kept = (await services.models.LoginNameFailure.findAll()).map((r) => r.keyHash).sort();
    expect(kept).to.deep.equal(names.slice(2).map(nameKey).sort());
    expect(await auditEvents(services, { action: 'auth.login_failed', entityType: 'login', entityId: names[0]! })).to.have.length(1);
  });
});
