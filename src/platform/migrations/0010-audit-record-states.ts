// Audit events carry the digests of the states of the records their change touched (Part 11
// §11.10(a)): `gxpw verify` proves every live row, signed or not, is what its audit trail says.
// Older events have none; the column is part of an event's hashed content only where it is set,
// so their leaf hashes stay as they were (history is never rewritten).
import type { Migration } from './migration.js';

export const auditRecordStates: Migration = {
  name: '0010-audit-record-states',
  // Plain ALTER TABLE, as in 0002: addColumn qualifies the table with "public" on PostgreSQL.
  async up({ sequelize }) {
    await sequelize.query('ALTER TABLE audit_events ADD COLUMN states TEXT NULL');
  },
  async down({ sequelize }) {
    await sequelize.query('ALTER TABLE audit_events DROP COLUMN states');
  },
};
