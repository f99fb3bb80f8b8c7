// User administration and passwords (Part 11 §11.10(e)(g), §11.100, §11.300): every change to a
// user is audited with before/after values and a reason; users are deactivated, never deleted,
// and their ids never reused; passwords follow the policy, age, and never leave the server.
import { expect } from 'chai';
import request from 'supertest';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { attemptLogin, bearer, createActiveUser, DAY, failLogins, uniqueName, userIdOf, WRONG_PASSWORD } from './auth-helpers.js';

const NEW_PASSWORD = 'a-brand-new-passphrase-42';

function fieldsOf(body: { error: { details: Array<{ field: string }> } }): string[] {
  return body.error.details.map((d) => d.field);
}

async function auditCount(wb: TestWorkbench): Promise<number> {
  return wb.services.audit.lastSeq();
}

describeEachDatabase('users: administration API', (dialect) => {
  let wb: TestWorkbench;
  let adminToken: string;
  let adminId: number;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    adminToken = await wb.login('admin');
    adminId = await userIdOf(wb, 'admin');
  });
  after(async () => wb?.close());

  function createUser(body: Record<string, unknown>, token = adminToken) {
    return request(wb.app).post('/api/v1/users').set(bearer(token)).send(body);
  }

  function patchUser(id: number, body: Record<string, unknown>, token = adminToken) {
    return request(wb.app).patch(`/api/v1/users/${id}`).set(bearer(token)).send(body);
  }

  it('creates a user (201) and audits user.created with the after values, the admin as actor and no password hash', async () => {
    const username = uniqueName('Created.User');
    const response = await createUser({ username, fullName: 'Casey Created', role: 'qa', password: TEST_PASSWORD, email: 'casey@example.com', qualification: 'GMP basics' });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    const { pendingAccessGrants, ...user } = response.body;
    // A new QA account's signing right waits for a second QA person (access-grants.test).
    expect(pendingAccessGrants.map((g: { kind: string }) => g.kind)).to.deep.equal(['new-user']);
    expect(user).to.include({ username: username.toLowerCase(), fullName: 'Casey Created', role: 'qa', status: 'active', mustChangePassword: true, locked: false, email: 'casey@example.com' });
    expect(user.id).to.be.a('number');
    expect(user).to.not.have.property('passwordHash');

    const event = await lastAuditEvent(wb.services, 'user.created');
    expect(event!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
    expect(event!.actor).to.deep.equal({ id: adminId, name: 'Alex Admin', role: 'admin' });
    expect(event!.before).to.equal(null);
    expect(event!.after).to.deep.equal(user);
    expect(event!.after).to.not.have.property('passwordHash');

    const fetched = await request(wb.app).get(`/api/v1/users/${user.id}`).set(bearer(adminToken)).expect(200);
    expect(fetched.body).to.deep.equal(user);
  });

  it('edits a user with PATCH and a reason; user.updated records before, after and the reason (a signing role waits for approval)', async () => {
    const target = await createActiveUser(wb, 'edit', 'auditor');
    const response = await patchUser(target.id, { fullName: 'Edith Edited', role: 'qa', reason: 'moved to QA' });
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    expect(response.body).to.include({ fullName: 'Edith Edited', role: 'auditor' });
    expect(response.body.pendingAccessGrants[0]).to.deep.include({ kind: 'role', requested: { fromRole: 'auditor', toRole: 'qa' } });

    const event = await lastAuditEvent(wb.services, 'user.updated');
    expect(event!.entity).to.deep.equal({ type: 'user', id: String(target.id) });
    expect(event!.actor).to.include({ id: adminId, role: 'admin' });
    expect(event!.reason).to.equal('moved to QA');
    expect(event!.before).to.include({ fullName: 'Test edit', role: 'auditor' });
    expect(event!.after).to.include({ fullName: 'Edith Edited', role: 'auditor' });
    const stored = await wb.services.users.get(target.id);
    expect(stored.role).to.equal('auditor');
    expect((await lastAuditEvent(wb.services, 'access_grant.requested'))!.reason).to.equal('moved to QA');
  });

  it('refuses a PATCH without a reason (400 naming body.reason) and changes nothing: no audit event, user unchanged', async () => {
    const target = await createActiveUser(wb, 'noreason');
    const seqBefore = await auditCount(wb);
    const response = await patchUser(target.id, { fullName: 'Should Not Stick' });
    expect(response.status).to.equal(400);
    expect(fieldsOf(response.body)).to.include('body.reason');
    expect(await auditCount(wb)).to.equal(seqBefore);
    expect((await wb.services.users.get(target.id)).fullName).to.equal('Test noreason');
  });

  it('refuses a blank reason (400 reason_required) and rolls the change back with the audit event', async () => {
    const target = await createActiveUser(wb, 'blank');
    const seqBefore = await auditCount(wb);
    const response = await patchUser(target.id, { fullName: 'Should Not Stick', reason: '   ' });
    expect(response.status).to.equal(400);
    expect(response.body.error.code).to.equal('reason_required');
    expect(fieldsOf(response.body)).to.include('body.reason');
    expect(await auditCount(wb)).to.equal(seqBefore);
    expect((await wb.services.users.get(target.id)).fullName).to.equal('Test blank');
  });

  it('refuses a PATCH that changes nothing but carries a reason (400)', async () => {
    const target = await createActiveUser(wb, 'empty');
    const response = await patchUser(target.id, { reason: 'nothing really' });
    expect(response.status).to.equal(400);
  });

  it('refuses a duplicate user name with 409, also in another letter case, and creates nothing', async () => {
    const username = uniqueName('dup');
    await createUser({ username, fullName: 'First', role: 'it', password: TEST_PASSWORD }).expect(201);
    const seqBefore = await auditCount(wb);
    const countBefore = await wb.services.users.count();
    for (const name of [username, username.toUpperCase()]) {
      const response = await createUser({ username: name, fullName: 'Second', role: 'it', password: TEST_PASSWORD });
      expect(response.status, name).to.equal(409);
      expect(response.body.error.code).to.equal('username_taken');
    }
    expect(await wb.services.users.count()).to.equal(countBefore);
    expect(await auditCount(wb)).to.equal(seqBefore);
  });

  it('deactivates and reactivates a user with a reason, each audited with before/after status', async () => {
    const target = await createActiveUser(wb, 'toggle');
    const off = await request(wb.app).post(`/api/v1/users/${target.id}/deactivate`).set(bearer(adminToken)).send({ reason: 'extended leave' });
    expect(off.status).to.equal(200);
    expect(off.body.status).to.equal('deactivated');
    expect(off.body.deactivatedAt).to.be.a('string');
    const deactivated = await lastAuditEvent(wb.services, 'user.deactivated');
    expect(deactivated!.entity).to.deep.equal({ type: 'user', id: String(target.id) });
    expect(deactivated!.actor).to.include({ id: adminId });
    expect(deactivated!.reason).to.equal('extended leave');
    expect(deactivated!.before).to.include({ status: 'active' });
    expect(deactivated!.after).to.include({ status: 'deactivated' });
    expect((await attemptLogin(wb, target.username, TEST_PASSWORD)).status).to.equal(401);

    const again = await request(wb.app).post(`/api/v1/users/${target.id}/deactivate`).set(bearer(adminToken)).send({ reason: 'twice' });
    expect(again.status).to.equal(409);

    const on = await request(wb.app).post(`/api/v1/users/${target.id}/reactivate`).set(bearer(adminToken)).send({ reason: 'back from leave' });
    expect(on.status).to.equal(200);
    expect(on.body).to.include({ status: 'active', deactivatedAt: null });
    const reactivated = await lastAuditEvent(wb.services, 'user.reactivated');
    expect(reactivated!.entity).to.deep.equal({ type: 'user', id: String(target.id) });
    expect(reactivated!.actor).to.include({ id: adminId });
    expect(reactivated!.reason).to.equal('back from leave');
    expect(reactivated!.before).to.include({ status: 'deactivated' });
    expect(reactivated!.after).to.include({ status: 'active' });
    await attemptLogin(wb, target.username, TEST_PASSWORD).expect(200);
  });

  it('refuses to deactivate or reactivate without a reason (400 naming body.reason)', async () => {
    const target = await createActiveUser(wb, 'noreason2');
    const seqBefore = await auditCount(wb);
    for (const action of ['deactivate', 'reactivate']) {
      const response = await request(wb.app).post(`/api/v1/users/${target.id}/${action}`).set(bearer(adminToken)).send({});
      expect(response.status, action).to.equal(400);
      expect(fieldsOf(response.body)).to.include('body.reason');
    }
    expect(await auditCount(wb)).to.equal(seqBefore);
    expect((await wb.services.users.get(target.id)).status).to.equal('active');
  });

  it('does not let an administrator deactivate their own account or change their own role (403), and changes nothing', async () => {
    const seqBefore = await auditCount(wb);
    const deactivate = await request(wb.app).post(`/api/v1/users/${adminId}/deactivate`).set(bearer(adminToken)).send({ reason: 'oops' });
    expect(deactivate.status).to.equal(403);
    const role = await patchUser(adminId, { role: 'qa', reason: 'I want to approve' });
    expect(role.status).to.equal(403);
    expect(await auditCount(wb)).to.equal(seqBefore);
    const admin = await wb.services.users.get(adminId);
    expect(admin.status).to.equal('active');
    expect(admin.role).to.equal('admin');
    await request(wb.app).get('/api/v1/auth/session').set(bearer(adminToken)).expect(200);
  });

  it('lets an administrator reset a password with a reason: audited as user.password_reset, and the user must change it at next sign-in', async () => {
    const target = await createActiveUser(wb, 'reset');
    const response = await request(wb.app)
      .post(`/api/v1/users/${target.id}/reset-password`)
      .set(bearer(adminToken))
      .send({ password: 'temporary-passphrase-77', reason: 'forgot password, identity checked' });
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    expect(response.body.mustChangePassword).to.equal(true);
    const event = await lastAuditEvent(wb.services, 'user.password_reset');
    expect(event!.entity).to.deep.equal({ type: 'user', id: String(target.id) });
    expect(event!.actor).to.include({ id: adminId });
    expect(event!.reason).to.equal('forgot password, identity checked');
    expect(JSON.stringify(event)).to.not.include('$scrypt$');

    expect((await attemptLogin(wb, target.username, TEST_PASSWORD)).status).to.equal(401);
    const login = await attemptLogin(wb, target.username, 'temporary-passphrase-77');
    expect(login.status).to.equal(403);
    expect(login.body.error.code).to.equal('password_change_required');
  });

  it('refuses unknown fields in bodies with 400 naming the field', async () => {
    const target = await createActiveUser(wb, 'fields');
    const cases: Array<[() => request.Test, string]> = [
      [() => createUser({ username: uniqueName('extra'), fullName: 'X', role: 'it', password: TEST_PASSWORD, isAdmin: true }), 'body.isAdmin'],
      [() => createUser({ username: uniqueName('extra'), fullName: 'X', role: 'it', password: TEST_PASSWORD, mustChangePassword: false }), 'body.mustChangePassword'],
      [() => patchUser(target.id, { passwordHash: '$scrypt$ln=1', reason: 'sneaky' }), 'body.passwordHash'],
      [() => patchUser(target.id, { status: 'active', reason: 'sneaky' }), 'body.status'],
      [() => request(wb.app).post(`/api/v1/users/${target.id}/deactivate`).set(bearer(adminToken)).send({ reason: 'x', force: true }), 'body.force'],
      [() => request(wb.app).post('/api/v1/auth/password').send({ username: target.username, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, otp: '1' }), 'body.otp'],
    ];
    const seqBefore = await auditCount(wb);
    for (const [send, field] of cases) {
      const response = await send();
      expect(response.status, field).to.equal(400);
      expect(fieldsOf(response.body), field).to.include(field);
      expect(response.body.error.message).to.include(field);
    }
    expect(await auditCount(wb)).to.equal(seqBefore);
  });

  it('refuses a role that does not exist (400 naming body.role)', async () => {
    const response = await createUser({ username: uniqueName('badrole'), fullName: 'X', role: 'superuser', password: TEST_PASSWORD });
    expect(response.status).to.equal(400);
    expect(fieldsOf(response.body)).to.include('body.role');
  });

  it('answers 404 for a user that does not exist', async () => {
    const response = await patchUser(999_999, { fullName: 'Nobody', reason: 'none' });
    expect(response.status).to.equal(404);
  });

  it('gives every non-admin role 403 on every user mutation, and nothing changes', async () => {
    const target = await createActiveUser(wb, 'victim');
    const seqBefore = await auditCount(wb);
    for (const role of ['it', 'qa', 'auditor']) {
      const token = await wb.login(role);
      const attempts: Array<[string, () => request.Test]> = [
        ['create', () => createUser({ username: uniqueName('byrole'), fullName: 'X', role: 'it', password: TEST_PASSWORD }, token)],
        ['patch', () => patchUser(target.id, { fullName: 'Changed', reason: 'r' }, token)],
        ['deactivate', () => request(wb.app).post(`/api/v1/users/${target.id}/deactivate`).set(bearer(token)).send({ reason: 'r' })],
        ['reactivate', () => request(wb.app).post(`/api/v1/users/${target.id}/reactivate`).set(bearer(token)).send({ reason: 'r' })],
        ['unlock', () => request(wb.app).post(`/api/v1/users/${target.id}/unlock`).set(bearer(token)).send({ reason: 'r' })],
        ['reset-password', () => request(wb.app).post(`/api/v1/users/${target.id}/reset-password`).set(bearer(token)).send({ password: NEW_PASSWORD, reason: 'r' })],
      ];
      for (const [label, send] of attempts) {
        const response = await send();
        expect(response.status, `${role}: ${label}`).to.equal(403);
        expect(response.body.error.code).to.equal('forbidden');
      }
    }
    // Only the sign-ins of this test were audited, nothing about users.
    const events = (await auditEvents(wb.services)).filter((e) => e.seq > seqBefore);
    expect(events.map((e) => e.action)).to.deep.equal(['auth.login', 'auth.login', 'auth.login']);
    const stored = await wb.services.users.get(target.id);
    expect(stored.fullName).to.equal('Test victim');
    expect(stored.status).to.equal('active');
  });

  it('never deletes users: a raw DELETE FROM users is refused by the database, and the row stays', async () => {
    const target = await createActiveUser(wb, 'undeletable');
    const { sequelize } = wb.services.database;
    let refused: unknown = null;
    try {
      await sequelize.query(`DELETE FROM users WHERE id = ${target.id}`);
    } catch (error) {
      refused = error;
    }
    expect(refused, 'DELETE must be refused').to.be.instanceOf(Error);
    // Sequelize wraps the driver's error; the trigger's own message is on `parent`.
    const cause = (refused as { parent?: Error }).parent ?? (refused as Error);
    expect(cause.message).to.match(/users is append-only: DELETE refused/);
    expect(await wb.services.models.User.findByPk(target.id)).to.not.equal(null);

    refused = null;
    try {
      await sequelize.query('DELETE FROM users');
    } catch (error) {
      refused = error;
    }
    expect(refused, 'DELETE of all users must be refused').to.be.instanceOf(Error);
    expect(await wb.services.users.count()).to.be.greaterThan(4);
  });

  it('never reuses a user name, even of a deactivated user (409)', async () => {
    const target = await createActiveUser(wb, 'retired');
    await request(wb.app).post(`/api/v1/users/${target.id}/deactivate`).set(bearer(adminToken)).send({ reason: 'retired' }).expect(200);
    const response = await createUser({ username: target.username, fullName: 'Impostor', role: 'it', password: TEST_PASSWORD });
    expect(response.status).to.equal(409);
  });

  it('lets QA and auditors read users but not the IT role (403)', async () => {
    for (const role of ['qa', 'auditor']) await request(wb.app).get('/api/v1/users').set(bearer(await wb.login(role))).expect(200);
    const it = await request(wb.app).get('/api/v1/users').set(bearer(await wb.login('it')));
    expect(it.status).to.equal(403);
  });
});

