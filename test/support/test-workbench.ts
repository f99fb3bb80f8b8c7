// Builds the whole system the way production does (config → services → migrations → app) on a
// fresh SQLite file or a fresh PostgreSQL schema, with a clock the test can move.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { createApp, type AppOptions } from '../../src/app.js';
import { reconcileRecordStates } from '../../src/audit/record-reconciliation.js';
import { loadConfig, type Config } from '../../src/config.js';
import { seedDemoWorkspace } from '../../src/demo/demo-workspace.js';
import type { Logger } from '../../src/platform/logger.js';
import { migrateUp } from '../../src/platform/migrator.js';
import { systemContext } from '../../src/platform/request-context.js';
import { createServices, type Services } from '../../src/services.js';
import { dropPostgresSchema, POSTGRES_URL, type TestDialect } from './databases.js';

/**
 * Password of the seeded demo accounts admin, it, qa, auditor and qa2 — each one's own choice, and
 * it, qa and qa2 approved signers (see seedDemoWorkspace and test/support/signers.ts).
 */
export const TEST_PASSWORD = 'correct-horse-battery-staple';

export class TestClock {
  private offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface TestWorkbench {
  dialect: TestDialect;
  config: Config;
  /** Environment that points a `gxpw` child process at the same database and keys. */
  env: Record<string, string>;
  services: Services;
  app: Express;
  clock: TestClock;
  /** Signs in and returns the bearer token. */
  login(username: string, password?: string): Promise<string>;
  /**
   * Says this suite edits the database behind the application's back (tamper tests). Otherwise
   * `close` proves every record still matches its audit trail: every suite that only uses the
   * application checks that each audited change recorded the state it left its records in.
   */
  tamperedWith(): void;
  close(): Promise<void>;
}

export interface WorkbenchOptions extends AppOptions {
  env?: Record<string, string>;
  /** Seed the demo accounts (default true). */
  seedUsers?: boolean;
  /** Also seed the demo reference architecture (default false: it takes seconds). */
  demoRegistry?: boolean;
  /** The process logger (default: the configured one, silent in tests); a test that reads the log passes its own. */
  logger?: Logger;
}

export async function createTestWorkbench(dialect: TestDialect, options: WorkbenchOptions = {}): Promise<TestWorkbench> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-test-'));
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = {
    GXPW_DATA_DIR: dataDir,
    EVIDENCE_DIR: path.join(dataDir, 'evidence'),
    LOG_LEVEL: 'silent',
    // Lower scrypt cost than production's OWASP default keeps the suite fast; the hash format and
    // the code path are the same (the default itself is asserted in config.test).
    GXPW_SCRYPT_LOG_N: '12',
    GXPW_DEMO: 'off',
    GXPW_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    // Suites sign in many times from one address; the limit itself is tested in rate-limit.test.
    GXPW_LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    GXPW_SIGNING_RATE_LIMIT_PER_MINUTE: '100000',
    ...(dialect === 'postgres' ? { DATABASE_URL: POSTGRES_URL, GXPW_DB_SCHEMA: schema } : {}),
    ...options.env,
  };
  const config = loadConfig(env, dataDir);
  const clock = new TestClock();
  const services = await createServices(config, { now: clock.now, ...(options.logger ? { logger: options.logger } : {}) });
  await migrateUp(services.database);
  // As `gxpw migrate` does after the migrations (src/cli/with-services.ts).
  await services.requirements.adoptScenarioReferences(systemContext('migration'));
  await services.platforms.adoptFreeText(systemContext('migration'));
  if (options.seedUsers !== false) await seedDemoWorkspace(services, TEST_PASSWORD, { registry: options.demoRegistry ?? false });
  const app = createApp(services, options);
  let tampered = false;
  let closed = false;
  return {
    dialect,
    config,
    env,
    services,
    app,
    clock,
    async login(username, password = TEST_PASSWORD) {
      const response = await request(app).post('/api/v1/auth/login').send({ username, password });
      if (response.status !== 200) throw new Error(`login of ${username} failed: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body.token as string;
    },
    tamperedWith() {
      tampered = true;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (!tampered) {
          const records = await reconcileRecordStates(services.database, services.audit.recordStates);
          if (!records.ok) throw new Error(`records do not match their audit trail after this suite: ${JSON.stringify(records.problems.slice(0, 5))}`);
        }
      } finally {
        await services.close();
        if (dialect === 'postgres') await dropPostgresSchema(schema);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
