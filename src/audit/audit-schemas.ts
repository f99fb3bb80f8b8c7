import type { AuditFilter } from './audit-trail.js';

// Query schema of GET /api/v1/audit.
export const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    entityType: { type: 'string', minLength: 1, maxLength: 64 },
    entityId: { type: 'string', minLength: 1, maxLength: 128 },
    actorId: { type: 'integer', minimum: 1 },
    action: { type: 'string', minLength: 1, maxLength: 64, description: 'Exact action, or a prefix ending in * (user.*)' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'integer', minimum: 0, description: 'nextCursor of the previous page' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
    format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
  },
} as const;

/** The validated query: a filter plus page and format. */
export type AuditQuery = AuditFilter & {
  limit: number;
  cursor?: number;
  order: 'asc' | 'desc';
  format: 'json' | 'csv';
};

// Query schema of GET /api/v1/audit/export: the same filters, named for people (a user by name or
// id), and no paging: an export holds every matching event, oldest first.
export const auditExportQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['format'],
  properties: {
    format: { type: 'string', enum: ['csv', 'pdf'], description: 'csv: every column, for analysis; pdf: the report an inspector receives' },
    entityType: auditQuery.properties.entityType,
    entityId: auditQuery.properties.entityId,
    actor: { type: 'string', minLength: 1, maxLength: 64, description: 'A user name or user id', example: 'qa' },
    action: auditQuery.properties.action,
    from: auditQuery.properties.from,
    to: auditQuery.properties.to,
  },
} as const;

export interface AuditExportQuery {
  format: 'csv' | 'pdf';
  entityType?: string;
  entityId?: string;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}
