// Rows of change records (migration 0016). The record's content is JSON: every version of it is
// kept in change_versions, the current one also on the record for reading.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RecordStateDefinition } from '../audit/record-states.js';
import type { ChangeState, ChangeType, ImpactAnalysis, ReleaseItem } from './change-types.js';

/** What one version of a change record says: what a QA signature on it binds (Part 11 §11.70). */
export interface ChangeContent {
  key: string;
  type: ChangeType;
  title: string;
  state: ChangeState;
  platform: string | null;
  system: string | null;
  interface: string | null;
  product: string | null;
  versionFrom: string | null;
  versionTo: string | null;
  description: string;
  justification: string;
  plannedDate: string;
  environments: string[];
  /** Vendor release notes kept as evidence (digests). */
  releaseNotes: string[];
  releaseItems: ReleaseItem[];
  impact: ImpactAnalysis | null;
  /** Regression runs linked to the change, in the order they were started. */
  runs: number[];
  /** Why it was rejected or cancelled. */
  stateReason: string | null;
  implementedAt: string | null;
  implementedVersion: string | null;
  /** Interfaces whose risk assessment the change flagged for re-review on implementation. */
  reReview: string[];
  closedAt: string | null;
}

/** Change records as `gxpw verify` reconciles them, with every version. */
export const CHANGE_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'change',
    table: 'change_records',
    idColumn: 'id',
    idKind: 'integer',
    columns: { key: 'text', type: 'text', state: 'text', planned_date: 'text', current_version: 'integer', content: 'text', contributors: 'text', requested_by: 'integer', requested_at: 'text' },
    parts: { table: 'change_versions', parentColumn: 'change_id', orderBy: ['version'], columns: { version: 'integer', content: 'text', changed_at: 'text', changed_by: 'integer', changed_by_name: 'text', reason: 'text' } },
  },
];

export class ChangeRecord extends Model<InferAttributes<ChangeRecord>, InferCreationAttributes<ChangeRecord>> {
  declare id: CreationOptional<number>;
  declare key: string;
  declare type: ChangeType;
  declare state: ChangeState;
  declare plannedDate: string;
  declare currentVersion: number;
  declare content: string;
  /** Ids of everyone who logged or edited the change: none of them may approve it. */
  declare contributors: string;
  declare requestedBy: number | null;
  declare requestedAt: string;
}

export class ChangeVersion extends Model<InferAttributes<ChangeVersion>, InferCreationAttributes<ChangeVersion>> {
  declare id: CreationOptional<number>;
  declare changeId: number;
  declare version: number;
  declare content: string;
  declare changedAt: string;
  declare changedBy: number | null;
  declare changedByName: string;
  declare reason: string | null;
}

export interface ChangeModels {
  ChangeRecord: ModelStatic<ChangeRecord>;
  ChangeVersion: ModelStatic<ChangeVersion>;
}

export function defineChangeModels(sequelize: Sequelize): ChangeModels {
  const { INTEGER, STRING, TEXT } = DataTypes;
  const options = { sequelize, underscored: true, timestamps: false };
  class BoundRecord extends ChangeRecord {}
  BoundRecord.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      key: { type: STRING(32), allowNull: false },
      type: { type: STRING(32), allowNull: false },
      state: { type: STRING(32), allowNull: false },
      plannedDate: { type: STRING(10), allowNull: false },
      currentVersion: { type: INTEGER, allowNull: false },
      content: { type: TEXT, allowNull: false },
      contributors: { type: TEXT, allowNull: false },
      requestedBy: { type: INTEGER, allowNull: true },
      requestedAt: { type: STRING(24), allowNull: false },
    },
    { ...options, tableName: 'change_records' },
  );
  class BoundVersion extends ChangeVersion {}
  BoundVersion.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      changeId: { type: INTEGER, allowNull: false },
      version: { type: INTEGER, allowNull: false },
      content: { type: TEXT, allowNull: false },
      changedAt: { type: STRING(24), allowNull: false },
      changedBy: { type: INTEGER, allowNull: true },
      changedByName: { type: STRING(200), allowNull: false },
      reason: { type: TEXT, allowNull: true },
    },
    { ...options, tableName: 'change_versions' },
  );
  return { ChangeRecord: BoundRecord, ChangeVersion: BoundVersion };
}

export function contentOf(row: ChangeRecord): ChangeContent {
  return JSON.parse(row.content) as ChangeContent;
}
