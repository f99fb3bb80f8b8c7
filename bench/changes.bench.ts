// `npm run bench changes` — change control's impact analysis at inventory scale (issue 14).
//
// impact: 20,000 registered interfaces (imported through the registry service, so every platform
//   text resolves to a platform record and the platform index is as the application writes it), of
//   which 2,000 run on MuleSoft Runtime. Measured: the impact analysis of a MuleSoft Runtime release
//   — every active interface on the platform with its risk level (PlatformService.interfacesOn, one
//   indexed query) — vs the raw indexed query that selects the same interface ids (the platform's
//   index range, joined to keep the active ones), through the same driver. Each is run many times,
//   interleaved, after a warm-up; the notes add the ratio to the index range alone.
import { QueryTypes } from 'sequelize';
import { systemContext } from '../src/platform/request-context.js';
import type { NewInterface } from '../src/registry/interface-service.js';
import type { Services } from '../src/services.js';
import { createBenchWorkbench, ratioResult, timed, type Benchmark, type BenchResult } from './harness.js';
import { anInterface, SYSTEMS } from './registry.bench.js';

const INTERFACES = Number(process.env.BENCH_CHANGES_INTERFACES ?? 20_000);
/** One interface in this many runs on the platform the release touches. */
const ON_PLATFORM_EVERY = 10;
const ROUNDS = Number(process.env.BENCH_CHANGES_ROUNDS ?? 200);
const WARM_UP = 20;
const IMPORT_CHUNK = 5000;
const TOUCHED = 'MuleSoft Runtime 4.6';
const OTHERS = ['Confluent Platform 7.6', 'Boomi Atom 24.08', 'Azure Integration Services 2025', 'TraceLink 2026.08', 'SAP S/4HANA 2023 FPS02', 'Snowflake 9.20', 'Kinaxis Maestro 2025.1', 'Manhattan Active WM 2025.2', 'Solace PubSub+ 10.8'];

function benchInterface(i: number): NewInterface {
  const other = OTHERS[i % OTHERS.length]!;
  return { ...anInterface(i), key: `IF-CHG-${String(i).padStart(5, '0')}`, platforms: i % ON_PLATFORM_EVERY === 0 ? [TOUCHED, other] : [other] };
}

/** The impact analysis of a vendor release of the platform, as the change service computes it. */
async function impactOf(services: Services, changeId: number): Promise<string[]> {
  return (await services.changes.analyseImpact(changeId)).interfaces.map((i) => i.key);
}

