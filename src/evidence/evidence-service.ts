// Evidence: the bytes in the content-addressed store, a catalogue row per capture (who, when, what
// it belongs to) and an audit event. Reading re-checks the digest; a file changed or missing on disk
// is refused, audited and raised as a security alert rather than served (Part 11 §11.10(a):
// the ability to discern invalid or altered records).
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Op, type ModelStatic, type Transaction, type WhereOptions } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { SecurityAlertService } from '../auth/security-alert-service.js';
import type { Database } from '../platform/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.js';
import { systemContext, type RequestContext } from '../platform/request-context.js';
import type { EvidenceItem } from './evidence-model.js';
import type { ContentCheck, EvidenceStore, Restoration, StoredContent } from './evidence-store.js';

/** BOM stripped (the default), invalid bytes refused. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** An evidence item that cannot serve as asked (changed or missing on disk, too large, not JSON). */
export class UnusableEvidenceError extends Error {}

export interface CaptureDetails {
  mediaType: string;
  originalName?: string | null;
  belongsTo?: { type: string; id: string } | null;
}

export interface EvidenceFilter {
  digest?: string;
  belongsToType?: string;
  belongsToId?: string;
  limit?: number;
  afterId?: number;
}

/**
 * A kind of record evidence may be uploaded for: throws (404, 409) when record `id` cannot take
 * evidence now — it does not exist, or it is closed. A run's evidence is the runner's alone.
 */
export type EvidenceOwner = (id: string, tx?: Transaction) => Promise<void>;

export interface EvidenceVerification {
  ok: boolean;
  checked: number;
  problems: Array<{ digest: string; problem: Exclude<ContentCheck, 'intact'>; items: number[] }>;
}

export class EvidenceService {
  private readonly owners = new Map<string, EvidenceOwner>();

  constructor(
    private readonly database: Database,
    private readonly model: ModelStatic<EvidenceItem>,
    readonly store: EvidenceStore,
    private readonly audit: AuditTrail,
    private readonly alerts: SecurityAlertService,
    private readonly now: () => Date = () => new Date(),
  ) {
    store.onRestoration((restoration) => this.recordRestoration(systemContext('evidence store'), restoration));
  }

  /** Lets evidence be uploaded for records of `type` (the composition root wires each feature's). */
  acceptEvidenceFor(type: string, owner: EvidenceOwner): void {
    this.owners.set(type, owner);
  }

  /**
   * Refuses evidence for a record that is not there or no longer takes any (a closed deviation, a
   * finished run): what an item claims to be evidence of must be true when it is filed.
   */
  async assertOwnerAccepts(belongsTo: CaptureDetails['belongsTo'], tx?: Transaction): Promise<void> {
    if (!belongsTo) return;
    const owner = this.owners.get(belongsTo.type);
    if (!owner) {
      const accepted = [...this.owners.keys()].join(', ');
      throw new ValidationError(`Evidence cannot be uploaded for a ${belongsTo.type}; it can be for: ${accepted}.`, [{ field: 'query.belongsToType', rule: 'enum', message: `must be one of ${accepted}` }], 'evidence_owner_not_accepted');
    }
    await owner(belongsTo.id, tx);
  }

  /**
   * Streams content into the store, then catalogues and audits it in one transaction. `beforeFiling`
   * (e.g. "the rest of the upload holds no second file") runs once the bytes are written: when it
   * throws, nothing is stored or catalogued.
   */
  async capture(ctx: RequestContext, source: Readable | AsyncIterable<Buffer> | Iterable<Buffer>, details: CaptureDetails, beforeFiling?: () => Promise<void>): Promise<{ item: EvidenceItem; deduplicated: boolean }> {
    const started = this.now().toISOString();
    await this.assertOwnerAccepts(details.belongsTo);
    const stored = await this.store.putStream(source, beforeFiling);
    const item = await this.database.write(async (tx) => {
      // Again at filing time: the record may have closed while the bytes arrived.
      await this.assertOwnerAccepts(details.belongsTo, tx);
      // New on disk, yet catalogued before this upload began: the file had gone missing and these
      // bytes brought it back. (Rows caught up in a concurrent upload of the same bytes are later.)
      if (stored.created && (await this.model.count({ where: { digest: stored.digest, capturedAt: { [Op.lt]: started } }, transaction: tx }))) {
        await this.recordRestoration(ctx, { digest: stored.digest, found: 'missing', quarantinedAs: null }, tx);
      }
      return this.catalogue(tx, ctx, stored, details);
    });
    return { item, deduplicated: !stored.created };
  }