describeEachDatabase('users: ids are never reused', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  it('gives a new user a fresh id even if the newest user row were removed behind the application’s back', async () => {
    wb.tamperedWith();
    const adminToken = await wb.login('admin');
    const created = await request(wb.app)
      .post('/api/v1/users')
      .set(bearer(adminToken))
      .send({ username: uniqueName('first'), fullName: 'First', role: 'auditor', password: TEST_PASSWORD })
      .expect(201);
    const removedId: number = created.body.id;
    // Simulate a DBA bypassing the application: drop the refusal trigger and delete the newest row.
    const { sequelize } = wb.services.database;
    await sequelize.query(dialect === 'sqlite' ? 'DROP TRIGGER users_refuse_delete' : 'DROP TRIGGER users_refuse_delete ON users');
    await sequelize.query(`DELETE FROM users WHERE id = ${removedId}`);
    expect(await wb.services.models.User.findByPk(removedId)).to.equal(null);

    const next = await request(wb.app)
      .post('/api/v1/users')
      .set(bearer(adminToken))
      .send({ username: uniqueName('second'), fullName: 'Second', role: 'it', password: TEST_PASSWORD })
      .expect(201);
    expect(next.body.id).to.be.greaterThan(removedId);
  });
});

describeEachDatabase('passwords', (dialect) => {
  let wb: TestWorkbench;
  let adminToken: string;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    adminToken = await wb.login('admin');
  });
  after(async () => wb?.close());

  function changePassword(username: string, currentPassword: string, newPassword: string) {
    return request(wb.app).post('/api/v1/auth/password').send({ username, currentPassword, newPassword });
  }

  it('refuses a password shorter than 12 characters with 400 weak_password naming the field, and accepts 12', async () => {
    const seqBefore = await wb.services.audit.lastSeq();
    const short = await request(wb.app)
      .post('/api/v1/users')
      .set(bearer(adminToken))
      .send({ username: uniqueName('short'), fullName: 'Short', role: 'it', password: 'elevenchars' });
    expect(short.status).to.equal(400);
    expect(short.body.error.code).to.equal('weak_password');
    expect(short.body.error.details).to.deep.include({ field: 'body.password', rule: 'minLength', message: 'must be at least 12 characters' });
    expect(await wb.services.audit.lastSeq()).to.equal(seqBefore);

    await request(wb.app)
      .post('/api/v1/users')
      .set(bearer(adminToken))
      .send({ username: uniqueName('twelve'), fullName: 'Twelve', role: 'it', password: 'twelve-chars' })
      .expect(201);
  });

  it('applies the policy to a changed password too (400 weak_password naming body.newPassword), and to an admin reset (body.password)', async () => {
    const user = await createActiveUser(wb, 'weak');
    const change = await changePassword(user.username, TEST_PASSWORD, 'too-short');
    expect(change.status).to.equal(400);
    expect(change.body.error.code).to.equal('weak_password');
    expect(change.body.error.details.map((d: { field: string }) => d.field)).to.include('body.newPassword');

    const reset = await request(wb.app).post(`/api/v1/users/${user.id}/reset-password`).set(bearer(adminToken)).send({ password: 'too-short', reason: 'test' });
    expect(reset.status).to.equal(400);
    expect(reset.body.error.code).to.equal('weak_password');
    expect(reset.body.error.details.map((d: { field: string }) => d.field)).to.include('body.password');
    await attemptLogin(wb, user.username, TEST_PASSWORD).expect(200);
  });

  it('makes a user created by an administrator change the password first: login 403 password_change_required, then POST /api/v1/auth/password (audited user.password_changed), then login succeeds', async () => {
    const username = uniqueName('newbie');
    const created = await request(wb.app)
      .post('/api/v1/users')
      .set(bearer(adminToken))
      .send({ username, fullName: 'Nina Newbie', role: 'it', password: 'initial-passphrase-1' })
      .expect(201);
    const first = await attemptLogin(wb, username, 'initial-passphrase-1');
    expect(first.status).to.equal(403);
    expect(first.body.error.code).to.equal('password_change_required');
    expect(first.body.error.message).to.include('/api/v1/auth/password');
    expect(first.body).to.not.have.property('token');

    const changed = await changePassword(username, 'initial-passphrase-1', NEW_PASSWORD);
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    expect(changed.body.passwordChangedAt).to.be.a('string');

    const event = await lastAuditEvent(wb.services, 'user.password_changed');
    expect(event!.entity).to.deep.equal({ type: 'user', id: String(created.body.id) });
    expect(event!.actor).to.include({ id: created.body.id, name: 'Nina Newbie', role: 'it' });
    expect(event!.reason).to.be.a('string').and.not.equal('');
    expect(event!.before).to.include({ mustChangePassword: true });
    expect(event!.after).to.include({ mustChangePassword: false });

    const login = await attemptLogin(wb, username, NEW_PASSWORD);
    expect(login.status).to.equal(200);
    expect(login.body.user.mustChangePassword).to.equal(false);
    expect((await attemptLogin(wb, username, 'initial-passphrase-1')).status).to.equal(401);
  });

  it('refuses a new password equal to the current one (400 password_reused) and keeps the current one', async () => {
    const user = await createActiveUser(wb, 'reuse');
    const seqBefore = await wb.services.audit.lastSeq();
    const response = await changePassword(user.username, TEST_PASSWORD, TEST_PASSWORD);
    expect(response.status).to.equal(400);
    expect(response.body.error.code).to.equal('password_reused');
    expect(response.body.error.details.map((d: { field: string }) => d.field)).to.include('body.newPassword');
    expect(await wb.services.audit.lastSeq()).to.equal(seqBefore);
    await attemptLogin(wb, user.username, TEST_PASSWORD).expect(200);
  });

  it('counts a wrong current password on a password change toward the lockout', async () => {
    const user = await createActiveUser(wb, 'guess');
    const changes = [];
    for (let i = 0; i < 4; i += 1) changes.push(await changePassword(user.username, WRONG_PASSWORD, NEW_PASSWORD));
    expect(changes.map((r) => r.status)).to.deep.equal([401, 401, 401, 401]);
    expect(changes[0]!.body.error.code).to.equal('invalid_credentials');
    const [fifth] = await failLogins(wb, user.username, 1);
    expect(fifth!.status).to.equal(423);
    const failed = await auditEvents(wb.services, { action: 'auth.login_failed', entityType: 'user', entityId: String(user.id) });
    expect(failed).to.have.length(5);
    // Locked: not even the right current password changes it now.
    expect((await changePassword(user.username, TEST_PASSWORD, NEW_PASSWORD)).status).to.equal(423);
  });

  it('does not let an unknown or deactivated user change a password (401, same answer as a wrong password)', async () => {
    const unknown = await changePassword(uniqueName('nobody'), TEST_PASSWORD, NEW_PASSWORD);
    expect(unknown.status).to.equal(401);
    expect(unknown.body.error.code).to.equal('invalid_credentials');

    const user = await createActiveUser(wb, 'inactive');
    await request(wb.app).post(`/api/v1/users/${user.id}/deactivate`).set(bearer(adminToken)).send({ reason: 'left' }).expect(200);
    const deactivated = await changePassword(user.username, TEST_PASSWORD, NEW_PASSWORD);
    expect(deactivated.status).to.equal(401);
    expect(deactivated.body.error.code).to.equal('invalid_credentials');
    expect(deactivated.body.error.message).to.equal(unknown.body.error.message);
    expect((await wb.services.users.get(user.id)).passwordHash).to.equal(user.passwordHash);
  });

  it('stores passwords as scrypt PHC strings ($scrypt$ln=…) with a salt of their own', async () => {
    const a = await createActiveUser(wb, 'hash-a');
    const b = await createActiveUser(wb, 'hash-b');
    const [rows] = (await wb.services.database.sequelize.query(`SELECT id, password_hash FROM users WHERE id IN (${a.id}, ${b.id}) ORDER BY id`)) as [
      Array<{ id: number; password_hash: string }>,
      unknown,
    ];
    expect(rows).to.have.length(2);
    for (const row of rows) expect(row.password_hash).to.match(/^\$scrypt\$ln=\d+,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(rows[0]!.password_hash).to.not.equal(rows[1]!.password_hash);
    expect(rows[0]!.password_hash).to.not.include(TEST_PASSWORD);
  });

  it('never shows a password hash in any API answer or audit event', async () => {
    // Exercise every path that touches a hash first: create, change, reset, lock.
    const user = await createActiveUser(wb, 'leak');
    await changePassword(user.username, TEST_PASSWORD, NEW_PASSWORD).expect(200);
    await request(wb.app).post(`/api/v1/users/${user.id}/reset-password`).set(bearer(adminToken)).send({ password: 'another-passphrase-9', reason: 'test' }).expect(200);
    await failLogins(wb, user.username, 5);

    const list = await request(wb.app).get('/api/v1/users').set(bearer(adminToken)).expect(200);
    expect(list.body.users.length).to.be.greaterThan(4);
    for (const u of list.body.users) expect(u).to.not.have.property('passwordHash');
    expect(list.text).to.not.match(/\$scrypt\$|password_?hash/i);

    const one = await request(wb.app).get(`/api/v1/users/${user.id}`).set(bearer(adminToken)).expect(200);
    expect(one.text).to.not.match(/\$scrypt\$|password_?hash/i);

    const events = await auditEvents(wb.services);
    expect(events.length).to.be.greaterThan(10);
    for (const event of events) {
      for (const value of [event.before, event.after]) {
        if (value && typeof value === 'object') expect(value, `${event.action} #${event.seq}`).to.not.have.property('passwordHash');
      }
      expect(JSON.stringify(event), `${event.action} #${event.seq}`).to.not.include('$scrypt$');
    }
    const auditApi = await request(wb.app).get('/api/v1/audit').query({ limit: 1000 }).set(bearer(adminToken));
    expect(auditApi.status, auditApi.text.slice(0, 300)).to.equal(200);
    expect(auditApi.text).to.not.include('$scrypt$');
  });
});