async function benchChanges(): Promise<BenchResult[]> {
  const bench = await createBenchWorkbench();
  try {
    const { services } = bench;
    const ctx = systemContext('benchmark');
    const seeded = await timed(async () => {
      for (const system of SYSTEMS) await services.systems.create(ctx, system);
      await services.platforms.create(ctx, { name: 'MuleSoft Runtime', vendor: 'Salesforce (MuleSoft)', kind: 'integration-platform', versions: { test: '4.9', production: '4.6' } });
      for (let start = 1; start <= INTERFACES; start += IMPORT_CHUNK) {
        const count = Math.min(IMPORT_CHUNK, INTERFACES - start + 1);
        await services.interfaces.importRegistry(ctx, { interfaces: Array.from({ length: count }, (_, n) => benchInterface(start + n)) });
      }
      // Risk levels as assessments leave them (the risk service is not what is measured here).
      await services.database.sequelize.query("UPDATE interfaces SET risk_level = CASE WHEN id % 3 = 0 THEN 'high' WHEN id % 3 = 1 THEN 'medium' ELSE 'low' END");
    });
    const platformId = (await services.platforms.get('mulesoft-runtime')).id;
    // The same interface ids: those on the platform's index range that are active.
    const baselineSql = "SELECT ip.interface_id FROM interface_platforms ip JOIN interfaces i ON i.id = ip.interface_id WHERE ip.platform_id = ? AND i.status = 'active'";
    const baselineQuery = () => services.database.read<{ interface_id: number }>(baselineSql, [platformId]);
    // For context: the platform's index range alone (every status), the least a query can do.
    const indexOnlySql = 'SELECT interface_id FROM interface_platforms WHERE platform_id = ?';
    const indexOnlyQuery = () => services.database.read<{ interface_id: number }>(indexOnlySql, [platformId]);

    const change = await services.changes.log(ctx, { type: 'vendor-release', title: 'MuleSoft Runtime 4.9', platform: 'MuleSoft Runtime', versionFrom: '4.6', versionTo: '4.9', description: 'Runtime upgrade.', justification: 'Support ends.', plannedDate: '2027-01-15', environments: ['test', 'production'] });
    // Both must select the very same interfaces, and as many as the issue says.
    const measuredKeys = (await impactOf(services, change.id)).sort();
    const baselineIds = (await baselineQuery()).map((r) => Number(r.interface_id));
    const baselineKeys = (await services.database.read<{ key: string }>(`SELECT key FROM interfaces WHERE id IN (${baselineIds.join(', ')})`)).map((r) => r.key).sort();
    if (measuredKeys.length !== INTERFACES / ON_PLATFORM_EVERY || JSON.stringify(measuredKeys) !== JSON.stringify(baselineKeys)) {
      throw new Error(`the impact found ${measuredKeys.length} interfaces, the raw query ${baselineKeys.length}: they must select the same ${INTERFACES / ON_PLATFORM_EVERY}`);
    }
    const plan = await queryPlan(services, baselineSql, platformId);

    for (let i = 0; i < WARM_UP; i += 1) {
      await impactOf(services, change.id);
      await baselineQuery();
      await indexOnlyQuery();
    }
    let measuredMs = 0;
    let baselineMs = 0;
    let indexOnlyMs = 0;
    for (let i = 0; i < ROUNDS; i += 1) {
      measuredMs += (await timed(() => impactOf(services, change.id))).ms;
      baselineMs += (await timed(baselineQuery)).ms;
      indexOnlyMs += (await timed(indexOnlyQuery)).ms;
    }
    return [
      ratioResult(
        'changes impact',
        `impact analysis of a platform release (interfaces with risk levels and proposed regression): ${(INTERFACES / ON_PLATFORM_EVERY).toLocaleString('en')} of ${INTERFACES.toLocaleString('en')} interfaces, ×${ROUNDS} vs the raw indexed query of their ids`,
        measuredMs,
        baselineMs,
        0.3,
        {
          database: services.database.dialect,
          seedSeconds: Number((seeded.ms / 1000).toFixed(1)),
          measuredMsPerAnalysis: Number((measuredMs / ROUNDS).toFixed(2)),
          baselineMsPerQuery: Number((baselineMs / ROUNDS).toFixed(2)),
          baselinePlan: plan,
          ratioToIndexRangeAlone: Number((indexOnlyMs / measuredMs).toFixed(2)),
        },
      ),
    ];
  } finally {
    await bench.close();
  }
}

/** How the database runs the baseline query: it must use the platform index, or the ratio means little. */
async function queryPlan(services: Services, sql: string, platformId: number): Promise<string> {
  if (services.database.dialect === 'sqlite') {
    const rows = await services.database.sequelize.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, { replacements: [platformId], type: QueryTypes.SELECT });
    return rows.map((r) => r.detail).join('; ');
  }
  const rows = await services.database.sequelize.query<Record<string, string>>(`EXPLAIN ${sql}`, { replacements: [platformId], type: QueryTypes.SELECT });
  return rows.map((r) => Object.values(r)[0]).join('; ');
}

export const changesBenchmark: Benchmark = {
  name: 'changes',
  description: 'impact analysis of a platform release: 2,000 of 20,000 interfaces vs the raw indexed query of their ids',
  run: benchChanges,
};
