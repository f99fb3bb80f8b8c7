#!/usr/bin/env node
// `gxpw`: the command line. It drives the same services as the HTTP API, for administrators on
// the server and for CI pipelines. Exit code 0 only on success; --json for machine-readable output.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AddressInfo } from 'node:net';
import cliProgress from 'cli-progress';
import { createApp } from './app.js';
import { rotateSigningKey } from './audit/key-rotation.js';
import { isRole, ROLES } from './auth/roles.js';
import { presentAccessGrant } from './auth/access-grant-presenter.js';
import { presentUser } from './auth/user-presenter.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { acquireDemoLock } from './demo/demo-lock.js';
import { runDemoScenarios, runDemoScenariosWithSimulators, seedDemoWorkspace, type DemoRunsReport, type DemoSeedResult } from './demo/demo-workspace.js';
import { checkIntegrity, describeIntegrity } from './integrity/integrity-check.js';
import { AppError, StartupError, ValidationError } from './platform/errors.js';
import { Keyring } from './platform/keyring.js';
import { migrateUp } from './platform/migrator.js';
import { attestRecordsOnUpgrade } from './audit/record-reconciliation.js';
import { systemContext } from './platform/request-context.js';
import { createServices, type Services } from './services.js';
import { originOf } from './scenarios/environment-reference.js';
import { ctrfOf, junitOf, presentRun, refusedRunReports } from './scenarios/run-presenter.js';
import type { Run, RunStep } from './scenarios/scenario-models.js';
import { serveSimulators } from './simulators/contract-simulator.js';

class UsageError extends Error {}

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const json = { type: 'boolean' } as const;

