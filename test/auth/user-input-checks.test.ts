// A new user's input is checked in one place — the user service, against the schema of
// POST /api/v1/users — so the API, `gxpw user add` and any other caller get the same checks and
// the same 400 naming the field. And an administrator's password reset also lifts a lockout.
import { expect } from 'chai';
import request from 'supertest';
import { systemContext } from '../../src/platform/request-context.js';
import { ValidationError } from '../../src/platform/errors.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { attemptLogin, bearer, createActiveUser, failLogins, uniqueName, userIdOf } from './auth-helpers.js';

const BAD_INPUTS: Array<{ what: string; input: Record<string, unknown>; field: string }> = [
  { what: 'a user name with a space', input: { username: 'John Smith' }, field: 'body.username' },
  { what: 'a one-character user name', input: { username: 'j' }, field: 'body.username' },
  { what: 'an invalid e-mail address', input: { email: 'not-an-address' }, field: 'body.email' },
  { what: 'a 300-character printed name', input: { fullName: 'N'.repeat(300) }, field: 'body.fullName' },
  { what: 'an empty printed name', input: { fullName: '' }, field: 'body.fullName' },
];

describeEachDatabase('users: one set of input checks for every way in', (dialect) => {
  let wb: TestWorkbench;
  let adminToken: string;
  before(async () => {
    wb = await createTestWorkbench(dialect);
    adminToken = await wb.login('admin');
  });
  after(async () => wb?.close());

  for (const { what, input, field } of BAD_INPUTS) {
    it(`refuses ${what} in the user service with the same 400 as the API (naming ${field}), creating and auditing nothing`, async () => {
      const newUser = { username: uniqueName('valid'), fullName: 'Valid Name', role: 'it' as const, password: TEST_PASSWORD, ...input };
      const seqBefore = await wb.services.audit.lastSeq();
      const usersBefore = await wb.services.users.count();
      const error = await wb.services.users.create(systemContext('test'), newUser).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ValidationError);
      const serviceError = error as ValidationError;
      expect(serviceError.details.map((d) => d.field)).to.include(field);

      const api = await request(wb.app).post('/api/v1/users').set(bearer(adminToken)).send(newUser);
      expect(api.status).to.equal(400);
      expect(api.body.error.code).to.equal(serviceError.code);
      expect(api.body.error.details).to.deep.equal(serviceError.details);
      expect(await wb.services.users.count()).to.equal(usersBefore);
      expect(await wb.services.audit.lastSeq()).to.equal(seqBefore);
    });
  }

  it('still creates a valid user through the service (audited as user.created)', async () => {
    const user = await wb.services.users.create(systemContext('test'), { username: uniqueName('fine'), fullName: 'Fine Name', role: 'qa', password: TEST_PASSWORD, email: 'fine@example.com' });
    const event = await lastAuditEvent(wb.services, 'user.created');
    expect(event!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
  });

  it('lifts a lockout at an administrator\'s password reset: audited in user.password_reset (locked before, not after); the new password then leads to the forced change, not 423', async () => {
    const user = await createActiveUser(wb, 'locked-reset');
    expect((await failLogins(wb, user.username, 5)).map((a) => a.status)).to.deep.equal([401, 401, 401, 401, 423]);
    await request(wb.app).post(`/api/v1/users/${user.id}/reset-password`).set(bearer(adminToken)).send({ password: 'temporary-passphrase-55', reason: 'locked out, identity checked' }).expect(200);
    const event = await lastAuditEvent(wb.services, 'user.password_reset');
    expect(event!.entity).to.deep.equal({ type: 'user', id: String(user.id) });
    expect(event!.actor).to.include({ id: await userIdOf(wb, 'admin') });
    expect(event!.before).to.include({ locked: true });
    expect(event!.after).to.include({ locked: false, lockedAt: null, mustChangePassword: true });

    const login = await attemptLogin(wb, user.username, 'temporary-passphrase-55');
    expect(login.status).to.equal(403);
    expect(login.body.error.code).to.equal('password_change_required');
    // The count starts from zero again: four typos are four 401s.
    expect((await failLogins(wb, user.username, 4)).map((a) => a.status)).to.deep.equal([401, 401, 401, 401]);
    expect(await auditEvents(wb.services, { action: 'user.locked', entityType: 'user', entityId: String(user.id) })).to.have.length(1);
  });
});
