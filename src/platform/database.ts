// The relational database behind every record: SQLite (embedded default) or PostgreSQL.
// Writes go through Database.write(), one transaction each, so a regulated change and its audit
// event commit or roll back together (Part 11 §11.10(e)).
import fs from 'node:fs';
import path from 'node:path';
import { Mutex } from 'async-mutex';
import sqlite3 from 'sqlite3';
import { QueryTypes, Sequelize, Transaction, type Options } from 'sequelize';
import type { DatabaseConfig } from '../config.js';
import { StartupError } from './errors.js';
import { createFileIfMissing, ensurePrivateDirectory } from './files.js';

export type Dialect = 'sqlite' | 'postgres';

// Durability first (DESIGN.md §7): WAL with synchronous=FULL loses no committed transaction on
// power failure; busy_timeout lets another process (the CLI next to a server) wait for the lock.
const SQLITE_PRAGMAS = [
  'PRAGMA journal_mode = WAL',
  'PRAGMA synchronous = FULL',
  'PRAGMA foreign_keys = ON',
  'PRAGMA busy_timeout = 10000',
  // Without it, REPLACE INTO deletes the old row without firing the append-only DELETE trigger.
  'PRAGMA recursive_triggers = ON',
];

export class Database {
  private readonly writeLock = new Mutex();
  /** SQLite: the connections `read()` uses, opened on first use. */
  private readers: Promise<Reader[]> | null = null;

  constructor(
    readonly sequelize: Sequelize,
    readonly dialect: Dialect,
    /** SQLite: the database file, for the connection `read()` uses. */
    private readonly sqliteStorage: string | null = null,
  ) {}

  /**
   * A plain read (`?` placeholders), outside any transaction, for the few reads every request makes
   * (its session, a cache's generation). Sequelize's SQLite layer runs every query on one
   * connection in serialized mode — one thread-pool round trip after another for all concurrent
   * requests — and captures a stack trace per query. On SQLite these reads go instead to a few
   * connections of their own that refuse writes (`query_only`), one statement at a time each (a
   * statement sent to a connection busy on another thread would block the event loop on its lock).
   * In WAL mode they see every committed transaction, as the main connection does. Rows come back
   * as the driver gives them (SQLite: dates as text, booleans as 0/1).
   */
  async read<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.dialect !== 'sqlite' || this.sqliteStorage === null) {
      return this.sequelize.query<T>(sql, { replacements: params, type: QueryTypes.SELECT });
    }
    const readers = await (this.readers ??= openReaders(this.sqliteStorage, READERS).catch((error: unknown) => {
      this.readers = null; // the next read tries again
      throw error;
    }));
    // The least busy connection; each runs its statements one after another (serialize mode).
    const reader = readers.reduce((best, candidate) => (candidate.pending < best.pending ? candidate : best));
    reader.pending += 1;
    try {
      return await new Promise<T[]>((resolve, reject) => reader.connection.all(sql, params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows))));
    } finally {
      reader.pending -= 1;
    }
  }

  /**
   * Runs `work` in one write transaction. On SQLite, write transactions are serialized in-process
   * and begin IMMEDIATE, so concurrent requests queue instead of failing with SQLITE_BUSY.
   */
  async write<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    if (this.dialect === 'sqlite') {
      return this.writeLock.runExclusive(() =>
        this.sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, work),
      );
    }
    return this.sequelize.transaction(work);
  }

  async close(): Promise<void> {
    const readers = this.readers;
    this.readers = null;
    for (const { connection } of (await readers?.catch(() => null)) ?? []) await new Promise<void>((resolve) => connection.close(() => resolve()));
    await this.sequelize.close();
  }
}

