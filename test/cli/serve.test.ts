// The README quick start: `gxpw serve` migrates an empty database, creates the demo accounts
// and serves on PORT; GXPW_DEMO=off creates none.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_INTERFACES } from '../../src/demo/reference-architecture.js';
import { checkIntegrity } from '../../src/integrity/integrity-check.js';
import { systemContext } from '../../src/platform/request-context.js';
import { auditEvents } from '../support/audit-assertions.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from '../support/test-workbench.js';
import { freePort, gxpwAsync, MAIN } from './cli-helpers.js';

interface Running {
  child: ChildProcess;
  stdout: () => string;
  base: string;
}

async function startServer(cwd: string, env: Record<string, string>, chosenPort?: number): Promise<Running> {
  const port = chosenPort ?? (await freePort());
  const child = spawn(process.execPath, [MAIN, 'serve'], { cwd, env: { PATH: process.env.PATH!, PORT: String(port), LOG_LEVEL: 'warn', GXPW_SCRYPT_LOG_N: '12', ...env } });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 90_000;
  while (!out.includes('listening on')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, stdout: () => out, base: `http://127.0.0.1:${port}` };
}

async function stop(running: Running): Promise<number | null> {
  if (running.child.exitCode !== null) return running.child.exitCode;
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)));
  running.child.kill('SIGTERM');
  return exited;
}

async function login(base: string, username: string, password: string): Promise<number> {
  const response = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return response.status;
}

