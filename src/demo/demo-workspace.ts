// The demo workspace: what `npm start` shows on an empty database — one account per role, the
// seed article's reference architecture (systems, interfaces, their contracts, risk assessments,
// requirements drafted from each interface and scenarios verifying them, made in the names of the
// demo IT engineer and QA lead), and runs of every interface against the reference simulators.
// Idempotent: each part is created only when its tables are empty.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { User } from '../auth/auth-models.js';
import { ROLES, ROLE_TITLES, type Role } from '../auth/roles.js';
import type { Config } from '../config.js';
import { StartupError } from '../platform/errors.js';
import { systemContext, type RequestContext } from '../platform/request-context.js';
import type { Services } from '../services.js';
import type { ContractFormat, TargetLocation } from '../registry/contract-document.js';
import type { RequirementRecord } from '../registry/requirement-service.js';
import type { ScenarioDefinition } from '../scenarios/scenario-schema.js';
import { scaffoldScenarios } from '../scenarios/scenario-scaffold.js';
import { configuredSelfOrigin } from '../scenarios/environment-reference.js';
import { serveSimulators } from '../simulators/contract-simulator.js';
import { DEMO_INTERFACES, DEMO_PLATFORM_RECORDS, DEMO_SCENARIOS, DEMO_SYSTEMS } from './reference-architecture.js';
import { seedDemoChanges } from './demo-changes.js';
import { seedDemoPackages, signInDemoPeople } from './demo-packages.js';

/** The authored contracts of the demo interfaces (dist/src/demo → ../../../demo/contracts). */
const CONTRACTS_DIR = fileURLToPath(new URL('../../../demo/contracts/', import.meta.url));

export const DEMO_NAMES: Record<Role, string> = {
  admin: 'Alex Admin',
  it: 'Ingrid Integration',
  qa: 'Quinn Quality',
  auditor: 'Aurelia Auditor',
};

/** The second QA person: the demo's bootstrap signer, who approves the other accounts' signing rights. */
export const SECOND_QA = { username: 'qa2', role: 'qa' as Role, fullName: 'Rhea Reviewer' };

/** One account per role (user name = role), then the second QA person. */
export const DEMO_ACCOUNTS: Array<{ username: string; role: Role; fullName: string }> = [...ROLES.map((role) => ({ username: role, role, fullName: DEMO_NAMES[role] })), SECOND_QA];

export interface DemoSeedResult {
  usersCreated: string[];
  interfacesCreated: number;
  /** Set only when the password was generated here: shown once, never stored in clear. */
  generatedPassword: string | null;
}

/**
 * Creates the demo accounts (user name = role, and a second QA person) when there are no users yet, and the reference
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
  const chosen = password ?? generatedPassword!;
  const seeding = systemContext('demo workspace seeding');
  const now = new Date().toISOString();
  const usersCreated: string[] = [];
  // Every account starts as a production one does: a password an administrator set, then the
  // user's own. The second QA account is the installation's bootstrap signer (as
  // `gxpw user add --bootstrap-signer` makes one); the administrator creates the others, and
  // every grant of signing rights and training is approved by that second QA person's signature.
  for (const account of DEMO_ACCOUNTS) {
    const byAdmin = account.username === 'admin' || account.username === SECOND_QA.username ? seeding : await actingAs(services, 'admin', seeding);
    const initial = randomBytes(15).toString('base64url');
    await services.users.create(
      byAdmin,
      {
        username: account.username,
        fullName: account.fullName,
        role: account.role,
        password: initial,
        email: `${account.username}@demo.gxpw.invalid`,
        trainingCompletedAt: now,
        qualification: `${ROLE_TITLES[account.role]} (demo account)`,
        signaturePolicyAcknowledgedAt: now,
      },
      { bootstrapSigner: account.username === SECOND_QA.username },
    );
    await services.auth.changePassword(seeding, account.username, initial, chosen);
    usersCreated.push(account.username);
  }
  await approveDemoGrants(services, chosen, seeding);
  return { usersCreated, generatedPassword };
}

/** The second QA account signs in and approves every pending grant, the way a reviewer would. */
async function approveDemoGrants(services: Services, password: string, seeding: RequestContext): Promise<void> {
  const admin = await actingAs(services, 'admin', seeding);
  for (const username of ['it', 'qa']) {
    const user = (await services.users.findByUsername(username))!;
    await services.accessGrants.requestPasswordApproval(admin, user.id, 'demo account: the password is the one its user chose');
  }
  const login = await services.auth.login(seeding, SECOND_QA.username, password);
  const reviewer: RequestContext = { ...seeding, actor: { userId: login.user.id, username: login.user.username, name: login.user.fullName, role: login.user.role }, sessionId: login.session.id };
  // One reviewed batch: each grant gets its own signature, audit events and alert.
  const pending = (await services.accessGrants.list({ status: 'pending' })).reverse();
  await services.signatures.signBatch(reviewer, {
    items: pending.map((grant) => ({ recordType: 'user-access', recordId: String(grant.id), version: 1, meaning: 'approved', reviewed: true })),
    reason: 'identity, role and training checked against the demo roster',
    username: SECOND_QA.username,
    password,
  });
  await services.auth.logout(reviewer);
}

