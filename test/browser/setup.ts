// Mocha global fixtures of the browser tests (required by test/browser/.mocharc.cjs only): one demo
// server for the whole run, stopped and removed at the end.
import fs from 'node:fs';
import path from 'node:path';
import { startDemoServer, demoServer } from './demo-server.js';
import { ARTIFACTS_DIR } from './harness.js';

export async function mochaGlobalSetup(): Promise<void> {
  // Screenshots and downloads of an earlier run would pass for this run's: cleared first.
  if (fs.existsSync(ARTIFACTS_DIR)) {
    for (const name of fs.readdirSync(ARTIFACTS_DIR)) if (name.endsWith('.png') || name === 'downloads') fs.rmSync(path.join(ARTIFACTS_DIR, name), { recursive: true, force: true });
  }
  const started = Date.now();
  const server = await startDemoServer();
  console.log(`Browser tests against ${server.base} (${server.database}, demo workspace ready in ${Math.round((Date.now() - started) / 1000)} s).`);
}

export async function mochaGlobalTeardown(): Promise<void> {
  try {
    await demoServer().stop();
  } catch {
    // never started
  }
}
