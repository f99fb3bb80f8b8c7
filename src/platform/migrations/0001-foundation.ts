// Users, sessions, security alerts, the audit trail and its signed checkpoints.
import { DataTypes } from 'sequelize';
import { dropRefusals, makeAppendOnly, refuseDeletes, type Migration } from './migration.js';

const { INTEGER, STRING, TEXT, DATE, BOOLEAN } = DataTypes;

export const foundation: Migration = {
  name: '0001-foundation',
  async up(context) {
    const { queryInterface: qi } = context;
    await qi.createTable('users', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      username: { type: STRING(64), allowNull: false, unique: true },
      full_name: { type: STRING(200), allowNull: false },
      email: { type: STRING(254), allowNull: true },
      role: { type: STRING(16), allowNull: false },
      status: { type: STRING(16), allowNull: false, defaultValue: 'active' },
      password_hash: { type: STRING(255), allowNull: false },
      password_changed_at: { type: DATE, allowNull: false },
      must_change_password: { type: BOOLEAN, allowNull: false, defaultValue: false },
      failed_login_count: { type: INTEGER, allowNull: false, defaultValue: 0 },
      locked_at: { type: DATE, allowNull: true },
      training_completed_at: { type: DATE, allowNull: true },
      qualification: { type: TEXT, allowNull: true },
      signature_policy_acknowledged_at: { type: DATE, allowNull: true },
      deactivated_at: { type: DATE, allowNull: true },
      created_at: { type: DATE, allowNull: false },
      updated_at: { type: DATE, allowNull: false },
    });
    await refuseDeletes(context, 'users');

    await qi.createTable('sessions', {
      id: { type: STRING(36), primaryKey: true },
      user_id: { type: INTEGER, allowNull: false, references: { model: 'users', key: 'id' } },
      created_at: { type: DATE, allowNull: false },
      last_seen_at: { type: DATE, allowNull: false },
      ended_at: { type: DATE, allowNull: true },
      end_reason: { type: STRING(32), allowNull: true },
      client_ip: { type: STRING(64), allowNull: true },
      user_agent: { type: STRING(512), allowNull: true },
    });
    await qi.addIndex('sessions', ['user_id']);

    await qi.createTable('security_alerts', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      kind: { type: STRING(64), allowNull: false },
      severity: { type: STRING(16), allowNull: false },
      username: { type: STRING(64), allowNull: true },
      user_id: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      message: { type: TEXT, allowNull: false },
      details: { type: TEXT, allowNull: true },
      created_at: { type: DATE, allowNull: false },
      acknowledged_at: { type: DATE, allowNull: true },
      acknowledged_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      acknowledgement_note: { type: TEXT, allowNull: true },
    });
    await refuseDeletes(context, 'security_alerts');

    // occurred_at is kept as the exact ISO-8601 UTC text that was hashed, so the hash can be
    // recomputed byte for byte on either database.
    await qi.createTable('audit_events', {
      seq: { type: INTEGER, primaryKey: true, autoIncrement: false },
      occurred_at: { type: STRING(24), allowNull: false },
      actor_id: { type: INTEGER, allowNull: true },
      actor_name: { type: STRING(200), allowNull: false },
      actor_role: { type: STRING(16), allowNull: true },
      action: { type: STRING(64), allowNull: false },
      entity_type: { type: STRING(64), allowNull: false },
      entity_id: { type: STRING(128), allowNull: false },
      before_value: { type: TEXT, allowNull: true },
      after_value: { type: TEXT, allowNull: true },
      reason: { type: TEXT, allowNull: true },
      correlation_id: { type: STRING(64), allowNull: true },
      leaf_hash: { type: STRING(64), allowNull: false },
      chain_hash: { type: STRING(64), allowNull: false },
    });
    await qi.addIndex('audit_events', ['entity_type', 'entity_id']);
    await qi.addIndex('audit_events', ['actor_id']);
    await qi.addIndex('audit_events', ['action']);
    await qi.addIndex('audit_events', ['occurred_at']);
    await makeAppendOnly(context, 'audit_events');

    await qi.createTable('audit_checkpoints', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      tree_size: { type: INTEGER, allowNull: false, unique: true },
      root_hash: { type: STRING(64), allowNull: false },
      chain_hash: { type: STRING(64), allowNull: false },
      created_at: { type: STRING(24), allowNull: false },
      key_id: { type: STRING(64), allowNull: false },
      signature: { type: TEXT, allowNull: false },
      frontier: { type: TEXT, allowNull: false },
    });
    await makeAppendOnly(context, 'audit_checkpoints');
  },
  async down(context) {
    for (const table of ['audit_checkpoints', 'audit_events', 'security_alerts', 'sessions', 'users']) {
      await dropRefusals(context, table);
      await context.queryInterface.dropTable(table);
    }
  },
};
