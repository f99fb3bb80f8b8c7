// Users, their sessions and security alerts. Users are never deleted (a trigger refuses it) and
// their ids never reused (AUTOINCREMENT / sequences), so a signature always names one person
// (Part 11 §11.100).
import { DataTypes, Model, type CreationOptional, type ForeignKey, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { Role } from './roles.js';
import type { RecordStateDefinition } from '../audit/record-states.js';

export type UserStatus = 'active' | 'deactivated';

/**
 * The columns of a user that matter to `gxpw verify` (record-states.ts): identity, role, status,
 * credentials, qualification and the grant of signing rights; and the access grants themselves. The failed-attempt counter and updated_at change without an event
 * of their own by design (a sign-in resets the counter); the lock they lead to is audited.
 */
export const AUTH_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'user',
    table: 'users',
    idColumn: 'id',
    idKind: 'integer',
    columns: {
      username: 'text', full_name: 'text', email: 'text', role: 'text', status: 'text', password_hash: 'text', password_changed_at: 'time',
      must_change_password: 'boolean', locked_at: 'time', training_completed_at: 'time', qualification: 'text', signature_policy_acknowledged_at: 'time',
      deactivated_at: 'time', created_at: 'time', signing_grant_id: 'integer', password_set_by_admin_at: 'time', password_chosen_at: 'time', password_approved_at: 'time',
    },
  },
  {
    type: 'access-grant',
    table: 'access_grants',
    idColumn: 'id',
    idKind: 'integer',
    columns: {
      user_id: 'integer', kind: 'text', content: 'text', status: 'text', requested_by: 'integer', requested_by_name: 'text', requested_at: 'time', reason: 'text',
      decided_by: 'integer', decided_by_name: 'text', decided_at: 'time', decision_reason: 'text', signature_id: 'integer',
    },
  },
  {
    type: 'security-alert',
    table: 'security_alerts',
    idColumn: 'id',
    idKind: 'integer',
    columns: { kind: 'text', severity: 'text', username: 'text', user_id: 'integer', message: 'text', details: 'text', created_at: 'time', acknowledged_at: 'time', acknowledged_by: 'integer', acknowledgement_note: 'text' },
  },
];

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare username: string;
  declare fullName: string;
  declare email: string | null;
  declare role: Role;
  declare status: CreationOptional<UserStatus>;
  declare passwordHash: string;
  declare passwordChangedAt: Date;
  declare mustChangePassword: CreationOptional<boolean>;
  declare failedLoginCount: CreationOptional<number>;
  declare lockedAt: Date | null;
  declare trainingCompletedAt: Date | null;
  declare qualification: string | null;
  declare signaturePolicyAcknowledgedAt: Date | null;
  declare deactivatedAt: Date | null;
  /** The approved access grant that gave the current role its signing right; null: this role cannot sign yet. */
  declare signingGrantId: CreationOptional<number | null>;
  /** When an administrator (or the server's shell) last set this user's password: creation or reset. */
  declare passwordSetByAdminAt: CreationOptional<Date | null>;
  /** When the user first chose their own password after that. */
  declare passwordChosenAt: CreationOptional<Date | null>;
  /** When a second person approved signing with the password chosen after an administrator's. */
  declare passwordApprovedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export const ACCESS_GRANT_KINDS = ['role', 'new-user', 'training', 'password', 'bootstrap'] as const;
export type AccessGrantKind = (typeof ACCESS_GRANT_KINDS)[number];
export const ACCESS_GRANT_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type AccessGrantStatus = (typeof ACCESS_GRANT_STATUSES)[number];

/**
 * A request to give a user a signing capability, decided by a second person (Part 11 §11.10(g)).
 * `content` is the canonical JSON of the request — what the approving signature binds (§11.70).
 */
export class AccessGrant extends Model<InferAttributes<AccessGrant>, InferCreationAttributes<AccessGrant>> {
  declare id: CreationOptional<number>;
  declare userId: number;
  declare kind: AccessGrantKind;
  declare content: string;
  declare status: AccessGrantStatus;
  declare requestedBy: number | null;
  declare requestedByName: string;
  declare requestedAt: Date;
  declare reason: string;
  declare decidedBy: number | null;
  declare decidedByName: string | null;
  declare decidedAt: Date | null;
  declare decisionReason: string | null;
  declare signatureId: number | null;
}

export class Session extends Model<InferAttributes<Session>, InferCreationAttributes<Session>> {
  declare id: string;
  declare userId: ForeignKey<number>;
  declare createdAt: Date;
  declare lastSeenAt: Date;
  declare endedAt: Date | null;
  declare endReason: string | null;
  declare clientIp: string | null;
  declare userAgent: string | null;
  /** When the first signature of this session was made (Part 11 §11.200(a)). */
  declare firstSignatureAt: CreationOptional<Date | null>;
}

export class SecurityAlert extends Model<InferAttributes<SecurityAlert>, InferCreationAttributes<SecurityAlert>> {
  declare id: CreationOptional<number>;
  declare kind: string;
  declare severity: 'high' | 'medium' | 'low';
  declare username: string | null;
  declare userId: number | null;
  declare message: string;
  declare details: string | null;
  declare createdAt: Date;
  declare acknowledgedAt: Date | null;
  declare acknowledgedBy: number | null;
  declare acknowledgementNote: string | null;
}

