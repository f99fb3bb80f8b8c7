// Requirement records (URS/FS) per interface: one row per version, insert-only, so an edited or
// retired requirement keeps every earlier version readable (Part 11 §11.10(e)). Scenarios named
// requirement ids as free text before this; the service adopts those names as records right
// after the migrations (RequirementService.adoptScenarioReferences): the audit trail, which a
// migration does not write, records each adoption.
import { DataTypes } from 'sequelize';
import { dropRefusals, makeAppendOnly, type Migration } from './migration.js';

const { INTEGER, STRING, TEXT } = DataTypes;

export const requirements: Migration = {
  name: '0013-requirements',
  async up(context) {
    const { queryInterface: qi } = context;
    await qi.createTable('requirements', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interface_id: { type: INTEGER, allowNull: false, references: { model: 'interfaces', key: 'id' } },
      key: { type: STRING(80), allowNull: false },
      version: { type: INTEGER, allowNull: false },
      type: { type: STRING(16), allowNull: false },
      text: { type: TEXT, allowNull: false },
      risk: { type: STRING(8), allowNull: false },
      status: { type: STRING(8), allowNull: false },
      digest: { type: STRING(64), allowNull: false },
      created_at: { type: STRING(24), allowNull: false },
      created_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      created_by_name: { type: STRING(200), allowNull: false },
      reason: { type: TEXT, allowNull: true },
    });
    await qi.addIndex('requirements', ['interface_id', 'key', 'version'], { unique: true });
    await makeAppendOnly(context, 'requirements');
  },
  async down(context) {
    await dropRefusals(context, 'requirements');
    await context.queryInterface.dropTable('requirements');
  },
};