const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'Migrate the database and start the server (with the demo workspace unless GXPW_DEMO=off)',
    usage: 'gxpw serve',
    options: {},
    run: serve,
  },
  migrate: {
    summary: 'Apply pending database migrations',
    usage: 'gxpw migrate [--json]',
    options: { json },
    run: async (values) =>
      withServices(async (services) => {
        const applied = await migrate(services);
        print(values, { applied }, applied.length ? `Applied ${applied.join(', ')}.` : 'The database is up to date.');
        return 0;
      }),
  },
  demo: {
    summary: 'Create the demo workspace on an empty database, and its runs against the reference simulators (idempotent)',
    usage: 'gxpw demo [--json]\n\nThe runs go to the simulators of a server answering on PORT (gxpw serve); when none does, the\nsimulators are served on PORT for the duration of the runs. Runs are made only while there are none.',
    options: { json },
    run: async (values) =>
      withMigratedServices(async (services) => {
        // One demo at a time: a server starting beside seeds and runs it after (or before) this.
        const lock = await acquireDemoLock(services.database, services.config.database, { onWait: (holder) => console.error(`gxpw demo: waiting for ${holder}, which is creating the demo workspace…`) });
        try {
          const result = await seedDemoWorkspace(services, services.config.demo.password);
          // A generated password is shown only once: it must reach the console even when the runs fail.
          if (!values.json) console.log(describeDemo(result));
          let runs: DemoRunsReport;
          try {
            runs = await runDemoScenariosWithSimulators(services);
          } catch (error) {
            if (values.json) console.log(JSON.stringify({ ...result, runs: null, error: (error as Error).message }, null, 2));
            throw error;
          }
          print(values, { ...result, ...runs }, describeDemoRuns(runs));
          return 0;
        } finally {
          await lock.release();
        }
      }),
  },
  user: {
    summary: 'Manage users: add, deactivate, reactivate, unlock, reset-password, list',
    usage: [
      'gxpw user add --username NAME --name "Printed Name" --role admin|it|qa|auditor [--email E] [--training-completed-at ISO-DATE] [--bootstrap-signer] [--password-stdin] [--json]',
      'gxpw user deactivate --username NAME --reason "why" [--json]',
      'gxpw user reactivate --username NAME --reason "why" [--json]',
      'gxpw user unlock --username NAME --reason "why" [--json]',
      'gxpw user reset-password --username NAME --reason "why" [--password-stdin] [--json]',
      'gxpw user list [--json]',
      '',
      'Without --password-stdin a random password is generated and printed once; the user must',
      'change it at first sign-in. A reset also lifts a lockout and ends the user\'s open sessions.',
      'A signing role (it, qa) and a training date are access grants a second QA person approves.',
      '--bootstrap-signer makes the first signer of a fresh install (it or qa) without that approval:',
      'allowed only while no signing grant was ever approved; audited and raised as a security alert.',
    ].join('\n'),
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      email: { type: 'string' },
      reason: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      'training-completed-at': { type: 'string' },
      'bootstrap-signer': { type: 'boolean' },
      json,
    },
    run: user,
  },
  verify: {
    summary: 'Verify the audit trail, every electronic signature and (--evidence) every evidence file',
    usage: 'gxpw verify [--evidence] [--json]\n\nExits 0 when intact, 1 when anything is wrong (naming the first bad sequence number, each invalid\nsignature and each missing or changed evidence file).',
    options: { json, evidence: { type: 'boolean' } },
    run: async (values) =>
      withMigratedServices(async (services) => {
        const report = await checkIntegrity(services, (title, work) => withProgress(values, title, work), { evidence: values.evidence === true });
        print(values, report, describeIntegrity(report));
        return report.ok ? 0 : 1;
      }),
  },
  run: {
    summary: 'Run an interface\'s scenarios at the depth its risk demands; exit 0 only when every step passed (a CI gate)',
    usage: 'gxpw run --interface KEY [--env NAME] [--dry-run] [--junit FILE] [--ctrf FILE] [--json]\n\nShows a progress bar on a terminal, prints a summary, writes JUnit XML / CTRF JSON when asked.\nExit code 0 when the run passed, 1 when it failed or could not run, 2 when the command is wrong\n(including a report path that cannot be written, checked before the run).',
    options: { interface: { type: 'string' }, env: { type: 'string' }, 'dry-run': { type: 'boolean' }, junit: { type: 'string' }, ctrf: { type: 'string' }, json },
    run: async (values) => {
      const key = required(values, 'interface');
      // A report that cannot be written is found out before the run, not after minutes of it.
      for (const flag of ['junit', 'ctrf'] as const) if (typeof values[flag] === 'string') assertWritableFile(flag, values[flag]);
      const writeReports = (junit: string, ctrf: unknown) => {
        if (typeof values.junit === 'string') fs.writeFileSync(values.junit, junit);
        if (typeof values.ctrf === 'string') fs.writeFileSync(values.ctrf, `${JSON.stringify(ctrf, null, 2)}\n`);
      };
      return withMigratedServices(async (services) => {
        let run: Run;
        try {
          run = await withProgress(values, `Running ${key}`, (onProgress) =>
            services.runs.runToEnd(cliContext(), { interface: key, ...(typeof values.env === 'string' ? { environment: values.env } : {}), dryRun: values['dry-run'] === true }, onProgress),
          );
        } catch (error) {
          // Refused before it began: the reports still say why, for the CI server that reads them.
          if (error instanceof AppError) {
            const { junit, ctrf } = refusedRunReports(key, error.message, new Date());
            writeReports(junit, ctrf);
          }
          throw error;
        }
        const steps = await services.runs.steps(run.id);
        writeReports(junitOf(run, steps), ctrfOf(run, steps));
        print(values, presentRun(run, steps), describeRun(run, steps));
        return run.status === 'passed' ? 0 : 1;
      });
    },
  },
  simulate: {
    summary: 'Serve the reference simulators (ERP, WMS, serialization, trading partner) alone',
    usage: 'gxpw simulate [--port N]\n\nServes /sim/<system>/… from the demo contracts on HOST:PORT (default 3100). Ask a simulator to\nmisbehave with ?fault=schema|status|slow|drop|out-of-order or the X-Sim-Fault header.',
    options: { port: { type: 'string' } },
    run: async (values) => {
      const port = values.port === undefined ? 3100 : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (got '${values.port}')`);
      const server = await serveSimulators(port, loadConfig().host);
      const address = server.address() as AddressInfo;
      console.log(`gxpw simulators listening on http://${address.address}:${address.port}/sim`);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => resolve()));
      });
      return 0;
    },
  },
  checkpoint: {
    summary: 'Sign a checkpoint of the audit trail now',
    usage: 'gxpw checkpoint [--json]',
    options: { json },
    run: async (values) =>
      withMigratedServices(async (services) => {
        const result = await services.audit.checkpointNow(cliContext());
        if (!result) {
          console.error('gxpw checkpoint: the audit trail is empty: there is nothing to checkpoint');
          return 1;
        }
        const { treeSize, rootHash, keyId } = result.checkpoint;
        print(values, { created: result.created, treeSize, rootHash, keyId }, `${result.created ? 'Signed' : 'Already signed'}: checkpoint over ${treeSize} events, root ${rootHash}, key ${keyId}.`);
        return 0;
      }),
  },
  keys: {
    summary: "Show or rotate the server's Ed25519 signing keys (old keys are kept for verification)",
    usage: 'gxpw keys list [--json]\ngxpw keys rotate --reason "why" [--json]',
    options: { reason: { type: 'string' }, json },
    run: async (values, [action = 'list']) => {
      if (action === 'list') {
        const keys = Keyring.open(loadConfig().keysDir).publicKeys();
        print(values, { keys }, keys.map((k) => `${k.keyId}  ${k.createdAt}${k.active ? '  (active)' : ''}`).join('\n'));
        return 0;
      }
      if (action !== 'rotate') throw new UsageError(`unknown keys action '${action}'`);
      const reason = required(values, 'reason');
      return withMigratedServices(async ({ database, audit, keyring }) => {
        const key = await rotateSigningKey(database, audit, keyring, cliContext(), reason);
        print(values, key, `New active key ${key.keyId}; ${keyring.publicKeys().length - 1} older key(s) kept for verification.`);
        return 0;
      });
    },
  },
};

