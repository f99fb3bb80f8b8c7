// The evidence store's catalogue: one insert-only row per captured item. The bytes live in the
// content-addressed store on disk (EVIDENCE_DIR), named by their SHA-256; several rows may name the
// same bytes (the same payload captured twice, for two records).
import { DataTypes } from 'sequelize';
import { dropRefusals, makeAppendOnly, type Migration } from './migration.js';

const { INTEGER, STRING, BIGINT } = DataTypes;

export const evidence: Migration = {
  name: '0004-evidence',
  async up(context) {
    const { queryInterface: qi } = context;
    await qi.createTable('evidence_items', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      digest: { type: STRING(64), allowNull: false },
      size: { type: BIGINT, allowNull: false },
      media_type: { type: STRING(255), allowNull: false },
      original_name: { type: STRING(255), allowNull: true },
      captured_at: { type: STRING(24), allowNull: false },
      captured_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      captured_by_name: { type: STRING(200), allowNull: false },
      belongs_to_type: { type: STRING(32), allowNull: true },
      belongs_to_id: { type: STRING(128), allowNull: true },
    });
    await qi.addIndex('evidence_items', ['digest']);
    await qi.addIndex('evidence_items', ['belongs_to_type', 'belongs_to_id']);
    await makeAppendOnly(context, 'evidence_items');
  },
  async down(context) {
    await dropRefusals(context, 'evidence_items');
    await context.queryInterface.dropTable('evidence_items');
  },
};