describe('gxpw serve (quick start)', function () {
  this.timeout(60_000);
  let cwd: string;
  beforeEach(() => (cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-serve-'))));
  afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it('starts on an empty ./data with SQLite, creating one demo account per role with GXPW_DEMO_PASSWORD', async () => {
    const running = await startServer(cwd, { GXPW_DEMO_PASSWORD: 'quick-start-password' });
    try {
      for (const role of ['admin', 'it', 'qa', 'auditor']) expect(await login(running.base, role, 'quick-start-password'), role).to.equal(200);
      expect(fs.existsSync(path.join(cwd, 'data', 'gxpw.sqlite'))).to.equal(true);
      const keyFile = fs.readdirSync(path.join(cwd, 'data', 'keys')).find((f) => f.endsWith('.key.pem'))!;
      expect(fs.statSync(path.join(cwd, 'data', 'keys', keyFile)).mode & 0o777).to.equal(0o600);
      const health = await (await fetch(`${running.base}/healthz`)).json();
      expect(health).to.include({ status: 'ok', database: 'sqlite' });
      const { token } = await (await fetch(`${running.base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'auditor', password: 'quick-start-password' }) })).json() as { token: string };
      const views = (await (await fetch(`${running.base}/api/v1/registry/views`, { headers: { authorization: `Bearer ${token}` } })).json()) as { total: number; withoutContract: string[]; withoutAssessment: string[] };
      expect(views.total, 'the demo reference architecture').to.be.at.least(12);
      expect(views.withoutContract).to.deep.equal([]);
      expect(views.withoutAssessment).to.deep.equal([]);
      // The reference simulators are served with the demo, under /sim.
      const order = await fetch(`${running.base}/sim/wms/orders/0000000001`);
      expect(order.status).to.equal(404);
      expect(((await order.json()) as { error: { message: string } }).error.message).to.equal('Not found.');
      // The demo's runs start once the server listens: one per interface, then the fault showcases, failing.
      let runs: Array<{ status: string; interface: string }> = [];
      for (const deadline = Date.now() + 40_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
        runs = ((await (await fetch(`${running.base}/api/v1/runs?limit=100`, { headers: { authorization: `Bearer ${token}` } })).json()) as { runs: typeof runs }).runs;
        if (runs.length >= DEMO_INTERFACES.length + 2 && runs.every((r) => !['queued', 'running'].includes(r.status))) break;
      }
      expect(runs.filter((r) => r.status === 'passed').length, JSON.stringify(runs)).to.equal(DEMO_INTERFACES.length);
      expect(runs.filter((r) => r.status === 'failed').map((r) => r.interface)).to.have.members(['IF-ERP-WMS-001', 'IF-SER-TP-009']);
    } finally {
      expect(await stop(running)).to.equal(0);
    }
  });

  it('prints a random demo password once when none is configured, and not again on the next start', async () => {
    const first = await startServer(cwd, {});
    const match = /password \(generated, shown only now\): (\S+)/.exec(first.stdout());
    expect(match, first.stdout()).to.not.equal(null);
    expect(await login(first.base, 'qa', match![1]!)).to.equal(200);
    await stop(first);
    const second = await startServer(cwd, {});
    try {
      expect(second.stdout()).to.not.include('shown only now');
      expect(await login(second.base, 'qa', match![1]!)).to.equal(200);
    } finally {
      await stop(second);
    }
  });

  it('refuses to start when a risk model file has a typo, naming the file and the JSON pointer', async () => {
    const models = path.join(cwd, 'models');
    fs.mkdirSync(models);
    const gamp = JSON.parse(fs.readFileSync(path.join(path.dirname(MAIN), '../../risk-models/gamp5.json'), 'utf8'));
    gamp.scoring.steps[0].rows = 'severty';
    fs.writeFileSync(path.join(models, 'gamp5.json'), JSON.stringify(gamp));
    const result = await gxpwAsync(['serve'], { GXPW_DATA_DIR: path.join(cwd, 'data'), GXPW_RISK_MODELS_DIR: models, GXPW_DEMO: 'off', PORT: '0' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include(`cannot start: risk model ${path.join(models, 'gamp5.json')}: /scoring/steps/0/rows: 'severty' is not a factor or an earlier step`);
  });

  it('creates no demo accounts with GXPW_DEMO=off', async () => {
    const running = await startServer(cwd, { GXPW_DEMO: 'off', GXPW_DEMO_PASSWORD: 'quick-start-password' });
    try {
      expect(await login(running.base, 'admin', 'quick-start-password')).to.equal(401);
      expect(running.stdout()).to.not.include('Demo accounts created');
    } finally {
      await stop(running);
    }
  });
});

// No unsigned window around a restart (Part 11 §11.10(a)): `gxpw serve` signs a checkpoint at start,
// after its run recovery, and at a clean stop, after intake ended. And the demo's `self:`
// environments follow the server: seeded for port 3000, run on another port, they pass.
describeEachDatabase('gxpw serve: checkpoints at start and stop, self: environments on another port', (dialect) => {
  let wb: TestWorkbench;
  let cwd: string;
  let running: Running | null = null;
  let staleRunId: number;
  let token: string;
  const api = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${running!.base}${route}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const newestCheckpoint = async () => (await wb.services.checkpoints.latest())?.treeSize ?? 0;

  before(async function () {
    this.timeout(120_000);
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-serve-'));
    // Seeded as configured for port 3000 (the default); served below on a free port.
    wb = await createTestWorkbench(dialect, { demoRegistry: true, env: { GXPW_SIMULATORS: 'on' } });
    // A run queued by a process that went silent ten minutes ago: the server's start recovery aborts it.
    wb.clock.advance(-10 * 60_000);
    staleRunId = (await wb.services.runs.create(systemContext('test'), { interface: 'IF-ERP-WMS-001' })).id;
    wb.clock.advance(10 * 60_000);
  });
  after(async () => {
    if (running) await stop(running);
    await wb?.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('signs a checkpoint at start, after recovery: the aborted run and everything before are signed before the first request', async function () {
    this.timeout(90_000);
    expect(await newestCheckpoint(), 'nothing signed before the start').to.be.lessThan(await wb.services.audit.lastSeq());
    running = await startServer(cwd, wb.env);
    expect((await wb.services.runs.get(staleRunId)).status).to.equal('aborted');
    const [aborted] = await auditEvents(wb.services, { action: 'run.aborted', entityType: 'run', entityId: String(staleRunId) });
    const lastSeq = await wb.services.audit.lastSeq();
    expect(aborted!.seq).to.be.at.most(lastSeq);
    expect(await newestCheckpoint()).to.equal(lastSeq);
    for (const witness of [path.join(wb.config.dataDir, 'audit-witness.json'), path.join(wb.config.evidenceDir, '.audit-witness.json')]) {
      expect(JSON.parse(fs.readFileSync(witness, 'utf8')).treeSize, witness).to.equal(lastSeq);
    }
  });

  it('runs a demo interface seeded for port 3000 against its own simulators on the port it listens on now', async function () {
    this.timeout(90_000);
    expect(running!.base).to.not.equal('http://127.0.0.1:3000');
    const login = await fetch(`${running!.base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'it', password: TEST_PASSWORD }) });
    token = ((await login.json()) as { token: string }).token;
    const queued = await api('POST', '/api/v1/runs', { interface: 'IF-ERP-WMS-001' });
    expect(queued.status, JSON.stringify(queued.body)).to.equal(201);
    let run: Record<string, unknown> = queued.body;
    for (const deadline = Date.now() + 60_000; ['queued', 'running'].includes(run.status as string) && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      run = (await api('GET', `/api/v1/runs/${String(queued.body.id)}`)).body;
    }
    expect(run.status, JSON.stringify(run.summary)).to.equal('passed');
    expect(run.environment).to.deep.equal({ name: 'test', baseUrl: `${running!.base}/sim/wms`, reference: 'self:/sim/wms' });
  });

  it('signs a checkpoint at a clean stop: the newest event is covered once the server exited', async function () {
    this.timeout(90_000);
    expect(await newestCheckpoint(), 'the sign-in and the run are not signed yet').to.be.lessThan(await wb.services.audit.lastSeq());
    expect(await stop(running!)).to.equal(0);
    running = null;
    const lastSeq = await wb.services.audit.lastSeq();
    expect(await newestCheckpoint()).to.equal(lastSeq);
    expect(JSON.parse(fs.readFileSync(path.join(wb.config.evidenceDir, '.audit-witness.json'), 'utf8')).treeSize).to.equal(lastSeq);
    const verification = await checkIntegrity(wb.services);
    expect(verification.auditTrail).to.include({ ok: true, witnessTreeSize: lastSeq });
  });
});

// `gxpw serve` and `gxpw demo` started together on an empty database: one of them creates the demo
// and its runs, the other waits and finds it done — no duplicate seeding, no doubled runs, and the
// server gets its port (a `gxpw demo` never serves simulators there while the server starts).
describeEachDatabase('gxpw serve and gxpw demo started together', (dialect) => {
  let wb: TestWorkbench;
  let cwd: string;
  before(async () => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-serve-'));
    wb = await createTestWorkbench(dialect, { seedUsers: false });
  });
  after(async () => {
    await wb?.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('creates the demo once: the five demo accounts, the reference architecture and one set of demo runs, and both processes succeed', async function () {
    this.timeout(180_000);
    const port = await freePort();
    const env = { ...wb.env, PORT: String(port), GXPW_DEMO: 'on', GXPW_DEMO_PASSWORD: 'a-demo-password-1' };
    const child = spawn(process.execPath, [MAIN, 'demo', '--json'], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const demo = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (status) => resolve({ status, stdout: out, stderr: '' })));
    let running: Running | null = null;
    try {
      running = await startServer(cwd, env, port);
      const result = await demo;
      expect(result.status, result.stderr + result.stdout).to.equal(0);
      expect((await wb.services.users.list({})).map((u) => u.username)).to.have.members(['admin', 'it', 'qa', 'auditor', 'qa2']);
      expect((await wb.services.interfaces.list({ limit: 1000 })).total).to.equal(DEMO_INTERFACES.length);
      let runs = await wb.services.runs.list({ limit: 1000 });
      for (const deadline = Date.now() + 90_000; Date.now() < deadline && (runs.length < DEMO_INTERFACES.length + 3 || runs.some((r) => ['queued', 'running'].includes(r.status))); await new Promise((r) => setTimeout(r, 250))) {
        runs = await wb.services.runs.list({ limit: 1000 });
      }
      // One per interface, the two fault showcases, and the regression run of the demo's closed change.
      expect(runs.length, 'one set of demo runs').to.equal(DEMO_INTERFACES.length + 3);
      expect(runs.filter((r) => r.status === 'passed').length).to.equal(DEMO_INTERFACES.length + 1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      if (running) expect(await stop(running), running.stdout()).to.equal(0);
    }
    expect(running!.stdout()).to.not.match(/EADDRINUSE|unexpected error|demo runs failed/);
  });
});
