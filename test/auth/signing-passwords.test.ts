// A password an administrator set never signs (Part 11 §11.100, §11.300): the user must choose
// their own, sign in with it, and let a cooling-off pass (GXPW_SIGNING_COOLOFF_HOURS) — or have a
// second QA person approve it. And the first signer of a fresh install is bootstrapped from the
// server's shell, once.
import { expect } from 'chai';
import request from 'supertest';
import { systemContext } from '../../src/platform/request-context.js';
import { gxpw } from '../cli/cli-helpers.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { approvePendingGrants } from '../support/signers.js';
import { TestDocuments } from '../support/test-documents.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { bearer, userIdOf } from './auth-helpers.js';

const HOUR = 3_600_000;
const RESET = 'reset-by-the-administrator';
const CHOSEN = 'chosen-by-its-own-user';

describeEachDatabase('signing with a password an administrator set', (dialect) => {
  let wb: TestWorkbench;
  const docs = new TestDocuments();
  let counter = 0;

  const signAs = async (username: string, password: string) => {
    counter += 1;
    const id = `PW-${counter}`;
    docs.add(id, { title: `Protocol ${id}` }, [await userIdOf(wb, 'auditor')]);
    const token = await wb.login(username, password);
    return request(wb.app).post('/api/v1/signatures').set(bearer(token)).send({ recordType: 'test-document', recordId: id, version: 1, meaning: 'reviewed', reason: 'reviewed', username, password });
  };
  const reset = async (username: string) => {
    const admin = await wb.login('admin');
    await request(wb.app).post(`/api/v1/users/${await userIdOf(wb, username)}/reset-password`).set(bearer(admin)).send({ password: RESET, reason: 'locked out' }).expect(200);
  };
  const choose = (username: string, from = RESET, to = CHOSEN) => request(wb.app).post('/api/v1/auth/password').send({ username, currentPassword: from, newPassword: to }).expect(200);

  before(async () => {
    wb = await createTestWorkbench(dialect);
    wb.services.signatures.register(docs.recordType);
  });
  after(async () => wb?.close());

  it('raises a high alert when an administrator resets the password of a signer, and refuses signing until the cooling-off has passed', async () => {
    expect(wb.config.auth.signingCooloffHours).to.equal(24);
    expect((await signAs('it', TEST_PASSWORD)).status, 'a signer before the reset').to.equal(201);
    await reset('it');
    const alert = (await wb.services.alerts.list({})).find((a) => a.kind === 'signer_password_reset');
    expect(alert).to.include({ severity: 'high', username: 'it' });
    expect((await lastAuditEvent(wb.services, 'security_alert.raised'))!.after).to.include({ kind: 'signer_password_reset' });
    const resetEvent = await lastAuditEvent(wb.services, 'user.password_reset');
    expect(resetEvent!.after.passwordSetByAdminAt).to.equal(resetEvent!.after.passwordChangedAt);

    await choose('it');
    const chosenEvent = await lastAuditEvent(wb.services, 'user.password_changed');
    expect(chosenEvent!.before.passwordChosenAt).to.not.equal(chosenEvent!.after.passwordChosenAt);
    const refused = await signAs('it', CHOSEN);
    expect(refused.status).to.equal(403);
    expect(refused.body.error.code).to.equal('password_cooling_off');
    expect(refused.body.error.message).to.match(/cooling-off of 24 h/);
    wb.clock.advance(23 * HOUR);
    expect((await signAs('it', CHOSEN)).body.error.code).to.equal('password_cooling_off');
    wb.clock.advance(HOUR + 1000);
    expect((await signAs('it', CHOSEN)).status).to.equal(201);
    // Later changes of one's own password start no new cooling-off.
    await choose('it', CHOSEN, TEST_PASSWORD);
    expect((await signAs('it', TEST_PASSWORD)).status).to.equal(201);
  });

  it('lets a second QA person approve the chosen password instead of the cooling-off (kind password, audited)', async () => {
    await reset('qa');
    const admin = await wb.login('admin');
    const qaId = await userIdOf(wb, 'qa');
    const early = await request(wb.app).post('/api/v1/access-grants').set(bearer(admin)).send({ kind: 'password', userId: qaId, reason: 'confirmed in person' });
    expect(early.status).to.equal(201);
    expect(early.body).to.deep.include({ kind: 'password', status: 'pending' });
    expect((await lastAuditEvent(wb.services, 'access_grant.requested'))!.entity).to.deep.equal({ type: 'access-grant', id: String(early.body.id) });
    // Approved only once the user has chosen their own: the approver vouches for that password.
    const qa2 = await wb.login('qa2');
    const tooSoon = await request(wb.app).post('/api/v1/signatures').set(bearer(qa2)).send({ recordType: 'user-access', recordId: String(early.body.id), version: 1, meaning: 'approved', reason: 'ok', username: 'qa2', password: TEST_PASSWORD });
    expect(tooSoon.status).to.equal(409);
    expect(tooSoon.body.error.code).to.equal('password_not_chosen');
    expect(await wb.services.signatures.list('user-access', String(early.body.id))).to.have.length(0);

    await choose('qa');
    expect((await signAs('qa', CHOSEN)).body.error.code).to.equal('password_cooling_off');
    await approvePendingGrants(wb, qaId);
    const granted = await lastAuditEvent(wb.services, 'user.access_granted');
    expect(granted!.entity).to.deep.equal({ type: 'user', id: String(qaId) });
    expect(granted!.after.passwordApprovedAt).to.be.a('string');
    expect((await signAs('qa', CHOSEN)).status).to.equal(201);

    const nothingToApprove = await request(wb.app).post('/api/v1/access-grants').set(bearer(admin)).send({ kind: 'password', userId: qaId, reason: 'again' });
    expect(nothingToApprove.status).to.equal(409);
    expect(nothingToApprove.body.error.code).to.equal('password_not_set_by_administrator');
  });

  it('refuses a password an administrator set and the user never changed (403 password_not_chosen)', async () => {
    await wb.services.users.create(systemContext('test'), { username: 'vera', fullName: 'Vera Unchanged', role: 'qa', password: TEST_PASSWORD, mustChangePassword: false, trainingCompletedAt: '2026-01-01T00:00:00.000Z', signaturePolicyAcknowledgedAt: '2026-01-01T00:00:00.000Z' });
    await approvePendingGrants(wb, await userIdOf(wb, 'vera'));
    const refused = await signAs('vera', TEST_PASSWORD);
    expect(refused.status).to.equal(403);
    expect(refused.body.error.code).to.equal('password_not_chosen');
  });
});

