// /api/v1/access-grants: requests for signing rights (Part 11 §11.10(g)). Approval is an electronic
// signature — POST /api/v1/signatures {recordType: 'user-access', recordId, version: 1, meaning:
// 'approved'} — by a QA user other than the requester and the subject; here they are listed,
// requested (a password approval), rejected (QA) and cancelled (administrators).
import type { ApiRouter } from '../platform/http/api-router.js';
import { presentAccessGrant } from './access-grant-presenter.js';
import type { AccessGrantService } from './access-grant-service.js';
import type { AccessGrantKind, AccessGrantStatus } from './auth-models.js';
import { decideAccessGrantBody, idParams, listAccessGrantsQuery, requestAccessGrantBody } from './auth-schemas.js';

type IdParams = { id: number };

export function registerAccessGrantRoutes(api: ApiRouter, grants: AccessGrantService): void {
  api.add<unknown, { status?: AccessGrantStatus; userId?: number; kind?: AccessGrantKind }>({
    method: 'get',
    path: '/api/v1/access-grants',
    permission: 'access-grants:read',
    tag: 'users',
    summary: 'Access grants (requests for signing rights), newest first',
    query: listAccessGrantsQuery,
    handler: async ({ query }) => ({ accessGrants: (await grants.list(query)).map(presentAccessGrant) }),
  });

  api.add<unknown, unknown, IdParams>({
    method: 'get',
    path: '/api/v1/access-grants/:id',
    permission: 'access-grants:read',
    tag: 'users',
    summary: 'One access grant',
    params: idParams,
    handler: async ({ params }) => presentAccessGrant(await grants.get(params.id)),
  });

  api.add<{ kind: 'password'; userId: number; reason: string }>({
    method: 'post',
    path: '/api/v1/access-grants',
    permission: 'access-grants:request',
    tag: 'users',
    summary: 'Ask a second person to approve signing with a password the user chose after an administrator set theirs',
    body: requestAccessGrantBody,
    status: 201,
    handler: async ({ body, ctx }) => presentAccessGrant(await grants.requestPasswordApproval(ctx, body.userId, body.reason)),
  });

  api.add<{ reason: string }, unknown, IdParams>({
    method: 'post',
    path: '/api/v1/access-grants/:id/reject',
    permission: 'access-grants:decide',
    tag: 'users',
    summary: 'Reject a pending access grant, with a reason (QA; not its requester or subject)',
    params: idParams,
    body: decideAccessGrantBody,
    handler: async ({ body, params, ctx }) => presentAccessGrant(await grants.reject(ctx, params.id, body.reason)),
  });

  api.add<{ reason: string }, unknown, IdParams>({
    method: 'post',
    path: '/api/v1/access-grants/:id/cancel',
    permission: 'access-grants:request',
    tag: 'users',
    summary: 'Withdraw a pending access grant, with a reason',
    params: idParams,
    body: decideAccessGrantBody,
    handler: async ({ body, params, ctx }) => presentAccessGrant(await grants.cancel(ctx, params.id, body.reason)),
  });
}
