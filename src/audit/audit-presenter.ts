// JSON and CSV views of audit events and checkpoints.
import type { AuditCheckpoint, AuditEvent } from './audit-models.js';

export function presentAuditEvent(event: AuditEvent) {
  return {
    seq: event.seq,
    occurredAt: event.occurredAt,
    actor: { id: event.actorId, name: event.actorName, role: event.actorRole },
    action: event.action,
    entity: { type: event.entityType, id: event.entityId },
    before: event.beforeValue === null ? null : JSON.parse(event.beforeValue),
    after: event.afterValue === null ? null : JSON.parse(event.afterValue),
    reason: event.reason,
    correlationId: event.correlationId,
    /** Digests of the states the change left its records in, keyed `type:id` (part of the leaf hash). */
    states: event.states === null ? null : (JSON.parse(event.states) as Record<string, string>),
    leafHash: event.leafHash,
    chainHash: event.chainHash,
  };
}

export function presentCheckpoint(checkpoint: AuditCheckpoint) {
  return {
    id: checkpoint.id,
    treeSize: checkpoint.treeSize,
    rootHash: checkpoint.rootHash,
    chainHash: checkpoint.chainHash,
    createdAt: checkpoint.createdAt,
    keyId: checkpoint.keyId,
    signature: checkpoint.signature,
    signatureAlgorithm: 'Ed25519',
  };
}

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'occurred_at',
  'actor_id',
  'actor_name',
  'actor_role',
  'action',
  'entity_type',
  'entity_id',
  'reason',
  'before',
  'after',
  'correlation_id',
  'states',
  'leaf_hash',
  'chain_hash',
];

export function auditCsvRow(event: AuditEvent): string {
  return [
    event.seq,
    event.occurredAt,
    event.actorId,
    event.actorName,
    event.actorRole,
    event.action,
    event.entityType,
    event.entityId,
    event.reason,
    event.beforeValue,
    event.afterValue,
    event.correlationId,
    event.states,
    event.leafHash,
    event.chainHash,
  ]
    .map(csvCell)
    .join(',');
}

/** The CSV document, header first, one CRLF-terminated line per event, as the events arrive. */
export async function* auditCsvLines(events: AsyncIterable<AuditEvent>): AsyncGenerator<string> {
  yield `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
  for await (const event of events) yield `${auditCsvRow(event)}\r\n`;
}

/**
 * RFC 4180 quoting. A text cell that a spreadsheet would run as a formula (= + - @ at its start)
 * gets a leading apostrophe (OWASP CSV injection advice); the JSON export is the exact copy.
 */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}
