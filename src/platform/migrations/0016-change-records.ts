// Change records (issue 14; Annex 11 §10). The change_records row holds the current state; every
// change to it is a new row in change_versions (insert-only), so a QA signature binds one exact
// version and stays verifiable after the state moves on (Part 11 §11.70). The regression runs a
// change links are part of its content, so each link is a new version too.
import { DataTypes } from 'sequelize';
import { dropRefusals, makeAppendOnly, refuseDeletes, type Migration } from './migration.js';

const { INTEGER, STRING, TEXT } = DataTypes;

export const changeRecords: Migration = {
  name: '0016-change-records',
  async up(context) {
    const { queryInterface: qi } = context;
    await qi.createTable('change_records', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      key: { type: STRING(32), allowNull: false, unique: true },
      type: { type: STRING(32), allowNull: false },
      state: { type: STRING(32), allowNull: false },
      planned_date: { type: STRING(10), allowNull: false },
      current_version: { type: INTEGER, allowNull: false },
      content: { type: TEXT, allowNull: false },
      contributors: { type: TEXT, allowNull: false },
      requested_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      requested_at: { type: STRING(24), allowNull: false },
    });
    await qi.addIndex('change_records', ['state']);
    await refuseDeletes(context, 'change_records');
    await qi.createTable('change_versions', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      change_id: { type: INTEGER, allowNull: false, references: { model: 'change_records', key: 'id' } },
      version: { type: INTEGER, allowNull: false },
      content: { type: TEXT, allowNull: false },
      changed_at: { type: STRING(24), allowNull: false },
      changed_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      changed_by_name: { type: STRING(200), allowNull: false },
      reason: { type: TEXT, allowNull: true },
    });
    await qi.addIndex('change_versions', ['change_id', 'version'], { unique: true });
    await makeAppendOnly(context, 'change_versions');
  },
  async down(context) {
    for (const table of ['change_versions', 'change_records']) {
      await dropRefusals(context, table);
      await context.queryInterface.dropTable(table);
    }
  },
};
