// Benchmark harness: every benchmark measures its own baseline in the same process run and
// reports a ratio (measured throughput / baseline throughput), because machines are shared and
// noisy. Absolute timings are printed for context only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { migrateUp } from '../src/platform/migrator.js';
import { createServices, type Services } from '../src/services.js';

export interface BenchResult {
  name: string;
  /** What was measured, e.g. "100,000 audited changes". */
  work: string;
  measuredMs: number;
  baselineMs: number;
  /** baselineMs / measuredMs: 1.0 means as fast as the baseline. */
  ratio: number;
  target: number;
  /** Further limits the issue names (e.g. event-loop delay); any one missed fails the run. */
  checks?: BenchCheck[];
  notes?: Record<string, unknown>;
}

export interface BenchCheck {
  name: string;
  value: number;
  /** The value must stay below this. */
  below: number;
  unit: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<BenchResult[]>;
}

export function ratioResult(name: string, work: string, measuredMs: number, baselineMs: number, target: number, notes?: Record<string, unknown>, checks?: BenchCheck[]): BenchResult {
  return { name, work, measuredMs, baselineMs, ratio: baselineMs / measuredMs, target, ...(checks ? { checks } : {}), ...(notes ? { notes } : {}) };
}

export function passed(result: BenchResult): boolean {
  return result.ratio >= result.target && (result.checks ?? []).every((c) => c.value < c.below);
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

export interface BenchWorkbench {
  services: Services;
  /** The environment the services were configured from: a server process started with it shares their data. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A fresh, migrated system on the benchmark database (SQLite unless BENCH_DATABASE_URL says otherwise). */
export async function createBenchWorkbench(env: Record<string, string> = {}): Promise<BenchWorkbench> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-bench-'));
  const schema = `bench_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const effective: Record<string, string> = {
    GXPW_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    GXPW_AUDIT_CHECKPOINT_EVERY: '1000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, GXPW_DB_SCHEMA: schema } : {}),
    ...env,
  };
  const services = await createServices(loadConfig(effective, dataDir));
  await migrateUp(services.database);
  return {
    services,
    env: effective,
    async close() {
      if (services.database.dialect === 'postgres') await services.database.sequelize.query(`DROP SCHEMA "${schema}" CASCADE`);
      await services.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
