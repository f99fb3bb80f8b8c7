// The demo workspace: what `npm start` shows on an empty database. For now, one account per role;
// later issues add the reference architecture of the seed article. Idempotent.
import { randomBytes } from 'node:crypto';
import { ROLES, ROLE_TITLES, type Role } from '../auth/roles.js';
import { systemContext } from '../platform/request-context.js';
import type { Services } from '../services.js';

export const DEMO_NAMES: Record<Role, string> = {
  admin: 'Alex Admin',
  it: 'Ingrid Integration',
  qa: 'Quinn Quality',
  auditor: 'Aurelia Auditor',
};

export interface DemoSeedResult {
  usersCreated: string[];
  /** Set only when the password was generated here: shown once, never stored in clear. */
  generatedPassword: string | null;
}

/** Creates the demo accounts (user name = role) when the database has no users yet. */
export async function seedDemoWorkspace(services: Services, password: string | null): Promise<DemoSeedResult> {
  if ((await services.users.count()) > 0) return { usersCreated: [], generatedPassword: null };
  const generatedPassword = password ? null : randomBytes(12).toString('base64url');
  const ctx = systemContext('demo workspace seeding');
  const now = new Date().toISOString();
  const usersCreated: string[] = [];
  for (const role of ROLES) {
    await services.users.create(ctx, {
      username: role,
      fullName: DEMO_NAMES[role],
      role,
      password: password ?? generatedPassword!,
      email: `${role}@demo.gxpw.invalid`,
      trainingCompletedAt: now,
      qualification: `${ROLE_TITLES[role]} (demo account)`,
      signaturePolicyAcknowledgedAt: now,
      mustChangePassword: false,
    });
    usersCreated.push(role);
  }
  return { usersCreated, generatedPassword };
}
