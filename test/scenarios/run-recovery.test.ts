// Runs held by a live runner survive another process's recovery on the same database (a second
// `gxpw serve`, several instances on one PostgreSQL, `gxpw run` beside a server): the holder keeps a
// heartbeat, and recovery aborts only runs whose heartbeat went stale — a killed runner's run, a
// queued run nobody executes. A run aborted by another process stops, and never gains steps again.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import request from 'supertest';
import { systemContext } from '../../src/platform/request-context.js';
import { createServices, type Services } from '../../src/services.js';
import { freePort, MAIN } from '../cli/cli-helpers.js';
import { auditEvents } from '../support/audit-assertions.js';
import { listenOnLoopback, salesOrderInterfaces } from '../support/runner-fixtures.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TestClock, type TestWorkbench } from '../support/test-workbench.js';

const KEY = 'IF-HB-001';
/** The simulator answers `?fault=slow` after 1.5 s: four scenarios, run one at a time, take about 4.5 s. */
const lookup = (name: string, slow: boolean) => ({ name, operation: 'GET /orders/{orderNumber}', pathParams: { orderNumber: '0000000000' }, ...(slow ? { query: { fault: 'slow' } } : {}), expect: { status: 404 } });
const SCENARIOS = [
  { key: 'a-quick', name: 'A quick lookup', category: 'smoke' as const, steps: [lookup('Look up at once', false)] },
  { key: 'b-slow', name: 'A slow lookup', category: 'smoke' as const, steps: [lookup('Look up slowly (1)', true)] },
  { key: 'c-slow', name: 'Another slow lookup', category: 'smoke' as const, steps: [lookup('Look up slowly (2)', true)] },
  { key: 'd-slow', name: 'A third slow lookup', category: 'smoke' as const, steps: [lookup('Look up slowly (3)', true)] },
];
/** The stale threshold of these suites: heartbeats every 750 ms. */
const STALE_SECONDS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachDatabase('run recovery: heartbeats of live runs', (dialect) => {
  let wb: TestWorkbench;
  let server: Server;
  /** A second server on the same database, with a clock of its own. */
  let other: Services;
  let otherClock: TestClock;
  let token: string;
  const ctx = systemContext('test');

  const stepsOf = async (runId: number) => (await wb.services.runs.steps(runId)).length;
  const latestRunId = async () => (await wb.services.runs.list({ interface: KEY, limit: 1 }))[0]?.id ?? 0;
  /** Waits until a run newer than `previous` runs and has recorded at least one step (the quick scenario); its id. */
  const untilRunningWithSteps = async (previous: number, deadlineMs = 20_000) => {
    for (const deadline = Date.now() + deadlineMs; Date.now() < deadline; await sleep(50)) {
      const id = await latestRunId();
      if (id <= previous) continue;
      const run = await wb.services.runs.get(id);
      if (run.status === 'running' && (await stepsOf(id)) >= 1) return id;
      if (!['queued', 'running'].includes(run.status)) throw new Error(`run ${id} ended (${run.status}) before it could be observed running`);
    }
    throw new Error('the run never got going');
  };
  const runActions = async (runId: number) => (await auditEvents(wb.services, { entityType: 'run', entityId: String(runId) })).map((e) => e.action);

  before(async () => {
    wb = await createTestWorkbench(dialect, { env: { GXPW_SIMULATORS: 'on', GXPW_RUNNER_CONCURRENCY: '1', GXPW_RUNNER_STALE_AFTER_SECONDS: String(STALE_SECONDS), GXPW_RUNNER_STEP_TIMEOUT_MS: '5000' } });
    let base: string;
    ({ server, base } = await listenOnLoopback(wb));
    await salesOrderInterfaces(wb, [KEY], { test: `${base}/sim/wms` });
    for (const scenario of SCENARIOS) await wb.services.scenarios.save(ctx, KEY, scenario);
    token = await wb.login('it');
    otherClock = new TestClock();
    other = await createServices(wb.config, { now: otherClock.now });
  });
  after(async () => {
    await other?.close();
    server?.close();
    await wb?.close();
  });

  it('leaves a run executing in one workbench alone, however long it runs, while a second one on the same database recovers again and again', async () => {
    const started = await request(wb.app).post('/api/v1/runs').set('Authorization', `Bearer ${token}`).send({ interface: KEY, dryRun: true });
    expect(started.status, JSON.stringify(started.body)).to.equal(201);
    const since = Date.now();
    const recovered: number[] = [];
    // The second server's start-up recovery, then its periodic one, many times over the run.
    for (let run = await wb.services.runs.get(started.body.id); ['queued', 'running'].includes(run.status); run = await wb.services.runs.get(started.body.id)) {
      recovered.push(...(await other.runs.abortInterrupted(systemContext('second server start'))));
      await sleep(200);
    }
    expect(Date.now() - since, 'the run outlived the stale threshold').to.be.greaterThan(STALE_SECONDS * 1000);
    expect(recovered, 'nothing aborted').to.deep.equal([]);
    await wb.services.runs.idle();
    const run = await wb.services.runs.get(started.body.id);
    expect(run.status).to.equal('passed');
    expect(JSON.parse(run.summary!)).to.include({ total: 4, passed: 4, failed: 0, error: 0 });
    expect(await stepsOf(run.id)).to.equal(4);
    expect(await runActions(run.id)).to.deep.equal(['run.queued', 'run.finished']);
  });

  it('leaves a live run alone when a real `gxpw serve` starts on the same database, whose periodic recovery aborts the run of a vanished instance', async () => {
    const previous = await latestRunId();
    const execution = wb.services.runs.runToEnd(ctx, { interface: KEY, dryRun: true });
    const runId = await untilRunningWithSteps(previous);
    // Queued by the second services, which never execute it: to the new server, an instance that vanished.
    const orphan = await other.runs.create(ctx, { interface: KEY, dryRun: true });
    const serve = await startServe({ ...wb.env, PORT: String(await freePort()) });
    try {
      expect((await wb.services.runs.get(runId)).status, 'still running when the second server listens').to.equal('running');
      const run = await execution;
      expect(run.id).to.equal(runId);
      expect(run.status, 'the second server aborted nothing live').to.equal('passed');
      expect(await stepsOf(run.id)).to.equal(4);
      expect(await runActions(run.id)).to.deep.equal(['run.queued', 'run.finished']);
      for (const deadline = Date.now() + 15_000; (await wb.services.runs.get(orphan.id)).status === 'queued' && Date.now() < deadline; ) await sleep(100);
      expect((await wb.services.runs.get(orphan.id)).status, 'the vanished instance\'s run, once stale').to.equal('aborted');
      const [event] = await auditEvents(wb.services, { action: 'run.aborted', entityType: 'run', entityId: String(orphan.id) });
      expect(event!.actor.name, 'by the periodic recovery of the serving instance').to.equal('run recovery');
      expect(Date.parse(event!.occurredAt) - Date.parse(orphan.queuedAt)).to.be.greaterThan(STALE_SECONDS * 1000);
    } finally {
      expect(await stop(serve), serve.output()).to.equal(0);
    }
    expect(serve.output(), 'its periodic recovery ran without trouble').to.not.match(/run recovery failed/);
  });

  it('aborts the run of a runner killed mid-run at the next recovery on the same host (its process is gone), audited with the steps it recorded', async () => {
    const previous = await latestRunId();
    const child = spawn(process.execPath, [MAIN, 'run', '--interface', KEY, '--dry-run', '--json'], { env: { ...process.env, ...wb.env } });
    let runId: number;
    try {
      runId = await untilRunningWithSteps(previous);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));

    // No waiting for the heartbeat to go stale: the holder's process is gone from this host.
    const aborted = await wb.services.runs.abortInterrupted(systemContext('server start'));
    expect(aborted).to.deep.equal([runId]);
    const run = await wb.services.runs.get(runId);
    const recorded = await stepsOf(runId);
    expect(run.status).to.equal('aborted');
    expect(recorded, 'the killed runner recorded some steps, not all').to.be.within(1, 3);
    const summary = JSON.parse(run.summary!);
    expect(summary.stepsRecorded).to.equal(recorded);
    expect(summary.reason).to.match(new RegExp(`\\(.*:${child.pid}\\) is no longer running on this host: it stopped while the run was running`));
    const [event] = (await auditEvents(wb.services, { action: 'run.aborted', entityType: 'run', entityId: String(runId) }));
    expect(event, 'the abort is audited').to.not.equal(undefined);
    expect(event!.after).to.deep.equal({ status: 'aborted', stepsRecorded: recorded });
    expect(event!.reason).to.equal(summary.reason);
    const before = event!.before as { status: string; runner: string; heartbeatAt: string };
    expect(before.status).to.equal('running');
    expect(before.runner, 'names the process that held it').to.match(new RegExp(`:${child.pid}$`));
    expect(Date.parse(event!.occurredAt) - Date.parse(before.heartbeatAt), 'aborted before its heartbeat went stale').to.be.lessThan(STALE_SECONDS * 1000);
    expect(await runActions(runId)).to.deep.equal(['run.queued', 'run.aborted']);
  });

  it('aborts a queued run nobody executes once it is stale, not before', async () => {
    const queued = await wb.services.runs.create(ctx, { interface: KEY, dryRun: true });
    expect(await other.runs.abortInterrupted(systemContext('second server start')), 'fresh: left alone').to.deep.equal([]);
    otherClock.advance((STALE_SECONDS + 1) * 1000);
    expect(await other.runs.abortInterrupted(systemContext('second server start'))).to.deep.equal([queued.id]);
    const run = await wb.services.runs.get(queued.id);
    expect(run.status).to.equal('aborted');
    expect(JSON.parse(run.summary!)).to.include({ stepsRecorded: 0 });
    const [event] = await auditEvents(wb.services, { action: 'run.aborted', entityType: 'run', entityId: String(queued.id) });
    expect(event!.before).to.include({ status: 'queued', runner: wb.services.runs.instance });
    expect(event!.reason).to.match(/stopped while it was queued: no heartbeat since/);
  });

  it('stops a run another process aborted: no step starts or is recorded after the abort, and no end is written over it', async () => {
    otherClock.advance(60_000);
    const previous = await latestRunId();
    const execution = wb.services.runs.runToEnd(ctx, { interface: KEY, dryRun: true });
    const runId = await untilRunningWithSteps(previous);
    // The other process judges the holder silent (its clock runs a minute ahead): it aborts the live run.
    expect(await other.runs.abortInterrupted(systemContext('another server'))).to.deep.equal([runId]);
    const atAbort = await stepsOf(runId);
    const ended = await execution;
    expect(ended.id).to.equal(runId);
    expect(ended.status, 'the runner returns the run as the other process left it').to.equal('aborted');
    await sleep(500);
    const recorded = await stepsOf(runId);
    expect(recorded, 'no step recorded after the abort').to.equal(atAbort);
    expect(recorded, 'the remaining scenarios never started').to.be.below(4);
    expect(JSON.parse(ended.summary!).stepsRecorded).to.equal(recorded);
    expect(await runActions(runId), 'no run.finished over the abort').to.deep.equal(['run.queued', 'run.aborted']);
  });

  it('refuses, in the database itself, a step for a run that is not running: finished or still queued', async () => {
    const [finished] = await wb.services.runs.list({ interface: KEY, status: 'passed', limit: 1 });
    const [aborted] = await wb.services.runs.list({ interface: KEY, status: 'aborted', limit: 1 });
    const queued = await wb.services.runs.create(ctx, { interface: KEY, dryRun: true });
    for (const run of [finished!, aborted!, queued]) {
      let refused: (Error & { parent?: Error }) | null = null;
      await wb.services.database.sequelize
        .query(`INSERT INTO run_steps (run_id, position, scenario_key, scenario_version, name, category, requirements, status, expected, actual, duration_ms) VALUES (${run.id}, 99, 'late', 1, 'A late step', 'smoke', '[]', 'passed', '{}', '{}', 0)`)
        .catch((error: Error) => (refused = error));
      expect(String(refused ? ((refused as { parent?: Error }).parent?.message ?? (refused as Error).message) : 'accepted'), `run ${run.id} (${run.status})`).to.match(/run_steps: INSERT refused: .*not running/);
    }
    expect(await wb.services.runs.abortInterrupted(ctx), 'the queued run this process never executes').to.deep.equal([queued.id]);
  });
});

interface Serving {
  child: ChildProcess;
  output: () => string;
}

/** `gxpw serve` in a child process, as an administrator starts a second instance. */
async function startServe(env: Record<string, string>): Promise<Serving> {
  const child = spawn(process.execPath, [MAIN, 'serve'], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' } });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  for (const deadline = Date.now() + 30_000; !out.includes('listening on'); await sleep(50)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`gxpw serve did not start:\n${out}`);
  }
  return { child, output: () => out };
}

async function stop({ child }: Serving): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}
