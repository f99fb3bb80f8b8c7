// The audit excerpt of a set of records: every event about them, whole (the content exactly as it
// was hashed), each with an RFC 6962 inclusion proof against one signed checkpoint that covers them
// all. What an export bundle carries so an auditor can check, without our server or database, that
// these events are in the trail the server signed (Part 11 §11.10(b)(e): accurate and complete
// copies of records and their audit trail for inspection; Annex 11 §9).
//
// One streaming pass over the trail's leaf hashes (keyset pages; the trail can hold hundreds of
// thousands of events) finds the events and builds every proof at once; then only the events found
// are read whole.
import { QueryTypes } from 'sequelize';
import type { Database } from '../platform/database.js';
import { ConflictError, ValidationError } from '../platform/errors.js';
import { AUDIT_EVENT_COLUMNS, contentOfRow, leafHashOf, type AuditEventContent, type AuditEventRow } from './audit-hashing.js';
import type { AuditTrail } from './audit-trail.js';
import { InclusionProofBuilder } from './inclusion-proof.js';

/** The signed checkpoint the excerpt's proofs lead to: what its signature covers, and the signature. */
export interface ExcerptCheckpoint {
  treeSize: number;
  rootHash: string;
  chainHash: string;
  createdAt: string;
  keyId: string;
  /** Ed25519 over `checkpointPayload(...)` (audit-hashing.ts), base64. */
  signature: string;
}

export interface ExcerptEvent {
  /** Leaf index in the Merkle tree: the event's sequence number minus one. */
  index: number;
  /** RFC 6962 leaf hash: SHA-256(0x00 || canonical JSON of the event), see `leafHashOf`. */
  leafHash: string;
  /** RFC 6962 audit path from the leaf to the checkpoint's root, leaf end first. */
  proof: string[];
  event: AuditEventContent;
}

export interface AuditExcerpt {
  /** The records asked for, as `type:id`. */
  records: string[];
  checkpoint: ExcerptCheckpoint;
  /** Every event about those records up to the checkpoint, in sequence order. */
  events: ExcerptEvent[];
}

export interface ExcerptOptions {
  /** Events read per page (default 5,000). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

const RECORD_REF = /^([a-z][a-z0-9-]{0,63}):(.{1,128})$/s;
const SCAN_COLUMNS = 'seq, entity_type, entity_id, states, leaf_hash';
const EVENT_COLUMNS = AUDIT_EVENT_COLUMNS.join(', ');
/** Sequence numbers per `IN (…)` when reading the events found. */
const READ_BATCH = 500;

/**
 * Parses record references `type:id` (e.g. `package:3`, `run:12`, `interface:IF-SER-TP-009`):
 * duplicates dropped, order kept. A malformed one is a 400 naming it.
 */
export function parseRecordRefs(refs: readonly string[]): string[] {
  const bad = refs.flatMap((ref, index) => (typeof ref === 'string' && RECORD_REF.test(ref) ? [] : [index]));
  if (bad.length) {
    throw new ValidationError(
      'Audit records are named type:id, e.g. package:3 or interface:IF-SER-TP-009.',
      bad.map((index) => ({ field: `records.${index}`, rule: 'pattern', message: `'${String(refs[index]).slice(0, 140)}' is not type:id` })),
      'invalid_record_ref',
    );
  }
  return [...new Set(refs)];
}

/**
 * The audit excerpt of `refs`: an event belongs to a record when its entity is that record, or
 * when its `states` names it (a change that touched it as well). The proofs lead to the newest
 * signed checkpoint; when that does not cover the newest event yet, a fresh one is signed first, so
 * every event recorded before the excerpt was asked for is in it. Call it outside a transaction.
 */
export async function buildAuditExcerpt(deps: { database: Database; audit: AuditTrail }, refs: readonly string[], options: ExcerptOptions = {}): Promise<AuditExcerpt> {
  const records = parseRecordRefs(refs);
  const wanted = new Set(records);
  const batchSize = options.batchSize ?? 5000;
  const signed = await deps.audit.checkpointNow(null);
  if (!signed) throw new ConflictError('The audit trail is empty: there is nothing to excerpt.', 'audit_trail_empty');
  const { treeSize, rootHash, chainHash, createdAt, keyId, signature } = signed.checkpoint;
  const checkpoint: ExcerptCheckpoint = { treeSize: Number(treeSize), rootHash, chainHash, createdAt, keyId, signature };

  const builder = new InclusionProofBuilder();
  const found: number[] = [];
  const storedLeaf = new Map<number, string>();
  for (let after = 0; after < checkpoint.treeSize; ) {
    const rows = await deps.database.sequelize.query<Pick<AuditEventRow, 'seq' | 'entity_type' | 'entity_id' | 'states' | 'leaf_hash'>>(
      `SELECT ${SCAN_COLUMNS} FROM audit_events WHERE seq > :after AND seq <= :treeSize ORDER BY seq ASC LIMIT :limit`,
      { type: QueryTypes.SELECT, replacements: { after, treeSize: checkpoint.treeSize, limit: batchSize } },
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== builder.size + 1) throw trailInvalid(`event ${builder.size + 1} is missing from the audit trail`);
      const belongs = wanted.has(`${row.entity_type}:${row.entity_id}`) || namesAny(row.states, wanted);
      builder.push(row.leaf_hash, belongs);
      if (belongs) {
        found.push(seq);
        storedLeaf.set(seq, row.leaf_hash);
      }
    }
    after = Number(rows[rows.length - 1]!.seq);
    options.onProgress?.(after, checkpoint.treeSize);
  }
  if (builder.size !== checkpoint.treeSize) throw trailInvalid(`the audit trail ends at event ${builder.size}, before the checkpoint's ${checkpoint.treeSize}`);
  // The stored leaves must be the ones the server signed: an excerpt of a rewritten trail is refused
  // here rather than exported to fail in the auditor's hands.
  if (builder.root() !== checkpoint.rootHash) throw trailInvalid(`the stored leaf hashes do not lead to the root of the signed checkpoint over ${checkpoint.treeSize} events`);
  const proofs = builder.proofs();

  const events: ExcerptEvent[] = [];
  for (let start = 0; start < found.length; start += READ_BATCH) {
    const seqs = found.slice(start, start + READ_BATCH);
    const rows = await deps.database.sequelize.query<AuditEventRow>(`SELECT ${EVENT_COLUMNS} FROM audit_events WHERE seq IN (:seqs) ORDER BY seq ASC`, { type: QueryTypes.SELECT, replacements: { seqs } });
    for (const row of rows) {
      const seq = Number(row.seq);
      const event = contentOfRow(row);
      const leafHash = leafHashOf(event);
      if (leafHash !== storedLeaf.get(seq)) throw trailInvalid(`event ${seq} does not match its leaf hash: it was changed after it was recorded`);
      events.push({ index: seq - 1, leafHash, proof: proofs.get(seq - 1)!, event });
    }
  }
  if (events.length !== found.length) throw trailInvalid('events changed while the excerpt was read');
  return { records, checkpoint, events };
}

/** Whether an event's `states` (JSON text `{"type:id": digest}`) names one of the records. */
function namesAny(states: string | null, wanted: ReadonlySet<string>): boolean {
  if (states === null || states === undefined) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(states);
  } catch {
    return false;
  }
  if (parsed === null || typeof parsed !== 'object') return false;
  for (const key of Object.keys(parsed)) if (wanted.has(key)) return true;
  return false;
}

function trailInvalid(problem: string): ConflictError {
  return new ConflictError(`The audit trail failed verification (${problem}); run gxpw verify. Nothing was exported.`, 'audit_trail_invalid');
}
