// Small helpers shared by the auth suites. They drive the real app over HTTP (supertest) or the
// real services; nothing here replaces our own code.
import request from 'supertest';
import type { User } from '../../src/auth/auth-models.js';
import type { Role } from '../../src/auth/roles.js';
import { systemContext } from '../../src/platform/request-context.js';
import { TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';

export const WRONG_PASSWORD = 'definitely-not-the-password';

let counter = 0;
/** A user name no other test uses (valid for the username schema, not contained in TEST_PASSWORD). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid % 1000}-${counter}`;
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

export function attemptLogin(wb: TestWorkbench, username: string, password: string) {
  return request(wb.app).post('/api/v1/auth/login').send({ username, password });
}

/** Sends `count` sign-ins with a wrong password and returns the answers in order. */
export async function failLogins(wb: TestWorkbench, username: string, count: number, password = WRONG_PASSWORD) {
  const answers = [];
  for (let i = 0; i < count; i += 1) answers.push(await attemptLogin(wb, username, password));
  return answers;
}

/**
 * An active user that may sign in at once (no forced password change), created through the real
 * user service as the system, the way `gxpw user add` does.
 */
export async function createActiveUser(wb: TestWorkbench, prefix: string, role: Role = 'it', password = TEST_PASSWORD): Promise<User> {
  return wb.services.users.create(systemContext('test set-up'), {
    username: uniqueName(prefix),
    fullName: `Test ${prefix}`,
    role,
    password,
    mustChangePassword: false,
  });
}

export async function userIdOf(wb: TestWorkbench, username: string): Promise<number> {
  const user = await wb.services.users.findByUsername(username);
  if (!user) throw new Error(`no user ${username}`);
  return user.id;
}

/** The error body without its per-request correlation id, to compare two answers. */
export function errorWithoutCorrelation(body: { error?: Record<string, unknown> }): Record<string, unknown> {
  const { correlationId: _ignored, ...rest } = body.error ?? {};
  return rest;
}

export const MINUTE = 60_000;
export const DAY = 86_400_000;
