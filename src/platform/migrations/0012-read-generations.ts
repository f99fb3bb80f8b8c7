// A generation counter per group of tables, moved by the database itself on every change to them,
// so a server can keep a read (a registry page) and know, with one tiny query, whether it is still
// what the tables hold — whichever instance, CLI process or SQL client changed them. Triggers, not
// the application, move it: nothing that commits a change can forget to.
import { DataTypes } from 'sequelize';
import type { Migration, MigrationContext } from './migration.js';

const { INTEGER, STRING } = DataTypes;

/** Group → the tables whose every INSERT, UPDATE and DELETE moves its generation. */
export const READ_GENERATION_TABLES = { registry: ['systems', 'interfaces', 'interface_platforms'] } as const;

export const readGenerations: Migration = {
  name: '0012-read-generations',
  async up(context) {
    const { queryInterface: qi, sequelize } = context;
    await qi.createTable('read_generations', {
      name: { type: STRING(32), primaryKey: true },
      generation: { type: INTEGER, allowNull: false },
    });
    for (const [group, tables] of Object.entries(READ_GENERATION_TABLES)) {
      await sequelize.query('INSERT INTO read_generations (name, generation) VALUES (?, 0)', { replacements: [group] });
      for (const table of tables) await createTriggers(context, group, table);
    }
  },
  async down(context) {
    const { queryInterface: qi, sequelize, dialect } = context;
    for (const tables of Object.values(READ_GENERATION_TABLES)) {
      for (const table of tables) {
        if (dialect === 'sqlite') {
          for (const operation of OPERATIONS) await sequelize.query(`DROP TRIGGER IF EXISTS ${table}_read_generation_${operation.toLowerCase()}`);
        } else {
          for (const name of [`${table}_read_generation`, `${table}_read_generation_truncate`]) await sequelize.query(`DROP TRIGGER IF EXISTS ${name} ON ${table}`);
        }
      }
    }
    if (dialect === 'postgres') await sequelize.query('DROP FUNCTION IF EXISTS gxpw_next_read_generation()');
    await qi.dropTable('read_generations');
  },
};

const OPERATIONS = ['INSERT', 'UPDATE', 'DELETE'] as const;

async function createTriggers({ sequelize, dialect }: MigrationContext, group: string, table: string): Promise<void> {
  if (dialect === 'sqlite') {
    // SQLite has row triggers only: one counter update per changed row, inside the same transaction.
    for (const operation of OPERATIONS) {
      await sequelize.query(
        `CREATE TRIGGER ${table}_read_generation_${operation.toLowerCase()} AFTER ${operation} ON ${table} ` +
          `BEGIN UPDATE read_generations SET generation = generation + 1 WHERE name = '${group}'; END`,
      );
    }
    return;
  }
  // PostgreSQL: at commit (a deferred constraint trigger), once per transaction whatever the number
  // of rows (a transaction-local flag). The counter row is locked only for the commit itself, after
  // every other lock the transaction takes — an AFTER STATEMENT trigger would hold it from the first
  // change on, and a transaction that took the audit chain's lock first could then deadlock with
  // one that changed a registry row first. TRUNCATE cannot be deferred: it moves the counter at once.
  await sequelize.query(`
    CREATE OR REPLACE FUNCTION gxpw_next_read_generation() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE flag text := 'gxpw.read_generation_' || TG_ARGV[0];
    BEGIN
      IF TG_OP = 'TRUNCATE' OR current_setting(flag, true) IS DISTINCT FROM 'moved' THEN
        IF TG_OP <> 'TRUNCATE' THEN PERFORM set_config(flag, 'moved', true); END IF;
        UPDATE read_generations SET generation = generation + 1 WHERE name = TG_ARGV[0];
      END IF;
      RETURN NULL;
    END $$`);
  await sequelize.query(
    `CREATE CONSTRAINT TRIGGER ${table}_read_generation AFTER INSERT OR UPDATE OR DELETE ON ${table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION gxpw_next_read_generation('${group}')`,
  );
  await sequelize.query(`CREATE TRIGGER ${table}_read_generation_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION gxpw_next_read_generation('${group}')`);
}
