// Audit events carry the digests of the states of the records their change touched (Part 11
// §11.10(a)): `gxpw verify` proves every live row, signed or not, is what its audit trail says.
// Older events have none; the column is part of an event's hashed content only where it is set,
// so their leaf hashes stay as they were (history is never rewritten).
import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

export const auditRecordStates: Migration = {
  name: '0010-audit-record-states',
  async up({ queryInterface: qi }) {
    await qi.addColumn('audit_events', 'states', { type: DataTypes.TEXT, allowNull: true });
  },
  async down({ queryInterface: qi }) {
    await qi.removeColumn('audit_events', 'states');
  },
};
