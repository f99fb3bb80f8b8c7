// Proves every live record is what its audit trail says (Part 11 §11.10(a), Annex 11 §9): each
// row's state digest is recomputed and compared with the digest the latest audit event naming it
// recorded. The hash chain proves the events were not altered; this proves the rows were not —
// signed or not. Three findings: a row edited outside the application, a row no event accounts
// for (written outside the application), and an event whose record is gone (deleted outside it).
import { QueryTypes } from 'sequelize';
import type { Database } from '../platform/database.js';
import { systemContext } from '../platform/request-context.js';
import type { AuditTrail } from './audit-trail.js';
import type { AuditProblem, AuditVerification } from './audit-verifier.js';
import { recordKey, type RecordRef, type RecordStates } from './record-states.js';

export type RecordProblemKind = 'changed_outside_application' | 'no_audit_event' | 'record_missing' | 'baseline_out_of_place';

export interface RecordProblem {
  recordType: string;
  recordId: string;
  problem: RecordProblemKind;
  /** The latest event that names the record (null: none does). */
  seq: number | null;
  message: string;
}

export interface RecordReconciliation {
  ok: boolean;
  recordsChecked: number;
  /** Records still being written without an event per write (runs executing), compared once settled. */
  recordsInProgress: number;
  /** Where the states of records older than record-state digests were attested, if they were. */
  baselineSeq: number | null;
  problemCount: number;
  /** The first MAX_PROBLEMS problems. */
  problems: RecordProblem[];
}

/** The action of the event that attests the records existing when record-state digests began. */
export const BASELINE_ACTION = 'audit.record_states_baselined';
const MIGRATION = '0010-audit-record-states';
const MAX_PROBLEMS = 1000;
const EVENT_BATCH = 10_000;

interface LatestState {
  digest: string;
  seq: number;
  action: string;
}

export async function reconcileRecordStates(
  database: Database,
  recordStates: RecordStates,
  options: { onProgress?: (checked: number, total: number) => void } = {},
): Promise<RecordReconciliation> {
  const problems: RecordProblem[] = [];
  let problemCount = 0;
  const report = (problem: RecordProblem) => {
    problemCount += 1;
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };

  // 1. The latest recorded state of every record, from the events that carry states.
  const latest = new Map<string, LatestState>();
  let baselineSeq: number | null = null;
  let after = 0;
  for (;;) {
    const rows = await database.sequelize.query<{ seq: number; action: string; states: string }>(
      'SELECT seq, action, states FROM audit_events WHERE states IS NOT NULL AND seq > :after ORDER BY seq ASC LIMIT :limit',
      { type: QueryTypes.SELECT, replacements: { after, limit: EVENT_BATCH } },
    );
    for (const row of rows) {
      const seq = Number(row.seq);
      if (row.action === BASELINE_ACTION) {
        // Only the very first events with states may attest what existed before: a baseline after
        // them could bless rows edited outside the application.
        if (latest.size > 0 && baselineSeq === null) {
          report({ recordType: 'audit-trail', recordId: String(seq), problem: 'baseline_out_of_place', seq, message: `Event ${seq} attests record states after states were already recorded; such an attestation is only valid when record-state digests begin.` });
          continue;
        }
        baselineSeq ??= seq;
      }
      const states = parseStates(row.states);
      for (const [key, digest] of Object.entries(states)) latest.set(key, { digest, seq, action: row.action });
    }
    if (rows.length < EVENT_BATCH) break;
    after = Number(rows[rows.length - 1]!.seq);
  }

  // 2. Every live row, recomputed and compared.
  const definitions = recordStates.types();
  const total = await countRecords(database, definitions.map((d) => d.table));
  let recordsChecked = 0;
  let recordsInProgress = 0;
  for (const definition of definitions) {
    for await (const page of recordStates.scan(database, definition)) {
      for (const record of page) {
        const key = recordKey(definition.type, record.id);
        const recorded = latest.get(key);
        latest.delete(key);
        recordsChecked += 1;
        if (!recorded) {
          report({ recordType: definition.type, recordId: record.id, problem: 'no_audit_event', seq: null, message: `No audit event accounts for ${definition.type} ${record.id}: it was written outside the application.` });
          continue;
        }
        if (record.digest === recorded.digest) continue;
        if (record.inProgress && !definition.inProgress!.settledBy.includes(recorded.action)) {
          recordsInProgress += 1;
          continue;
        }
        report({
          recordType: definition.type,
          recordId: record.id,
          problem: 'changed_outside_application',
          seq: recorded.seq,
          message: `${definition.type} ${record.id} is not in the state audit event ${recorded.seq} (${recorded.action}) recorded: it was changed outside the application.`,
        });
      }
      options.onProgress?.(recordsChecked, total);
    }
  }

  // 3. Records the trail knows and the database no longer has.
  for (const [key, recorded] of latest) {
    const split = key.indexOf(':');
    const type = key.slice(0, split);
    if (!recordStates.get(type)) continue;
    report({ recordType: type, recordId: key.slice(split + 1), problem: 'record_missing', seq: recorded.seq, message: `${type} ${key.slice(split + 1)}, last recorded by audit event ${recorded.seq} (${recorded.action}), is gone from the database.` });
  }

  return { ok: problemCount === 0, recordsChecked, recordsInProgress, baselineSeq, problemCount, problems };
}

