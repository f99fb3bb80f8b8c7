// Appends audit events inside the caller's transaction, so a regulated change and its event
// commit together or not at all (Part 11 §11.10(e), Annex 11 §9), and reads them back filtered.
import { col, fn, Op, where as sqlWhere, type Transaction, type WhereOptions } from 'sequelize';
import type { Database } from '../platform/database.js';
import { ValidationError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import { auditEventRowOf, auditEventValues, chainHashOf, GENESIS_CHAIN_HASH, insertAuditEventsSql, leafHashOf, type AuditEventContent, type AuditEventRow } from './audit-hashing.js';
import type { AuditCheckpoint, AuditEvent, AuditModels } from './audit-models.js';
import type { CheckpointService } from './checkpoint-service.js';
import { recordKey, type RecordRef, type RecordStates } from './record-states.js';

/** What kind of change an event records; updates, status changes and deletions need a reason. */
export type ChangeKind = 'create' | 'update' | 'status' | 'delete' | 'event';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | number;
  change: ChangeKind;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  /**
   * Other records the change touched besides its entity (a contract saved under its interface, the
   * interface a new assessment re-levels): their states after the change are digested into the
   * event too. Call `record` after the change is written, so the digests are of the new state.
   */
  states?: RecordRef[];
}

export interface AuditFilter {
  entityType?: string;
  entityId?: string;
  /** A user's id; null for what the system did on its own (seeding, the CLI on the server, timers). */
  actorId?: number | null;
  action?: string;
  from?: string;
  to?: string;
}

export interface AuditPage {
  limit: number;
  /** Continue after this sequence number (in the order asked for). */
  cursor?: number;
  order: 'asc' | 'desc';
}

export type RecordedAuditEvent = AuditEventContent & { leafHash: string; chainHash: string };

const INSERT_EVENT = insertAuditEventsSql();

/** Rows per multi-row INSERT (14 values each: 7,000 per statement, under SQLite's and PostgreSQL's limits). */
const INSERT_BATCH = 500;
const NEEDS_REASON: ReadonlySet<ChangeKind> = new Set(['update', 'status', 'delete']);
// Arbitrary constant naming "the audit chain" among PostgreSQL advisory locks.
const AUDIT_CHAIN_LOCK_ID = 740_211_002;

interface ChainHead {
  seq: number;
  chainHash: string;
}

export class AuditTrail {
  private readonly heads = new WeakMap<Transaction, ChainHead>();

