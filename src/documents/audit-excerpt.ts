// The audit trail excerpt every record document ends with (Part 11 §11.10(e): the trail is
// available for review with the record it belongs to): who did what, when (UTC), to which record,
// and why. Entries arrive as a stream and leave as table rows one at a time, so an excerpt of any
// length is never held whole.
import { formatDateTimeUtc } from './pdf-document.js';
import type { TableColumn, TableRow } from './table.js';

/** One audit event as a document prints it. */
export interface AuditExcerptEntry {
  seq: number;
  occurredAt: string;
  actorName: string;
  action: string;
  entityType: string;
  entityId: string;
  reason: string | null;
}

/** Widths in points of the 483-point text column. */
export const AUDIT_EXCERPT_COLUMNS: TableColumn[] = [
  { header: 'Seq', width: 32, align: 'right' },
  { header: 'Time', width: 114 },
  { header: 'Actor', width: 74 },
  { header: 'Action', width: 80 },
  { header: 'Record', width: 70 },
  { header: 'Reason', width: 113 },
];

/** The entries as table rows, presented as they are read. */
export async function* presentAuditExcerpt(entries: AsyncIterable<AuditExcerptEntry>): AsyncIterable<TableRow> {
  for await (const e of entries) {
    yield { cells: [String(e.seq), formatDateTimeUtc(e.occurredAt), e.actorName, e.action, `${e.entityType} ${e.entityId}`, e.reason ?? ''] };
  }
}
