// Platforms become registry records: the product, its vendor and kind, the version in service per
// environment, the systems that run on it. Each row of the interface platform index keeps the text
// the interface names ("MuleSoft Runtime 4.6") and gains the platform record it refers to. Rows
// written before this are linked right after the migrations by the service
// (PlatformService.adoptFreeText), which creates the records and audits each one: a migration
// writes no audit events, and every new record must have its trail (DESIGN.md §7).
import { DataTypes } from 'sequelize';
import { dropRefusals, refuseDeletes, type Migration } from './migration.js';

const { INTEGER, STRING, TEXT, DATE } = DataTypes;

export const platforms: Migration = {
  name: '0015-platforms',
  async up(context) {
    const { queryInterface: qi, sequelize } = context;
    await qi.createTable('platforms', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      key: { type: STRING(64), allowNull: false, unique: true },
      name: { type: STRING(120), allowNull: false },
      vendor: { type: STRING(120), allowNull: true },
      kind: { type: STRING(32), allowNull: false },
      status: { type: STRING(16), allowNull: false },
      retired_reason: { type: TEXT, allowNull: true },
      system_ids: { type: TEXT, allowNull: false },
      created_at: { type: DATE, allowNull: false },
      updated_at: { type: DATE, allowNull: false },
    });
    // Names are matched without regard to case ("Mulesoft runtime 4.6" is the MuleSoft Runtime).
    await sequelize.query('CREATE UNIQUE INDEX platforms_name_folded ON platforms (lower(name))');
    await refuseDeletes(context, 'platforms');

    await qi.createTable('platform_versions', {
      platform_id: { type: INTEGER, allowNull: false, primaryKey: true, references: { model: 'platforms', key: 'id' } },
      environment: { type: STRING(32), allowNull: false, primaryKey: true },
      version: { type: STRING(64), allowNull: false },
    });
    await refuseDeletes(context, 'platform_versions');

    // Plain ALTER TABLE, as in 0007 and 0011: addColumn qualifies the table with "public" on PostgreSQL.
    await sequelize.query('ALTER TABLE interface_platforms ADD COLUMN platform_id INTEGER NULL REFERENCES platforms (id)');
    // "Which interfaces run on this platform": one range of this index, each row naming its interface.
    await sequelize.query('CREATE INDEX interface_platforms_platform_id ON interface_platforms (platform_id, interface_id)');
  },
  async down(context) {
    const { queryInterface: qi, sequelize } = context;
    await sequelize.query('DROP INDEX interface_platforms_platform_id');
    await sequelize.query('ALTER TABLE interface_platforms DROP COLUMN platform_id');
    for (const table of ['platform_versions', 'platforms']) {
      await dropRefusals(context, table);
      await qi.dropTable(table);
    }
  },
};
