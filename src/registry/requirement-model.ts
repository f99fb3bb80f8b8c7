// Requirement records (URS/FS) per interface (migration 0013). Insert-only: every edit and the
// retirement are a new version row, so each version a scenario, package or signature named stays
// readable as it was (Part 11 §11.10(e): changes shall not obscure previously recorded information).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RecordStateDefinition } from '../audit/record-states.js';

/** The same four strings as a package manifest's RequirementType (packages read them, never the reverse). */
export const REQUIREMENT_TYPES = ['user', 'functional', 'data-integrity', 'regulatory'] as const;
/** The risk a requirement carries: what a failure to meet it would put at stake. */
export const REQUIREMENT_RISKS = ['high', 'medium', 'low'] as const;
/** "Deleting" a requirement retires it, with a reason; it stays readable. */
export const REQUIREMENT_STATUSES = ['active', 'retired'] as const;

export type RequirementType = (typeof REQUIREMENT_TYPES)[number];
export type RequirementRisk = (typeof REQUIREMENT_RISKS)[number];
export type RequirementStatus = (typeof REQUIREMENT_STATUSES)[number];

/** Every version row, as `gxpw verify` reconciles it with the audit trail (record-states.ts). */
export const REQUIREMENT_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'requirement',
    table: 'requirements',
    idColumn: 'id',
    idKind: 'integer',
    columns: {
      interface_id: 'integer', key: 'text', version: 'integer', type: 'text', text: 'text', risk: 'text', status: 'text', digest: 'text',
      created_at: 'text', created_by: 'integer', created_by_name: 'text', reason: 'text',
    },
  },
];

export class Requirement extends Model<InferAttributes<Requirement>, InferCreationAttributes<Requirement>> {
  declare id: CreationOptional<number>;
  declare interfaceId: number;
  /** Stable across versions, e.g. IF-SER-TP-009-R03; never reused on the interface. */
  declare key: string;
  declare version: number;
  declare type: RequirementType;
  declare text: string;
  declare risk: RequirementRisk;
  declare status: RequirementStatus;
  /** SHA-256 of this version's canonical content (requirementDigest). */
  declare digest: string;
  declare createdAt: string;
  declare createdBy: number | null;
  declare createdByName: string;
  /** Why this version was made (required for edits and retirement). */
  declare reason: string | null;
}

export interface RequirementModels {
  Requirement: ModelStatic<Requirement>;
}

export function defineRequirementModel(sequelize: Sequelize): RequirementModels {
  const { INTEGER, STRING, TEXT } = DataTypes;
  class BoundRequirement extends Requirement {}
  BoundRequirement.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interfaceId: { type: INTEGER, allowNull: false },
      key: { type: STRING(80), allowNull: false },
      version: { type: INTEGER, allowNull: false },
      type: { type: STRING(16), allowNull: false },
      text: { type: TEXT, allowNull: false },
      risk: { type: STRING(8), allowNull: false },
      status: { type: STRING(8), allowNull: false },
      digest: { type: STRING(64), allowNull: false },
      createdAt: { type: STRING(24), allowNull: false },
      createdBy: { type: INTEGER, allowNull: true },
      createdByName: { type: STRING(200), allowNull: false },
      reason: { type: TEXT, allowNull: true },
    },
    { sequelize, underscored: true, timestamps: false, tableName: 'requirements' },
  );
  return { Requirement: BoundRequirement };
}