  /** Catalogues bytes already in the store, in the caller's transaction (the runner's exchanges). */
  async catalogue(tx: Transaction, ctx: RequestContext, stored: StoredContent, details: CaptureDetails): Promise<EvidenceItem> {
    const item = await this.model.create(
      {
        digest: stored.digest,
        size: stored.size,
        mediaType: details.mediaType,
        originalName: details.originalName ?? null,
        capturedAt: this.now().toISOString(),
        capturedBy: ctx.actor.userId,
        capturedByName: ctx.actor.name,
        belongsToType: details.belongsTo?.type ?? null,
        belongsToId: details.belongsTo?.id ?? null,
      },
      { transaction: tx },
    );
    await this.audit.record(tx, ctx, { action: 'evidence.captured', entityType: 'evidence', entityId: item.id, change: 'create', after: presentEvidence(item) });
    return item;
  }

  async list(filter: EvidenceFilter = {}): Promise<EvidenceItem[]> {
    const where: WhereOptions = {};
    if (filter.digest) Object.assign(where, { digest: filter.digest });
    if (filter.belongsToType) Object.assign(where, { belongsToType: filter.belongsToType });
    if (filter.belongsToId) Object.assign(where, { belongsToId: filter.belongsToId });
    if (filter.afterId) Object.assign(where, { id: { [Op.gt]: filter.afterId } });
    return this.model.findAll({ where, order: [['id', 'ASC']], limit: filter.limit ?? 1000 });
  }

  /** The catalogue rows of one digest; 404 when nothing was ever captured with it. */
  async itemsOf(digest: string): Promise<EvidenceItem[]> {
    const items = await this.list({ digest });
    if (!items.length) throw new NotFoundError(`No evidence with digest ${digest}.`, 'evidence_not_found');
    return items;
  }

  /**
   * The bytes of an item, after re-hashing them. A changed or missing file is not served: the
   * refusal is audited and raised as a security alert.
   */
  async openVerified(ctx: RequestContext, digest: string): Promise<{ items: EvidenceItem[]; stream: Readable }> {
    const items = await this.itemsOf(digest);
    const check = await this.store.check(digest);
    if (check !== 'intact') {
      await this.reportIntegrityFailure(ctx, digest, check, 'served', items);
      throw new ConflictError(`Evidence ${digest} is ${check} on disk and cannot be served; a security alert was raised.`, 'evidence_integrity_failed');
    }
    return { items, stream: this.store.openRead(digest) };
  }

  /**
   * Re-hashes an item before it is used (a run's fixture); a changed or missing file is audited and
   * raised as a security alert, as a refused download is.
   */
  async checkForUse(ctx: RequestContext, digest: string): Promise<ContentCheck> {
    const check = await this.store.check(digest);
    if (check !== 'intact') await this.reportIntegrityFailure(ctx, digest, check, 'used');
    return check;
  }

  /**
   * An item's bytes parsed as JSON (a scenario's body fixture): read once, and those very bytes
   * hashed against the digest and decoded strictly (bytes that are not UTF-8 are refused, never
   * replaced). Throws UnusableEvidenceError when the file is changed or missing on disk (audited and
   * alerted), too large, or not JSON.
   */
  async readJson(ctx: RequestContext, digest: string, maxBytes: number): Promise<unknown> {
    const file = this.store.pathOf(digest);
    let bytes: Buffer;
    try {
      if ((await fsp.stat(file)).size > maxBytes) throw new UnusableEvidenceError(`evidence ${digest} is larger than ${maxBytes} bytes`);
      bytes = await fsp.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await this.reportIntegrityFailure(ctx, digest, 'missing', 'used');
      throw new UnusableEvidenceError(`evidence ${digest} is missing on disk`);
    }
    if (createHash('sha256').update(bytes).digest('hex') !== digest) {
      await this.reportIntegrityFailure(ctx, digest, 'changed', 'used');
      throw new UnusableEvidenceError(`evidence ${digest} is changed on disk`);
    }
    try {
      return JSON.parse(STRICT_UTF8.decode(bytes)) as unknown;
    } catch {
      throw new UnusableEvidenceError(`evidence ${digest} is not JSON (UTF-8)`);
    }
  }

