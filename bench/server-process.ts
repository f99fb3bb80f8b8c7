// A server in a process of its own, as deployed: `gxpw serve` on a benchmark workbench's data, or
// any other script. Benchmarks drive it from the parent process (an HTTP client is a process of its
// own too), so neither side's work shares the other's event loop.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Linux: "5" to clear_refs resets the process's peak resident set size (VmHWM) to its current one. */
  resetPeakRss(): void;
  /** VmHWM: the highest resident set size the process had (since the last reset). */
  peakRssMb(): number;
  stop(): Promise<void>;
}

export async function freeLoopbackPort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * `gxpw serve` in a child process on a free loopback port, on the workbench's data; no demo
 * workspace, no simulators. `execArgv` adds Node.js options (e.g. `--cpu-prof` to profile it).
 */
export async function startServeProcess(env: Record<string, string>, execArgv: string[] = []): Promise<ServerProcess> {
  const port = await freeLoopbackPort();
  return startScriptProcess(fileURLToPath(new URL('../src/main.js', import.meta.url)), ['serve'], { ...env, PORT: String(port), HOST: '127.0.0.1', GXPW_DEMO: 'off', GXPW_SIMULATORS: 'off' }, port, execArgv);
}

/** Any script that listens on `port` (127.0.0.1) and answers GET /healthz. */
export async function startScriptProcess(script: string, args: string[], env: Record<string, string>, port: number, execArgv: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...execArgv, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch {
      if (attempt > 300) {
        child.kill('SIGKILL');
        throw new Error('the server did not start within 30 s');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    port,
    pid: child.pid!,
    resetPeakRss: () => fs.writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
    peakRssMb: () => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
    stop: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))),
  };
}
