// Signing rights are granted by two people (Part 11 §11.10(g), §11.100(a), §11.300; Annex 11 §12).
// access_grants holds every request to give a user a signing capability — a role that can sign, a
// new user with such a role, a training attestation, a password an administrator set — with who
// asked, when and why, and how it was decided (approved by a second person's electronic signature,
// rejected or cancelled). Rows are never deleted. The users table learns which approved grant gave
// the current role its signing right, and when an administrator last set the password, when the
// user chose their own after it, and when a second person approved signing with it.
import { DataTypes } from 'sequelize';
import { dropRefusals, refuseDeletes, type Migration } from './migration.js';

const { INTEGER, STRING, TEXT, DATE } = DataTypes;

const USER_COLUMNS = ['signing_grant_id', 'password_set_by_admin_at', 'password_chosen_at', 'password_approved_at'] as const;

export const accessGrants: Migration = {
  name: '0009-access-grants',
  async up(context) {
    const { queryInterface: qi, sequelize, dialect } = context;
    await qi.createTable('access_grants', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      user_id: { type: INTEGER, allowNull: false, references: { model: 'users', key: 'id' } },
      kind: { type: STRING(16), allowNull: false },
      /** Canonical JSON of what is requested: exactly what the approving signature binds. */
      content: { type: TEXT, allowNull: false },
      status: { type: STRING(16), allowNull: false },
      requested_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      requested_by_name: { type: STRING(200), allowNull: false },
      requested_at: { type: DATE, allowNull: false },
      reason: { type: TEXT, allowNull: false },
      decided_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      decided_by_name: { type: STRING(200), allowNull: true },
      decided_at: { type: DATE, allowNull: true },
      decision_reason: { type: TEXT, allowNull: true },
      signature_id: { type: INTEGER, allowNull: true, references: { model: 'signatures', key: 'id' } },
    });
    await qi.addIndex('access_grants', ['user_id', 'status']);
    await qi.addIndex('access_grants', ['status']);
    await refuseDeletes(context, 'access_grants');
    // Plain ALTER TABLE, as in 0002/0007: addColumn qualifies the table with "public" on PostgreSQL.
    // Users from before this migration have no approved signing grant: they sign again once a
    // grant is approved (or, on an install with no approved signer at all, bootstrapped).
    const date = dialect === 'sqlite' ? 'DATETIME' : 'TIMESTAMP WITH TIME ZONE';
    await sequelize.query('ALTER TABLE users ADD COLUMN signing_grant_id INTEGER NULL');
    for (const column of USER_COLUMNS.slice(1)) await sequelize.query(`ALTER TABLE users ADD COLUMN ${column} ${date} NULL`);
  },
  async down(context) {
    const { queryInterface: qi, sequelize } = context;
    for (const column of [...USER_COLUMNS].reverse()) await sequelize.query(`ALTER TABLE users DROP COLUMN ${column}`);
    await dropRefusals(context, 'access_grants');
    await qi.dropTable('access_grants');
  },
};