  constructor(
    private readonly database: Database,
    private readonly models: AuditModels,
    private readonly checkpoints: CheckpointService,
    private readonly checkpointEvery: number,
    /** Which record types events digest the state of (registered by the features). */
    readonly recordStates: RecordStates,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends one event in `tx`. Throws a 400 when an update or status change has no reason. */
  async record(tx: Transaction, ctx: RequestContext, entry: AuditEntry): Promise<RecordedAuditEvent> {
    const [recorded] = await this.recordMany(tx, ctx, [entry]);
    return recorded!;
  }

  /**
   * Appends several events in `tx`, in order, with multi-row INSERTs: a bulk import records one
   * event per record without one round trip per event. Same chain, same checkpoints as `record`.
   */
  async recordMany(tx: Transaction, ctx: RequestContext, entries: AuditEntry[]): Promise<RecordedAuditEvent[]> {
    const head = await this.headWithin(tx);
    // Part 11 §11.10(a): each event binds the state its change left each record in (record-states.ts).
    const refsOf = (entry: AuditEntry): RecordRef[] => [{ type: entry.entityType, id: entry.entityId }, ...(entry.states ?? [])];
    const digests = await this.recordStates.digestsWithin(this.database, tx, entries.flatMap(refsOf));
    const recorded: RecordedAuditEvent[] = [];
    let pending: AuditEventRow[] = [];
    const flush = async () => {
      if (!pending.length) return;
      await this.database.sequelize.query(pending.length === 1 ? INSERT_EVENT : insertAuditEventsSql(pending.length), { replacements: pending.flatMap(auditEventValues), transaction: tx });
      pending = [];
    };
    for (const entry of entries) {
      const states: Record<string, string> = {};
      for (const ref of refsOf(entry)) {
        const key = recordKey(ref.type, ref.id);
        if (digests[key]) states[key] = digests[key]!;
      }
      const { content, row } = this.eventOf(head, ctx, entry, Object.keys(states).length ? states : null);
      pending.push(row);
      head.seq = content.seq;
      head.chainHash = row.chain_hash;
      recorded.push({ ...content, leafHash: row.leaf_hash, chainHash: row.chain_hash });
      if (content.seq % this.checkpointEvery === 0) {
        await flush();
        await this.checkpoints.createWithin(tx, content.seq);
      } else if (pending.length >= INSERT_BATCH) {
        await flush();
      }
    }
    await flush();
    return recorded;
  }

  private eventOf(head: ChainHead, ctx: RequestContext, entry: AuditEntry, states: Record<string, string> | null): { content: AuditEventContent; row: AuditEventRow } {
    const reason = entry.reason?.trim() || null;
    if (NEEDS_REASON.has(entry.change) && !reason) {
      throw new ValidationError(
        `A reason is required to ${entry.change === 'status' ? 'change the status of' : entry.change} a ${entry.entityType}.`,
        [{ field: 'body.reason', rule: 'required', message: 'is required' }],
        'reason_required',
      );
    }
    const beforeValue = toJsonText(entry.before);
    const afterValue = toJsonText(entry.after);
    const content: AuditEventContent = {
      seq: head.seq + 1,
      // Server clock, UTC, millisecond precision (Part 11 §11.10(e): computer-generated time stamps).
      occurredAt: this.now().toISOString(),
      actorId: ctx.actor.userId,
      actorName: ctx.actor.name,
      actorRole: ctx.actor.role,
      action: entry.action,
      entityType: entry.entityType,
      entityId: String(entry.entityId),
      before: beforeValue === null ? null : JSON.parse(beforeValue),
      after: afterValue === null ? null : JSON.parse(afterValue),
      reason,
      correlationId: ctx.correlationId,
      states,
    };
    const leafHash = leafHashOf(content);
    const chainHash = chainHashOf(head.chainHash, leafHash);
    // Parameterized INSERTs: the hot path of every regulated write, so no model instance here.
    const row = auditEventRowOf(content, { before: beforeValue, after: afterValue }, leafHash, chainHash);
    return { content, row };
  }

  /**
   * Signs a checkpoint over everything recorded so far; null while the trail is empty. When a
   * person asks for it (`requestedBy`), the request is recorded first, in the same transaction,
   * so the checkpoint also covers the event that names who asked. The periodic timer passes null.
   */
  async checkpointNow(requestedBy: RequestContext | null): Promise<{ checkpoint: AuditCheckpoint; created: boolean } | null> {
    return this.database.write(async (tx) => {
      const head = await this.headWithin(tx);
      if (head.seq === 0) return null;
      const latest = await this.checkpoints.latest(tx);
      if (latest && latest.treeSize >= head.seq) return { checkpoint: latest, created: false };
      if (requestedBy) {
        await this.record(tx, requestedBy, { action: 'audit.checkpoint_requested', entityType: 'audit-trail', entityId: 'audit-trail', change: 'event', after: { unsignedEvents: head.seq - (latest?.treeSize ?? 0) } });
      }
      return { checkpoint: await this.checkpoints.createWithin(tx, head.seq), created: true };
    });
  }

  async lastSeq(): Promise<number> {
    const last = await this.models.AuditEvent.max<number, AuditEvent>('seq');
    return last === null || last === undefined ? 0 : Number(last);
  }

  async list(filter: AuditFilter, page: AuditPage): Promise<{ events: AuditEvent[]; nextCursor: number | null }> {
    const where: WhereOptions = buildWhere(filter);
    const seqCondition = page.cursor === undefined ? undefined : { [page.order === 'asc' ? Op.gt : Op.lt]: page.cursor };
    const events = await this.models.AuditEvent.findAll({
      where: seqCondition ? { ...where, seq: seqCondition } : where,
      order: [['seq', page.order === 'asc' ? 'ASC' : 'DESC']],
      limit: page.limit + 1,
    });
    const hasMore = events.length > page.limit;
    if (hasMore) events.pop();
    return { events, nextCursor: hasMore ? events[events.length - 1]!.seq : null };
  }

  /** Every event matching the filter, in pages, for exports that must not hold all in memory. */
  async *iterate(filter: AuditFilter, order: 'asc' | 'desc', batchSize = 1000): AsyncGenerator<AuditEvent> {
    let cursor: number | undefined;
    for (;;) {
      const { events, nextCursor } = await this.list(filter, { limit: batchSize, cursor, order });
      yield* events;
      if (nextCursor === null) return;
      cursor = nextCursor;
    }
  }

  /**
   * The chain head seen by this transaction. On PostgreSQL an advisory lock held until commit
   * makes concurrent writers (also in other server instances) append one after the other; on
   * SQLite the write transaction is already exclusive.
   */
  private async headWithin(tx: Transaction): Promise<ChainHead> {
    let head = this.heads.get(tx);
    if (!head) {
      if (this.database.dialect === 'postgres') {
        await this.database.sequelize.query(`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_ID})`, { transaction: tx });
      }
      const last = await this.models.AuditEvent.findOne({ order: [['seq', 'DESC']], attributes: ['seq', 'chainHash'], transaction: tx });
      head = last ? { seq: Number(last.seq), chainHash: last.chainHash } : { seq: 0, chainHash: GENESIS_CHAIN_HASH };
      this.heads.set(tx, head);
    }
    return head;
  }
}

function toJsonText(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function buildWhere(filter: AuditFilter): WhereOptions {
  const where: Record<string | symbol, unknown> = {};
  if (filter.entityType) where.entityType = filter.entityType;
  if (filter.entityId) where.entityId = filter.entityId;
  if (filter.actorId !== undefined) where.actorId = filter.actorId;
  if (filter.action) {
    if (filter.action.endsWith('*')) {
      // A literal, case-sensitive prefix on both databases: LIKE would treat _ and % as wildcards,
      // and SQLite's LIKE ignores case. substr counts characters (code points) on both.
      const prefix = filter.action.slice(0, -1);
      where[Op.and] = [sqlWhere(fn('substr', col('action'), 1, [...prefix].length), prefix)];
    } else {
      where.action = filter.action;
    }
  }
  // occurred_at is fixed-width ISO-8601 UTC text, so text comparison is time comparison.
  const range: Record<symbol, string> = {};
  if (filter.from) range[Op.gte] = utcText(filter.from, 'query.from');
  if (filter.to) range[Op.lte] = utcText(filter.to, 'query.to');
  if (filter.from || filter.to) where.occurredAt = range;
  return where as WhereOptions;
}

/**
 * An RFC 3339 date-time as the stored UTC text. JavaScript dates have no leap seconds, so
 * 23:59:60 (valid RFC 3339) is taken as the instant after 23:59:59 instead of failing.
 */
function utcText(value: string, field: string): string {
  let time = Date.parse(value);
  const leapSecond = /^(.*[Tt ]\d{2}:\d{2}:)60(\D.*)?$/.exec(value);
  if (Number.isNaN(time) && leapSecond) time = Date.parse(`${leapSecond[1]}59${leapSecond[2] ?? ''}`) + 1000;
  if (Number.isNaN(time)) {
    throw new ValidationError(`${field} is not a time that can be searched for.`, [{ field, rule: 'format', message: 'must be an RFC 3339 date-time' }]);
  }
  return new Date(time).toISOString();
}