  /** Part 11 §11.10(a): an altered or lost record is discerned, recorded and raised, never used. */
  private async reportIntegrityFailure(ctx: RequestContext, digest: string, problem: Exclude<ContentCheck, 'intact'>, refused: 'served' | 'used', known?: EvidenceItem[]): Promise<void> {
    const items = known ?? (await this.list({ digest }));
    await this.database.write(async (tx) => {
      await this.audit.record(tx, ctx, { action: 'evidence.integrity_failed', entityType: 'evidence', entityId: items[0]?.id ?? digest, change: 'event', after: { digest, problem, items: items.map((i) => i.id), refused } });
      await this.alerts.raise(tx, ctx, {
        kind: 'evidence_integrity',
        severity: 'high',
        message: `Evidence ${digest} is ${problem} on disk: it was not ${refused}.`,
        details: { digest, problem, items: items.map((i) => i.id) },
      });
    });
  }

  /**
   * A damaged item put right by a new capture of the same bytes. It is still an integrity failure —
   * something changed or removed a record — so it is audited and raised as an alert (Part 11 §11.10(a)).
   */
  private async recordRestoration(ctx: RequestContext, restoration: Restoration, tx?: Transaction): Promise<void> {
    const record = async (tx: Transaction) => {
      const items = await this.model.findAll({ where: { digest: restoration.digest }, order: [['id', 'ASC']], transaction: tx });
      const details = { digest: restoration.digest, found: restoration.found, quarantinedAs: restoration.quarantinedAs, items: items.map((i) => i.id) };
      await this.audit.record(tx, ctx, { action: 'evidence.restored', entityType: 'evidence', entityId: items[0]?.id ?? restoration.digest, change: 'event', after: details });
      await this.alerts.raise(tx, ctx, {
        kind: 'evidence_integrity',
        severity: 'high',
        message: `Evidence ${restoration.digest} was ${restoration.found} on disk; a new capture of the same bytes restored it${restoration.quarantinedAs ? ` (the damaged file is kept as ${restoration.quarantinedAs})` : ''}.`,
        details,
      });
    };
    await (tx ? record(tx) : this.database.write(record));
  }

  /** Re-hashes every catalogued file (`gxpw verify --evidence`). */
  async verifyAll(options: { onProgress?: (done: number, total: number) => void } = {}): Promise<EvidenceVerification> {
    const total = await this.model.count({ distinct: true, col: 'digest' });
    const report: EvidenceVerification = { ok: true, checked: 0, problems: [] };
    const seen = new Set<string>();
    for (let afterId = 0; ; ) {
      const page = await this.list({ afterId, limit: 1000 });
      if (!page.length) break;
      for (const item of page) {
        if (seen.has(item.digest)) continue;
        seen.add(item.digest);
        const check = await this.store.check(item.digest);
        if (check !== 'intact') report.problems.push({ digest: item.digest, problem: check, items: [] });
        report.checked += 1;
        options.onProgress?.(report.checked, total);
      }
      afterId = page[page.length - 1]!.id;
    }
    for (const problem of report.problems) problem.items = (await this.list({ digest: problem.digest })).map((i) => i.id);
    report.ok = report.problems.length === 0;
    return report;
  }
}

export function presentEvidence(item: EvidenceItem) {
  return {
    id: item.id,
    digest: item.digest,
    size: Number(item.size),
    mediaType: item.mediaType,
    originalName: item.originalName,
    capturedAt: item.capturedAt,
    capturedBy: { id: item.capturedBy, name: item.capturedByName },
    belongsTo: item.belongsToType ? { type: item.belongsToType, id: item.belongsToId } : null,
    download: `/api/v1/evidence/${item.digest}`,
  };
}
