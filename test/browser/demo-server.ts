// The server the browser tests visit: `gxpw serve` as a child process, the way an administrator
// starts it, on a fresh data directory, seeding the FULL demo workspace (registry, runs, packages
// VP-0001 approved and VP-0002 in review, changes CR-0001 and CR-0002). Started once per
// `npm run test:browser` (test/browser/setup.ts), stopped and removed at the end.
//
// Environment:
//   GXPW_BROWSER_DATABASE=postgres  serve from a fresh PostgreSQL schema at GXPW_TEST_POSTGRES_URL
//                                   (default postgres://postgres@127.0.0.1:5432/test), dropped afterwards;
//                                   SQLite by default.
//   GXPW_BROWSER_PORT=3505          listen there (default: a free port).
//   GXPW_BROWSER_BASE_URL=http://…  test a server that is already running (seeded with the demo and
//                                   GXPW_DEMO_PASSWORD); none is started then.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, MAIN } from '../cli/cli-helpers.js';
import { dropPostgresSchema, POSTGRES_URL } from '../support/databases.js';

/** The demo accounts' password on the server under test. */
export const DEMO_PASSWORD = process.env.GXPW_DEMO_PASSWORD ?? 'browser-demo-password-1';

export interface DemoServer {
  base: string;
  database: 'sqlite' | 'postgres';
  /** Everything the server printed so far (start-up, warnings). */
  output(): string;
  stop(): Promise<void>;
}

let current: DemoServer | null = null;

/** The server started by the global setup. */
export function demoServer(): DemoServer {
  if (!current) throw new Error('the demo server is not running: run the browser tests with `npm run test:browser` (test/browser/.mocharc.cjs requires test/browser/setup.js)');
  return current;
}

/** Starts `gxpw serve` with the demo and waits until it listens AND its demo runs, packages and changes are made. */
export async function startDemoServer(): Promise<DemoServer> {
  const external = process.env.GXPW_BROWSER_BASE_URL;
  if (external) {
    current = { base: external.replace(/\/+$/, ''), database: 'sqlite', output: () => '', stop: async () => undefined };
    return current;
  }
  const database = process.env.GXPW_BROWSER_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-browser-'));
  const schema = `browser_${randomBytes(5).toString('hex')}`;
  const port = Number(process.env.GXPW_BROWSER_PORT ?? (await freePort()));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    HOST: '127.0.0.1',
    PORT: String(port),
    GXPW_DATA_DIR: path.join(dir, 'data'),
    EVIDENCE_DIR: path.join(dir, 'evidence'),
    GXPW_DEMO_PASSWORD: DEMO_PASSWORD,
    LOG_LEVEL: 'warn',
    // Cheaper password hashing: the tests sign in dozens of times on a shared two-core machine.
    GXPW_SCRYPT_LOG_N: '12',
    // Every test signs in through the form; the default limit (60 a minute) is for people.
    GXPW_LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    GXPW_SIGNING_RATE_LIMIT_PER_MINUTE: '1000',
    ...(database === 'postgres' ? { DATABASE_URL: POSTGRES_URL, GXPW_DB_SCHEMA: schema } : {}),
  };
  const child: ChildProcess = spawn(process.execPath, [MAIN, 'serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const cleanUp = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    if (database === 'postgres') await dropPostgresSchema(schema).catch((error: unknown) => console.error(`could not drop schema ${schema}:`, error));
  };

  // Seeding the demo takes ~25 s, its runs some more; a busy CI machine may need several times that.
  const deadline = Date.now() + 300_000;
  const ready = () => out.includes('listening on') && out.includes('Demo runs finished');
  while (!ready()) {
    if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) {
      await cleanUp();
      throw new Error(`the demo server did not get ready (listening, demo runs finished) within 5 minutes:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  current = {
    base: `http://127.0.0.1:${port}`,
    database,
    output: () => out,
    stop: async () => {
      current = null;
      await cleanUp();
    },
  };
  return current;
}