async function serve(): Promise<number> {
  const config = loadConfig();
  const services = await createServices(config);
  const { logger } = services;
  const applied = await migrate(services);
  if (applied.length) logger.info({ applied }, 'database migrated');
  // A run cut off by a stop or a crash is marked aborted: never resumed half-way, never left running.
  // Only runs whose holder went silent (stale heartbeat): another instance on the same database, or
  // a `gxpw run` beside this server, keeps its live runs. The same recovery runs periodically below,
  // so the runs of an instance that dies later are aborted by the survivors.
  const aborted = await services.runs.abortInterrupted(systemContext('server start'));
  if (aborted.length) logger.warn({ runs: aborted }, 'runs whose runner had stopped were marked aborted');
  const recovery = setInterval(
    () =>
      services.runs.abortInterrupted(systemContext('run recovery')).then(
        (ids) => ids.length && logger.warn({ runs: ids }, 'runs whose runner had stopped were marked aborted'),
        (error: unknown) => logger.error({ err: error }, 'run recovery failed'),
      ),
    services.runs.recoveryIntervalMs,
  );
  recovery.unref();
  // The demo is made by one process at a time (a `gxpw demo` beside, another instance): held from
  // the seeding until the demo runs ended, so the other finds it done — and a `gxpw demo` never
  // takes PORT for its simulators while this server has yet to listen there.
  const demoLock = config.demo.enabled ? await acquireDemoLock(services.database, config.database, { onWait: (holder) => logger.info({ holder }, 'waiting for another process creating the demo workspace') }) : null;
  const releaseDemoLock = () => demoLock?.release().catch((error: unknown) => logger.error({ err: error }, 'the demo lock could not be released'));
  if (config.demo.enabled) {
    try {
      const demo = await seedDemoWorkspace(services, config.demo.password);
      if (demo.usersCreated.length || demo.interfacesCreated) console.log(describeDemo(demo));
    } catch (error) {
      await releaseDemoLock();
      throw error;
    }
  }
  // No unsigned window across a restart: what the last run of the server, the recovery above and
  // the demo seeding recorded is signed before the first request (Part 11 §11.10(a)).
  await signCheckpoint(services, 'start');
  const app = createApp(services);
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject)).catch(async (error: unknown) => {
    await releaseDemoLock();
    throw error;
  });
  const where = config.database.dialect === 'sqlite' ? `SQLite ${config.database.storage}` : 'PostgreSQL';
  console.log(`GxP Integration Workbench listening on http://${config.host}:${config.port} (${where})`);
  // `self:` environments (the demo's simulators) resolve to where this server listens now, whatever
  // port the workspace was seeded on. The demo's runs need the simulators answering, so they start
  // once the server listens.
  const origin = originOf(config.host, (server.address() as AddressInfo).port);
  services.runs.listeningOn(origin);
  const demoRuns =
    config.demo.enabled && config.simulators
      ? runDemoScenarios(services, origin).then(
          (count) => count && console.log(`Demo runs finished: ${count} runs against the simulators (the fault showcases failing, each with an open deviation).`),
          (error: unknown) => logger.error({ err: error }, 'demo runs failed'),
        )
      : Promise.resolve();
  const demoDone = demoRuns.then(releaseDemoLock);

  // Signed checkpoints on a timer bound how much of the tail a database-level attacker could
  // rewrite undetected between the every-N-events checkpoints.
  const timer =
    config.audit.checkpointIntervalSeconds > 0
      ? setInterval(() => services.audit.checkpointNow(null).catch((error) => logger.error({ err: error }, 'periodic checkpoint failed')), config.audit.checkpointIntervalSeconds * 1000)
      : null;
  timer?.unref();

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      if (timer) clearInterval(timer);
      clearInterval(recovery);
      server.close(() => resolve());
      server.closeIdleConnections();
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
  });
  // Intake has stopped (server closed): once the runs in progress have recorded their end, the last
  // events are signed before the database closes, so a clean stop leaves nothing unsigned.
  await demoDone;
  await services.runs.idle();
  await signCheckpoint(services, 'shutdown');
  await services.close();
  return 0;
}

