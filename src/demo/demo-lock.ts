// One demo at a time. `gxpw serve` and `gxpw demo` both create the demo workspace and its runs, and
// both check first what exists: started together (a `gxpw demo` while the server is still seeding,
// two instances on one PostgreSQL), both found an empty workspace, both seeded — and one failed on
// a duplicate user or interface — both made the demo runs, and a `gxpw demo` that found no server
// answering yet took PORT for its simulators, so the server could not listen. Whoever creates the
// demo holds this lock, from its first check to its last run: the other waits, then finds it done.
//
// PostgreSQL: an advisory lock held by an open transaction (one pooled connection), released by
// its commit, also when the holder dies. SQLite (one host by nature): a lock file beside the
// database naming its holder's pid, taken exclusively, removed by the holder or, once that
// process is gone, by the next one.
import fs from 'node:fs';
import { QueryTypes, type Transaction } from 'sequelize';
import type { DatabaseConfig } from '../config.js';
import type { Database } from '../platform/database.js';

/**
 * Arbitrary constant naming "the demo lock" among PostgreSQL advisory locks. Distinct from the
 * migration lock (740211001, migrator.ts) and the audit chain lock (740211002, audit-trail.ts):
 * the holder appends audit events while it holds this one.
 */
const DEMO_LOCK_ID = 740_211_010;
const POLL_MS = 100;

export interface DemoLock {
  release(): Promise<void>;
}

/**
 * Takes the demo lock, waiting (at most `waitMs`) while another process holds it; `onWait` is
 * told once that it waits. Release it in a finally.
 */
export async function acquireDemoLock(database: Database, config: DatabaseConfig, options: { waitMs?: number; onWait?: (holder: string) => void } = {}): Promise<DemoLock> {
  const deadline = Date.now() + (options.waitMs ?? 10 * 60_000);
  if (config.dialect === 'postgres') return acquirePostgresLock(database, deadline, options.onWait);
  return acquireFileLock(`${config.storage}.demo-lock`, deadline, options.onWait);
}

async function acquirePostgresLock(database: Database, deadline: number, onWait?: (holder: string) => void): Promise<DemoLock> {
  const tx: Transaction = await database.sequelize.transaction();
  try {
    let told = false;
    for (;;) {
      const [row] = await database.sequelize.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${DEMO_LOCK_ID}) AS locked`, { transaction: tx, type: QueryTypes.SELECT });
      if (row?.locked) break;
      if (Date.now() > deadline) throw new Error('another process has been creating the demo workspace for too long (PostgreSQL advisory lock 740211010)');
      if (!told) onWait?.('another process on this database');
      told = true;
      await sleep(POLL_MS);
    }
  } catch (error) {
    await tx.rollback();
    throw error;
  }
  return { release: () => tx.commit() };
}

async function acquireFileLock(file: string, deadline: number, onWait?: (holder: string) => void): Promise<DemoLock> {
  let told = false;
  for (;;) {
    try {
      const handle = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(handle, `${process.pid}\n`);
      fs.closeSync(handle);
      return { release: async () => fs.rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: number;
    try {
      holder = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw error;
    }
    if (Number.isSafeInteger(holder) && holder > 0 && !isAlive(holder)) {
      // Left by a process that died holding it.
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`process ${holder} has been creating the demo workspace for too long (${file}); if it is not running, remove that file`);
    if (!told) onWait?.(`process ${holder}`);
    told = true;
    await sleep(POLL_MS);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
