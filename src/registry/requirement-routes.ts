// /api/v1/interfaces/:key/requirements: requirement records (URS/FS) — everyone reads, `it` writes.
import type { ApiRouter } from '../platform/http/api-router.js';
import type { RequirementStatus } from './requirement-model.js';
import { presentRequirement, presentRequirementHistory } from './requirement-presenter.js';
import { createRequirementBody, draftRequirementsBody, listRequirementsQuery, requirementParams, requirementVersionParams, retireRequirementBody, updateRequirementBody } from './requirement-schemas.js';
import type { NewRequirement, RequirementChanges, RequirementService } from './requirement-service.js';
import { interfaceKeyParams } from './registry-schemas.js';

type KeyParams = { key: string };
type RequirementParams = KeyParams & { requirementKey: string };
const BASE = '/api/v1/interfaces/:key/requirements';

export function registerRequirementRoutes(api: ApiRouter, requirements: RequirementService): void {
  api.add<unknown, { status?: RequirementStatus }, KeyParams>({
    method: 'get',
    path: BASE,
    permission: 'registry:read',
    tag: 'requirements',
    summary: "The current version of each of an interface's requirements, with the scenarios that verify it",
    params: interfaceKeyParams,
    query: listRequirementsQuery,
    handler: async ({ params, query }) => ({ requirements: (await requirements.list(params.key, query)).map((r) => presentRequirement(r.requirement, params.key, r.scenarios)) }),
  });

  api.add<NewRequirement, unknown, KeyParams>({
    method: 'post',
    path: BASE,
    permission: 'requirements:edit',
    tag: 'requirements',
    summary: 'Create a requirement (version 1); its key defaults to the next <interface key>-R<nn>',
    params: interfaceKeyParams,
    body: createRequirementBody,
    status: 201,
    handler: async ({ params, body, ctx }) => presentRequirement(await requirements.create(ctx, params.key, body), params.key, []),
  });

  api.add<Record<string, never>, unknown, KeyParams>({
    method: 'post',
    path: `${BASE}/draft`,
    permission: 'requirements:edit',
    tag: 'requirements',
    summary: 'Draft requirements from the interface (intended use, contract operations or message types, domain rules, regulations) and create those not there yet',
    params: interfaceKeyParams,
    body: draftRequirementsBody,
    status: 201,
    handler: async ({ params, ctx }) => ({ requirements: (await requirements.draft(ctx, params.key)).map((r) => presentRequirement(r, params.key, [])) }),
  });

  api.add<unknown, unknown, RequirementParams>({
    method: 'get',
    path: `${BASE}/:requirementKey`,
    permission: 'registry:read',
    tag: 'requirements',
    summary: 'One requirement: its current version, the scenarios naming it, and its versions',
    params: requirementParams,
    handler: async ({ params }) => presentRequirementHistory(await requirements.history(params.key, params.requirementKey), params.key),
  });

  api.add<unknown, unknown, RequirementParams & { version: number }>({
    method: 'get',
    path: `${BASE}/:requirementKey/versions/:version`,
    permission: 'registry:read',
    tag: 'requirements',
    summary: 'One version of a requirement, as it was',
    params: requirementVersionParams,
    handler: async ({ params }) => presentRequirement(await requirements.version(params.key, params.requirementKey, params.version), params.key),
  });

  api.add<RequirementChanges & { reason: string }, unknown, RequirementParams>({
    method: 'patch',
    path: `${BASE}/:requirementKey`,
    permission: 'requirements:edit',
    tag: 'requirements',
    summary: 'Edit a requirement (type, text, risk) with a reason: a new version',
    params: requirementParams,
    body: updateRequirementBody,
    handler: async ({ params, body: { reason, ...changes }, ctx }) => presentRequirement(await requirements.update(ctx, params.key, params.requirementKey, changes, reason), params.key),
  });

  api.add<{ reason: string }, unknown, RequirementParams>({
    method: 'post',
    path: `${BASE}/:requirementKey/retire`,
    permission: 'requirements:edit',
    tag: 'requirements',
    summary: 'Retire a requirement with a reason (a new version); refused while a current scenario names it',
    params: requirementParams,
    body: retireRequirementBody,
    handler: async ({ params, body, ctx }) => presentRequirement(await requirements.retire(ctx, params.key, params.requirementKey, body.reason), params.key),
  });
}
