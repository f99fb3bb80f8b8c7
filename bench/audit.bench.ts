// `npm run bench audit` — the audit trail's cost over plain database writes and reads.
//
// append: 100,000 audited changes through the real service (a record insert plus AuditTrail.record,
//   100 per transaction, checkpoints every 1,000) vs raw inserts of the very same rows (record and
//   audit event, as the service stored them) through the same driver in transactions of 100.
//   Each event digests the state of the record it touched (record-states.ts), as every real one does.
// verify: verifyAuditTrail over 1,000,000 events read from the database vs the same verifier
//   (leaf hashes, chain, Merkle roots, checkpoint signatures) over the same rows already in memory.
// verify with records: the same trail, of which 100,000 events created 100,000 records, verified and
//   every record reconciled with its latest event (reconcileRecordStates) vs the same chain check
//   and the same record digests compared, over the rows already in memory.
import { QueryTypes, type Transaction } from 'sequelize';
import { AUDIT_EVENT_COLUMNS, auditEventRowOf, auditEventValues, chainHashOf, checkpointPayload, GENESIS_CHAIN_HASH, insertAuditEventsSql, leafHashOf, MerkleFrontier, type AuditEventContent, type AuditEventRow } from '../src/audit/audit-hashing.js';
import { AuditChainVerifier, verifyAuditTrail } from '../src/audit/audit-verifier.js';
import { reconcileRecordStates } from '../src/audit/record-reconciliation.js';
import { recordKey, stateDigestOfRow, type RecordStateDefinition } from '../src/audit/record-states.js';
import { systemContext } from '../src/platform/request-context.js';
import { createBenchWorkbench, ratioResult, timed, type Benchmark, type BenchResult } from './harness.js';

const APPEND_CHANGES = Number(process.env.BENCH_AUDIT_APPEND ?? 100_000);
const VERIFY_EVENTS = Number(process.env.BENCH_AUDIT_VERIFY ?? 1_000_000);
const VERIFY_RECORDS = Math.min(VERIFY_EVENTS, Number(process.env.BENCH_AUDIT_RECORDS ?? 100_000));

/** The benchmark's record type, registered like a feature's. */
const MATERIAL_STATE: RecordStateDefinition = {
  type: 'material',
  table: 'bench_records',
  idColumn: 'id',
  idKind: 'integer',
  columns: { material_number: 'text', description: 'text', gtin: 'text', quantity: 'integer', status: 'text' },
};
const PER_TRANSACTION = 100;

function material(id: number) {
  return { id, materialNumber: `MAT-${String(id).padStart(8, '0')}`, description: `Amoxicillin 500 mg capsules, lot ${id % 997}`, gtin: `0030${String(id).padStart(10, '0')}`, quantity: id % 5000, status: 'active' };
}

const CREATE_RECORDS = 'CREATE TABLE bench_records (id INTEGER PRIMARY KEY, material_number VARCHAR(32), description TEXT, gtin VARCHAR(14), quantity INTEGER, status VARCHAR(16))';
const INSERT_RECORD = 'INSERT INTO bench_records (id, material_number, description, gtin, quantity, status) VALUES (?, ?, ?, ?, ?, ?)';
const recordValues = (m: ReturnType<typeof material>) => [m.id, m.materialNumber, m.description, m.gtin, m.quantity, m.status];