/** Signs a checkpoint over every event recorded so far; a failure is logged, never stops the server. */
async function signCheckpoint(services: Services, when: 'start' | 'shutdown'): Promise<void> {
  try {
    const signed = await services.audit.checkpointNow(null);
    if (signed?.created) services.logger.info({ treeSize: signed.checkpoint.treeSize }, `audit checkpoint signed at ${when}`);
  } catch (error) {
    services.logger.error({ err: error }, `the audit checkpoint at ${when} could not be signed`);
  }
}

async function user(values: Record<string, string | boolean | undefined>, [action]: string[]): Promise<number> {
  return withMigratedServices(async (services) => {
    const ctx = cliContext();
    if (action === 'list') {
      const users = (await services.users.list({})).map(presentUser);
      print(values, { users }, users.map((u) => `${u.id}\t${u.username}\t${u.role}\t${u.status}${u.locked ? ' (locked)' : ''}\t${u.fullName}`).join('\n'));
      return 0;
    }
    const username = required(values, 'username');
    if (action === 'add') {
      const role = required(values, 'role');
      if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const { password, generated } = await passwordFor(values);
      const trainingCompletedAt = (values['training-completed-at'] as string | undefined) ?? null;
      const bootstrapSigner = values['bootstrap-signer'] === true;
      const created = await asUsage(() => services.users.create(ctx, { username, fullName: required(values, 'name'), role, password, email: (values.email as string) ?? null, trainingCompletedAt }, { bootstrapSigner }));
      const pending = (await services.accessGrants.list({ userId: created.id, status: 'pending' })).map(presentAccessGrant);
      const grantNote = bootstrapSigner
        ? '\nBootstrap signer: signing rights and training granted without a second person (audited, security alert raised); it signs once the user has chosen their own password.'
        : pending.map((g) => `\nAccess grant ${g.id} (${g.kind}) awaits approval by a second QA person (POST /api/v1/signatures, recordType user-access, recordId ${g.id}).`).join('');
      print(values, { user: presentUser(created), pendingAccessGrants: pending, generatedPassword: generated ? password : undefined }, `Created user ${created.username} (id ${created.id}, ${role}).${grantNote}${generated ? `\nInitial password (shown once; must be changed at first sign-in): ${password}` : ''}`);
      return 0;
    }
    const target = await services.users.findByUsername(username);
    if (!target) throw new UsageError(`no user named '${username}'`);
    if (action === 'deactivate') {
      const changed = await services.users.deactivate(ctx, target.id, required(values, 'reason'));
      print(values, { user: presentUser(changed) }, `Deactivated ${changed.username}. Its signatures and audit history stay.`);
      return 0;
    }
    if (action === 'reactivate') {
      const changed = await services.users.reactivate(ctx, target.id, required(values, 'reason'));
      print(values, { user: presentUser(changed) }, `Reactivated ${changed.username}.`);
      return 0;
    }
    if (action === 'unlock') {
      const changed = await services.users.unlock(ctx, target.id, required(values, 'reason'));
      print(values, { user: presentUser(changed) }, `Unlocked ${changed.username}; failed sign-ins count from zero again.`);
      return 0;
    }
    if (action === 'reset-password') {
      const reason = required(values, 'reason');
      const { password, generated } = await passwordFor(values);
      const changed = await asUsage(() => services.users.resetPassword(ctx, target.id, password, reason));
      print(values, { user: presentUser(changed), generatedPassword: generated ? password : undefined }, `Password of ${changed.username} reset (unlocked, sessions ended); it must be changed at next sign-in.${generated ? `\nNew password (shown once): ${password}` : ''}`);
      return 0;
    }
    throw new UsageError(`unknown user action '${action ?? ''}' (add, deactivate, reactivate, unlock, reset-password, list)`);
  });
}

