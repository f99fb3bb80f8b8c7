// Finds the audit events a mutation wrote, so every mutation test can assert its audit row.
import type { Services } from '../../src/services.js';
import { presentAuditEvent } from '../../src/audit/audit-presenter.js';

export type PresentedAuditEvent = ReturnType<typeof presentAuditEvent>;

export async function auditEvents(services: Services, filter: { action?: string; entityType?: string; entityId?: string } = {}): Promise<PresentedAuditEvent[]> {
  const { events } = await services.audit.list(filter, { limit: 1000, order: 'asc' });
  return events.map(presentAuditEvent);
}

export async function lastAuditEvent(services: Services, action: string): Promise<PresentedAuditEvent | undefined> {
  const events = await auditEvents(services, { action });
  return events[events.length - 1];
}
