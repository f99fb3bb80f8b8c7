// Scenarios (test definitions per interface, versioned, insert-only), runs and their steps. A run
// changes while it executes and never after: once finished, the database refuses every UPDATE.
import { DataTypes } from 'sequelize';
import { dropRefusals, makeAppendOnly, refuseDeletes, type Migration, type MigrationContext } from './migration.js';

const { INTEGER, STRING, TEXT, BOOLEAN } = DataTypes;

export const scenariosAndRuns: Migration = {
  name: '0005-scenarios-and-runs',
  async up(context) {
    const { queryInterface: qi } = context;
    await qi.createTable('scenarios', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interface_id: { type: INTEGER, allowNull: false, references: { model: 'interfaces', key: 'id' } },
      key: { type: STRING(64), allowNull: false },
      version: { type: INTEGER, allowNull: false },
      name: { type: STRING(200), allowNull: false },
      category: { type: STRING(16), allowNull: false },
      contract_version: { type: INTEGER, allowNull: false },
      definition: { type: TEXT, allowNull: false },
      digest: { type: STRING(64), allowNull: false },
      created_at: { type: STRING(24), allowNull: false },
      created_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      created_by_name: { type: STRING(200), allowNull: false },
    });
    await qi.addIndex('scenarios', ['interface_id', 'key', 'version'], { unique: true });
    await makeAppendOnly(context, 'scenarios');

    await qi.createTable('runs', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interface_id: { type: INTEGER, allowNull: false, references: { model: 'interfaces', key: 'id' } },
      interface_key: { type: STRING(64), allowNull: false },
      contract_version: { type: INTEGER, allowNull: false },
      contract_digest: { type: STRING(64), allowNull: false },
      environment: { type: STRING(32), allowNull: false },
      base_url: { type: STRING(500), allowNull: false },
      dry_run: { type: BOOLEAN, allowNull: false },
      assurance: { type: TEXT, allowNull: false },
      scenarios: { type: TEXT, allowNull: false },
      runner_version: { type: STRING(32), allowNull: false },
      seed: { type: STRING(32), allowNull: false },
      status: { type: STRING(16), allowNull: false },
      summary: { type: TEXT, allowNull: true },
      started_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      started_by_name: { type: STRING(200), allowNull: false },
      queued_at: { type: STRING(24), allowNull: false },
      started_at: { type: STRING(24), allowNull: true },
      finished_at: { type: STRING(24), allowNull: true },
    });
    await qi.addIndex('runs', ['interface_id']);
    await refuseDeletes(context, 'runs');
    await refuseUpdatesOnceFinished(context, 'runs');

    await qi.createTable('run_steps', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      run_id: { type: INTEGER, allowNull: false, references: { model: 'runs', key: 'id' } },
      position: { type: INTEGER, allowNull: false },
      scenario_key: { type: STRING(64), allowNull: false },
      scenario_version: { type: INTEGER, allowNull: false },
      name: { type: STRING(200), allowNull: false },
      category: { type: STRING(16), allowNull: false },
      requirements: { type: TEXT, allowNull: false },
      status: { type: STRING(16), allowNull: false },
      expected: { type: TEXT, allowNull: false },
      actual: { type: TEXT, allowNull: false },
      message: { type: TEXT, allowNull: true },
      duration_ms: { type: INTEGER, allowNull: false },
      request_evidence: { type: STRING(64), allowNull: true },
      response_evidence: { type: STRING(64), allowNull: true },
    });
    await qi.addIndex('run_steps', ['run_id', 'position'], { unique: true });
    await makeAppendOnly(context, 'run_steps');
  },
  async down(context) {
    for (const table of ['run_steps', 'runs', 'scenarios']) {
      await dropRefusals(context, table);
      await context.queryInterface.dropTable(table);
    }
  },
};

/** A finished run is a record of what happened: the database refuses to change it afterwards. */
async function refuseUpdatesOnceFinished(context: MigrationContext, table: string): Promise<void> {
  const { sequelize, dialect } = context;
  if (dialect === 'sqlite') {
    await sequelize.query(
      `CREATE TRIGGER ${table}_refuse_update BEFORE UPDATE ON ${table} WHEN OLD.finished_at IS NOT NULL ` +
        `BEGIN SELECT RAISE(ABORT, '${table} is append-only: UPDATE of a finished run refused'); END`,
    );
    return;
  }
  await sequelize.query(`
    CREATE OR REPLACE FUNCTION gxpw_refuse_finished_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.finished_at IS NOT NULL THEN
        RAISE EXCEPTION '% is append-only: UPDATE of a finished run refused', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$`);
  await sequelize.query(`CREATE TRIGGER ${table}_refuse_update BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION gxpw_refuse_finished_change()`);
}
