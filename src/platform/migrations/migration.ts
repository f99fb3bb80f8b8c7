// Shape of a schema migration, and the dialect-specific triggers that make tables append-only.
// A migration that has been merged is never edited; a change is a new migration (STYLE.md §8).
import type { QueryInterface, Sequelize } from 'sequelize';
import type { Dialect } from '../database.js';

export interface MigrationContext {
  queryInterface: QueryInterface;
  sequelize: Sequelize;
  dialect: Dialect;
}

export interface Migration {
  name: string;
  up(context: MigrationContext): Promise<void>;
  down(context: MigrationContext): Promise<void>;
}

/**
 * Makes the database itself refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on a table, so
 * that not even a bug or a stray SQL client of the application can rewrite history
 * (Part 11 §11.10(e): changes shall not obscure previously recorded information).
 */
export async function makeAppendOnly(context: MigrationContext, table: string): Promise<void> {
  await refuseStatements(context, table, ['UPDATE', 'DELETE']);
}

/** Rows may change but never disappear (users are deactivated, never deleted: Part 11 §11.100). */
export async function refuseDeletes(context: MigrationContext, table: string): Promise<void> {
  await refuseStatements(context, table, ['DELETE']);
}

export async function dropRefusals(context: MigrationContext, table: string): Promise<void> {
  const { sequelize, dialect } = context;
  for (const operation of ['update', 'delete', 'truncate']) {
    const name = `${table}_refuse_${operation}`;
    await sequelize.query(dialect === 'sqlite' ? `DROP TRIGGER IF EXISTS ${name}` : `DROP TRIGGER IF EXISTS ${name} ON ${table}`);
  }
}

async function refuseStatements(context: MigrationContext, table: string, operations: Array<'UPDATE' | 'DELETE'>) {
  const { sequelize, dialect } = context;
  if (dialect === 'sqlite') {
    for (const operation of operations) {
      await sequelize.query(
        `CREATE TRIGGER ${table}_refuse_${operation.toLowerCase()} BEFORE ${operation} ON ${table} ` +
          `BEGIN SELECT RAISE(ABORT, '${table} is append-only: ${operation} refused'); END`,
      );
    }
    return;
  }
  await sequelize.query(`
    CREATE OR REPLACE FUNCTION gxpw_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`);
  for (const operation of operations) {
    await sequelize.query(
      `CREATE TRIGGER ${table}_refuse_${operation.toLowerCase()} BEFORE ${operation} ON ${table} ` +
        'FOR EACH ROW EXECUTE FUNCTION gxpw_refuse_change()',
    );
  }
  if (operations.includes('DELETE')) {
    await sequelize.query(
      `CREATE TRIGGER ${table}_refuse_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION gxpw_refuse_change()`,
    );
  }
}
