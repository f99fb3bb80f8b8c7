// Database.read(): the plain reads every request makes (its session, a kept page's generation) —
// on SQLite through connections of their own that refuse writes — and the registry's generation,
// which the database itself moves on every change (migration 0012).
import { expect } from 'chai';
import { readGenerations } from '../../src/platform/migrations/0012-read-generations.js';
import { systemContext } from '../../src/platform/request-context.js';
import { describeEachDatabase } from '../support/databases.js';
import { anInterface, ERP, WMS } from '../support/registry-fixtures.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

describeEachDatabase('database: plain reads and read generations', (dialect) => {
  let wb: TestWorkbench;
  const ctx = systemContext('test set-up');
  before(async () => (wb = await createTestWorkbench(dialect, { seedUsers: false })));
  after(async () => wb?.close());

  const generation = async () => Number((await wb.services.database.read<{ generation: number }>('SELECT generation FROM read_generations WHERE name = ?', ['registry']))[0]!.generation);

  it('reads what a write transaction has just committed', async () => {
    await wb.services.systems.create(ctx, ERP);
    const rows = await wb.services.database.read<{ name: string; gamp_category: number }>('SELECT name, gamp_category FROM systems WHERE name = ?', [ERP.name]);
    expect(rows).to.deep.equal([{ name: ERP.name, gamp_category: 4 }]);
  });

  it('answers many concurrent reads, each with its own result', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => wb.services.database.read<{ n: number }>('SELECT ? + 1 AS n', [i])));
    expect(answers.map((rows) => Number(rows[0]!.n))).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  if (dialect === 'sqlite') {
    it('refuses a write sent through a read, changing nothing', async () => {
      const before = await generation();
      let refused: unknown = null;
      await wb.services.database.read("UPDATE read_generations SET generation = generation + 100 WHERE name = 'registry'").catch((error: unknown) => (refused = error));
      expect(String(refused)).to.match(/readonly|read-only|query_only|attempt to write/i);
      expect(await generation()).to.equal(before);
    });
  }

  it('moves the registry generation with every committed change to systems, interfaces and their platforms, whoever makes it', async () => {
    let last = await generation();
    const moved = async (what: string) => {
      const now = await generation();
      expect(now, what).to.be.greaterThan(last);
      last = now;
    };
    await wb.services.systems.create(ctx, WMS);
    await moved('a new system');
    await wb.services.interfaces.create(ctx, anInterface('IF-GEN-001'));
    await moved('a new interface');
    await wb.services.interfaces.update(ctx, 'IF-GEN-001', { platforms: ['Boomi Atom 24.08'] }, 'moved to Boomi');
    await moved('an interface edit and its platforms replaced');
    wb.tamperedWith(); // edits behind the application's back, as a SQL client makes them
    await wb.services.database.sequelize.query("UPDATE interfaces SET owner = 'SQL client' WHERE key = 'IF-GEN-001'");
    await moved('a direct SQL edit');
    await wb.services.database.sequelize.query('DELETE FROM interface_platforms');
    await moved('a direct SQL delete of platform rows');
    await wb.services.database.write(async (tx) => {
      await wb.services.database.sequelize.query("UPDATE systems SET owner = 'rolled back' WHERE name = ?", { replacements: [WMS.name], transaction: tx });
      throw new Error('roll back');
    }).catch(() => undefined);
    expect(await generation(), 'a rolled-back change').to.equal(last);
  });

  if (dialect === 'postgres') {
    it('moves the generation once per transaction, at commit, so it cannot deadlock with a transaction holding the audit chain', async () => {
      const before = await generation();
      await wb.services.interfaces.importRegistry(ctx, { interfaces: ['IF-GEN-101', 'IF-GEN-102', 'IF-GEN-103'].map((key) => anInterface(key, { sourceSystem: WMS.name, targetSystem: ERP.name })) });
      expect(await generation(), 'three interfaces, their platforms, one import').to.equal(before + 1);

      // One transaction changes a registry row, then waits for the audit chain's lock; the other holds
      // that lock, then changes another registry row. Both must commit.
      const sql = wb.services.database.sequelize;
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const first = wb.services.database.write(async (tx) => {
        await sql.query("UPDATE systems SET owner = 'first' WHERE name = ?", { replacements: [WMS.name], transaction: tx });
        await pause(150);
        await sql.query('SELECT pg_advisory_xact_lock(740211002)', { transaction: tx });
      });
      await pause(50);
      const second = wb.services.database.write(async (tx) => {
        await sql.query('SELECT pg_advisory_xact_lock(740211002)', { transaction: tx });
        await pause(200);
        await sql.query("UPDATE interfaces SET owner = 'second' WHERE key = 'IF-GEN-101'", { transaction: tx });
      });
      const outcomes = await Promise.allSettled([first, second]);
      expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'committed'))).to.deep.equal(['committed', 'committed']);
      expect(await generation()).to.equal(before + 3);
    });
  }

  it('migration 0012 goes down and up again', async () => {
    const context = { queryInterface: wb.services.database.sequelize.getQueryInterface(), sequelize: wb.services.database.sequelize, dialect: wb.services.database.dialect };
    await readGenerations.down(context);
    await wb.services.database.sequelize.query("UPDATE interfaces SET owner = 'no trigger now' WHERE key = 'IF-GEN-001'");
    await readGenerations.up(context);
    expect(await generation()).to.equal(0);
    await wb.services.database.sequelize.query("UPDATE interfaces SET owner = 'triggers back' WHERE key = 'IF-GEN-001'");
    expect(await generation()).to.be.greaterThan(0);
  });
});
