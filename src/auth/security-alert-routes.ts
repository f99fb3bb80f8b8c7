// /api/v1/security-alerts: lockouts and repeated failed sign-ins, for administrators.
import type { ApiRouter } from '../platform/http/api-router.js';
import { acknowledgeAlertBody, idParams, listAlertsQuery } from './auth-schemas.js';
import { presentSecurityAlert, type SecurityAlertService } from './security-alert-service.js';

export function registerSecurityAlertRoutes(api: ApiRouter, alerts: SecurityAlertService): void {
  api.add<unknown, { acknowledged?: boolean }>({
    method: 'get',
    path: '/api/v1/security-alerts',
    permission: 'security-alerts:read',
    tag: 'security',
    summary: 'Security alerts, newest first',
    query: listAlertsQuery,
    handler: async ({ query }) => ({ alerts: (await alerts.list(query)).map(presentSecurityAlert) }),
  });

  api.add<{ note?: string }, unknown, { id: number }>({
    method: 'post',
    path: '/api/v1/security-alerts/:id/acknowledge',
    permission: 'security-alerts:manage',
    tag: 'security',
    summary: 'Acknowledge a security alert',
    params: idParams,
    body: acknowledgeAlertBody,
    handler: async ({ body, params, ctx }) => presentSecurityAlert(await alerts.acknowledge(ctx, params.id, body.note ?? null)),
  });
}
