// One row per risk assessment; insert-only (migration 0003). A new assessment supersedes the old
// one for the same interface and scope; history is never rewritten.

import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RecordStateDefinition } from '../audit/record-states.js';

export class RiskAssessment extends Model<InferAttributes<RiskAssessment>, InferCreationAttributes<RiskAssessment>> {
  declare id: CreationOptional<number>;
  declare interfaceId: number;
  /** '' for the whole interface, or a message type / function it covers. */
  declare scope: string;
  declare modelId: string;
  declare modelVersion: string;
  declare modelDigest: string;
  declare answers: string;
  declare result: string;
  declare notes: string | null;
  declare assessedBy: number | null;
  declare assessedByName: string;
  declare assessedAt: string;
  declare reviewDue: string | null;
  declare supersedesId: number | null;
}

/** Assessments as `gxpw verify` reconciles them (record-states.ts). */
export const ASSESSMENT_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'risk-assessment',
    table: 'risk_assessments',
    idColumn: 'id',
    idKind: 'integer',
    columns: {
      interface_id: 'integer', scope: 'text', model_id: 'text', model_version: 'text', model_digest: 'text', answers: 'text', result: 'text', notes: 'text',
      assessed_by: 'integer', assessed_by_name: 'text', assessed_at: 'text', review_due: 'text', supersedes_id: 'integer',
    },
  },
];

export function defineRiskAssessmentModel(sequelize: Sequelize): ModelStatic<RiskAssessment> {
  const { INTEGER, STRING, TEXT } = DataTypes;
  class BoundRiskAssessment extends RiskAssessment {}
  BoundRiskAssessment.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interfaceId: { type: INTEGER, allowNull: false },
      scope: { type: STRING(128), allowNull: false },
      modelId: { type: STRING(64), allowNull: false },
      modelVersion: { type: STRING(32), allowNull: false },
      modelDigest: { type: STRING(64), allowNull: false },
      answers: { type: TEXT, allowNull: false },
      result: { type: TEXT, allowNull: false },
      notes: { type: TEXT, allowNull: true },
      assessedBy: { type: INTEGER, allowNull: true },
      assessedByName: { type: STRING(200), allowNull: false },
      assessedAt: { type: STRING(24), allowNull: false },
      reviewDue: { type: STRING(24), allowNull: true },
      supersedesId: { type: INTEGER, allowNull: true },
    },
    { sequelize, tableName: 'risk_assessments', underscored: true, timestamps: false },
  );
  return BoundRiskAssessment;
}
