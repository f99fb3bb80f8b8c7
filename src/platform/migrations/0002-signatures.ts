// Part 11 electronic signatures: one insert-only row per signature, and the session's first
// signing time (§11.200(a): the first signing in a continuous session needs user id and password).
import { DataTypes } from 'sequelize';
import { dropRefusals, makeAppendOnly, type Migration } from './migration.js';

const { INTEGER, STRING, TEXT } = DataTypes;

export const signatures: Migration = {
  name: '0002-signatures',
  async up(context) {
    const { queryInterface: qi } = context;
    await qi.createTable('signatures', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      record_type: { type: STRING(32), allowNull: false },
      record_id: { type: STRING(128), allowNull: false },
      record_version: { type: INTEGER, allowNull: false },
      record_digest: { type: STRING(64), allowNull: false },
      meaning: { type: STRING(32), allowNull: false },
      reason: { type: TEXT, allowNull: false },
      signer_id: { type: INTEGER, allowNull: false, references: { model: 'users', key: 'id' } },
      signer_username: { type: STRING(64), allowNull: false },
      signer_name: { type: STRING(200), allowNull: false },
      signer_role: { type: STRING(16), allowNull: false },
      signed_at: { type: STRING(24), allowNull: false },
      auth_method: { type: STRING(32), allowNull: false },
      session_id: { type: STRING(36), allowNull: false },
      key_id: { type: STRING(64), allowNull: false },
      server_signature: { type: TEXT, allowNull: false },
    });
    // One signature per meaning per record version, enforced by the database too, so two signers
    // racing on PostgreSQL cannot both approve the same version.
    await qi.addIndex('signatures', ['record_type', 'record_id', 'record_version', 'meaning'], { unique: true, name: 'signatures_one_per_meaning' });
    await makeAppendOnly(context, 'signatures');
    // Plain ALTER TABLE: Sequelize's addColumn qualifies the table with "public" on PostgreSQL,
    // which misses it when GXPW_DB_SCHEMA puts the tables in another schema.
    const timestamp = context.dialect === 'postgres' ? 'TIMESTAMP WITH TIME ZONE' : 'DATETIME';
    await context.sequelize.query(`ALTER TABLE sessions ADD COLUMN first_signature_at ${timestamp} NULL`);
  },
  async down(context) {
    await context.sequelize.query('ALTER TABLE sessions DROP COLUMN first_signature_at');
    await dropRefusals(context, 'signatures');
    await context.queryInterface.dropTable('signatures');
  },
};