describeEachDatabase('signing cooling-off of 0 hours (the demo default)', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { env: { GXPW_SIGNING_COOLOFF_HOURS: '0' } })));
  after(async () => wb?.close());

  it('signs at once with the password the user chose after a reset, never with the reset one', async () => {
    const docs = new TestDocuments();
    wb.services.signatures.register(docs.recordType);
    docs.add('Z-1', { title: 'Zero' }, [await userIdOf(wb, 'it')]);
    const qaId = await userIdOf(wb, 'qa');
    await wb.services.users.resetPassword(systemContext('test'), qaId, RESET, 'forgotten');
    await request(wb.app).post('/api/v1/auth/password').send({ username: 'qa', currentPassword: RESET, newPassword: CHOSEN }).expect(200);
    const token = await wb.login('qa', CHOSEN);
    const signed = await request(wb.app).post('/api/v1/signatures').set(bearer(token)).send({ recordType: 'test-document', recordId: 'Z-1', version: 1, meaning: 'approved', reason: 'ok', username: 'qa', password: CHOSEN });
    expect(signed.status, JSON.stringify(signed.body)).to.equal(201);
  });
});

describeEachDatabase('bootstrapping the first signer of a fresh install', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { seedUsers: false })));
  after(async () => wb?.close());

  it('gxpw user add --bootstrap-signer makes the first signer once (audited, high alert), then refuses: signers are approved', async () => {
    const first = gxpw(['user', 'add', '--username', 'first.qa', '--name', 'First Quality', '--role', 'qa', '--bootstrap-signer', '--json'], wb.env);
    expect(first.status, first.stderr).to.equal(0);
    const output = JSON.parse(first.stdout);
    expect(output.user).to.include({ username: 'first.qa', role: 'qa', mustChangePassword: true });
    expect(output.user.signingGrantId).to.be.a('number');
    expect(output.pendingAccessGrants).to.deep.equal([]);
    const [grant] = await wb.services.accessGrants.list({ kind: 'bootstrap' });
    expect(grant).to.include({ status: 'approved', decidedBy: null, userId: output.user.id });
    const event = await lastAuditEvent(wb.services, 'access_grant.bootstrapped');
    expect(event!.actor.name).to.match(/^gxpw CLI \(/);
    expect((await auditEvents(wb.services, { action: 'user.access_granted', entityType: 'user', entityId: String(output.user.id) }))).to.have.length(1);
    expect((await wb.services.alerts.list({})).map((a) => a.kind)).to.include('signing_bootstrapped');

    const second = gxpw(['user', 'add', '--username', 'second.qa', '--name', 'Second Quality', '--role', 'qa', '--bootstrap-signer'], wb.env);
    expect(second.status).to.equal(1);
    expect(second.stderr).to.match(/approved by a second QA person, not bootstrapped/);
    expect(await wb.services.users.findByUsername('second.qa')).to.equal(null);

    const adminBootstrap = gxpw(['user', 'add', '--username', 'boss', '--name', 'Boss', '--role', 'admin', '--bootstrap-signer'], wb.env);
    expect(adminBootstrap.status).to.equal(2);
  });

  it('never bootstraps on behalf of a signed-in user (only the server shell may)', async () => {
    const error = await wb.services.users
      .create({ ...systemContext('test'), actor: { userId: 1, username: 'first.qa', name: 'First Quality', role: 'qa' } }, { username: 'third.qa', fullName: 'Third', role: 'qa', password: TEST_PASSWORD }, { bootstrapSigner: true })
      .catch((e: unknown) => e);
    expect(error).to.have.property('code', 'bootstrap_from_shell_only');
    expect(await wb.services.users.findByUsername('third.qa')).to.equal(null);
  });
});
