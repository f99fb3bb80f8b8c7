// The interface registry (Annex 11 §4.3 inventory): systems, interfaces, their versioned contracts,
// and risk assessments. Contracts and assessments are immutable once stored; systems and
// interfaces change with an audited reason and are retired, never deleted.
import { DataTypes } from 'sequelize';
import { dropRefusals, makeAppendOnly, refuseDeletes, type Migration } from './migration.js';

const { INTEGER, STRING, TEXT, BOOLEAN, DATE } = DataTypes;

export const registry: Migration = {
  name: '0003-registry',
  async up(context) {
    const { queryInterface: qi } = context;
    await qi.createTable('systems', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: STRING(120), allowNull: false, unique: true },
      kind: { type: STRING(32), allowNull: false },
      vendor: { type: STRING(120), allowNull: false },
      product: { type: STRING(120), allowNull: false },
      version: { type: STRING(64), allowNull: false },
      gamp_category: { type: INTEGER, allowNull: false },
      layer: { type: STRING(32), allowNull: false },
      owner: { type: STRING(120), allowNull: false },
      status: { type: STRING(16), allowNull: false },
      created_at: { type: DATE, allowNull: false },
      updated_at: { type: DATE, allowNull: false },
    });
    await refuseDeletes(context, 'systems');

    await qi.createTable('interfaces', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      key: { type: STRING(64), allowNull: false, unique: true },
      name: { type: STRING(200), allowNull: false },
      source_system_id: { type: INTEGER, allowNull: false, references: { model: 'systems', key: 'id' } },
      target_system_id: { type: INTEGER, allowNull: false, references: { model: 'systems', key: 'id' } },
      layer: { type: STRING(32), allowNull: false },
      pattern: { type: STRING(32), allowNull: false },
      direction: { type: STRING(16), allowNull: false },
      message_types: { type: TEXT, allowNull: false },
      data_domains: { type: TEXT, allowNull: false },
      platforms: { type: TEXT, allowNull: false },
      gxp_relevant: { type: BOOLEAN, allowNull: false },
      intended_use: { type: TEXT, allowNull: false },
      owner: { type: STRING(120), allowNull: false },
      environments: { type: TEXT, allowNull: false },
      status: { type: STRING(16), allowNull: false },
      retired_reason: { type: TEXT, allowNull: true },
      revision: { type: INTEGER, allowNull: false },
      // Kept in step by the contract and assessment services, so registry views need no joins.
      current_contract_version: { type: INTEGER, allowNull: true },
      current_assessment_id: { type: INTEGER, allowNull: true },
      risk_level: { type: STRING(32), allowNull: true },
      review_due: { type: STRING(24), allowNull: true },
      created_at: { type: DATE, allowNull: false },
      updated_at: { type: DATE, allowNull: false },
    });
    await qi.addIndex('interfaces', ['layer']);
    await qi.addIndex('interfaces', ['status']);
    await qi.addIndex('interfaces', ['risk_level']);
    await refuseDeletes(context, 'interfaces');

    // Which interfaces run on which platform release, for change control's impact analysis.
    await qi.createTable('interface_platforms', {
      interface_id: { type: INTEGER, allowNull: false, references: { model: 'interfaces', key: 'id' } },
      platform: { type: STRING(120), allowNull: false },
    });
    await qi.addIndex('interface_platforms', ['platform']);
    await qi.addIndex('interface_platforms', ['interface_id', 'platform'], { unique: true });

    await qi.createTable('contracts', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interface_id: { type: INTEGER, allowNull: false, references: { model: 'interfaces', key: 'id' } },
      version: { type: INTEGER, allowNull: false },
      format: { type: STRING(16), allowNull: false },
      spec_version: { type: STRING(32), allowNull: false },
      digest: { type: STRING(64), allowNull: false },
      document: { type: TEXT, allowNull: false },
      targets: { type: TEXT, allowNull: false },
      warnings: { type: TEXT, allowNull: false },
      note: { type: TEXT, allowNull: true },
      created_at: { type: STRING(24), allowNull: false },
      created_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      created_by_name: { type: STRING(200), allowNull: false },
    });
    await qi.addIndex('contracts', ['interface_id', 'version'], { unique: true });
    await makeAppendOnly(context, 'contracts');

    await qi.createTable('risk_assessments', {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interface_id: { type: INTEGER, allowNull: false, references: { model: 'interfaces', key: 'id' } },
      scope: { type: STRING(128), allowNull: false },
      model_id: { type: STRING(64), allowNull: false },
      model_version: { type: STRING(32), allowNull: false },
      model_digest: { type: STRING(64), allowNull: false },
      answers: { type: TEXT, allowNull: false },
      result: { type: TEXT, allowNull: false },
      notes: { type: TEXT, allowNull: true },
      assessed_by: { type: INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
      assessed_by_name: { type: STRING(200), allowNull: false },
      assessed_at: { type: STRING(24), allowNull: false },
      review_due: { type: STRING(24), allowNull: true },
      supersedes_id: { type: INTEGER, allowNull: true },
    });
    await qi.addIndex('risk_assessments', ['interface_id', 'scope']);
    await makeAppendOnly(context, 'risk_assessments');
  },
  async down(context) {
    for (const table of ['risk_assessments', 'contracts', 'interface_platforms', 'interfaces', 'systems']) {
      await dropRefusals(context, table);
      await context.queryInterface.dropTable(table);
    }
  },
};
