// A run keeps the environment's base URL as the interface gave it when that is a `self:` reference
// (`self:/sim/wms`: the server's own address, wherever it listens), beside the URL it resolved to
// (base_url). Null for runs against an absolute URL, and for every run made before.
import type { Migration } from './migration.js';

export const runEnvironmentReference: Migration = {
  name: '0011-run-environment-reference',
  async up({ sequelize }) {
    // Plain ALTER TABLE, as in 0007: addColumn qualifies the table with "public" on PostgreSQL.
    await sequelize.query('ALTER TABLE runs ADD COLUMN environment_reference VARCHAR(500) NULL');
  },
  async down({ sequelize }) {
    await sequelize.query('ALTER TABLE runs DROP COLUMN environment_reference');
  },
};
