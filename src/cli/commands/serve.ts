// `gxpw serve`: migrates the database, recovers interrupted runs, seeds the demo workspace (unless
// GXPW_DEMO=off), signs checkpoints at start, on a timer and at shutdown, and serves the app.
import type { AddressInfo } from 'node:net';
import { createApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { acquireDemoLock } from '../../demo/demo-lock.js';
import { runDemoScenarios, seedDemoWorkspace } from '../../demo/demo-workspace.js';
import { systemContext } from '../../platform/request-context.js';
import { originOf } from '../../scenarios/environment-reference.js';
import { createServices, type Services } from '../../services.js';
import type { Command } from '../command.js';
import { describeDemo } from '../describe-demo.js';
import { migrate } from '../with-services.js';

export const command: Command = {
  name: 'serve',
  summary: 'Migrate the database and start the server (with the demo workspace unless GXPW_DEMO=off)',
  usage: 'gxpw serve',
  options: {},
  run: serve,
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
  // The demo password as known to this process (configured, or generated just now): the demo
  // packages are signed with it after the runs.
  let demoPassword = config.demo.password;
  if (config.demo.enabled) {
    try {
      const demo = await seedDemoWorkspace(services, config.demo.password);
      demoPassword ??= demo.generatedPassword;
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
      ? runDemoScenarios(services, origin, demoPassword).then(
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
