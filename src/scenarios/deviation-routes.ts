// /api/v1/runs/:id/deviations and /api/v1/deviations.
import type { ApiRouter } from '../platform/http/api-router.js';
import { idParams } from '../platform/http/common-schemas.js';
import { DEVIATION_STATUSES, type Deviation, type DeviationChanges, type DeviationService, type DeviationStatus } from './deviation-service.js';

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '\\S' }) as const;

const openBody = {
  $id: 'NewDeviation',
  type: 'object',
  additionalProperties: false,
  required: ['stepPosition', 'title', 'description', 'impact'],
  properties: { stepPosition: { type: 'integer', minimum: 1, maximum: 1000000 }, title: text(200), description: text(8000), impact: text(8000) },
} as const;

const updateBody = {
  $id: 'DeviationChanges',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  minProperties: 2,
  properties: { title: text(200), description: text(8000), impact: text(8000), rootCause: text(8000), resolution: text(8000), status: { enum: [...DEVIATION_STATUSES] }, reason: text(2000) },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { runId: { type: 'integer', minimum: 1, maximum: 2147483647 }, status: { enum: [...DEVIATION_STATUSES, 'closed'] } },
} as const;

export function registerDeviationRoutes(api: ApiRouter, deviations: DeviationService): void {
  const present = async (deviation: Deviation) => {
    const versions = await deviations.versions(deviation.id);
    const current = versions.at(-1)!;
    return {
      ...(JSON.parse(current.content) as object),
      id: deviation.id,
      run: deviation.runId,
      stepPosition: deviation.stepPosition,
      interface: deviation.interfaceKey,
      version: deviation.currentVersion,
      // Closed is not stored: it is the resolved version carrying a valid QA approval.
      status: (await deviations.isClosed(deviation)) ? 'closed' : deviation.status,
      openedAt: deviation.openedAt,
      history: versions.map((v) => ({ version: v.version, changedAt: v.changedAt, changedBy: { id: v.changedBy, name: v.changedByName }, reason: v.reason })),
    };
  };

  api.add<{ stepPosition: number; title: string; description: string; impact: string }, unknown, { id: number }>({
    method: 'post',
    path: '/api/v1/runs/:id/deviations',
    permission: 'runs:start',
    tag: 'runs',
    summary: 'Open a deviation on a failed step of a finished run',
    params: idParams,
    body: openBody,
    status: 201,
    handler: async ({ params, body, ctx }) => present(await deviations.open(ctx, params.id, body)),
  });

  api.add<unknown, { runId?: number; status?: DeviationStatus | 'closed' }>({
    method: 'get',
    path: '/api/v1/deviations',
    permission: 'registry:read',
    tag: 'runs',
    summary: 'Deviations, newest first',
    query: listQuery,
    handler: async ({ query }) => ({ deviations: await Promise.all((await deviations.list(query)).map(present)) }),
  });

  api.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/api/v1/deviations/:id',
    permission: 'registry:read',
    tag: 'runs',
    summary: 'One deviation with its history (closed once QA signs the resolved version approved)',
    params: idParams,
    handler: async ({ params }) => present(await deviations.get(params.id)),
  });

  api.add<DeviationChanges & { reason: string }, unknown, { id: number }>({
    method: 'patch',
    path: '/api/v1/deviations/:id',
    permission: 'runs:start',
    tag: 'runs',
    summary: 'Record investigation and resolution (a new version, with a reason); refused once signed',
    params: idParams,
    body: updateBody,
    handler: async ({ params, body: { reason, ...changes }, ctx }) => present(await deviations.update(ctx, params.id, changes, reason)),
  });
}
