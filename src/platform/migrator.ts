// Applies schema migrations with umzug. Schema changes happen only here, never through sync().
import { SequelizeStorage, Umzug } from 'umzug';
import type { Database } from './database.js';
import { MIGRATIONS } from './migrations/index.js';
import type { MigrationContext } from './migrations/migration.js';

// Arbitrary constant naming "the migration lock" among PostgreSQL advisory locks.
const MIGRATION_LOCK_ID = 740_211_001;

function createUmzug(database: Database) {
  const context: MigrationContext = {
    queryInterface: database.sequelize.getQueryInterface(),
    sequelize: database.sequelize,
    dialect: database.dialect,
  };
  return new Umzug({
    migrations: MIGRATIONS.map((migration) => ({
      name: migration.name,
      up: () => migration.up(context),
      down: () => migration.down(context),
    })),
    context,
    storage: new SequelizeStorage({ sequelize: database.sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
}

/** Brings the schema up to date; returns the names of the migrations it applied. */
export async function migrateUp(database: Database): Promise<string[]> {
  const umzug = createUmzug(database);
  if (database.dialect === 'sqlite') {
    return (await umzug.up()).map((m) => m.name);
  }
  // Several instances may start at once against one PostgreSQL: the first migrates, the others
  // wait on the lock and then find nothing left to do.
  return database.sequelize.transaction(async (transaction) => {
    await database.sequelize.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`, { transaction });
    return (await umzug.up()).map((m) => m.name);
  });
}

export async function pendingMigrations(database: Database): Promise<string[]> {
  return (await createUmzug(database).pending()).map((m) => m.name);
}
