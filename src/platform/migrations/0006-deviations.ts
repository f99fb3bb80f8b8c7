// Deviations raised from failed run steps. Every change is a new row in deviation_versions
// (insert-only), so a QA signature binds one exact version; the deviations row points at the newest.
import { DataTypes } from 'sequelize';
import { dropRefusals, makeAppendOnly, refuseDeletes, type Migration } from './migration.js';

const { INTEGER, STRING, TEXT } = DataTypes;

export const deviations: Migration = {
  name: '0006-deviations',
  async up(context) {
    const { queryInterface: qi } = context;
    await qi.createTable('deviations', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      run_id: { type: INTEGER, allowNull: false, references: { model: 'runs', key: 'id' } },
      step_position: { type: INTEGER, allowNull: false },
      interface_key: { type: STRING(64), allowNull: false },
      current_version: { type: INTEGER, allowNull: false },
      status: { type: STRING(16), allowNull: false },
      opened_at: { type: STRING(24), allowNull: false },
    });
    await qi.addIndex('deviations', ['run_id']);
    await refuseDeletes(context, 'deviations');
    await qi.createTable('deviation_versions', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      deviation_id: { type: INTEGER, allowNull: false, references: { model: 'deviations', key: 'id' } },
      version: { type: INTEGER, allowNull: false },
      content: { type: TEXT, allowNull: false },
      changed_at: { type: STRING(24), allowNull: false },
      changed_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      changed_by_name: { type: STRING(200), allowNull: false },
      reason: { type: TEXT, allowNull: true },
    });
    await qi.addIndex('deviation_versions', ['deviation_id', 'version'], { unique: true });
    await makeAppendOnly(context, 'deviation_versions');
  },
  async down(context) {
    for (const table of ['deviation_versions', 'deviations']) {
      await dropRefusals(context, table);
      await context.queryInterface.dropTable(table);
    }
  },
};
