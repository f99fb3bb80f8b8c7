// The whole demo workspace for page tests: the reference architecture served on loopback (its
// simulators answer the runs), then the demo's runs, deviations, packages and changes made through
// the real services — what `npm start` shows.
import type { Server } from 'node:http';
import { runDemoScenarios } from '../../src/demo/demo-workspace.js';
import type { TestDialect } from './databases.js';
import { listenOnLoopback } from './runner-fixtures.js';
import { createTestWorkbench, TEST_PASSWORD, type TestWorkbench } from './test-workbench.js';

export async function createDemoWorkbench(dialect: TestDialect): Promise<{ wb: TestWorkbench; server: Server }> {
  const wb = await createTestWorkbench(dialect, { demoRegistry: true, env: { GXPW_SIMULATORS: 'on' } });
  const { server, base } = await listenOnLoopback(wb);
  wb.services.runs.listeningOn(base);
  await runDemoScenarios(wb.services, base, TEST_PASSWORD);
  return { wb, server };
}
