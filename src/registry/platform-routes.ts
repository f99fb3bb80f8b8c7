// /api/v1/platforms: the platforms interfaces run on, with the version in service per environment —
// everyone reads, `it` edits (as the rest of the registry).
import type { ApiRouter } from '../platform/http/api-router.js';
import { presentPlatform } from './platform-presenter.js';
import { createPlatformBody, platformKeyParams, platformVersionParams, setPlatformVersionBody, updatePlatformBody } from './platform-schemas.js';
import type { NewPlatform, PlatformChanges, PlatformService } from './platform-service.js';

type Reason = { reason: string };
type KeyParams = { key: string };

export function registerPlatformRoutes(api: ApiRouter, platforms: PlatformService): void {
  api.add({
    method: 'get',
    path: '/api/v1/platforms',
    permission: 'registry:read',
    tag: 'platforms',
    summary: 'Platforms, with the version in service per environment and how many interfaces run on each',
    handler: async () => ({ platforms: (await platforms.list()).map(presentPlatform) }),
  });

  api.add<NewPlatform>({
    method: 'post',
    path: '/api/v1/platforms',
    permission: 'registry:edit',
    tag: 'platforms',
    summary: 'Register a platform (product, vendor, kind, versions per environment, systems on it)',
    body: createPlatformBody,
    status: 201,
    handler: async ({ body, ctx }) => presentPlatform(await platforms.create(ctx, body)),
  });

  api.add<unknown, unknown, KeyParams>({
    method: 'get',
    path: '/api/v1/platforms/:key',
    permission: 'registry:read',
    tag: 'platforms',
    summary: 'One platform, with the systems and interfaces that run on it',
    params: platformKeyParams,
    handler: async ({ params }) => platforms.view(params.key),
  });

  api.add<PlatformChanges & Reason, unknown, KeyParams>({
    method: 'patch',
    path: '/api/v1/platforms/:key',
    permission: 'registry:edit',
    tag: 'platforms',
    summary: 'Edit, retire or reactivate a platform, with a reason',
    params: platformKeyParams,
    body: updatePlatformBody,
    handler: async ({ params, body: { reason, ...changes }, ctx }) => presentPlatform(await platforms.update(ctx, params.key, changes, reason)),
  });

  api.add<{ version: string } & Reason, unknown, KeyParams & { environment: string }>({
    method: 'put',
    path: '/api/v1/platforms/:key/versions/:environment',
    permission: 'registry:edit',
    tag: 'platforms',
    summary: 'Set the version in service in one environment, with a reason',
    params: platformVersionParams,
    body: setPlatformVersionBody,
    handler: async ({ params, body, ctx }) => presentPlatform(await platforms.setVersion(ctx, params.key, params.environment, body.version, body.reason)),
  });
}
