// Failed sign-ins for user names that are not active accounts (unknown or deactivated) are counted
// in the database, as a real account's are in users.failed_login_count / locked_at, so every
// instance on the database, and a restarted one, answers such a name exactly like a real account —
// lockout included — and nothing reveals whether a name exists (Part 11 §11.300(d)). Rows are keyed
// by the SHA-256 of the normalized name and pruned once silent for long (the index on
// last_failed_at serves the pruning).
import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

const { INTEGER, STRING, DATE } = DataTypes;

export const loginNameFailures: Migration = {
  name: '0008-login-name-failures',
  async up({ queryInterface: qi }) {
    await qi.createTable('login_name_failures', {
      key_hash: { type: STRING(64), primaryKey: true },
      failed_count: { type: INTEGER, allowNull: false },
      locked_at: { type: DATE, allowNull: true },
      first_failed_at: { type: DATE, allowNull: false },
      last_failed_at: { type: DATE, allowNull: false },
    });
    await qi.addIndex('login_name_failures', ['last_failed_at']);
  },
  async down({ queryInterface: qi }) {
    await qi.dropTable('login_name_failures');
  },
};
