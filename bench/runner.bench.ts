// `npm run bench runner` — the engine's throughput. Each side is measured three times, alternating,
// and the best round of each is compared (the machine is shared; the best round is the least disturbed).
//
// message sets: 100,000 EPCIS-style ObjectEvents in an NDJSON fixture, validated through a run
//   (fixture re-hashed while the validation threads parse and validate it, report kept as evidence,
//   step recorded) vs what a user would write instead: a script that reads the same NDJSON file,
//   JSON.parse's each line and validates it with the very same compiled ajv validator, one thread.
// HTTP steps: 2,000 request/expectation steps (POST an order, status and contract schema checked)
//   against the reference WMS simulator through the runner, evidence on, vs newman running the
//   equivalent Postman collection (same requests, status and JSON schema tests) against the same
//   simulator. Both send one request at a time.
// evidence ingest: a 512 MB file streamed through POST /api/v1/evidence to `gxpw serve` running as
//   a process of its own (hashing, writing with background flushes, fsync, link, catalogue row,
//   audit event) vs the least any evidence store must do: stream the same bytes to a file in the
//   evidence directory, hashing as it goes, then fsync (what sha256sum plus cp would cost). The
//   client is curl (or a small Node.js client where there is none), a process of its own as an API
//   client is. The server's peak RSS over the uploads (VmHWM, reset after sign-in) must stay under
//   200 MB: the upload is streamed, never buffered.
//
// BENCH_RUNNER_ONLY=ingest,messages,http picks some; BENCH_EVIDENCE_MB, BENCH_RUNNER_MESSAGES and
// BENCH_RUNNER_HTTP_STEPS shrink the work for a quick look; BENCH_RUNNER_CPU_PROF=<dir> profiles
// the ingest's server process (`node --cpu-prof`).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createApp } from '../src/app.js';
import { systemContext } from '../src/platform/request-context.js';
import { DEMO_CONTRACTS_DIR } from '../src/simulators/contract-simulator.js';
import { createBenchWorkbench, ratioResult, timed, type Benchmark, type BenchResult } from './harness.js';
import { startServeProcess } from './server-process.js';

const EVIDENCE_MB = Number(process.env.BENCH_EVIDENCE_MB ?? 512);
const PASSWORD = 'bench-runner-password-2026';

