// One row per electronic signature; insert-only in the database itself (migration 0002).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RecordStateDefinition } from '../audit/record-states.js';
import { sealedFieldsOf } from './signature-seal.js';

/** Signature rows as `gxpw verify` reconciles them (record-states.ts): a deleted signature is found too. */
export const SIGNATURE_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'signature',
    table: 'signatures',
    idColumn: 'id',
    idKind: 'integer',
    columns: {
      record_type: 'text', record_id: 'text', record_version: 'integer', record_digest: 'text', meaning: 'text', reason: 'text', signer_id: 'integer',
      signer_username: 'text', signer_name: 'text', signer_role: 'text', signed_at: 'text', auth_method: 'text', session_id: 'text', key_id: 'text', server_signature: 'text',
    },
  },
];

export class Signature extends Model<InferAttributes<Signature>, InferCreationAttributes<Signature>> {
  declare id: CreationOptional<number>;
  declare recordType: string;
  declare recordId: string;
  declare recordVersion: number;
  declare recordDigest: string;
  declare meaning: string;
  declare reason: string;
  declare signerId: number;
  declare signerUsername: string;
  declare signerName: string;
  declare signerRole: string;
  declare signedAt: string;
  declare authMethod: 'password' | 'username+password';
  declare sessionId: string;
  declare keyId: string;
  declare serverSignature: string;
}

export function defineSignatureModel(sequelize: Sequelize): ModelStatic<Signature> {
  const { INTEGER, STRING, TEXT } = DataTypes;
  class BoundSignature extends Signature {}
  BoundSignature.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      recordType: { type: STRING(32), allowNull: false },
      recordId: { type: STRING(128), allowNull: false },
      recordVersion: { type: INTEGER, allowNull: false },
      recordDigest: { type: STRING(64), allowNull: false },
      meaning: { type: STRING(32), allowNull: false },
      reason: { type: TEXT, allowNull: false },
      signerId: { type: INTEGER, allowNull: false },
      signerUsername: { type: STRING(64), allowNull: false },
      signerName: { type: STRING(200), allowNull: false },
      signerRole: { type: STRING(16), allowNull: false },
      signedAt: { type: STRING(24), allowNull: false },
      authMethod: { type: STRING(32), allowNull: false },
      sessionId: { type: STRING(36), allowNull: false },
      keyId: { type: STRING(64), allowNull: false },
      serverSignature: { type: TEXT, allowNull: false },
    },
    { sequelize, tableName: 'signatures', underscored: true, timestamps: false },
  );
  return BoundSignature;
}

/** The fields the server's Ed25519 signature covers: everything but the row id (signature-seal.ts). */
export function signedFieldsOf(s: Omit<InferAttributes<Signature>, 'id' | 'serverSignature'>) {
  return sealedFieldsOf(s);
}
