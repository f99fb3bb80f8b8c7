// /api/v1/audit: search and export the audit trail, verify it, list and take checkpoints.
import type { Response } from 'express';
import { ConflictError } from '../platform/errors.js';
import type { Keyring } from '../platform/keyring.js';
import type { Database } from '../platform/database.js';
import type { ApiRouter } from '../platform/http/api-router.js';
import { auditCsvRow, AUDIT_CSV_COLUMNS, presentAuditEvent, presentCheckpoint } from './audit-presenter.js';
import { auditQuery, type AuditQuery } from './audit-schemas.js';
import type { AuditFilter, AuditTrail } from './audit-trail.js';
import { verifyAuditTrail } from './audit-verifier.js';
import { reconcileRecordStates, withRecordReconciliation } from './record-reconciliation.js';
import type { CheckpointService } from './checkpoint-service.js';

export function registerAuditRoutes(api: ApiRouter, audit: AuditTrail, checkpoints: CheckpointService, database: Database, keyring: Keyring): void {
  api.add<unknown, AuditQuery>({
    method: 'get',
    path: '/api/v1/audit',
    permission: 'audit:read',
    tag: 'audit',
    summary: 'Search the audit trail (entity, actor, action, time range), paginated; ?format=csv exports the same view',
    query: auditQuery,
    produces: ['text/csv'],
    handler: async ({ query }, res) => {
      const { limit, cursor, order, format, ...filter } = query;
      if (format === 'csv') return streamCsv(res, audit, filter, { limit, cursor, order });
      const page = await audit.list(filter, { limit, cursor, order });
      return { events: page.events.map(presentAuditEvent), nextCursor: page.nextCursor };
    },
  });

  api.add({
    method: 'get',
    path: '/api/v1/audit/verify',
    permission: 'audit:verify',
    tag: 'audit',
    summary: 'Recompute every hash, the chain and every checkpoint signature, and reconcile every record with the state its latest audit event recorded; names the first bad sequence number and every record changed, unaccounted for or gone',
    handler: async () => withRecordReconciliation(await verifyAuditTrail(database, keyring, { witness: checkpoints.witness.read() }), await reconcileRecordStates(database, audit.recordStates)),
  });

  api.add({
    method: 'get',
    path: '/api/v1/audit/checkpoints',
    permission: 'audit:read',
    tag: 'audit',
    summary: 'Signed checkpoints of the audit trail',
    handler: async () => ({ checkpoints: (await checkpoints.list()).map(presentCheckpoint) }),
  });

  api.add({
    method: 'post',
    path: '/api/v1/audit/checkpoints',
    permission: 'audit:checkpoint',
    tag: 'audit',
    summary: 'Sign a checkpoint over everything recorded so far (200 when the latest already covers it)',
    status: 201,
    handler: async ({ ctx }, res) => {
      const result = await audit.checkpointNow(ctx);
      if (!result) throw new ConflictError('The audit trail is empty: there is nothing to checkpoint.', 'audit_trail_empty');
      return res.status(result.created ? 201 : 200).json(presentCheckpoint(result.checkpoint));
    },
  });
}

/**
 * Streams the filtered view as CSV, page by page. Without an explicit cursor it exports every
 * matching event; with `cursor` it exports exactly that page, like the JSON answer.
 */
async function streamCsv(res: Response, audit: AuditTrail, filter: AuditFilter, page: { limit: number; cursor?: number; order: 'asc' | 'desc' }): Promise<void> {
  const rows = page.cursor === undefined ? audit.iterate(filter, page.order) : pageOnly(audit, filter, page);
  res.status(200).type('text/csv; charset=utf-8').attachment('audit-trail.csv');
  res.write(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
  for await (const event of rows) {
    if (!res.write(`${auditCsvRow(event)}\r\n`)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

async function* pageOnly(audit: AuditTrail, filter: AuditFilter, page: { limit: number; cursor?: number; order: 'asc' | 'desc' }) {
  yield* (await audit.list(filter, page)).events;
}