/**
 * Systems, platforms, interfaces, contracts and two risk assessments per interface (GAMP 5, then CSA). Each
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
  // The platforms before the interfaces, so each interface's platform text resolves to its record.
  const systemIds = new Map((await services.systems.list()).map((s) => [s.name, s.id]));
  for (const { systems, ...platform } of DEMO_PLATFORM_RECORDS) {
    if (await services.platforms.findByName(platform.name)) continue;
    await services.platforms.create(engineer, { ...platform, systemIds: systems.map((name) => systemIds.get(name)!) });
  }

  const registered = new Set((await services.interfaces.list({ q: 'IF-', limit: 1000 })).interfaces.map((i) => i.key));
  const missing = DEMO_INTERFACES.filter((demo) => !registered.has(demo.key));
  if (missing.length) {
    // The test environments are `self:/sim/<system>`: this server's simulators, wherever it listens
    // when a run is made — a restart on another PORT does not strand the demo (stored as seeded).
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
    // Requirements drafted from the interface once it is assessed, so they carry its risk level.
    const { id } = await services.interfaces.get(demo.key);
    if (!(await services.requirements.currentOf(id)).some((r) => r.type === 'user')) await services.requirements.draft(engineer, demo.key);
    if (!(await services.scenarios.current(demo.key)).length) {
      const contract = await services.contracts.get(demo.key, 1);
      const read = { format: contract.format as ContractFormat, specVersion: contract.specVersion, document: JSON.parse(contract.document) as Record<string, unknown>, targets: JSON.parse(contract.targets) as TargetLocation[], warnings: [] };
      const drafted = scaffoldScenarios(read, { serialization: demo.dataDomains.includes('serialization-events') || demo.dataDomains.includes('shipments') });
      const requirements = await services.requirements.currentOf(id);
      for (const scenario of [...drafted, ...(DEMO_SCENARIOS[demo.key] ?? [])]) {
        await services.scenarios.save(engineer, demo.key, { ...scenario, requirements: requirementsVerifiedBy(scenario, requirements) });
      }
    }
  }
  return missing.length;
}

/**
 * The drafted requirements a demo scenario verifies: the functional ones of the operations or
 * messages its steps exercise (every message type's, for a contract with one schema), and the data
 * integrity ones of the domain rules it applies; the user requirement when nothing more specific fits.
 */
function requirementsVerifiedBy(scenario: Omit<ScenarioDefinition, 'requirements'>, requirements: RequirementRecord[]): string[] {
  const functional = requirements.filter((r) => r.type === 'functional');
  const named = new Set<string>();
  for (const step of scenario.steps) {
    if (step.operation) for (const r of functional) if (r.text.includes(`provide ${step.operation} `) || r.text.includes(`provide ${step.operation},`)) named.add(r.key);
    const target = step.messages?.target.replace(/^message /, '');
    if (target !== undefined) for (const r of functional) if (target === 'schema' || r.text.includes(`carry ${target} messages`)) named.add(r.key);
    for (const rule of [...(step.messages?.rules ?? []), ...(step.expect?.domainRules?.rules ?? [])]) {
      for (const r of requirements) if (r.type === 'data-integrity' && r.text.includes(`(domain rule ${rule})`)) named.add(r.key);
    }
  }
  if (!named.size) named.add(requirements.find((r) => r.type === 'user')!.key);
  return [...named].sort();
}

/** The demo user of a role as the actor, so the records name a person; the system when absent. */
async function actingAs(services: Services, username: Role, fallback: RequestContext): Promise<RequestContext> {
  const user: User | null = await services.users.findByUsername(username);
  if (!user || user.status !== 'active') return fallback;
  return { ...fallback, actor: { userId: user.id, username: user.username, name: user.fullName, role: user.role } };
}

/**
 * Where a process that does not serve finds the demo's simulators (…/sim/<system>): the server's
 * configured address (GXPW_PUBLIC_URL, else HOST:PORT), where `self:` environments resolve too.
 */
export function demoOrigin(config: Config): string {
  return configuredSelfOrigin(config);
}

/**
 * Runs the demo fails on purpose: the interface's scenarios against its `faulty` environment, where
 * the simulator misbehaves on every request (…/sim/faulty/<fault>/<system>), and a deviation opened
 * on the first failed step — what a reviewer of the demo is meant to find. The scenarios themselves
 * stay as they are, so later runs against `test` pass.
 */
