import { expect } from 'chai';
import { DEMO_INTERFACES } from '../../src/demo/reference-architecture.js';
import request from 'supertest';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';
import { auditEvents, lastAuditEvent } from '../support/audit-assertions.js';
import { spawn } from 'node:child_process';
import http from 'node:http';
import express from 'express';
import { createSimulatorApp } from '../../src/simulators/contract-simulator.js';
import { freePort, gxpw, gxpwAsync, MAIN } from './cli-helpers.js';

describe('gxpw command line', () => {
  it('prints help listing every command and exits 0', () => {
    const result = gxpw(['--help']);
    expect(result.status).to.equal(0);
    for (const command of ['serve', 'migrate', 'demo', 'user', 'verify', 'simulate', 'checkpoint', 'keys']) expect(result.stdout).to.include(`  ${command}`);
  });

  it('has --help for every command', () => {
    for (const command of ['serve', 'migrate', 'demo', 'user', 'verify', 'checkpoint', 'keys']) {
      const result = gxpw([command, '--help']);
      expect(result.status, command).to.equal(0);
      expect(result.stdout, command).to.include('Usage: gxpw');
    }
  });

  it('exits 2 on an unknown command or option', () => {
    expect(gxpw(['frobnicate']).status).to.equal(2);
    const result = gxpw(['verify', '--frobnicate']);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include('Usage: gxpw verify');
  });

  it('exits 1 naming the setting when the configuration is bad', () => {
    const result = gxpw(['migrate'], { PORT: 'not-a-port' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('PORT: must be a whole number');
  });
});

describeEachDatabase('gxpw user', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect)));
  after(async () => wb?.close());

  it('adds a user with a generated password shown once, audited as the CLI', async () => {
    const result = gxpw(['user', 'add', '--username', 'Dana.Dev', '--name', 'Dana Developer', '--role', 'it', '--json'], wb.env);
    expect(result.status, result.stderr).to.equal(0);
    const output = JSON.parse(result.stdout);
    expect(output.user).to.include({ username: 'dana.dev', fullName: 'Dana Developer', role: 'it', mustChangePassword: true });
    expect(output.generatedPassword).to.be.a('string').with.length.greaterThan(11);
    const event = await lastAuditEvent(wb.services, 'user.created');
    expect(event?.entity).to.deep.equal({ type: 'user', id: String(output.user.id) });
    expect(event?.actor.id).to.equal(null);
    expect(event?.actor.name).to.match(/^gxpw CLI \(/);
    // The initial password works, but must be changed before signing in.
    const login = await request(wb.app).post('/api/v1/auth/login').send({ username: 'dana.dev', password: output.generatedPassword });
    expect(login.status).to.equal(403);
    expect(login.body.error.code).to.equal('password_change_required');
  });

  it('takes the password from standard input and applies the password policy', () => {
    const weak = gxpw(['user', 'add', '--username', 'weak', '--name', 'Weak', '--role', 'qa', '--password-stdin'], wb.env, 'short\n');
    // Input the API would refuse is a usage error (exit 2), like a bad option value.
    expect(weak.status).to.equal(2);
    expect(weak.stderr).to.include('at least 12 characters');
    const strong = gxpw(['user', 'add', '--username', 'strong', '--name', 'Strong', '--role', 'qa', '--password-stdin'], wb.env, 'a-long-enough-passphrase\n');
    expect(strong.status, strong.stderr).to.equal(0);
  });

  it('deactivates a user with a reason, refuses without one, and the user can no longer sign in', async () => {
    const refused = gxpw(['user', 'deactivate', '--username', 'auditor'], wb.env);
    expect(refused.status).to.equal(2);
    expect(refused.stderr).to.include('--reason is required');
    const eventsBefore = (await auditEvents(wb.services, { action: 'user.deactivated' })).length;
    expect(eventsBefore).to.equal(0);

    const result = gxpw(['user', 'deactivate', '--username', 'auditor', '--reason', 'left the company'], wb.env);
    expect(result.status, result.stderr).to.equal(0);
    const event = await lastAuditEvent(wb.services, 'user.deactivated');
    expect(event?.reason).to.equal('left the company');
    expect(event?.before.status).to.equal('active');
    expect(event?.after.status).to.equal('deactivated');
    const login = await request(wb.app).post('/api/v1/auth/login').send({ username: 'auditor', password: 'correct-horse-battery-staple' });
    expect(login.status).to.equal(401);
  });

  it('resets a password: the user must change it at next sign-in', async () => {
    const result = gxpw(['user', 'reset-password', '--username', 'it', '--reason', 'forgotten', '--password-stdin', '--json'], wb.env, 'temporary-passphrase-1\n');
    expect(result.status, result.stderr).to.equal(0);
    const event = await lastAuditEvent(wb.services, 'user.password_reset');
    expect(event?.reason).to.equal('forgotten');
    expect(JSON.stringify(event)).to.not.include('scrypt');
    const login = await request(wb.app).post('/api/v1/auth/login').send({ username: 'it', password: 'temporary-passphrase-1' });
    expect(login.body.error.code).to.equal('password_change_required');
  });

  it('answers an unknown user name with exit code 2', () => {
    const result = gxpw(['user', 'deactivate', '--username', 'nobody', '--reason', 'x'], wb.env);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include("no user named 'nobody'");
  });
});

