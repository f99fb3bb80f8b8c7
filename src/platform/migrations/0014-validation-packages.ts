// Validation packages (issue 13). A package version is one row, edited while draft; every
// submission freezes its manifest in package_manifests (insert-only), so a signature on any
// submission stays verifiable after a rejection and a resubmission (Part 11 §11.70).
import { DataTypes } from 'sequelize';
import { dropRefusals, makeAppendOnly, refuseDeletes, type Migration } from './migration.js';

const { INTEGER, STRING, TEXT } = DataTypes;

export const validationPackages: Migration = {
  name: '0014-validation-packages',
  async up(context) {
    const { queryInterface: qi } = context;
    await qi.createTable('validation_packages', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      key: { type: STRING(32), allowNull: false },
      version: { type: INTEGER, allowNull: false },
      title: { type: STRING(200), allowNull: false },
      status: { type: STRING(16), allowNull: false },
      scope: { type: TEXT, allowNull: false },
      plan: { type: TEXT, allowNull: false },
      revision: { type: INTEGER, allowNull: false },
      contributors: { type: TEXT, allowNull: false },
      supersedes_id: { type: INTEGER, allowNull: true, references: { model: 'validation_packages', key: 'id' } },
      rejection_reason: { type: TEXT, allowNull: true },
      created_at: { type: STRING(24), allowNull: false },
      created_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      created_by_name: { type: STRING(200), allowNull: false },
      updated_at: { type: STRING(24), allowNull: false },
      submitted_at: { type: STRING(24), allowNull: true },
      approved_at: { type: STRING(24), allowNull: true },
    });
    await qi.addIndex('validation_packages', ['key', 'version'], { unique: true });
    await refuseDeletes(context, 'validation_packages');
    await qi.createTable('package_manifests', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      package_id: { type: INTEGER, allowNull: false, references: { model: 'validation_packages', key: 'id' } },
      revision: { type: INTEGER, allowNull: false },
      manifest: { type: TEXT, allowNull: false },
      digest: { type: STRING(64), allowNull: false },
      created_at: { type: STRING(24), allowNull: false },
    });
    await qi.addIndex('package_manifests', ['package_id', 'revision'], { unique: true });
    await makeAppendOnly(context, 'package_manifests');
  },
  async down(context) {
    for (const table of ['package_manifests', 'validation_packages']) {
      await dropRefusals(context, table);
      await context.queryInterface.dropTable(table);
    }
  },
};
