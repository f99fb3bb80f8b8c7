// The demo workspace: what `npm start` shows on an empty database — one account per role, and the
// seed article's reference architecture (systems, interfaces, their contracts and risk
// assessments, made in the names of the demo IT engineer and QA lead). Idempotent: each part is
// created only when its tables are empty.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { User } from '../auth/auth-models.js';
import { ROLES, ROLE_TITLES, type Role } from '../auth/roles.js';
import { systemContext, type RequestContext } from '../platform/request-context.js';
import type { Services } from '../services.js';
import { DEMO_INTERFACES, DEMO_SYSTEMS } from './reference-architecture.js';

/** The authored contracts of the demo interfaces (dist/src/demo → ../../../demo/contracts). */
const CONTRACTS_DIR = fileURLToPath(new URL('../../../demo/contracts/', import.meta.url));

export const DEMO_NAMES: Record<Role, string> = {
  admin: 'Alex Admin',
  it: 'Ingrid Integration',
  qa: 'Quinn Quality',
  auditor: 'Aurelia Auditor',
};

export interface DemoSeedResult {
  usersCreated: string[];
  interfacesCreated: number;
  /** Set only when the password was generated here: shown once, never stored in clear. */
  generatedPassword: string | null;
}

/**
 * Creates the demo accounts (user name = role) when there are no users yet, and the reference
 * architecture when the registry is empty (`registry: false` skips it, for tests that need users only).
 */
export async function seedDemoWorkspace(services: Services, password: string | null, options: { registry?: boolean } = {}): Promise<DemoSeedResult> {
  const { usersCreated, generatedPassword } = await seedUsers(services, password);
  const interfacesCreated = options.registry === false ? 0 : await seedReferenceArchitecture(services);
  return { usersCreated, interfacesCreated, generatedPassword };
}

async function seedUsers(services: Services, password: string | null): Promise<{ usersCreated: string[]; generatedPassword: string | null }> {
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

/**
 * Systems, interfaces, contracts and two risk assessments per interface (GAMP 5, then CSA). Each
 * step does only what is missing, so a start interrupted half-way completes the demo next time; a
 * registry holding anything but demo systems is someone's real inventory and is left alone.
 */
async function seedReferenceArchitecture(services: Services): Promise<number> {
  const demoSystemNames = new Set(DEMO_SYSTEMS.map((s) => s.name));
  const existing = await services.systems.list();
  if (existing.some((s) => !demoSystemNames.has(s.name))) return 0;
  const seeding = systemContext('demo workspace seeding');
  const engineer = await actingAs(services, 'it', seeding);
  const qaLead = await actingAs(services, 'qa', seeding);
  for (const system of DEMO_SYSTEMS) if (!existing.some((s) => s.name === system.name)) await services.systems.create(engineer, system);

  const registered = new Set((await services.interfaces.list({ q: 'IF-', limit: 1000 })).interfaces.map((i) => i.key));
  const missing = DEMO_INTERFACES.filter((demo) => !registered.has(demo.key));
  if (missing.length) {
    await services.interfaces.importRegistry(engineer, { interfaces: missing.map(({ contract: _contract, risk: _risk, ...fields }) => ({ ...fields, status: 'active' as const })) });
  }
  for (const demo of DEMO_INTERFACES) {
    const current = await services.interfaces.view(demo.key);
    if (current.currentContractVersion === null) {
      const document = fs.readFileSync(`${CONTRACTS_DIR}${demo.contract.file}`, 'utf8');
      await services.contracts.register(engineer, demo.key, { format: demo.contract.format, document, note: `authored for the demo (${demo.contract.file})` });
    }
    if (current.riskLevel === null) {
      // History on purpose: the GAMP 5 assessment is superseded by the CSA one.
      await services.assessments.assess(qaLead, demo.key, { modelId: 'gamp5', answers: demo.risk.gamp5, notes: 'Initial GAMP 5 assessment (demo).' });
      await services.assessments.assess(qaLead, demo.key, { modelId: 'fda-csa', answers: demo.risk['fda-csa'], notes: 'Re-assessed with the CSA approach (demo).' });
    }
  }
  return missing.length;
}

/** The demo user of a role as the actor, so the records name a person; the system when absent. */
async function actingAs(services: Services, username: Role, fallback: RequestContext): Promise<RequestContext> {
  const user: User | null = await services.users.findByUsername(username);
  if (!user || user.status !== 'active') return fallback;
  return { ...fallback, actor: { userId: user.id, username: user.username, name: user.fullName, role: user.role } };
}
