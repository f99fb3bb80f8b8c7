import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QueryTypes } from 'sequelize';
import { openDatabase } from '../../src/platform/database.js';
import { StartupError } from '../../src/platform/errors.js';
import { migrateUp, pendingMigrations } from '../../src/platform/migrator.js';
import { systemContext } from '../../src/platform/request-context.js';
import { describeEachDatabase } from '../support/databases.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

describeEachDatabase('database', (dialect) => {
  let wb: TestWorkbench;
  before(async () => (wb = await createTestWorkbench(dialect, { seedUsers: false })));
  after(async () => wb?.close());

  it('is migrated only through migrations, and migrating again changes nothing', async () => {
    expect(await pendingMigrations(wb.services.database)).to.deep.equal([]);
    expect(await migrateUp(wb.services.database)).to.deep.equal([]);
  });

  it('serializes concurrent write transactions so none fails with a busy error', async () => {
    const ctx = systemContext('concurrency test');
    const writes = Array.from({ length: 60 }, (_, i) =>
      wb.services.database.write(async (tx) => {
        await wb.services.audit.record(tx, ctx, { action: 'test.write', entityType: 'test', entityId: i, change: 'create', after: { i } });
      }),
    );
    const results = await Promise.allSettled(writes);
    expect(results.filter((r) => r.status === 'rejected')).to.deep.equal([]);
    const [{ n }] = await wb.services.database.sequelize.query<{ n: number }>("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'test.write'", { type: QueryTypes.SELECT });
    expect(Number(n)).to.equal(60);
  });

  if (dialect === 'sqlite') {
    it('sets WAL, synchronous=FULL, foreign keys and a busy timeout on every connection, including transaction connections', async () => {
      const { sequelize } = wb.services.database;
      const read = async (pragma: string, transaction?: unknown) => {
        const rows = await sequelize.query<Record<string, unknown>>(`PRAGMA ${pragma}`, { type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) } as never);
        return Object.values((rows as unknown as Array<Record<string, unknown>>)[0]!)[0];
      };
      const expected = { journal_mode: 'wal', synchronous: 2, foreign_keys: 1, busy_timeout: 10000, recursive_triggers: 1 };
      for (const [pragma, value] of Object.entries(expected)) expect(await read(pragma), pragma).to.equal(value);
      await wb.services.database.write(async (tx) => {
        for (const [pragma, value] of Object.entries(expected)) expect(await read(pragma, tx), `${pragma} in a transaction`).to.equal(value);
      });
    });
  }
});

describe('database start-up errors', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-db-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses an explicit SQLite path whose directory does not exist, naming the setting', async () => {
    let error: unknown;
    try {
      await openDatabase({ dialect: 'sqlite', storage: path.join(dir, 'missing', 'db.sqlite'), explicit: true });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(StartupError);
    expect((error as Error).message).to.match(/DATABASE_URL: the directory .*missing.* does not exist/);
    expect(fs.existsSync(path.join(dir, 'missing'))).to.equal(false);
  });

  it('stops `gxpw migrate` with a clear message when the database file is read-only', function () {
    const file = path.join(dir, 'db.sqlite');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o444);
    fs.chmodSync(dir, 0o777);
    // Root ignores file modes, so run the CLI as an unprivileged user where we are root.
    const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const result = spawnSync(process.execPath, [MAIN, 'migrate'], {
      env: { PATH: process.env.PATH, DATABASE_URL: `sqlite:${file}`, GXPW_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' },
      cwd: dir,
      encoding: 'utf8',
      ...asOther,
    });
    expect(result.status, result.stderr).to.equal(1);
    expect(result.stderr).to.match(/cannot start: the SQLite database .*db\.sqlite is read-only/);
  });

  it('stops `gxpw migrate` naming the setting when PostgreSQL cannot be reached', function () {
    this.timeout(20000);
    const result = spawnSync(process.execPath, [MAIN, 'migrate'], {
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', GXPW_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.match(/DATABASE_URL: cannot connect to PostgreSQL/);
  });
});
