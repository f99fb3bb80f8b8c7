// `npm run bench registry` — the registry at inventory scale.
//
// import: 5,000 interfaces in one POST /api/v1/registry/import to a real server on 127.0.0.1
//   (JSON parsing, schema validation, whole-import checks, inserts, platform index, one audit event
//   per interface) vs raw INSERTs of the very same rows the import wrote — interfaces, platform
//   index and audit events, as stored — through the same driver, in one transaction, 500 rows per
//   statement (as the service batches them). Like `bench audit`, the baseline writes every row the
//   service writes; what it leaves out is the work: HTTP, validation, checks, hashing the chain.
// list: GET /api/v1/interfaces over those 5,000 rows, filtered (layer, platform, system, text,
//   status, pattern, data domain, GxP relevance) and paginated; reports the p95 latency, which must
//   stay under 50 ms.
import type { AddressInfo } from 'node:net';
import { QueryTypes } from 'sequelize';
import { AUDIT_EVENT_COLUMNS, auditEventValues, insertAuditEventsSql, type AuditEventRow } from '../src/audit/audit-hashing.js';
import { insertRowsSql } from '../src/platform/sql.js';
import { createApp } from '../src/app.js';
import { systemContext } from '../src/platform/request-context.js';
import type { NewInterface } from '../src/registry/interface-service.js';
import { createBenchWorkbench, ratioResult, timed, type Benchmark, type BenchResult } from './harness.js';

const COUNT = Number(process.env.BENCH_REGISTRY_INTERFACES ?? 5000);
const LIST_REQUESTS = Number(process.env.BENCH_REGISTRY_LIST_REQUESTS ?? 400);
const PASSWORD = 'bench-registry-password-2026';
const LAYERS = ['source-system', 'integration-platform', 'event-streaming', 'data-hub-master-data', 'visibility-control-tower'] as const;
const PLATFORMS = ['MuleSoft Runtime 4.6', 'MuleSoft Runtime 4.9', 'Confluent Kafka 7.6', 'Boomi Atom 24.08', 'Azure Integration Services 2025'];
export const SYSTEMS = [
  { name: 'SAP S/4HANA', kind: 'erp', vendor: 'SAP', product: 'S/4HANA', version: '2023', gampCategory: 4, layer: 'source-system', owner: 'ERP CoE' },
  { name: 'Manhattan Active', kind: 'wms', vendor: 'Manhattan', product: 'Active WM', version: '2026.1', gampCategory: 4, layer: 'source-system', owner: 'Warehouse IT' },
  { name: 'TraceLink', kind: 'serialization', vendor: 'TraceLink', product: 'SOM', version: '2026.11', gampCategory: 4, layer: 'source-system', owner: 'Serialization' },
] as const;

export function anInterface(i: number): NewInterface {
  const source = SYSTEMS[i % 3]!.name;
  const target = SYSTEMS[(i + 1) % 3]!.name;
  return {
    key: `IF-BENCH-${String(i).padStart(5, '0')}`,
    name: `${['Sales orders', 'Ship confirmations', 'Serial numbers', 'Product master', 'EPCIS events'][i % 5]} ${i}`,
    sourceSystem: source,
    targetSystem: target,
    layer: LAYERS[i % LAYERS.length]!,
    pattern: ['rest-api', 'event-stream', 'batch-file', 'idoc', 'edi'][i % 5]!,
    direction: 'unidirectional',
    messageTypes: ['SalesOrder', 'ShipmentConfirmation'].slice(0, 1 + (i % 2)),
    dataDomains: ['orders', 'shipments', 'serialization-events'].slice(0, 1 + (i % 3)),
    platforms: [PLATFORMS[i % PLATFORMS.length]!, ...(i % 4 === 0 ? [PLATFORMS[(i + 2) % PLATFORMS.length]!] : [])],
    gxpRelevant: i % 7 !== 0,
    intendedUse: `Carries regulated supply-chain data for site ${i % 40}; a failure delays or corrupts GxP records.`,
    owner: `Integration team ${i % 12}`,
    environments: { test: `http://127.0.0.1:3000/sim/${i % 3}`, validation: `https://val.example.internal/${i}` },
    status: 'active',
  };
}