describeEachDatabase('gxpw demo, checkpoint and user list', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { seedUsers: false })));
  after(async () => wb?.close());

  it('refuses to checkpoint an empty trail with exit code 1', () => {
    const result = gxpw(['checkpoint'], wb.env);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('the audit trail is empty');
  });

  it('creates the demo accounts, the reference architecture and its runs (simulators served on PORT for the runs, then stopped) once, and nothing the second time', async function () {
    this.timeout(120_000);
    const port = await freePort();
    const env = { ...wb.env, PORT: String(port) };
    const first = gxpw(['demo', '--json'], { ...env, GXPW_DEMO_PASSWORD: 'a-demo-password-1' });
    expect(first.status, first.stderr).to.equal(0);
    expect(JSON.parse(first.stdout)).to.deep.equal({
      usersCreated: ['admin', 'it', 'qa', 'auditor', 'qa2'],
      interfacesCreated: DEMO_INTERFACES.length,
      generatedPassword: null,
      runs: DEMO_INTERFACES.length + 2,
      simulators: { url: `http://127.0.0.1:${port}/sim`, servedForTheRuns: true },
    });
    const runs = await wb.services.runs.list({ limit: 100 });
    // The demo runs (one per interface), and the regression run of the demo's closed change, its own.
    const isRegression = (r: { assurance: string }) => r.assurance.includes('regression of change');
    expect(runs.filter((r) => r.status === 'passed' && !isRegression(r)).map((r) => r.interfaceKey)).to.have.members(DEMO_INTERFACES.map((d) => d.key));
    expect(runs.filter(isRegression).map((r) => [r.interfaceKey, r.status])).to.deep.equal([['IF-DH-CT-013', 'passed']]);
    expect(runs.filter((r) => r.status === 'failed').map((r) => r.interfaceKey)).to.have.members(['IF-ERP-WMS-001', 'IF-SER-TP-009']);
    const stopped = await fetch(`http://127.0.0.1:${port}/sim/healthz`).then(() => false, () => true);
    expect(stopped, 'the simulators are stopped after the runs').to.equal(true);
    const second = gxpw(['demo', '--json'], env);
    expect(JSON.parse(second.stdout)).to.deep.include({ usersCreated: [], interfacesCreated: 0, runs: 0, simulators: null });
    expect((await wb.services.runs.list({ limit: 100 })).length).to.equal(runs.length);
  });

  it('lists users', () => {
    const result = gxpw(['user', 'list', '--json'], wb.env);
    expect(result.status, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout).users.map((u: { username: string; role: string }) => `${u.username}:${u.role}`)).to.deep.equal(['admin:admin', 'it:it', 'qa:qa', 'auditor:auditor', 'qa2:qa']);
  });

  it('signs a checkpoint over everything recorded, and reports an existing one when nothing is new', async () => {
    const first = gxpw(['checkpoint', '--json'], wb.env);
    expect(first.status, first.stderr).to.equal(0);
    const signed = JSON.parse(first.stdout);
    expect(signed.created).to.equal(true);
    expect(signed.treeSize).to.equal(await wb.services.audit.lastSeq());
    const again = JSON.parse(gxpw(['checkpoint', '--json'], wb.env).stdout);
    expect(again).to.deep.include({ created: false, treeSize: signed.treeSize, rootHash: signed.rootHash });
  });
});

