import { expect } from 'chai';
import request from 'supertest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { auditEvents } from '../support/audit-assertions.js';

describeEachDatabase('sign-in rate limit', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { env: { GXPW_LOGIN_RATE_LIMIT_PER_MINUTE: '3' } })));
  after(async () => wb?.close());

  it('answers 429 past the limit from one address, and writes no audit event for the refused attempt', async () => {
    for (let i = 0; i < 3; i += 1) {
      const response = await request(wb.app).post('/api/v1/auth/login').send({ username: `nobody-${i}`, password: 'wrong-password-x' });
      expect(response.status).to.equal(401);
    }
    const failuresBefore = (await auditEvents(wb.services, { action: 'auth.login_failed' })).length;
    // The demo seeding signed qa2 in once, to approve the other accounts' grants.
    const loginsBefore = (await auditEvents(wb.services, { action: 'auth.login' })).length;
    const refused = await request(wb.app).post('/api/v1/auth/login').send({ username: 'qa', password: TEST_PASSWORD });
    expect(refused.status).to.equal(429);
    expect(refused.body.error.code).to.equal('too_many_requests');
    expect(refused.headers).to.have.property('retry-after');
    expect((await auditEvents(wb.services, { action: 'auth.login_failed' })).length).to.equal(failuresBefore);
    expect((await auditEvents(wb.services, { action: 'auth.login' })).length).to.equal(loginsBefore);
  });

  it('counts password changes against the same kind of limit', async () => {
    let last = 0;
    for (let i = 0; i < 4; i += 1) {
      last = (await request(wb.app).post('/api/v1/auth/password').send({ username: 'x', currentPassword: 'y', newPassword: 'z' })).status;
    }
    expect(last).to.equal(429);
  });
});