describeEachDatabase('passwords: aging from GXPW_PASSWORD_MAX_AGE_DAYS', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { env: { GXPW_PASSWORD_MAX_AGE_DAYS: '1' } })));
  after(async () => wb?.close());

  it('tells at sign-in when the password expires', async () => {
    const response = await attemptLogin(wb, 'qa', TEST_PASSWORD).expect(200);
    const expiresAt = new Date(response.body.user.passwordExpiresAt).getTime();
    const changedAt = new Date(response.body.user.passwordChangedAt).getTime();
    expect(expiresAt - changedAt).to.equal(DAY);
  });

  it('refuses sign-in with 403 password_expired once the password is older than the limit; changing it lets the user in again', async () => {
    wb.clock.advance(2 * DAY);
    const expired = await attemptLogin(wb, 'it', TEST_PASSWORD);
    expect(expired.status).to.equal(403);
    expect(expired.body.error.code).to.equal('password_expired');
    expect(expired.body).to.not.have.property('token');

    await request(wb.app).post('/api/v1/auth/password').send({ username: 'it', currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }).expect(200);
    const event = await lastAuditEvent(wb.services, 'user.password_changed');
    expect(event!.entity).to.deep.equal({ type: 'user', id: String(await userIdOf(wb, 'it')) });
    await attemptLogin(wb, 'it', NEW_PASSWORD).expect(200);
  });
});
