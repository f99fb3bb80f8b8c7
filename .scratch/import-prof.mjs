import { createBenchWorkbench } from '../dist/bench/harness.js';
import { anInterface, SYSTEMS } from '../dist/bench/registry.bench.js';
import { systemContext } from '../dist/src/platform/request-context.js';
const ctx = systemContext('bench');
for (const withStates of [true, false, true, false]) {
  const wb = await createBenchWorkbench();
  const s = wb.services;
  if (!withStates) s.audit.recordStates['definitions'].clear();
  for (const system of SYSTEMS) await s.systems.create(ctx, system);
  const body = { format: 'gxpw.registry.v1', systems: [], interfaces: Array.from({ length: 5000 }, (_, i) => anInterface(i + 1)) };
  const t = performance.now();
  try { await s.registryTransfer.importAll(ctx, body); } catch (e) { console.log('err', e.message, JSON.stringify(e.details?.slice?.(0,2))); }
  console.log(withStates ? 'with states' : 'without   ', Math.round(performance.now() - t), 'ms');
  await wb.close();
}