/** Random content, written from one reused block: the file never passes through the heap. */
function writeTestFile(file: string, megabytes: number): void {
  const block = randomBytes(1024 * 1024);
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0; i < megabytes; i += 1) {
      block.writeUInt32BE(i, 0);
      fs.writeSync(fd, block);
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function benchEvidenceIngest(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-bench-evidence-'));
  const file = path.join(dir, 'capture.bin');
  writeTestFile(file, EVIDENCE_MB);
  const workbench = await createBenchWorkbench({ GXPW_EVIDENCE_MAX_BYTES: String(2 * 1024 ** 3) });
  await workbench.services.users.create(systemContext('benchmark'), { username: 'engineer', fullName: 'Bench Engineer', role: 'it', password: PASSWORD, mustChangePassword: false });
  // The server is a process of its own, as deployed (`gxpw serve`), so its peak RSS is its own.
  // BENCH_RUNNER_CPU_PROF=<dir>: the server process writes a CPU profile there (`node --cpu-prof`).
  const profileDir = process.env.BENCH_RUNNER_CPU_PROF;
  const server = await startServeProcess(workbench.env, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : []);
  try {
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'engineer', password: PASSWORD }) });
    const { token } = (await login.json()) as { token: string };

    // The least any evidence store must do: write the bytes durably while hashing them — what
    // `sha256sum` plus `cp` would cost: the same file streamed to a file in the evidence directory
    // (same disk), hashed as it goes, then fsync'd.
    const evidenceDir = workbench.services.config.evidenceDir;
    const copyOnce = (round: number) =>
      timed(async () => {
        const hash = createHash('sha256');
        const target = path.join(evidenceDir, 'tmp', `baseline-${round}.copy`);
        await pipeline(
          fs.createReadStream(file, { highWaterMark: 1024 * 1024 }),
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              hash.update(chunk);
              yield chunk;
            }
          },
          fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }),
        );
        const handle = await fs.promises.open(target, 'r');
        await handle.sync();
        await handle.close();
        await fs.promises.rm(target);
        return hash.digest('hex');
      });
    // Signing in runs scrypt, which takes 128 MB for a moment (GXPW_SCRYPT_LOG_N=17): the peak is
    // measured from here on, over the uploads alone.
    server.resetPeakRss();
    const rounds: Array<{ baseline: Awaited<ReturnType<typeof copyOnce>>; measured: { ms: number; value: string } }> = [];
    for (let round = 0; round < 3; round += 1) {
      const baseline = await copyOnce(round);
      // The client is another process, as an API client is: it reads the file and sends it.
      const measured = await timed(() => uploadFromChildProcess(server.port, token, file));
      rounds.push({ baseline, measured });
      // A duplicate's temp file is freed after the answer; the next baseline must not share the machine with that.
      await untilNoTempFiles(workbench.services.config.evidenceDir);
    }
    const baseline = rounds.map((r) => r.baseline).sort((a, b) => a.ms - b.ms)[0]!;
    const measured = rounds.map((r) => r.measured).sort((a, b) => a.ms - b.ms)[0]!;
    if (baseline.value !== measured.value) throw new Error('the stored digest differs from the file digest');
    const peakMb = server.peakRssMb();
    return ratioResult('evidence ingest', `${EVIDENCE_MB} MB streamed through POST /api/v1/evidence vs streaming the same bytes to a file in the evidence directory, hashing as it goes, then fsync`, measured.ms, baseline.ms, 0.6, {
      database: workbench.services.database.dialect,
      ingestMBps: Math.round(EVIDENCE_MB / (measured.ms / 1000)),
      hashAndCopyMBps: Math.round(EVIDENCE_MB / (baseline.ms / 1000)),
      rounds: rounds.map((r) => ({ ingestMs: Math.round(r.measured.ms), copyMs: Math.round(r.baseline.ms) })),
      client: CURL ? 'curl' : 'node',
    }, [{ name: 'peak RSS of the server process during the uploads', value: peakMb, below: 200, unit: 'MB' }]);
  } finally {
    await server.stop();
    await workbench.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function untilNoTempFiles(evidenceDir: string): Promise<void> {
  const tmp = path.join(evidenceDir, 'tmp');
  while (fs.readdirSync(tmp).some((name) => name.endsWith('.part'))) await new Promise((resolve) => setTimeout(resolve, 10));
}

// The API client: curl, as a CI pipeline would use (it streams the file: -T), or where there is no
// curl, a small Node.js client. Either is a process of its own.
const CURL = ['/usr/bin/curl', '/usr/local/bin/curl'].find((candidate) => fs.existsSync(candidate)) ?? null;
const NODE_UPLOAD_CLIENT = `
const fs = require('node:fs'); const http = require('node:http');
const [url, token, file] = process.argv.slice(1);
const req = http.request(url, { method: 'POST',
  headers: { authorization: 'Bearer ' + token, 'content-type': 'application/octet-stream', 'content-length': fs.statSync(file).size } }, (res) => {
  let body = ''; res.on('data', (c) => (body += c));
  res.on('end', () => { process.stdout.write(body + '\\n' + res.statusCode); });
});
fs.createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(req);
`;

function uploadFromChildProcess(port: number, token: string, file: string): Promise<string> {
  const url = `http://127.0.0.1:${port}/api/v1/evidence?name=capture.bin`;
  const [command, args] = CURL
    ? [CURL, ['-sS', '-X', 'POST', '-T', file, '-H', 'Expect:', '-H', `authorization: Bearer ${token}`, '-H', 'content-type: application/octet-stream', '-w', '\\n%{http_code}', url]]
    : [process.execPath, ['-e', NODE_UPLOAD_CLIENT, url, token, file]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => {
      const [body, status] = [output.slice(0, output.lastIndexOf('\n')), output.slice(output.lastIndexOf('\n') + 1)];
      if (code !== 0 || status !== '201') return reject(new Error(`upload failed (exit ${code}, HTTP ${status}): ${body.slice(0, 200)}`));
      resolve((JSON.parse(body) as { digest: string }).digest);
    });
  });
}

const MESSAGES = Number(process.env.BENCH_RUNNER_MESSAGES ?? 100_000);
const HTTP_STEPS = Number(process.env.BENCH_RUNNER_HTTP_STEPS ?? 2000);

function commissioningEvent(i: number) {
  const serial = String(100000000000 + i);
  return {
    type: 'ObjectEvent',
    eventID: `urn:uuid:3f9d2c1a-7b4e-4d8f-a0c2-${String(i).padStart(12, '0')}`,
    eventTime: new Date(Date.UTC(2026, 1, 26, 13) + i * 1000).toISOString(),
    eventTimeZoneOffset: '-05:00',
    epcList: [`urn:epc:id:sgtin:0312345.067890.${serial}`],
    action: 'ADD',
    bizStep: 'urn:epcglobal:cbv:bizstep:commissioning',
    disposition: 'urn:epcglobal:cbv:disp:active',
    readPoint: { id: 'urn:epc:id:sgln:0312345.00002.0' },
    bizLocation: { id: 'urn:epc:id:sgln:0312345.00002.0' },
    ilmd: { 'cbvmda:lotNumber': 'L2406A', 'cbvmda:itemExpirationDate': '2027-05-31' },
  };
}