const FAULT_SHOWCASES: Array<{ interface: string; deviation: { title: string; impact: string } }> = [
  {
    interface: 'IF-ERP-WMS-001',
    deviation: { title: 'WMS order receipt breaks the contract', impact: 'Orders could be released to the warehouse without a confirmed WMS order id; shipments would not be traceable to the order.' },
  },
  {
    interface: 'IF-SER-TP-009',
    deviation: { title: 'EPCIS history at the wholesaler is out of order', impact: 'A DSCSA trace of the unit would show it packed and shipped before it was commissioned; the wholesaler could quarantine saleable product, or fail to spot an illegitimate serial.' },
  },
];

/** Whether the demo's runs are still to be made: only on a workspace without runs. */
async function demoRunsWanted(services: Services): Promise<boolean> {
  return (await services.runs.list({ limit: 1 })).length === 0;
}

/**
 * The demo's runs, once the simulators answer at `listeningOn`: one run per interface, then, for each
 * fault showcase, a run with the simulator told to break its answer and a deviation opened on it.
 * Only on a workspace without runs, and only for interfaces whose test environment points there.
 */
export async function runDemoScenarios(services: Services, listeningOn: string, password: string | null = null): Promise<number> {
  if (!(await demoRunsWanted(services))) return 0;
  const engineer = await actingAs(services, 'it', systemContext('demo runs'));
  // An environment is runnable here when it resolves to these simulators: a `self:/sim/…` reference
  // (resolved by the run service to where this process finds the server), or an absolute URL a
  // workspace seeded before `self:` references stored for this very origin.
  const pointsHere = (baseUrl: string | undefined, prefix: string) => baseUrl !== undefined && services.runs.resolveBaseUrl(baseUrl).startsWith(`${listeningOn}${prefix}`);
  const runnableHere = async (key: string) => {
    const iface = await services.interfaces.view(key).catch(() => null);
    return iface && pointsHere(iface.environments.test, '/sim/') && iface.riskLevel !== null ? iface : null;
  };
  let runs = 0;
  for (const demo of DEMO_INTERFACES) {
    if (!(await runnableHere(demo.key))) continue;
    await services.runs.runToEnd(engineer, { interface: demo.key, environment: 'test' });
    runs += 1;
  }
  for (const showcase of FAULT_SHOWCASES) {
    const iface = await runnableHere(showcase.interface);
    if (!iface || !pointsHere(iface.environments.faulty, '/sim/faulty/')) continue;
    const failed = await services.runs.runToEnd(engineer, { interface: showcase.interface, environment: 'faulty' });
    runs += 1;
    const step = (await services.runs.steps(failed.id)).find((s) => s.status !== 'passed');
    if (step) {
      await services.deviations.open(engineer, failed.id, {
        stepPosition: step.position,
        title: showcase.deviation.title,
        description: `Step ${step.position} (${step.name}): ${step.message ?? 'failed'}.`,
        impact: showcase.deviation.impact,
      });
    }
  }
  if (runs > 0) {
    const people = await signInDemoPeople(services, password);
    try {
      await seedDemoPackages(services, people, password);
      await seedDemoChanges(services, { engineer: people.engineer, qaLead: { ctx: people.qaLead, username: 'qa' }, reviewer: { ctx: people.reviewer, username: 'qa2' } }, password);
    } finally {
      await people.logout();
    }
  }
  return runs;
}

export interface DemoRunsReport {
  runs: number;
  /** The simulators the runs were made against; null when none were needed. */
  simulators: { url: string; servedForTheRuns: boolean } | null;
}

/**
 * The demo's runs from the command line: against the simulators of a server already answering at
 * the demo's origin, else against simulators served there just for the runs and stopped after them.
 */
export async function runDemoScenariosWithSimulators(services: Services, password: string | null = null): Promise<DemoRunsReport> {
  if (!(await demoRunsWanted(services))) return { runs: 0, simulators: null };
  const origin = demoOrigin(services.config);
  const url = `${origin}/sim`;
  if (await simulatorsAnswer(url)) return { runs: await runDemoScenarios(services, origin, password), simulators: { url, servedForTheRuns: false } };
  const { protocol, hostname, port } = new URL(origin);
  // Simulators served here must answer where `self:` environments resolve: an http origin with a port.
  if (protocol !== 'http:' || port === '') throw new StartupError(`the demo runs need the reference simulators at ${url}, and none answer there; start \`gxpw serve\` (GXPW_PUBLIC_URL names it)`);
  const server = await serveSimulators(Number(port), hostname.replace(/^\[|\]$/g, '')).catch((error: NodeJS.ErrnoException) => {
    throw new StartupError(`the demo runs need the reference simulators at ${url}, but ${error.code === 'EADDRINUSE' ? `port ${port} is taken by something else (a server with GXPW_SIMULATORS=off?)` : error.message}; set PORT to a free port or start \`gxpw serve\``);
  });
  try {
    return { runs: await runDemoScenarios(services, origin, password), simulators: { url, servedForTheRuns: true } };
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** True when the reference simulators answer at `url` (their /healthz), not merely something on the port. */
async function simulatorsAnswer(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    const health = (await response.json()) as { status?: unknown };
    return response.ok && health.status === 'ok';
  } catch {
    return false;
  }
}