/**
 * Failed sign-ins for a user name that is not an active account (unknown or deactivated), kept in
 * the database like a real account's counter and lock, so every instance, before and after a
 * restart, answers such a name exactly as it would a real account (Part 11 §11.300(d)). Keyed by
 * the SHA-256 of the normalized name; rows silent for long are pruned.
 */
export class LoginNameFailure extends Model<InferAttributes<LoginNameFailure>, InferCreationAttributes<LoginNameFailure>> {
  declare keyHash: string;
  declare failedCount: number;
  declare lockedAt: Date | null;
  declare firstFailedAt: Date;
  declare lastFailedAt: Date;
}

export interface AuthModels {
  User: ModelStatic<User>;
  Session: ModelStatic<Session>;
  SecurityAlert: ModelStatic<SecurityAlert>;
  LoginNameFailure: ModelStatic<LoginNameFailure>;
  AccessGrant: ModelStatic<AccessGrant>;
}

export function defineAuthModels(sequelize: Sequelize): AuthModels {
  const { INTEGER, STRING, TEXT, DATE, BOOLEAN } = DataTypes;
  class BoundUser extends User {}
  BoundUser.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      username: { type: STRING(64), allowNull: false, unique: true },
      fullName: { type: STRING(200), allowNull: false },
      email: { type: STRING(254), allowNull: true },
      role: { type: STRING(16), allowNull: false },
      status: { type: STRING(16), allowNull: false, defaultValue: 'active' },
      passwordHash: { type: STRING(255), allowNull: false },
      passwordChangedAt: { type: DATE, allowNull: false },
      mustChangePassword: { type: BOOLEAN, allowNull: false, defaultValue: false },
      failedLoginCount: { type: INTEGER, allowNull: false, defaultValue: 0 },
      lockedAt: { type: DATE, allowNull: true },
      trainingCompletedAt: { type: DATE, allowNull: true },
      qualification: { type: TEXT, allowNull: true },
      signaturePolicyAcknowledgedAt: { type: DATE, allowNull: true },
      deactivatedAt: { type: DATE, allowNull: true },
      signingGrantId: { type: INTEGER, allowNull: true },
      passwordSetByAdminAt: { type: DATE, allowNull: true },
      passwordChosenAt: { type: DATE, allowNull: true },
      passwordApprovedAt: { type: DATE, allowNull: true },
      createdAt: { type: DATE, allowNull: false },
      updatedAt: { type: DATE, allowNull: false },
    },
    { sequelize, tableName: 'users', underscored: true },
  );
  class BoundSession extends Session {}
  BoundSession.init(
    {
      id: { type: STRING(36), primaryKey: true },
      userId: { type: INTEGER, allowNull: false },
      createdAt: { type: DATE, allowNull: false },
      lastSeenAt: { type: DATE, allowNull: false },
      endedAt: { type: DATE, allowNull: true },
      endReason: { type: STRING(32), allowNull: true },
      clientIp: { type: STRING(64), allowNull: true },
      userAgent: { type: STRING(512), allowNull: true },
      firstSignatureAt: { type: DATE, allowNull: true },
    },
    { sequelize, tableName: 'sessions', underscored: true, timestamps: false },
  );
  class BoundSecurityAlert extends SecurityAlert {}
  BoundSecurityAlert.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      kind: { type: STRING(64), allowNull: false },
      severity: { type: STRING(16), allowNull: false },
      username: { type: STRING(64), allowNull: true },
      userId: { type: INTEGER, allowNull: true },
      message: { type: TEXT, allowNull: false },
      details: { type: TEXT, allowNull: true },
      createdAt: { type: DATE, allowNull: false },
      acknowledgedAt: { type: DATE, allowNull: true },
      acknowledgedBy: { type: INTEGER, allowNull: true },
      acknowledgementNote: { type: TEXT, allowNull: true },
    },
    { sequelize, tableName: 'security_alerts', underscored: true, timestamps: false },
  );
  class BoundLoginNameFailure extends LoginNameFailure {}
  BoundLoginNameFailure.init(
    {
      keyHash: { type: STRING(64), primaryKey: true },
      failedCount: { type: INTEGER, allowNull: false },
      lockedAt: { type: DATE, allowNull: true },
      firstFailedAt: { type: DATE, allowNull: false },
      lastFailedAt: { type: DATE, allowNull: false },
    },
    { sequelize, tableName: 'login_name_failures', underscored: true, timestamps: false },
  );
  class BoundAccessGrant extends AccessGrant {}
  BoundAccessGrant.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      userId: { type: INTEGER, allowNull: false },
      kind: { type: STRING(16), allowNull: false },
      content: { type: TEXT, allowNull: false },
      status: { type: STRING(16), allowNull: false },
      requestedBy: { type: INTEGER, allowNull: true },
      requestedByName: { type: STRING(200), allowNull: false },
      requestedAt: { type: DATE, allowNull: false },
      reason: { type: TEXT, allowNull: false },
      decidedBy: { type: INTEGER, allowNull: true },
      decidedByName: { type: STRING(200), allowNull: true },
      decidedAt: { type: DATE, allowNull: true },
      decisionReason: { type: TEXT, allowNull: true },
      signatureId: { type: INTEGER, allowNull: true },
    },
    { sequelize, tableName: 'access_grants', underscored: true, timestamps: false },
  );
  return { User: BoundUser, Session: BoundSession, SecurityAlert: BoundSecurityAlert, LoginNameFailure: BoundLoginNameFailure, AccessGrant: BoundAccessGrant };
}