/** Opens the database and proves it is writable; a problem becomes a StartupError naming it. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.dialect === 'sqlite' ? openSqlite(config.storage, config.explicit) : openPostgres(config.url, config.schema);
}

async function openSqlite(storage: string, explicit: boolean): Promise<Database> {
  const directory = path.dirname(storage);
  if (!fs.existsSync(directory)) {
    if (explicit) {
      throw new StartupError(`DATABASE_URL: the directory ${directory} of the SQLite database does not exist`);
    }
    ensurePrivateDirectory(directory);
  }
  // Created 0600 before SQLite opens it: SQLite would create it 0644 (less the umask), and it gives
  // the -wal and -shm files it creates beside it the mode of the database file.
  try {
    createFileIfMissing(storage, 0o600);
  } catch {
    // A directory the server cannot write: SQLite's own open below names the problem.
  }
  const sequelize = new Sequelize({ dialect: 'sqlite', storage, logging: false });
  applyPragmasOnEveryConnection(sequelize);
  const database = new Database(sequelize, 'sqlite', storage);
  try {
    // Rewriting user_version with its own value is a real write: it fails on a read-only file.
    const [rows] = await sequelize.query('PRAGMA user_version');
    const version = Number((rows as Array<{ user_version: number }>)[0]?.user_version ?? 0);
    await sequelize.query(`PRAGMA user_version = ${version}`);
  } catch (error) {
    await sequelize.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    if (/READONLY|readonly/.test(reason)) {
      throw new StartupError(
        `the SQLite database ${storage} is read-only: the server needs write access to the file and its directory (${reason})`,
      );
    }
    throw new StartupError(`cannot open the SQLite database ${storage}: ${reason}`);
  }
  return database;
}

/** Connections for `Database.read()`: as many as libuv has threads by default. */
const READERS = 4;

interface Reader {
  connection: sqlite3.Database;
  /** Statements sent and not answered yet. */
  pending: number;
}

/** The read-only companions of `Database.read()`; a reader waits for a writer's lock like any connection. */
async function openReaders(storage: string, count: number): Promise<Reader[]> {
  const open = () =>
    new Promise<Reader>((resolve, reject) => {
      const connection = new sqlite3.Database(storage, sqlite3.OPEN_READWRITE, (error) => {
        if (error) return reject(error);
        connection.serialize();
        connection.exec('PRAGMA busy_timeout = 10000; PRAGMA query_only = ON', (pragmaError) => (pragmaError ? reject(pragmaError) : resolve({ connection, pending: 0 })));
      });
    });
  return Promise.all(Array.from({ length: count }, open));
}

/**
 * Sequelize opens a new SQLite connection for every transaction and runs no afterConnect hook for
 * SQLite, so the PRAGMAs are applied here, once per connection, before it is handed out.
 */
function applyPragmasOnEveryConnection(sequelize: Sequelize): void {
  type RawConnection = { exec(sql: string, done: (error: Error | null) => void): void };
  const manager = sequelize.connectionManager as unknown as {
    getConnection(options?: unknown): Promise<RawConnection>;
  };
  const getConnection = manager.getConnection.bind(manager);
  const prepared = new WeakMap<RawConnection, Promise<void>>();
  manager.getConnection = async (options?: unknown) => {
    const connection = await getConnection(options);
    let ready = prepared.get(connection);
    if (!ready) {
      ready = new Promise<void>((resolve, reject) =>
        connection.exec(SQLITE_PRAGMAS.join(';\n'), (error) => (error ? reject(error) : resolve())),
      );
      prepared.set(connection, ready);
    }
    await ready;
    return connection;
  };
}

async function openPostgres(url: string, schema: string | null): Promise<Database> {
  const options: Options = {
    dialect: 'postgres',
    logging: false,
    pool: { max: 10, min: 0, idle: 10_000 },
  };
  if (schema) {
    // A schema per installation (or per test suite) on a shared server.
    await withSingleConnection(url, async (sequelize) => {
      await sequelize.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    });
    options.dialectOptions = { options: `-c search_path=${schema}` };
  }
  const sequelize = new Sequelize(url, options);
  try {
    await sequelize.authenticate();
  } catch (error) {
    await sequelize.close().catch(() => undefined);
    throw new StartupError(`DATABASE_URL: cannot connect to PostgreSQL: ${(error as Error).message}`);
  }
  return new Database(sequelize, 'postgres');
}

async function withSingleConnection(url: string, work: (sequelize: Sequelize) => Promise<void>): Promise<void> {
  const sequelize = new Sequelize(url, { dialect: 'postgres', logging: false, pool: { max: 1 } });
  try {
    await work(sequelize);
  } catch (error) {
    throw new StartupError(`DATABASE_URL: cannot prepare PostgreSQL: ${(error as Error).message}`);
  } finally {
    await sequelize.close().catch(() => undefined);
  }
}
