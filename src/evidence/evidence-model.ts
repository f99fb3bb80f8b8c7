// One catalogue row per captured evidence item; insert-only (migration 0004).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RecordStateDefinition } from '../audit/record-states.js';

/** Evidence catalogue rows as `gxpw verify` reconciles them (record-states.ts); the files themselves are re-hashed by `--evidence`. */
export const EVIDENCE_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'evidence',
    table: 'evidence_items',
    idColumn: 'id',
    idKind: 'integer',
    columns: {
      digest: 'text', size: 'integer', media_type: 'text', original_name: 'text', captured_at: 'text', captured_by: 'integer', captured_by_name: 'text',
      belongs_to_type: 'text', belongs_to_id: 'text',
    },
  },
];

export class EvidenceItem extends Model<InferAttributes<EvidenceItem>, InferCreationAttributes<EvidenceItem>> {
  declare id: CreationOptional<number>;
  declare digest: string;
  declare size: number;
  declare mediaType: string;
  declare originalName: string | null;
  declare capturedAt: string;
  declare capturedBy: number | null;
  declare capturedByName: string;
  /** What the item is evidence of, e.g. ('run', '42'); null for a free upload. */
  declare belongsToType: string | null;
  declare belongsToId: string | null;
}

export function defineEvidenceModel(sequelize: Sequelize): ModelStatic<EvidenceItem> {
  const { INTEGER, STRING, BIGINT } = DataTypes;
  class BoundEvidenceItem extends EvidenceItem {}
  BoundEvidenceItem.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      digest: { type: STRING(64), allowNull: false },
      // BIGINT comes back as a string from pg: read as a number (files stay far below 2^53).
      size: { type: BIGINT, allowNull: false, get() { return Number(this.getDataValue('size')); } },
      mediaType: { type: STRING(255), allowNull: false },
      originalName: { type: STRING(255), allowNull: true },
      capturedAt: { type: STRING(24), allowNull: false },
      capturedBy: { type: INTEGER, allowNull: true },
      capturedByName: { type: STRING(200), allowNull: false },
      belongsToType: { type: STRING(32), allowNull: true },
      belongsToId: { type: STRING(128), allowNull: true },
    },
    { sequelize, tableName: 'evidence_items', underscored: true, timestamps: false },
  );
  return BoundEvidenceItem;
}