async function benchAppend(): Promise<BenchResult> {
  const service = await createBenchWorkbench();
  const raw = await createBenchWorkbench();
  try {
    const { database, audit } = service.services;
    audit.recordStates.register(MATERIAL_STATE);
    await database.sequelize.query(CREATE_RECORDS);
    await raw.services.database.sequelize.query(CREATE_RECORDS);
    const ctx = systemContext('benchmark');

    const measured = await timed(async () => {
      for (let start = 1; start <= APPEND_CHANGES; start += PER_TRANSACTION) {
        await database.write(async (tx: Transaction) => {
          for (let id = start; id < start + PER_TRANSACTION; id += 1) {
            const record = material(id);
            await database.sequelize.query(INSERT_RECORD, { replacements: recordValues(record), transaction: tx });
            await audit.record(tx, ctx, { action: 'material.created', entityType: 'material', entityId: id, change: 'create', after: record });
          }
        });
      }
    });

    const rows = await database.sequelize.query<AuditEventRow>(`SELECT ${AUDIT_EVENT_COLUMNS.join(', ')} FROM audit_events ORDER BY seq`, { type: QueryTypes.SELECT });
    const insertEvent = insertAuditEventsSql();
    const rawDb = raw.services.database;
    const baseline = await timed(async () => {
      for (let start = 0; start < rows.length; start += PER_TRANSACTION) {
        await rawDb.write(async (tx) => {
          for (const row of rows.slice(start, start + PER_TRANSACTION)) {
            await rawDb.sequelize.query(INSERT_RECORD, { replacements: recordValues(material(row.seq)), transaction: tx });
            await rawDb.sequelize.query(insertEvent, { replacements: auditEventValues(row), transaction: tx });
          }
        });
      }
    });
    const checkpoints = await service.services.checkpoints.list();
    return ratioResult('audit append', `${APPEND_CHANGES.toLocaleString('en')} audited changes, ${PER_TRANSACTION} per transaction`, measured.ms, baseline.ms, 0.3, {
      database: database.dialect,
      changesPerSecond: Math.round(APPEND_CHANGES / (measured.ms / 1000)),
      rawRowsPerSecond: Math.round(APPEND_CHANGES / (baseline.ms / 1000)),
      checkpointsSigned: checkpoints.length,
    });
  } finally {
    await service.close();
    await raw.close();
  }
}

/** Builds a valid trail of `count` events with a signed checkpoint every 1,000, fast (bulk inserts). */
async function seedTrail(workbench: Awaited<ReturnType<typeof createBenchWorkbench>>, count: number, records = 0): Promise<AuditEventRow[]> {
  const { database, keyring } = workbench.services;
  const rows: AuditEventRow[] = [];
  const frontier = MerkleFrontier.empty();
  let chain = GENESIS_CHAIN_HASH;
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  const batch = 500;
  for (let start = 1; start <= count; start += batch) {
    const slice: AuditEventRow[] = [];
    const checkpoints: Array<Record<string, unknown>> = [];
    const created: Array<ReturnType<typeof material>> = [];
    for (let seq = start; seq < Math.min(start + batch, count + 1); seq += 1) {
      const creates = seq <= records;
      const before = !creates && seq % 3 === 0 ? material(seq) : null;
      const after = { ...material(seq), quantity: seq % 7000 };
      const content: AuditEventContent = {
        seq,
        occurredAt: new Date(base + seq * 1000).toISOString(),
        actorId: (seq % 4) + 1,
        actorName: ['Alex Admin', 'Ingrid Integration', 'Quinn Quality', 'Aurelia Auditor'][seq % 4]!,
        actorRole: ['admin', 'it', 'qa', 'auditor'][seq % 4]!,
        action: before ? 'material.updated' : 'material.created',
        entityType: 'material',
        entityId: String(seq),
        before,
        after,
        reason: before ? 'quantity corrected after cycle count' : null,
        correlationId: `bench-${seq}`,
        states: creates ? { [recordKey('material', seq)]: stateDigestOfRow(MATERIAL_STATE, materialRow(after)) } : null,
      };
      if (creates) created.push(after);
      const leaf = leafHashOf(content);
      chain = chainHashOf(chain, leaf);
      frontier.push(leaf);
      const row = auditEventRowOf(content, { before: before ? JSON.stringify(before) : null, after: JSON.stringify(after) }, leaf, chain);
      slice.push(row);
      if (seq % 1000 === 0) {
        const unsigned = { treeSize: seq, rootHash: frontier.root(), chainHash: chain, createdAt: content.occurredAt, keyId: keyring.activeKeyId };
        checkpoints.push({ ...unsigned, signature: keyring.sign(checkpointPayload(unsigned)).signature, frontier: '{}' });
      }
    }
    await database.write(async (tx) => {
      await database.sequelize.query(insertAuditEventsSql(slice.length), {
        replacements: slice.flatMap(auditEventValues),
        transaction: tx,
      });
      for (const record of created) await database.sequelize.query(INSERT_RECORD, { replacements: recordValues(record), transaction: tx });
      for (const c of checkpoints) {
        await database.sequelize.query(
          'INSERT INTO audit_checkpoints (tree_size, root_hash, chain_hash, created_at, key_id, signature, frontier) VALUES (?, ?, ?, ?, ?, ?, ?)',
          { replacements: [c.treeSize, c.rootHash, c.chainHash, c.createdAt, c.keyId, c.signature, c.frontier], transaction: tx },
        );
      }
    });
    rows.push(...slice);
  }
  return rows;
}

