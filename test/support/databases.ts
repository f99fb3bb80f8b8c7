// Runs database suites once on SQLite and once more on PostgreSQL — the same tests, not a subset.
// PostgreSQL runs are skipped, with a notice, where no server answers.
import pg from 'pg';

export type TestDialect = 'sqlite' | 'postgres';

export const POSTGRES_URL = process.env.GXPW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let postgresAvailable = false;

export function isPostgresAvailable(): boolean {
  return postgresAvailable;
}

/** Called once from the global setup. */
export async function probePostgres(): Promise<boolean> {
  if (process.env.GXPW_TEST_POSTGRES === 'off') return (postgresAvailable = false);
  // A busy machine can be slow to answer: a few tries before the PostgreSQL runs are skipped.
  for (let attempt = 1; attempt <= 5 && !postgresAvailable; attempt += 1) {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      postgresAvailable = true;
    } catch {
      if (attempt < 5) await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return postgresAvailable;
}

export function describeEachDatabase(title: string, body: (dialect: TestDialect) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe(`${title} [${dialect}]`, function () {
      if (dialect === 'postgres') {
        before(function () {
          if (!postgresAvailable) this.skip();
        });
      }
      body(dialect);
    });
  }
}

export async function dropPostgresSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
