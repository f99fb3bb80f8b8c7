// `gxpw simulate`: serves the reference simulators alone, until SIGINT or SIGTERM.
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../config.js';
import { serveSimulators } from '../../simulators/contract-simulator.js';
import { UsageError, type Command } from '../command.js';

export const command: Command = {
  name: 'simulate',
  summary: 'Serve the reference simulators (ERP, WMS, serialization, trading partner) alone',
  usage: 'gxpw simulate [--port N]\n\nServes /sim/<system>/… from the demo contracts on HOST:PORT (default 3100). Ask a simulator to\nmisbehave with ?fault=schema|status|slow|drop|out-of-order or the X-Sim-Fault header.',
  options: { port: { type: 'string' } },
  run: async (values) => {
    const port = values.port === undefined ? 3100 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (got '${values.port}')`);
    const server = await serveSimulators(port, loadConfig().host);
    const address = server.address() as AddressInfo;
    console.log(`gxpw simulators listening on http://${address.address}:${address.port}/sim`);
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => resolve()));
    });
    return 0;
  },
};
