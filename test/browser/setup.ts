// Mocha global fixtures of the browser tests (required by test/browser/.mocharc.cjs only): one demo
// server for the whole run, stopped and removed at the end.
import { startDemoServer, demoServer } from './demo-server.js';

export async function mochaGlobalSetup(): Promise<void> {
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