/**
 * On the upgrade that introduces record-state digests (migration 0010), a database that already has
 * an audit trail attests the state of every existing record in `BASELINE_ACTION` events, so the
 * reconciler can prove them from here on. A new database has nothing to attest. Run right after the
 * migrations, with the names of those just applied.
 */
export async function attestRecordsOnUpgrade(database: Database, audit: AuditTrail, appliedMigrations: string[]): Promise<number> {
  if (!appliedMigrations.includes(MIGRATION)) return 0;
  const [{ events }] = await database.sequelize.query<{ events: number }>('SELECT COUNT(*) AS events FROM audit_events', { type: QueryTypes.SELECT });
  if (Number(events) === 0) return 0;
  const ctx = systemContext('migration');
  let attested = 0;
  for (const definition of audit.recordStates.types()) {
    for await (const page of audit.recordStates.scan(database, definition)) {
      const refs: RecordRef[] = page.map((record) => ({ type: definition.type, id: record.id }));
      await database.write((tx) =>
        audit.record(tx, ctx, {
          action: BASELINE_ACTION,
          entityType: 'audit-trail',
          entityId: 'record-states',
          change: 'event',
          after: { recordType: definition.type, records: refs.length, why: 'record-state digests begin: the states of records that existed before are attested as found' },
          states: refs,
        }),
      );
      attested += refs.length;
    }
  }
  return attested;
}

function parseStates(text: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
  } catch {
    // An altered states text is the chain verifier's finding (its leaf hash no longer matches).
    return {};
  }
}

async function countRecords(database: Database, tables: string[]): Promise<number> {
  let total = 0;
  for (const table of tables) {
    const [{ count }] = await database.sequelize.query<{ count: number }>(`SELECT COUNT(*) AS count FROM ${table}`, { type: QueryTypes.SELECT });
    total += Number(count);
  }
  return total;
}

/** The trail's verification with the records reconciled against it: what `GET /api/v1/audit/verify` answers. */
export type TrailAndRecordsVerification = Omit<AuditVerification, 'problems'> & {
  records: Omit<RecordReconciliation, 'ok' | 'problems'> & { ok: boolean };
  problems: Array<AuditProblem | RecordProblem>;
};

export function withRecordReconciliation(trail: AuditVerification, records: RecordReconciliation): TrailAndRecordsVerification {
  const { problems: recordProblems, ...summary } = records;
  return {
    ...trail,
    ok: trail.ok && records.ok,
    problem: trail.problem ?? recordProblems[0]?.message ?? null,
    problems: [...trail.problems, ...recordProblems],
    records: summary,
  };
}