/** A workbench with one assessed interface and its contract, and the simulators served on a port. */
async function runnerWorkbench(contractFile: string, key: string) {
  const workbench = await createBenchWorkbench({ GXPW_SIMULATORS: 'on', GXPW_RUNNER_CONCURRENCY: '1' });
  const server = createApp(workbench.services).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { services } = workbench;
  const ctx = systemContext('benchmark');
  await services.systems.create(ctx, { name: 'ERP', kind: 'erp', vendor: 'v', product: 'p', version: '1', gampCategory: 4, layer: 'source-system', owner: 'o' });
  await services.systems.create(ctx, { name: 'WMS', kind: 'wms', vendor: 'v', product: 'p', version: '1', gampCategory: 4, layer: 'source-system', owner: 'o' });
  await services.interfaces.create(ctx, { key, name: key, sourceSystem: 'ERP', targetSystem: 'WMS', layer: 'integration-platform', pattern: 'rest-api', direction: 'unidirectional', messageTypes: ['X'], dataDomains: ['orders'], platforms: ['MuleSoft Runtime 4.6'], gxpRelevant: true, intendedUse: 'benchmark', owner: 'o', environments: { test: `${base}/sim/wms` }, status: 'active' });
  await services.contracts.register(ctx, key, { format: contractFile.includes('asyncapi') ? 'asyncapi' : 'openapi', document: fs.readFileSync(path.join(DEMO_CONTRACTS_DIR, contractFile), 'utf8') });
  await services.assessments.assess({ ...ctx, actor: { ...ctx.actor, name: 'Bench QA' } }, key, { modelId: 'fda-csa', answers: { intendedUse: 'direct-gxp', processRisk: 'high', dataIntegrityImpact: 'transports-gxp-records' } });
  return { workbench, server, base, ctx };
}