/** A bench_records row as the database returns it. */
function materialRow(m: ReturnType<typeof material>): Record<string, unknown> {
  return { id: m.id, material_number: m.materialNumber, description: m.description, gtin: m.gtin, quantity: m.quantity, status: m.status };
}

async function benchVerify(): Promise<BenchResult[]> {
  const workbench = await createBenchWorkbench();
  try {
    const { database, keyring, audit } = workbench.services;
    audit.recordStates.register(MATERIAL_STATE);
    await database.sequelize.query(CREATE_RECORDS);
    const rows = await seedTrail(workbench, VERIFY_EVENTS, VERIFY_RECORDS);
    const checkpointRows = await database.sequelize.query<any>('SELECT id, tree_size, root_hash, chain_hash, created_at, key_id, signature FROM audit_checkpoints ORDER BY tree_size', { type: QueryTypes.SELECT });

    const baseline = await timed(async () => {
      const verifier = new AuditChainVerifier(keyring, checkpointRows);
      for (const row of rows) verifier.check(row);
      return verifier.finish();
    });
    const measured = await timed(() => verifyAuditTrail(database, keyring));
    if (!measured.value.ok || !baseline.value.ok) throw new Error(`benchmark trail did not verify: ${measured.value.problem ?? baseline.value.problem}`);
    const trail = ratioResult('audit verify', `${VERIFY_EVENTS.toLocaleString('en')} events, ${checkpointRows.length} signed checkpoints`, measured.ms, baseline.ms, 0.4, {
      database: database.dialect,
      eventsPerSecond: Math.round(VERIFY_EVENTS / (measured.ms / 1000)),
    });

    // The same trail plus every record reconciled with its latest event, vs the same work in memory.
    const inMemoryRecords = rows.slice(0, VERIFY_RECORDS).map((row) => materialRow(JSON.parse(row.after_value!)));
    const withRecordsBaseline = await timed(async () => {
      const verifier = new AuditChainVerifier(keyring, checkpointRows);
      const latest = new Map<string, string>();
      for (const row of rows) {
        verifier.check(row);
        if (row.states) for (const [key, digest] of Object.entries(JSON.parse(row.states) as Record<string, string>)) latest.set(key, digest);
      }
      let mismatches = 0;
      for (const record of inMemoryRecords) if (latest.get(recordKey('material', record.id as number)) !== stateDigestOfRow(MATERIAL_STATE, record)) mismatches += 1;
      return { trail: verifier.finish(), mismatches };
    });
    const withRecords = await timed(async () => ({ trail: await verifyAuditTrail(database, keyring), records: await timed(() => reconcileRecordStates(database, audit.recordStates)) }));
    const reconciled = withRecords.value.records.value;
    if (!reconciled.ok || reconciled.recordsChecked < VERIFY_RECORDS || withRecordsBaseline.value.mismatches) throw new Error(`benchmark records did not reconcile: ${JSON.stringify(reconciled.problems.slice(0, 3))}`);
    const records = ratioResult('audit verify with records', `${VERIFY_EVENTS.toLocaleString('en')} events and ${VERIFY_RECORDS.toLocaleString('en')} records reconciled`, withRecords.ms, withRecordsBaseline.ms, 0.4, {
      database: database.dialect,
      reconcileMs: Math.round(withRecords.value.records.ms),
    });
    return [trail, records];
  } finally {
    await workbench.close();
  }
}

export const auditBenchmark: Benchmark = {
  name: 'audit',
  description: 'audit trail append and verification vs raw database work',
  async run() {
    return [await benchAppend(), ...(await benchVerify())];
  },
};