describe('gxpw demo beside a server', function () {
  this.timeout(120_000);
  let wb: TestWorkbench;
  let server: http.Server | null = null;
  // One port for both: the demo's test environments are seeded with it.
  let port: number;
  const listen = async (app: http.RequestListener) => {
    server = http.createServer(app).listen(port, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
  };
  before(async () => {
    wb = await createTestWorkbench('sqlite', { seedUsers: false });
    port = await freePort();
  });
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = null;
  });
  after(async () => wb?.close());

  it('refuses with exit code 1 when PORT is taken by something that is not the simulators, and makes no run — but the generated password is shown first', async () => {
    await listen((_req, res) => res.writeHead(404).end('not here'));
    const result = await gxpwAsync(['demo'], { ...wb.env, PORT: String(port) });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include(`the demo runs need the reference simulators at http://127.0.0.1:${port}/sim, but port ${port} is taken`);
    expect(await wb.services.runs.list({ limit: 1 })).to.deep.equal([]);
    // Shown only once: a failed run must not swallow it. It is the demo accounts' real password.
    const password = /password \(generated, shown only now\): (\S+)/.exec(result.stdout)?.[1];
    expect(password, result.stdout).to.be.a('string');
    const login = await request(wb.app).post('/api/v1/auth/login').send({ username: 'qa', password });
    expect(login.status, JSON.stringify(login.body)).to.equal(200);
  });

  it('makes its runs against the simulators of the server already answering on PORT, and says how many', async () => {
    let requests = 0;
    await listen(express().use('/sim', (_req, _res, next) => ((requests += 1), next()), createSimulatorApp()));
    const result = await gxpwAsync(['demo'], { ...wb.env, PORT: String(port) });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout, result.stdout).to.include(`Demo runs: ${DEMO_INTERFACES.length + 2} against the simulators at http://127.0.0.1:${port}/sim (of the running server)`);
    expect(requests, 'the runs went to that server').to.be.greaterThan(DEMO_INTERFACES.length);
    expect((await wb.services.runs.list({ limit: 100 })).length).to.equal(DEMO_INTERFACES.length + 2);
  });
});

describe('gxpw simulate', function () {
  this.timeout(60_000);
  it('serves the simulators alone on the given port until stopped', async () => {
    const child = spawn(process.execPath, [MAIN, 'simulate', '--port', '0'], { env: { ...process.env, LOG_LEVEL: 'silent' } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const deadline = Date.now() + 20_000;
    while (!/listening on (http:\/\/\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    try {
      const base = /listening on (http:\/\/\S+)/.exec(out)![1]!;
      const answer = await fetch(`${base}/wms/orders/0000000001`);
      expect(answer.status).to.equal(404);
      expect(((await answer.json()) as { error: { code: string } }).error.code).to.equal('not_found');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    }
  });

  it('refuses a port that is not a number (usage error, exit 2)', () => {
    const result = gxpw(['simulate', '--port', 'eighty']);
    expect(result.status).to.equal(2);
  });
});

// `self:` environments from a process that does not listen: `gxpw run` beside the server resolves
// them to GXPW_PUBLIC_URL, or to HOST:PORT without it — not to the port the demo was seeded on.
describe('gxpw run against self: environments', function () {
  this.timeout(120_000);
  let wb: TestWorkbench;
  let server: http.Server;
  let port: number;
  before(async () => {
    // Seeded as configured for port 3000; the server answers on another port.
    wb = await createTestWorkbench('sqlite', { demoRegistry: true, env: { PORT: '3000', GXPW_SIMULATORS: 'on' } });
    port = await freePort();
    server = http.createServer(wb.app).listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await wb?.close();
  });

  it('resolves them to HOST:PORT: a run with PORT set to the server passes, and records the reference and the URL', async () => {
    const result = await gxpwAsync(['run', '--interface', 'IF-ERP-WMS-001', '--json'], { ...wb.env, PORT: String(port) });
    expect(result.status, result.stderr + result.stdout).to.equal(0);
    const run = JSON.parse(result.stdout);
    expect(run.status).to.equal('passed');
    expect(run.environment).to.deep.equal({ name: 'test', baseUrl: `http://127.0.0.1:${port}/sim/wms`, reference: 'self:/sim/wms' });
  });

  it('resolves them to GXPW_PUBLIC_URL when set, whatever PORT says', async () => {
    const result = await gxpwAsync(['run', '--interface', 'IF-ERP-WMS-001', '--json'], { ...wb.env, PORT: String(await freePort()), GXPW_PUBLIC_URL: `http://127.0.0.1:${port}/` });
    expect(result.status, result.stderr + result.stdout).to.equal(0);
    expect(JSON.parse(result.stdout).environment).to.deep.equal({ name: 'test', baseUrl: `http://127.0.0.1:${port}/sim/wms`, reference: 'self:/sim/wms' });
  });

  it('refuses a GXPW_PUBLIC_URL that is not an http(s) URL, naming the setting', () => {
    const result = gxpw(['run', '--interface', 'IF-ERP-WMS-001'], { ...wb.env, GXPW_PUBLIC_URL: 'ftp://example.internal' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('GXPW_PUBLIC_URL: must be an http:// or https:// URL');
  });
});