async function benchMessageSets(): Promise<BenchResult> {
  const { workbench, server, ctx } = await runnerWorkbench('ser-wms-commissioning-events.asyncapi.yaml', 'IF-BENCH-MSG');
  const { services } = workbench;
  try {
    const messages = Array.from({ length: MESSAGES }, (_, i) => commissioningEvent(i));
    const fixture = await services.evidence.capture(ctx, [Buffer.from(messages.map((m) => JSON.stringify(m)).join('\n'))], { mediaType: 'application/x-ndjson', originalName: 'events.ndjson' });
    await services.scenarios.save(ctx, 'IF-BENCH-MSG', { key: 'events', name: 'Commissioning events', category: 'positive', steps: [{ name: `${MESSAGES} events`, messages: { target: 'message CommissioningEvent', source: { evidence: fixture.item.digest } } }] });
    const contract = await services.contracts.get('IF-BENCH-MSG', 1);
    const validate = services.contracts.compiledOf(contract).targets.find((t) => t.name === 'message CommissioningEvent')!.validate;
    // The very file the run reads: the fixture as the evidence store holds it.
    const fixtureFile = services.evidence.store.pathOf(fixture.item.digest);
    const runOnce = async () => {
      const run = await timed(() => services.runs.runToEnd(ctx, { interface: 'IF-BENCH-MSG' }));
      if (run.value.status !== 'passed') throw new Error(`the message-set run ended ${run.value.status}`);
      return run;
    };
    // What a user would write instead of a run: read the NDJSON file, JSON.parse each line and
    // validate it with the compiled ajv validator, on one thread.
    const validateOnce = () =>
      timed(async () => {
        const text = await fs.promises.readFile(fixtureFile, 'utf8');
        let invalid = 0;
        let count = 0;
        for (const line of text.split('\n')) {
          if (!line) continue;
          count += 1;
          if (!validate(JSON.parse(line))) invalid += 1;
        }
        if (invalid || count !== MESSAGES) throw new Error(`baseline: ${invalid} invalid of ${count} messages`);
      });
    // Best of three rounds each, alternating: the machine is shared, and the best round is the one
    // least disturbed. The first round of each also pays for warming up (threads, JIT).
    const rounds = [];
    for (let round = 0; round < 3; round += 1) rounds.push({ measured: await runOnce(), baseline: await validateOnce() });
    const measured = rounds.map((r) => r.measured).sort((a, b) => a.ms - b.ms)[0]!;
    const baseline = rounds.map((r) => r.baseline).sort((a, b) => a.ms - b.ms)[0]!;
    return ratioResult('message sets', `${MESSAGES.toLocaleString('en')} EPCIS events from an NDJSON fixture through a run (evidence on, fixture re-hashed) vs a script reading the same file, JSON.parse and the same compiled validator per line, one thread`, measured.ms, baseline.ms, 0.7, {
      database: services.database.dialect,
      messagesPerSecond: Math.round(MESSAGES / (measured.ms / 1000)),
      scriptMessagesPerSecond: Math.round(MESSAGES / (baseline.ms / 1000)),
      rounds: rounds.map((r) => ({ runMs: Math.round(r.measured.ms), scriptMs: Math.round(r.baseline.ms) })),
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await workbench.close();
  }
}

async function benchHttpSteps(): Promise<BenchResult> {
  const { workbench, server, base, ctx } = await runnerWorkbench('erp-wms-sales-orders.openapi.yaml', 'IF-BENCH-HTTP');
  const { services } = workbench;
  try {
    const order = (n: string) => ({ orderNumber: n, orderType: 'OR', plant: 'US10', requestedDeliveryDate: '2026-03-02', soldTo: { partnerNumber: '0000100200', name: 'Northstar' }, shipTo: { partnerNumber: '0000100201', gln: '0860001000016', name: 'Northstar DC' }, lines: [{ lineNumber: '000010', material: 'FG-100245', gtin: '00312345678906', ndc: '12345-678-90', quantity: 120, unitOfMeasure: 'EA' }] });
    const perScenario = 500;
    for (let s = 0; s < HTTP_STEPS / perScenario; s += 1) {
      await services.scenarios.save(ctx, 'IF-BENCH-HTTP', { key: `orders-${s}`, name: `Orders ${s}`, category: 'positive', steps: Array.from({ length: perScenario }, (_, i) => ({ name: `order ${i}`, operation: 'POST /orders', body: order('{{digits:10}}'), expect: { status: 201 } })) });
    }
    const measured = await timed(() => services.runs.runToEnd(ctx, { interface: 'IF-BENCH-HTTP' }));
    if (measured.value.status !== 'passed') throw new Error(`the HTTP run ended ${measured.value.status}: ${JSON.stringify((await services.runs.steps(measured.value.id)).find((s) => s.status !== 'passed')?.message)}`);

    // The equivalent Postman collection: the same POST, status and contract-schema tests.
    const contract = await services.contracts.get('IF-BENCH-HTTP', 1);
    const schema = services.contracts.compiledOf(contract).targets.find((t) => t.name === 'POST /orders → 201')!.schema;
    const collection = {
      info: { name: 'WMS orders', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
      item: [
        {
          name: 'Create order',
          request: { method: 'POST', header: [{ key: 'Content-Type', value: 'application/json' }], url: `${base}/sim/wms/orders`, body: { mode: 'raw', raw: JSON.stringify(order('{{orderNumber}}')) } },
          event: [
            { listen: 'prerequest', script: { exec: ["pm.variables.set('orderNumber', String(Math.floor(Math.random() * 1e10)).padStart(10, '0'));"] } },
            { listen: 'test', script: { exec: ['pm.test("status 201", () => pm.response.to.have.status(201));', `pm.test("matches the contract", () => pm.response.to.have.jsonSchema(${JSON.stringify(schema)}));`] } },
          ],
        },
      ],
    };
    const newman = (await import('newman')).default;
    const baseline = await timed(
      () =>
        new Promise<void>((resolve, reject) =>
          newman.run({ collection: collection as never, iterationCount: HTTP_STEPS, reporters: [] }, (error: Error | null, summary: { run: { failures: unknown[] } }) => {
            if (error) return reject(error);
            if (summary.run.failures.length) return reject(new Error(`newman: ${summary.run.failures.length} failures`));
            resolve();
          }),
        ),
    );
    return ratioResult('HTTP steps', `${HTTP_STEPS.toLocaleString('en')} request/expectation steps against the simulator through the runner (evidence on) vs newman`, measured.ms, baseline.ms, 1.0, { database: services.database.dialect, runnerStepsPerSecond: Math.round(HTTP_STEPS / (measured.ms / 1000)), newmanRequestsPerSecond: Math.round(HTTP_STEPS / (baseline.ms / 1000)) });
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await workbench.close();
  }
}

export const runnerBenchmark: Benchmark = {
  name: 'runner',
  description: 'message sets, HTTP steps (vs newman) and evidence ingest through the runner and the API',
  // Evidence ingest first: its peak-RSS check would otherwise count what the others left on the heap.
  run: async () => {
    const only = (process.env.BENCH_RUNNER_ONLY ?? 'ingest,messages,http').split(',');
    const unknown = only.filter((name) => !['ingest', 'messages', 'http'].includes(name));
    if (unknown.length) throw new Error(`BENCH_RUNNER_ONLY: unknown ${unknown.join(', ')} (ingest, messages, http)`);
    const results: BenchResult[] = [];
    if (only.includes('ingest')) results.push(await benchEvidenceIngest());
    if (only.includes('messages')) results.push(await benchMessageSets());
    if (only.includes('http')) results.push(await benchHttpSteps());
    return results;
  },
};