/** Bad input to a user command (the same checks as the API's) is a usage error: exit 2, naming the option. */
async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const options: Record<string, string> = { 'body.username': '--username', 'body.fullName': '--name', 'body.role': '--role', 'body.email': '--email', 'body.password': 'the password', 'body.trainingCompletedAt': '--training-completed-at' };
    const problems = error.details.map((d) => `${(d.field && options[d.field]) ?? d.field ?? ''} ${d.message}`.trim());
    throw new UsageError(problems.length ? problems.join('; ') : error.message);
  }
}

/** The CLI acts as the system, named after the operating-system account that ran it. */
function cliContext() {
  return systemContext(`gxpw CLI (${os.userInfo().username}@${os.hostname()})`);
}

async function passwordFor(values: Record<string, string | boolean | undefined>): Promise<{ password: string; generated: boolean }> {
  if (!values['password-stdin']) return { password: randomBytes(15).toString('base64url'), generated: true };
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return { password: Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, ''), generated: false };
}

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** Refuses (exit 2) a report path that is a directory or sits where this user cannot write. */
function assertWritableFile(flag: string, file: string): void {
  try {
    // Inside: stat still throws for ENOTDIR (a file used as a directory) and EACCES.
    const existing = fs.statSync(file, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw new Error('it is a directory');
    fs.accessSync(existing ? file : path.dirname(path.resolve(file)), fs.constants.W_OK);
  } catch (error) {
    throw new UsageError(`--${flag} ${file} cannot be written: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function withServices<T>(work: (services: Services) => Promise<T>, config: Config = loadConfig()): Promise<T> {
  const services = await createServices(config, {});
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

/** Brings the schema up to date; on the upgrade that adds record-state digests, attests the records found. */
async function migrate(services: Services): Promise<string[]> {
  const applied = await migrateUp(services.database);
  const attested = await attestRecordsOnUpgrade(services.database, services.audit, applied);
  if (attested) services.logger.info({ attested }, 'record states of existing records attested in the audit trail');
  return applied;
}

function withMigratedServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  return withServices(async (services) => {
    await migrate(services);
    return work(services);
  });
}

async function withProgress<T>(values: Record<string, unknown>, title: string, work: (onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  if (values.json || !process.stderr.isTTY) return work(() => undefined);
  const bar = new cliProgress.SingleBar({ format: `${title} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr }, cliProgress.Presets.shades_classic);
  let started = false;
  try {
    return await work((done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    });
  } finally {
    if (started) bar.stop();
  }
}

function print(values: Record<string, unknown>, data: unknown, text: string): void {
  console.log(values.json ? JSON.stringify(data, null, 2) : text);
}

function describeDemo({ usersCreated, interfacesCreated, generatedPassword }: DemoSeedResult): string {
  if (usersCreated.length === 0 && interfacesCreated === 0) return 'The demo workspace already exists.';
  const lines: string[] = [];
  if (usersCreated.length) {
    const password = generatedPassword ? `password (generated, shown only now): ${generatedPassword}` : 'password: the value of GXPW_DEMO_PASSWORD';
    lines.push(`Demo accounts created: ${usersCreated.join(', ')}; ${password}`);
  }
  if (interfacesCreated) lines.push(`Reference architecture created: ${interfacesCreated} interfaces with contracts and risk assessments.`);
  return lines.join('\n');
}

function describeDemoRuns({ runs, simulators }: DemoRunsReport): string {
  if (!simulators) return 'The workspace has runs already: no demo runs made.';
  if (runs === 0) return `No demo runs: no demo interface's test environment points at ${simulators.url}.`;
  return `Demo runs: ${runs} against the simulators at ${simulators.url} (${simulators.servedForTheRuns ? 'served for the runs, now stopped' : 'of the running server'}); the fault showcases fail, each with an open deviation.`;
}

function describeRun(run: Run, steps: RunStep[]): string {
  const assurance = JSON.parse(run.assurance) as { reason: string };
  const lines = [`Run ${run.id} of ${run.interfaceKey} (${run.environment}: ${run.baseUrl})${run.dryRun ? ' — DRY RUN, not for record' : ''}: ${run.status.toUpperCase()}`, `  ${assurance.reason}`];
  lines.push(`  ${steps.length} steps: ${steps.filter((s) => s.status === 'passed').length} passed, ${steps.filter((s) => s.status === 'failed').length} failed, ${steps.filter((s) => s.status === 'error').length} errors`);
  for (const step of steps.filter((s) => s.status !== 'passed').slice(0, 20)) lines.push(`  ${step.status.toUpperCase()} ${step.scenarioKey} › ${step.position}. ${step.name}: ${step.message ?? ''}`);
  return lines.join('\n');
}

function helpText(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(11)} ${command.summary}`);
  return `gxpw — GxP Integration Workbench\n\nUsage: gxpw <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun gxpw <command> --help for a command's options. Configuration comes from the environment (see README).`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(helpText());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`gxpw: unknown command '${name}'\n\n${helpText()}`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (values.help) {
      console.log(`${command.summary}\n\nUsage: ${command.usage}`);
      return 0;
    }
    return await command.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupError) {
      console.error(`gxpw: cannot start: ${error.message}`);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`gxpw ${name}: ${(error as Error).message}\n\nUsage: ${command.usage}`);
      return 2;
    }
    if (error instanceof AppError) {
      const details = error.details.map((d) => `\n  ${d.field ?? ''} ${d.message}`).join('');
      console.error(`gxpw ${name}: ${error.message}${details}`);
      return 1;
    }
    console.error(`gxpw ${name}: unexpected error:`, error);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
