// Sequelize models of the audit trail. Both tables are append-only in the database itself
// (migration 0001); these models are only ever used to insert and read.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';

export class AuditEvent extends Model<InferAttributes<AuditEvent>, InferCreationAttributes<AuditEvent>> {
  declare seq: number;
  declare occurredAt: string;
  declare actorId: number | null;
  declare actorName: string;
  declare actorRole: string | null;
  declare action: string;
  declare entityType: string;
  declare entityId: string;
  declare beforeValue: string | null;
  declare afterValue: string | null;
  declare reason: string | null;
  declare correlationId: string | null;
  /** JSON: digests of the states of the records the change touched (migration 0010). */
  declare states: string | null;
  declare leafHash: string;
  declare chainHash: string;
}

export class AuditCheckpoint extends Model<InferAttributes<AuditCheckpoint>, InferCreationAttributes<AuditCheckpoint>> {
  declare id: CreationOptional<number>;
  declare treeSize: number;
  declare rootHash: string;
  declare chainHash: string;
  declare createdAt: string;
  declare keyId: string;
  declare signature: string;
  declare frontier: string;
}

export interface AuditModels {
  AuditEvent: ModelStatic<AuditEvent>;
  AuditCheckpoint: ModelStatic<AuditCheckpoint>;
}

export function defineAuditModels(sequelize: Sequelize): AuditModels {
  const { INTEGER, STRING, TEXT } = DataTypes;
  class BoundAuditEvent extends AuditEvent {}
  BoundAuditEvent.init(
    {
      seq: { type: INTEGER, primaryKey: true },
      occurredAt: { type: STRING(24), allowNull: false },
      actorId: { type: INTEGER, allowNull: true },
      actorName: { type: STRING(200), allowNull: false },
      actorRole: { type: STRING(16), allowNull: true },
      action: { type: STRING(64), allowNull: false },
      entityType: { type: STRING(64), allowNull: false },
      entityId: { type: STRING(128), allowNull: false },
      beforeValue: { type: TEXT, allowNull: true },
      afterValue: { type: TEXT, allowNull: true },
      reason: { type: TEXT, allowNull: true },
      correlationId: { type: STRING(64), allowNull: true },
      states: { type: TEXT, allowNull: true },
      leafHash: { type: STRING(64), allowNull: false },
      chainHash: { type: STRING(64), allowNull: false },
    },
    { sequelize, tableName: 'audit_events', underscored: true, timestamps: false },
  );
  class BoundAuditCheckpoint extends AuditCheckpoint {}
  BoundAuditCheckpoint.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      treeSize: { type: INTEGER, allowNull: false, unique: true },
      rootHash: { type: STRING(64), allowNull: false },
      chainHash: { type: STRING(64), allowNull: false },
      createdAt: { type: STRING(24), allowNull: false },
      keyId: { type: STRING(64), allowNull: false },
      signature: { type: TEXT, allowNull: false },
      frontier: { type: TEXT, allowNull: false },
    },
    { sequelize, tableName: 'audit_checkpoints', underscored: true, timestamps: false },
  );
  return { AuditEvent: BoundAuditEvent, AuditCheckpoint: BoundAuditCheckpoint };
}
