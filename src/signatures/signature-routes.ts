// /api/v1/signatures: sign a record version (alone or in a batch), list a record's signatures,
// verify one, say what a version still needs, and the signature policy signers acknowledge.
import { presentUser } from '../auth/user-presenter.js';
import type { ApiRouter } from '../platform/http/api-router.js';
import { idParams } from '../platform/http/common-schemas.js';
import { SIGNATURE_POLICY, SIGNATURE_POLICY_DIGEST } from './signature-policy.js';
import { presentSignature } from './signature-presenter.js';
import { acknowledgePolicyBody, batchSignBody, listSignaturesQuery, signBody, signOffStatusQuery } from './signature-schemas.js';
import type { BatchSignRequest, SignatureService, SignRequest } from './signature-service.js';
import type { Signature } from './signature-model.js';

export function registerSignatureRoutes(api: ApiRouter, signatures: SignatureService, signingRateLimitPerMinute: number): void {
  const rateLimit = { windowMs: 60_000, limit: signingRateLimitPerMinute };
  const present = async (signature: Signature) => presentSignature(signature, await signatures.verify(signature), await signatures.signerAccess(signature));

  api.add<SignRequest>({
    method: 'post',
    path: '/api/v1/signatures',
    permission: 'records:sign',
    tag: 'signatures',
    summary: 'Sign one version of a record (re-authentication required)',
    body: signBody,
    status: 201,
    rateLimit,
    handler: async ({ body, ctx }) => present(await signatures.sign(ctx, body)),
  });

  api.add<BatchSignRequest>({
    method: 'post',
    path: '/api/v1/signatures/batch',
    permission: 'records:sign-batch',
    tag: 'signatures',
    summary: 'QA signs several reviewed record versions in one action: one signature each, all or nothing',
    body: batchSignBody,
    status: 201,
    rateLimit,
    handler: async ({ body, ctx }) => ({ signatures: await Promise.all((await signatures.signBatch(ctx, body)).map(present)) }),
  });

  api.add<unknown, { recordType: string; recordId: string }>({
    method: 'get',
    path: '/api/v1/signatures',
    permission: 'signatures:read',
    tag: 'signatures',
    summary: "A record's signatures, each with its manifestation and current validity",
    query: listSignaturesQuery,
    handler: async ({ query }) => ({ signatures: await Promise.all((await signatures.list(query.recordType, query.recordId)).map(present)) }),
  });

  api.add<unknown, { recordType: string; recordId: string; version: number }>({
    method: 'get',
    path: '/api/v1/signatures/requirements',
    permission: 'signatures:read',
    tag: 'signatures',
    summary: 'Which signatures a record version needs (record type and assurance level) and which are given',
    query: signOffStatusQuery,
    handler: async ({ query }) => signatures.signOffStatus(query.recordType, query.recordId, query.version),
  });

  api.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/api/v1/signatures/:id/verify',
    permission: 'signatures:read',
    tag: 'signatures',
    summary: 'Re-verify one signature against its record version and the server key',
    params: idParams,
    handler: async ({ params }) => signatures.verifyWithAccess(await signatures.get(params.id)),
  });

  api.add({
    method: 'get',
    path: '/api/v1/signatures/policy',
    permission: 'session:self',
    tag: 'signatures',
    summary: 'The electronic signature policy a signer acknowledges before signing',
    handler: async () => ({ ...SIGNATURE_POLICY, digest: SIGNATURE_POLICY_DIGEST }),
  });

  api.add<{ password: string }>({
    method: 'post',
    path: '/api/v1/signatures/policy/acknowledge',
    permission: 'records:sign',
    tag: 'signatures',
    summary: 'Acknowledge the signature policy, confirmed with your password (Part 11 §11.100(c))',
    body: acknowledgePolicyBody,
    rateLimit,
    handler: async ({ body, ctx }) => {
      const user = await signatures.acknowledgePolicy(ctx, body.password);
      return { user: presentUser(user), policy: { version: SIGNATURE_POLICY.version, digest: SIGNATURE_POLICY_DIGEST } };
    },
  });
}
