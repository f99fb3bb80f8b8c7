// /api/v1/signatures: sign a record version, list a record's signatures, verify one.
import type { ApiRouter } from '../platform/http/api-router.js';
import { presentSignature } from './signature-presenter.js';
import { listSignaturesQuery, signatureIdParams, signBody } from './signature-schemas.js';
import type { SignatureService, SignRequest } from './signature-service.js';

export function registerSignatureRoutes(api: ApiRouter, signatures: SignatureService, signingRateLimitPerMinute: number): void {
  api.add<SignRequest>({
    method: 'post',
    path: '/api/v1/signatures',
    permission: 'records:sign',
    tag: 'signatures',
    summary: 'Sign one version of a record (re-authentication required)',
    body: signBody,
    status: 201,
    rateLimit: { windowMs: 60_000, limit: signingRateLimitPerMinute },
    handler: async ({ body, ctx }) => {
      const signature = await signatures.sign(ctx, body);
      return presentSignature(signature, await signatures.verify(signature));
    },
  });

  api.add<unknown, { recordType: string; recordId: string }>({
    method: 'get',
    path: '/api/v1/signatures',
    permission: 'signatures:read',
    tag: 'signatures',
    summary: "A record's signatures, each with its manifestation and current validity",
    query: listSignaturesQuery,
    handler: async ({ query }) => {
      const rows = await signatures.list(query.recordType, query.recordId);
      return { signatures: await Promise.all(rows.map(async (s) => presentSignature(s, await signatures.verify(s)))) };
    },
  });

  api.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/api/v1/signatures/:id/verify',
    permission: 'signatures:read',
    tag: 'signatures',
    summary: 'Re-verify one signature against its record version and the server key',
    params: signatureIdParams,
    handler: async ({ params }) => signatures.verify(await signatures.get(params.id)),
  });
}
