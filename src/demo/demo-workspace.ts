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
import type { ScenarioDefinition } from '../scenarios/scenario-schema.js';
import type { Services } from '../services.js';
import type { ContractFormat, TargetLocation } from '../registry/contract-document.js';
import { scaffoldScenarios } from '../scenarios/scenario-scaffold.js';
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
    // The test environments point at this server's simulators, on the port it is configured for.
    const here = services.config.port > 0 ? `http://127.0.0.1:${services.config.port}` : 'http://127.0.0.1:3000';
    const environmentsHere = (environments: Record<string, string>) => Object.fromEntries(Object.entries(environments).map(([name, url]) => [name, url.replace('http://127.0.0.1:3000', here)]));
    await services.interfaces.importRegistry(engineer, { interfaces: missing.map(({ contract: _contract, risk: _risk, ...fields }) => ({ ...fields, environments: environmentsHere(fields.environments), status: 'active' as const })) });
  }
  for (const demo of DEMO_INTERFACES) {
    const current = await services.interfaces.view(demo.key);
    if (current.currentContractVersion === null) {
      const document = fs.readFileSync(`${CONTRACTS_DIR}${demo.contract.file}`, 'utf8');
      await services.contracts.register(engineer, demo.key, { format: demo.contract.format, document, note: `authored for the demo (${demo.contract.file})` });
    }
    if (!(await services.scenarios.current(demo.key)).length) {
      const contract = await services.contracts.get(demo.key, 1);
      const read = { format: contract.format as ContractFormat, specVersion: contract.specVersion, document: JSON.parse(contract.document) as Record<string, unknown>, targets: JSON.parse(contract.targets) as TargetLocation[], warnings: [] };
      for (const scenario of scaffoldScenarios(read, { serialization: demo.dataDomains.includes('serialization-events') || demo.dataDomains.includes('shipments') })) {
        await services.scenarios.save(engineer, demo.key, { ...scenario, requirements: [`URS-${demo.key.slice(-3)}`] });
      }
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

/**
 * The demo's runs, once the server listens (the simulators must answer): one run per interface,
 * then a run with the simulator told to break its answer, and a deviation opened on it. Only on a
 * workspace without runs, and only when the demo environments point at this server.
 */
export async function runDemoScenarios(services: Services, listeningOn: string): Promise<number> {
  if ((await services.runs.list({ limit: 1 })).length) return 0;
  const engineer = await actingAs(services, 'it', systemContext('demo runs'));
  let runs = 0;
  for (const demo of DEMO_INTERFACES) {
    const iface = await services.interfaces.view(demo.key).catch(() => null);
    if (!iface?.environments.test?.startsWith(`${listeningOn}/sim/`) || iface.riskLevel === null) continue;
    await services.runs.runToEnd(engineer, { interface: demo.key, environment: 'test' });
    runs += 1;
  }
  const showcase = DEMO_INTERFACES.find((d) => d.key === 'IF-ERP-WMS-001');
  const iface = showcase ? await services.interfaces.view(showcase.key).catch(() => null) : null;
  if (!iface?.environments.test?.startsWith(`${listeningOn}/sim/`)) return runs;
  const [example] = (await services.scenarios.current(iface.key)).filter((s) => s.key.endsWith('-example'));
  if (!example) return runs;
  const definition = JSON.parse(example.definition) as ScenarioDefinition;
  await services.scenarios.save(engineer, iface.key, {
    ...definition,
    key: 'wms-answer-off-contract',
    name: 'The WMS answers off-contract (fault injection: a required field missing)',
    steps: definition.steps.map((step) => ({ ...step, query: { ...step.query, fault: 'schema' } })),
  });
  const failed = await services.runs.runToEnd(engineer, { interface: iface.key, environment: 'test' });
  const step = (await services.runs.steps(failed.id)).find((s) => s.status !== 'passed');
  if (step) {
    await services.deviations.open(engineer, failed.id, {
      stepPosition: step.position,
      title: 'WMS order receipt breaks the contract',
      description: `Step ${step.position} (${step.name}): ${step.message ?? 'failed'}.`,
      impact: 'Orders could be released to the warehouse without a confirmed WMS order id; shipments would not be traceable to the order.',
    });
  }
  return runs + 1;
}
