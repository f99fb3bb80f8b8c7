// Exports of the audit trail for inspectors: the CSV (every column, for analysis) and the PDF report
// (what an inspector reads and files), filtered by record, user, action and period. Both go through
// the audited export, so taking the trail away is itself in the trail.
import { createHash, createPublicKey } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Database } from '../platform/database.js';
import { ValidationError } from '../platform/errors.js';
import type { Keyring } from '../platform/keyring.js';
import type { RequestContext } from '../platform/request-context.js';
import type { AuditEvent } from './audit-models.js';
import { auditCsvLines } from './audit-presenter.js';
import { presentAuditReport, type AuditReportFilter } from './audit-report-presenter.js';
import { renderAuditReportPdf } from './audit-report-pdf.js';
import type { AuditExportQuery } from './audit-schemas.js';
import type { AuditFilter, AuditPage, AuditTrail } from './audit-trail.js';
import { verifyAuditTrail } from './audit-verifier.js';
import type { AuditedExports, ExportFile } from './audited-export.js';
import type { CheckpointService } from './checkpoint-service.js';

/** A user as the `actor` filter finds them: by user name, or by id. */
export type ActorLookup = (nameOrId: string) => Promise<{ id: number; username: string; printedName: string } | null>;

/** The record every audit-trail export is an event of. */
export const AUDIT_TRAIL_RECORD = { type: 'audit-trail', id: 'audit-trail' } as const;

/** Events written to the export file per chunk: few writes, little memory. */
const CSV_CHUNK_BYTES = 64 * 1024;

export class AuditExportService {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditTrail,
    private readonly checkpoints: CheckpointService,
    private readonly keyring: Keyring,
    private readonly exports: AuditedExports,
    private readonly findActor: ActorLookup,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Generates, digests and audits the export; the route sends the file. */
  async export(ctx: RequestContext, query: AuditExportQuery): Promise<ExportFile> {
    const { filter, report } = await this.resolve(query);
    const recorded = recordedFilters(query, report);
    const stamp = this.stamp();
    if (query.format === 'csv') {
      return this.exports.create(ctx, {
        entityType: AUDIT_TRAIL_RECORD.type,
        entityId: AUDIT_TRAIL_RECORD.id,
        format: 'csv',
        contentType: 'text/csv; charset=utf-8',
        fileName: `audit-trail-${stamp}.csv`,
        filters: recorded,
        content: () => Readable.from(chunked(auditCsvLines(this.audit.iterate(filter, 'asc')))),
      });
    }
    // Verified first: the report lists the events up to the head that was verified, no later ones.
    const verification = await verifyAuditTrail(this.database, this.keyring, { witness: this.checkpoints.witness.read() });
    const checkpoint = await this.checkpoints.latest();
    const model = presentAuditReport({
      filter: report,
      generatedAt: this.now(),
      generatedBy: { name: ctx.actor.name, username: ctx.actor.username, role: ctx.actor.role },
      events: upTo(this.audit.iterate(filter, 'asc'), verification.lastSeq),
      verification,
      checkpoint,
      keyFingerprint: checkpoint ? publicKeyFingerprint(this.keyring, checkpoint.keyId) : null,
    });
    return this.exports.create(ctx, {
      entityType: AUDIT_TRAIL_RECORD.type,
      entityId: AUDIT_TRAIL_RECORD.id,
      format: 'pdf',
      contentType: 'application/pdf',
      fileName: `audit-trail-${stamp}.pdf`,
      filters: recorded,
      content: () => renderAuditReportPdf(model),
    });
  }

  /**
   * GET /api/v1/audit?format=csv: the view the JSON pages show, as an audited CSV export — every
   * matching event in the order asked for, or exactly one page when a cursor is given.
   */
  async exportView(ctx: RequestContext, filter: AuditFilter, page: AuditPage): Promise<ExportFile> {
    const events = page.cursor === undefined ? this.audit.iterate(filter, page.order) : this.pageOf(filter, page);
    return this.exports.create(ctx, {
      entityType: AUDIT_TRAIL_RECORD.type,
      entityId: AUDIT_TRAIL_RECORD.id,
      format: 'csv',
      contentType: 'text/csv; charset=utf-8',
      fileName: `audit-trail-${this.stamp()}.csv`,
      filters: { ...filter, order: page.order, ...(page.cursor === undefined ? {} : { cursor: page.cursor, limit: page.limit }) },
      content: () => Readable.from(chunked(auditCsvLines(events))),
    });
  }

  private async *pageOf(filter: AuditFilter, page: AuditPage): AsyncGenerator<AuditEvent> {
    yield* (await this.audit.list(filter, page)).events;
  }

  private stamp(): string {
    return this.now().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  }

  /** The query as a trail filter and as the report names it; a bad period or unknown user is a 400. */
  private async resolve(query: AuditExportQuery): Promise<{ filter: AuditFilter; report: AuditReportFilter }> {
    if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
      throw new ValidationError('query.from is after query.to: the period is empty.', [{ field: 'query.from', rule: 'notAfterTo', message: 'must not be after query.to' }], 'invalid_period');
    }
    const filter: AuditFilter = { entityType: query.entityType, entityId: query.entityId, action: query.action, from: query.from, to: query.to };
    const report: AuditReportFilter = { entityType: query.entityType, entityId: query.entityId, action: query.action, from: query.from, to: query.to };
    if (query.actor !== undefined) {
      const user = await this.findActor(query.actor);
      if (user) {
        filter.actorId = user.id;
        report.actor = user;
      } else if (query.actor === 'system') {
        // What the server did on its own (seeding, the CLI on the server, timers) has no user id.
        filter.actorId = null;
        report.actor = { id: null, username: 'system', printedName: 'the system' };
      } else {
        throw new ValidationError(`No user '${query.actor}': query.actor names a user by user name or id.`, [{ field: 'query.actor', rule: 'exists', message: 'must name an existing user (user name or id), or system' }], 'unknown_actor');
      }
    }
    return { filter, report };
  }

}

/** SHA-256 over the key's SubjectPublicKeyInfo (DER): what a reader compares with GET /api/v1/keys. */
export function publicKeyFingerprint(keyring: Keyring, keyId: string): string | null {
  const key = keyring.publicKeys().find((k) => k.keyId === keyId);
  if (!key) return null;
  return createHash('sha256').update(createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' })).digest('hex');
}

/** What the export event records about the request: the filters given, the actor as resolved. */
function recordedFilters(query: AuditExportQuery, report: AuditReportFilter): Record<string, unknown> {
  const { format: _format, actor: _actor, ...given } = query;
  return { ...given, ...(report.actor ? { actor: { id: report.actor.id, username: report.actor.username } } : {}) };
}

async function* upTo(events: AsyncIterable<AuditEvent>, lastSeq: number): AsyncGenerator<AuditEvent> {
  for await (const event of events) {
    if (event.seq > lastSeq) return;
    yield event;
  }
}

async function* chunked(lines: AsyncIterable<string>): AsyncGenerator<string> {
  let pending = '';
  for await (const line of lines) {
    pending += line;
    if (pending.length >= CSV_CHUNK_BYTES) {
      yield pending;
      pending = '';
    }
  }
  if (pending) yield pending;
}