async function benchRegistry(): Promise<BenchResult[]> {
  const service = await createBenchWorkbench({ GXPW_LOGIN_RATE_LIMIT_PER_MINUTE: '100000' });
  const raw = await createBenchWorkbench();
  const server = createApp(service.services).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const ctx = systemContext('benchmark');
    await service.services.users.create(ctx, { username: 'engineer', fullName: 'Bench Engineer', role: 'it', password: PASSWORD, mustChangePassword: false });
    for (const system of SYSTEMS) {
      await service.services.systems.create(ctx, system);
      await raw.services.systems.create(ctx, system);
    }
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'engineer', password: PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const body = JSON.stringify({ interfaces: Array.from({ length: COUNT }, (_, i) => anInterface(i + 1)) });

    const measured = await timed(async () => {
      const response = await fetch(`${base}/api/v1/registry/import`, { method: 'POST', headers, body });
      if (response.status !== 201) throw new Error(`import answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
    });

    // The same rows, as the service stored them, inserted raw through the same driver.
    const db = service.services.database.sequelize;
    const rows = await db.query<Record<string, unknown>>('SELECT * FROM interfaces ORDER BY id', { type: QueryTypes.SELECT });
    const platforms = await db.query<Record<string, unknown>>('SELECT * FROM interface_platforms', { type: QueryTypes.SELECT });
    const events = await db.query<AuditEventRow>(`SELECT ${AUDIT_EVENT_COLUMNS.join(', ')} FROM audit_events WHERE action = 'interface.created' ORDER BY seq`, { type: QueryTypes.SELECT });
    const interfaceColumns = Object.keys(rows[0]!).filter((c) => c !== 'id');
    const rawDb = raw.services.database;
    const rowsPerStatement = 500;
    const insertMany = insertRowsSql;
    const baseline = await timed(() =>
      rawDb.write(async (tx) => {
        for (let start = 0; start < rows.length; start += rowsPerStatement) {
          const chunk = rows.slice(start, start + rowsPerStatement);
          await rawDb.sequelize.query(insertMany('interfaces', ['id', ...interfaceColumns], chunk.length), { replacements: chunk.flatMap((row) => [row.id, ...interfaceColumns.map((c) => row[c])]), transaction: tx });
        }
        for (let start = 0; start < platforms.length; start += rowsPerStatement) {
          const chunk = platforms.slice(start, start + rowsPerStatement);
          await rawDb.sequelize.query(insertMany('interface_platforms', ['interface_id', 'platform'], chunk.length), { replacements: chunk.flatMap((p) => [p.interface_id, p.platform]), transaction: tx });
        }
        // Above the raw workbench's own few events: the rows as stored, not a second valid chain.
        for (let start = 0; start < events.length; start += rowsPerStatement) {
          const chunk = events.slice(start, start + rowsPerStatement);
          await rawDb.sequelize.query(insertAuditEventsSql(chunk.length), { replacements: chunk.flatMap((row) => auditEventValues({ ...row, seq: row.seq + 1_000_000 })), transaction: tx });
        }
      }),
    );
    if (events.length !== COUNT) throw new Error(`expected ${COUNT} audit events, found ${events.length}`);

    const queries: Array<Record<string, string>> = [
      { limit: '50' },
      { layer: 'event-streaming', limit: '50' },
      { platform: 'MuleSoft Runtime 4.6', limit: '100' },
      { system: 'TraceLink', layer: 'integration-platform', limit: '25', offset: '200' },
      { q: 'EPCIS', limit: '50', offset: '100' },
      { status: 'active', pattern: 'idoc', limit: '100', offset: '500' },
      { dataDomain: 'serialization-events', limit: '50' },
      { gxpRelevant: 'false', limit: '20', offset: '40' },
    ];
    const latencies: number[] = [];
    for (let i = 0; i < LIST_REQUESTS; i += 1) {
      const query = new URLSearchParams(queries[i % queries.length]);
      const { ms } = await timed(async () => {
        const response = await fetch(`${base}/api/v1/interfaces?${query}`, { headers });
        if (response.status !== 200) throw new Error(`list answered ${response.status}`);
        await response.json();
      });
      latencies.push(ms);
    }
    latencies.sort((a, b) => a - b);
    const p95 = latencies[Math.floor(latencies.length * 0.95)]!;
    const listWork = `${LIST_REQUESTS} filtered, paginated GET /api/v1/interfaces over ${COUNT.toLocaleString('en')} interfaces`;
    return [
      ratioResult('registry import', `${COUNT.toLocaleString('en')} interfaces in one API import (validated, audited) vs batched raw inserts of the same rows`, measured.ms, baseline.ms, 0.25, {
        database: service.services.database.dialect,
        interfacesPerSecond: Math.round(COUNT / (measured.ms / 1000)),
        rawRowsPerSecond: Math.round(COUNT / (baseline.ms / 1000)),
      }),
      {
        name: 'registry list',
        work: listWork,
        measuredMs: latencies.reduce((a, b) => a + b, 0),
        baselineMs: latencies.reduce((a, b) => a + b, 0),
        ratio: 1,
        target: 0,
        checks: [{ name: 'p95 latency', value: p95, below: 50, unit: 'ms' }],
        notes: { medianMs: Number(latencies[Math.floor(latencies.length / 2)]!.toFixed(1)), p95Ms: Number(p95.toFixed(1)), maxMs: Number(latencies.at(-1)!.toFixed(1)) },
      },
    ];
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await service.close();
    await raw.close();
  }
}

export const registryBenchmark: Benchmark = {
  name: 'registry',
  description: 'bulk import of 5,000 interfaces through the API vs raw inserts; filtered listing latency',
  run: benchRegistry,
};
