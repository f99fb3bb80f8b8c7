// `npm run bench http` — the read path every page stands on.
//
// measured: an authenticated GET /api/v1/interfaces?limit=50 (a page of 50 of 1,000 interfaces,
//   created through the registry import) served by `gxpw serve` in a process of its own on
//   127.0.0.1 — token and session check, role check, query validation, the queries, presenting,
//   JSON — driven by autocannon (20 connections, keep-alive) at the highest rate it sustains.
// baseline: a bare express handler in a process of its own, answering the very same bytes on
//   another loopback port, driven the same way in the same run.
// Each side is measured twice, alternating, and the best round of each is compared (the machine is
// shared). Then the app is driven again at half its measured maximum (autocannon `overallRate`),
// and p50/p99 latency at that load are reported: what a user sees on a busy, not saturated, server
// (the bare handler at half of its own maximum is reported beside it, for scale).
//
// BENCH_HTTP_SECONDS (default 10) sets each round's length; BENCH_HTTP_CPU_PROF=<dir> runs the
// app's process with --cpu-prof and writes its profile there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { systemContext } from '../src/platform/request-context.js';
import { createBenchWorkbench, ratioResult, type Benchmark, type BenchResult } from './harness.js';
import { anInterface, SYSTEMS } from './registry.bench.js';
import { freeLoopbackPort, startScriptProcess, startServeProcess } from './server-process.js';

const INTERFACES = 1000;
const PAGE = 50;
const CONNECTIONS = 20;
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const PROFILE_DIR = process.env.BENCH_HTTP_CPU_PROF;
const PASSWORD = 'bench-http-password-2026';
const PATH = `/api/v1/interfaces?limit=${PAGE}`;

interface Load {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function drive(url: string, token: string | null, seconds: number, overallRate?: number): Promise<Load> {
  const result = await autocannon({
    url: `${url}${PATH}`,
    connections: CONNECTIONS,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (result.errors || result.timeouts || result.non2xx) throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
  return { requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

async function benchHttp(): Promise<BenchResult> {
  const workbench = await createBenchWorkbench({ GXPW_LOGIN_RATE_LIMIT_PER_MINUTE: '100000' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-bench-http-'));
  const ctx = systemContext('benchmark');
  await workbench.services.users.create(ctx, { username: 'engineer', fullName: 'Bench Engineer', role: 'it', password: PASSWORD, mustChangePassword: false });
  await workbench.services.registryTransfer.importAll(ctx, { systems: [...SYSTEMS], interfaces: Array.from({ length: INTERFACES }, (_, i) => anInterface(i + 1)) });
  if (PROFILE_DIR) fs.mkdirSync(PROFILE_DIR, { recursive: true });
  const app = await startServeProcess(workbench.env, PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE_DIR)}`] : []);
  let bare: Awaited<ReturnType<typeof startScriptProcess>> | null = null;
  try {
    const login = await fetch(`${app.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'engineer', password: PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const page = await fetch(`${app.url}${PATH}`, { headers: { authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await page.arrayBuffer());
    const listed = JSON.parse(bytes.toString('utf8')) as { total: number; interfaces: unknown[] };
    if (page.status !== 200 || listed.total !== INTERFACES || listed.interfaces.length !== PAGE) throw new Error(`the page answered ${page.status}: ${bytes.toString('utf8').slice(0, 300)}`);
    const file = path.join(dir, 'page.json');
    fs.writeFileSync(file, bytes);
    const barePort = await freeLoopbackPort();
    bare = await startScriptProcess(fileURLToPath(new URL('./http-baseline-server.js', import.meta.url)), [file, String(barePort)], {}, barePort);
    // Warm-up (JIT, connection set-up, SQLite page cache) before anything is counted.
    await drive(app.url, token, 2);
    await drive(bare.url, null, 2);
    const rounds: Array<{ measured: Load; baseline: Load }> = [];
    for (let round = 0; round < 2; round += 1) rounds.push({ measured: await drive(app.url, token, SECONDS), baseline: await drive(bare.url, null, SECONDS) });
    const best = (side: 'measured' | 'baseline') => rounds.map((r) => r[side]).sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0]!;
    const measured = best('measured');
    const baseline = best('baseline');
    const halfRate = Math.max(1, Math.floor(measured.requestsPerSecond / 2));
    const atHalf = await drive(app.url, token, SECONDS, halfRate);
    // For scale: autocannon paces `overallRate` per connection and per second (each connection sends
    // its quota for the second at once), so part of the latency at half rate is its own bursts; the
    // bare handler at half of its own maximum shows how much.
    const bareAtHalf = await drive(bare.url, null, SECONDS, Math.max(1, Math.floor(baseline.requestsPerSecond / 2)));
    // Expressed as the time each needs for 10,000 requests at its highest rate: ratio = app rate / bare rate.
    const requests = 10_000;
    return ratioResult('HTTP read path', `${requests.toLocaleString('en')} authenticated GET ${PATH} (${INTERFACES.toLocaleString('en')} interfaces, ${bytes.length.toLocaleString('en')} bytes), ${CONNECTIONS} connections, vs a bare express handler answering the same bytes`, (requests / measured.requestsPerSecond) * 1000, (requests / baseline.requestsPerSecond) * 1000, 0.4, {
      database: workbench.services.database.dialect,
      appRequestsPerSecond: Math.round(measured.requestsPerSecond),
      bareRequestsPerSecond: Math.round(baseline.requestsPerSecond),
      appAtMaxP50Ms: measured.p50Ms,
      appAtMaxP99Ms: measured.p99Ms,
      bareAtMaxP50Ms: baseline.p50Ms,
      bareAtMaxP99Ms: baseline.p99Ms,
      halfRateRequestsPerSecond: halfRate,
      appAtHalfRateP50Ms: atHalf.p50Ms,
      appAtHalfRateP99Ms: atHalf.p99Ms,
      bareAtHalfItsRateP50Ms: bareAtHalf.p50Ms,
      bareAtHalfItsRateP99Ms: bareAtHalf.p99Ms,
      rounds: rounds.map((r) => ({ app: Math.round(r.measured.requestsPerSecond), bare: Math.round(r.baseline.requestsPerSecond) })),
    });
  } finally {
    await bare?.stop();
    await app.stop();
    await workbench.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const httpBenchmark: Benchmark = {
  name: 'http',
  description: 'authenticated GET /api/v1/interfaces (page of 50 of 1,000) vs a bare express handler returning the same bytes, autocannon on loopback',
  run: async () => [await benchHttp()],
};
