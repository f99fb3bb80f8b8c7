// Rows of validation packages and their frozen manifests (migration 0014). JSON-valued columns
// hold JSON text.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RecordStateDefinition } from '../audit/record-states.js';
import type { PlanSection } from './package-manifest.js';

/**
 * §11.10(f): draft → in-review → approved → superseded; a rejection sends an in-review package back
 * to draft with its reason. Approved and superseded packages never change again.
 */
export const PACKAGE_STATUSES = ['draft', 'in-review', 'approved', 'superseded'] as const;
export type PackageStatus = (typeof PACKAGE_STATUSES)[number];

/** What a package covers: an interface at one contract version. */
export interface ScopeEntry {
  interfaceKey: string;
  contractVersion: number;
}

/**
 * Packages as `gxpw verify` reconciles them (record-states.ts): every column that matters, and the
 * digest of every manifest frozen for them (the manifest text itself is bound by that digest and
 * by the signatures over it).
 */
export const PACKAGE_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'package',
    table: 'validation_packages',
    idColumn: 'id',
    idKind: 'integer',
    columns: {
      key: 'text', version: 'integer', title: 'text', status: 'text', scope: 'text', plan: 'text', revision: 'integer', contributors: 'text', supersedes_id: 'integer',
      rejection_reason: 'text', created_at: 'text', created_by: 'integer', created_by_name: 'text', submitted_at: 'text', approved_at: 'text',
    },
    parts: { table: 'package_manifests', parentColumn: 'package_id', orderBy: ['revision'], columns: { revision: 'integer', digest: 'text', created_at: 'text' } },
  },
];

export class ValidationPackage extends Model<InferAttributes<ValidationPackage>, InferCreationAttributes<ValidationPackage>> {
  declare id: CreationOptional<number>;
  /** VP-0001: the same for every version of the package. */
  declare key: string;
  declare version: number;
  declare title: string;
  declare status: PackageStatus;
  /** ScopeEntry[] as JSON. */
  declare scope: string;
  /** PlanSection[] as JSON: drafted from templates/documents/package/validation-plan.hbs, then edited. */
  declare plan: string;
  /** How many times this version was submitted; the current submission's manifest and signatures carry it. */
  declare revision: number;
  /** Ids of everyone who created, edited or submitted this version: none of them may review or approve it. */
  declare contributors: string;
  declare supersedesId: number | null;
  /** Why the last submission was sent back, until the next one. */
  declare rejectionReason: string | null;
  declare createdAt: string;
  declare createdBy: number | null;
  declare createdByName: string;
  declare updatedAt: string;
  declare submittedAt: string | null;
  declare approvedAt: string | null;
}

export class PackageManifestRow extends Model<InferAttributes<PackageManifestRow>, InferCreationAttributes<PackageManifestRow>> {
  declare id: CreationOptional<number>;
  declare packageId: number;
  declare revision: number;
  declare manifest: string;
  declare digest: string;
  declare createdAt: string;
}

export interface PackageModels {
  ValidationPackage: ModelStatic<ValidationPackage>;
  PackageManifestRow: ModelStatic<PackageManifestRow>;
}

export function definePackageModels(sequelize: Sequelize): PackageModels {
  const { INTEGER, STRING, TEXT } = DataTypes;
  const options = { sequelize, underscored: true, timestamps: false };
  class BoundPackage extends ValidationPackage {}
  BoundPackage.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      key: { type: STRING(32), allowNull: false },
      version: { type: INTEGER, allowNull: false },
      title: { type: STRING(200), allowNull: false },
      status: { type: STRING(16), allowNull: false },
      scope: { type: TEXT, allowNull: false },
      plan: { type: TEXT, allowNull: false },
      revision: { type: INTEGER, allowNull: false },
      contributors: { type: TEXT, allowNull: false },
      supersedesId: { type: INTEGER, allowNull: true },
      rejectionReason: { type: TEXT, allowNull: true },
      createdAt: { type: STRING(24), allowNull: false },
      createdBy: { type: INTEGER, allowNull: true },
      createdByName: { type: STRING(200), allowNull: false },
      updatedAt: { type: STRING(24), allowNull: false },
      submittedAt: { type: STRING(24), allowNull: true },
      approvedAt: { type: STRING(24), allowNull: true },
    },
    { ...options, tableName: 'validation_packages' },
  );
  class BoundManifest extends PackageManifestRow {}
  BoundManifest.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      packageId: { type: INTEGER, allowNull: false },
      revision: { type: INTEGER, allowNull: false },
      manifest: { type: TEXT, allowNull: false },
      digest: { type: STRING(64), allowNull: false },
      createdAt: { type: STRING(24), allowNull: false },
    },
    { ...options, tableName: 'package_manifests' },
  );
  return { ValidationPackage: BoundPackage, PackageManifestRow: BoundManifest };
}

export function scopeOf(row: ValidationPackage): ScopeEntry[] {
  return JSON.parse(row.scope) as ScopeEntry[];
}

export function planOf(row: ValidationPackage): PlanSection[] {
  return JSON.parse(row.plan) as PlanSection[];
}

export function contributorsOf(row: ValidationPackage): number[] {
  return JSON.parse(row.contributors) as number[];
}
