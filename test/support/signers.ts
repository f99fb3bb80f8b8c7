// Signing rights in tests come the way they come in production (Part 11 §11.10(g)): an
// administrator creates the user (or changes their role), the user chooses their own password, and
// a second QA person — the seeded `qa2` — approves every pending access grant by electronic
// signature. Nothing here writes rows or bypasses the control.
import { expect } from 'chai';
import request from 'supertest';
import type { User } from '../../src/auth/auth-models.js';
import type { Role } from '../../src/auth/roles.js';
import { TEST_PASSWORD, type TestWorkbench } from './test-workbench.js';

/** The seeded second QA person who approves grants in tests (the demo's `qa2`). */
export const APPROVER = 'qa2';
const INITIAL_PASSWORD = 'set-by-the-administrator';

/**
 * Has `approver` approve every pending access grant of `userId` through POST /api/v1/signatures
 * (recordType user-access, meaning approved) and returns the approved grant ids.
 */
export async function approvePendingGrants(wb: TestWorkbench, userId: number, approver = APPROVER): Promise<number[]> {
  const token = await wb.login(approver);
  const pending = await wb.services.accessGrants.list({ userId, status: 'pending' });
  for (const grant of pending.reverse()) {
    const signed = await request(wb.app)
      .post('/api/v1/signatures')
      .set('Authorization', `Bearer ${token}`)
      .send({ recordType: 'user-access', recordId: String(grant.id), version: 1, meaning: 'approved', reason: 'identity, role and training checked', username: approver, password: TEST_PASSWORD });
    expect(signed.status, JSON.stringify(signed.body)).to.equal(201);
  }
  return pending.map((g) => g.id);
}

/**
 * A user who may sign: created through POST /api/v1/users by `admin` with a signing role and a
 * training date, who then chooses TEST_PASSWORD as their own; the admin asks for approval of that
 * password (instead of the cooling-off) and `qa2` approves every grant.
 */
export async function createSigner(wb: TestWorkbench, username: string, role: Role = 'qa', options: { fullName?: string; acknowledgePolicy?: boolean } = {}): Promise<User> {
  const admin = await wb.login('admin');
  const created = await request(wb.app)
    .post('/api/v1/users')
    .set('Authorization', `Bearer ${admin}`)
    .send({ username, fullName: options.fullName ?? `Signer ${username}`, role, password: INITIAL_PASSWORD, trainingCompletedAt: wb.clock.now().toISOString() });
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  await request(wb.app).post('/api/v1/auth/password').send({ username, currentPassword: INITIAL_PASSWORD, newPassword: TEST_PASSWORD }).expect(200);
  const requested = await request(wb.app).post('/api/v1/access-grants').set('Authorization', `Bearer ${admin}`).send({ kind: 'password', userId: created.body.id, reason: 'the user chose their password in front of the approver' });
  expect(requested.status, JSON.stringify(requested.body)).to.equal(201);
  await approvePendingGrants(wb, created.body.id);
  if (options.acknowledgePolicy !== false) {
    const token = await wb.login(username);
    await request(wb.app).post('/api/v1/signatures/policy/acknowledge').set('Authorization', `Bearer ${token}`).send({ password: TEST_PASSWORD }).expect(200);
  }
  return wb.services.users.get(created.body.id);
}
