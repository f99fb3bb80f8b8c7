// The README quick start: `gxpw serve` migrates an empty database, creates the demo accounts
// and serves on PORT; GXPW_DEMO=off creates none.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_INTERFACES } from '../../src/demo/reference-architecture.js';
import { freePort, gxpwAsync, MAIN } from './cli-helpers.js';

interface Running {
  child: ChildProcess;
  stdout: () => string;
  base: string;
}

async function startServer(cwd: string, env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN, 'serve'], { cwd, env: { PATH: process.env.PATH!, PORT: String(port), LOG_LEVEL: 'warn', GXPW_SCRYPT_LOG_N: '12', ...env } });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 30_000;
  while (!out.includes('listening on')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${out}`);
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
