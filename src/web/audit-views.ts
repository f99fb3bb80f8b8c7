// View models of the audit-trail pages: events as people read them (who, by printed and user name;
// what; which record; before and after side by side), the verification in words, and the page's
// filters — the calendar days people pick, turned into the instants the trail is searched by.
import type { AuditCheckpoint, AuditEvent } from '../audit/audit-models.js';
import { checkpointPayload } from '../audit/audit-hashing.js';
import type { TrailAndRecordsVerification } from '../audit/record-reconciliation.js';
import type { Keyring } from '../platform/keyring.js';
import { roleTitle } from './viewer.js';

/** The filters of GET /audit as typed (days are YYYY-MM-DD in the viewer's time zone). */
export interface AuditPageFilters {
  entityType?: string;
  entityId?: string;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

export const FILTER_NAMES = ['entityType', 'entityId', 'actor', 'action', 'from', 'to'] as const;

/** The query string of the filters given (for pager and export links), without empty ones. */
export function filterQuery(filters: AuditPageFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...filters, ...extra })) if (value) params.set(name, String(value));
  return params.toString();
}

/** Offset of `zone` from UTC at `instant`, in milliseconds. */
function zoneOffsetMs(instant: number, zone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(new Date(instant)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0)) * 60_000;
}

/** The instant a calendar day (YYYY-MM-DD) starts in `zone`; `endOfDay` gives its last millisecond. */
export function dayInZone(day: string, zone: string, endOfDay = false): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const local = Date.UTC(y, m - 1, d + (endOfDay ? 1 : 0));
  let utc = local - zoneOffsetMs(local, zone);
  utc = local - zoneOffsetMs(utc, zone);
  return new Date(endOfDay ? utc - 1 : utc).toISOString();
}

export interface ActorOption {
  value: string;
  label: string;
}

export function presentAuditEventView(event: AuditEvent, usernames: ReadonlyMap<number, string>) {
  const before = event.beforeValue === null ? null : prettyJson(event.beforeValue);
  const after = event.afterValue === null ? null : prettyJson(event.afterValue);
  return {
    seq: event.seq,
    occurredAt: event.occurredAt,
    actorName: event.actorName,
    actorUsername: event.actorId === null ? 'system' : (usernames.get(event.actorId) ?? `user ${event.actorId}`),
    actorRole: event.actorRole ? roleTitle(event.actorRole) : null,
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    recordHref: `/audit?${filterQuery({ entityType: event.entityType, entityId: event.entityId })}`,
    reason: event.reason,
    before,
    after,
    hasValues: before !== null || after !== null,
    correlationId: event.correlationId,
  };
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A checkpoint with its signature checked against the server's keys (as the verifier checks it). */
export function presentCheckpointView(checkpoint: AuditCheckpoint | null, keyring: Keyring) {
  if (!checkpoint) return null;
  const { treeSize, rootHash, chainHash, createdAt, keyId, signature } = checkpoint;
  let signatureValid = false;
  try {
    signatureValid = keyring.knows(keyId) && keyring.verify(keyId, checkpointPayload({ treeSize, rootHash, chainHash, createdAt, keyId }), signature);
  } catch {
    signatureValid = false;
  }
  return { id: checkpoint.id, treeSize, rootHash, createdAt, keyId, signatureValid };
}

/** What GET /api/v1/audit/verify answers, in words. */
export function presentVerification(result: TrailAndRecordsVerification) {
  const trailOk = result.firstBadSeq === null && !result.problems.some((p) => 'seq' in p && !('recordType' in p));
  return {
    ok: result.ok,
    trailOk,
    headline: result.ok
      ? `The audit trail is intact: all ${result.eventsChecked.toLocaleString('en-GB')} events and ${result.checkpointsChecked.toLocaleString('en-GB')} signed checkpoints check out, and every record matches its trail.`
      : result.firstBadSeq !== null
        ? `The audit trail is broken at event ${result.firstBadSeq}.`
        : 'The audit trail is intact, but records do not match what their trail recorded.',
    firstBadSeq: result.firstBadSeq,
    problem: result.problem,
    eventsChecked: result.eventsChecked,
    checkpointsChecked: result.checkpointsChecked,
    lastSeq: result.lastSeq,
    headChainHash: result.headChainHash,
    witnessTreeSize: result.witnessTreeSize,
    verifiedAt: result.verifiedAt,
    problems: result.problems.slice(0, 50).map((p) =>
      'recordType' in p
        ? { where: `${p.recordType} ${p.recordId}`, what: p.message }
        : { where: `event ${p.seq}${p.checkpointId ? ` (checkpoint ${p.checkpointId})` : ''}`, what: p.problem },
    ),
    moreProblems: Math.max(0, result.problems.length - 50),
    records: result.records,
  };
}
