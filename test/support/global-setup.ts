// Mocha global setup: find out once whether PostgreSQL is there, and say so visibly.
import { POSTGRES_URL, probePostgres } from './databases.js';

export async function mochaGlobalSetup(): Promise<void> {
  if (await probePostgres()) {
    console.log(`Database suites run on SQLite and on PostgreSQL (${POSTGRES_URL}).`);
  } else if (process.env.GXPW_TEST_POSTGRES === 'required') {
    // CI: the PostgreSQL runs are part of the gate, never skipped quietly.
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL}, and GXPW_TEST_POSTGRES=required.`);
  } else {
    console.log(`\n*** NOTICE: PostgreSQL is not reachable at ${POSTGRES_URL}: the [postgres] runs of the database suites are SKIPPED. ***\n`);
  }
}
