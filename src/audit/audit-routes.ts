// /api/v1/audit: search and export the audit trail, verify it, list and take checkpoints.
import { ConflictError } from '../platform/errors.js';
import type { Keyring } from '../platform/keyring.js';
import type { Database } from '../platform/database.js';
import type { ApiRouter } from '../platform/http/api-router.js';
import type { AuditExportService } from './audit-export.js';
import { presentAuditEvent, presentCheckpoint } from './audit-presenter.js';
import { auditExportQuery, auditQuery, type AuditExportQuery, type AuditQuery } from './audit-schemas.js';
import type { AuditTrail } from './audit-trail.js';
import { sendExport } from './audited-export.js';
import { verifyAuditTrail } from './audit-verifier.js';
import { reconcileRecordStates, withRecordReconciliation } from './record-reconciliation.js';
import type { CheckpointService } from './checkpoint-service.js';

export function registerAuditRoutes(api: ApiRouter, audit: AuditTrail, checkpoints: CheckpointService, database: Database, keyring: Keyring, exports: AuditExportService): void {
  api.add<unknown, AuditQuery>({
    method: 'get',
    path: '/api/v1/audit',
    permission: 'audit:read',
    tag: 'audit',
    summary: 'Search the audit trail (entity, actor, action, time range), paginated; ?format=csv exports the same view (an audited export)',
    query: auditQuery,
    produces: ['text/csv'],
    handler: async ({ query, ctx }, res) => {
      const { limit, cursor, order, format, ...filter } = query;
      if (format === 'csv') return sendExport(res, await exports.exportView(ctx, filter, { limit, cursor, order }));
      const page = await audit.list(filter, { limit, cursor, order });
      return { events: page.events.map(presentAuditEvent), nextCursor: page.nextCursor };
    },
  });

  api.add<unknown, AuditExportQuery>({
    method: 'get',
    path: '/api/v1/audit/export',
    permission: 'audit:export',
    tag: 'audit',
    summary: 'Export the audit trail filtered by record, user (name or id), action and period, oldest first: CSV with every column, or the PDF report with the chain verification and the latest signed checkpoint; recorded as an export.created event with the SHA-256 of the bytes sent',
    query: auditExportQuery,
    produces: ['text/csv', 'application/pdf'],
    handler: async ({ query, ctx }, res) => sendExport(res, await exports.export(ctx, query)),
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
