// /api/v1/systems, /api/v1/interfaces and /api/v1/registry: the inventory (`it` edits, all read).
import type { ApiRouter } from '../platform/http/api-router.js';
import { sendJsonOf } from '../platform/http/json-body.js';
import { idParams } from '../platform/http/common-schemas.js';
import type { InterfaceStatus } from './registry-models.js';
import { CONTRACT_MAX_DEPTH } from './contract-document.js';
import { presentSystem } from './registry-presenter.js';
import { createInterfaceBody, createSystemBody, importRegistryBody, interfaceKeyParams, interfaceStatusBody, listInterfacesQuery, updateInterfaceBody, updateSystemBody } from './registry-schemas.js';
import type { InterfaceChanges, InterfaceFilter, InterfaceService, NewInterface } from './interface-service.js';
import type { RegistryDocument, RegistryTransfer } from './registry-transfer.js';
import type { NewSystem, SystemChanges, SystemService } from './system-service.js';

type Reason = { reason: string };
type KeyParams = { key: string };

export function registerRegistryRoutes(api: ApiRouter, systems: SystemService, interfaces: InterfaceService, transfer: RegistryTransfer, importBodyLimitBytes: number, now: () => Date): void {
  const view = async (key: string) => interfaces.view(key);

  api.add({
    method: 'get',
    path: '/api/v1/systems',
    permission: 'registry:read',
    tag: 'registry',
    summary: 'Systems of the landscape',
    handler: async () => ({ systems: (await systems.list()).map(presentSystem) }),
  });

  api.add<NewSystem>({
    method: 'post',
    path: '/api/v1/systems',
    permission: 'registry:edit',
    tag: 'registry',
    summary: 'Register a system',
    body: createSystemBody,
    status: 201,
    handler: async ({ body, ctx }) => presentSystem(await systems.create(ctx, body)),
  });

  api.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/api/v1/systems/:id',
    permission: 'registry:read',
    tag: 'registry',
    summary: 'One system',
    params: idParams,
    handler: async ({ params }) => presentSystem(await systems.get(params.id)),
  });

  api.add<SystemChanges & Reason, unknown, { id: number }>({
    method: 'patch',
    path: '/api/v1/systems/:id',
    permission: 'registry:edit',
    tag: 'registry',
    summary: 'Edit or retire a system, with a reason',
    params: idParams,
    body: updateSystemBody,
    handler: async ({ params, body: { reason, ...changes }, ctx }) => presentSystem(await systems.update(ctx, params.id, changes, reason)),
  });

  api.add<unknown, InterfaceFilter>({
    method: 'get',
    path: '/api/v1/interfaces',
    permission: 'registry:read',
    tag: 'registry',
    summary: 'Interfaces, filtered and paginated (by key)',
    query: listInterfacesQuery,
    // A kept page (same filter, registry unchanged) is the same object: its JSON is made once.
    handler: async ({ query }, res) => sendJsonOf(res, await interfaces.list(query), (page) => ({ ...page, limit: query.limit, offset: query.offset })),
  });

  api.add<NewInterface>({
    method: 'post',
    path: '/api/v1/interfaces',
    permission: 'registry:edit',
    tag: 'registry',
    summary: 'Register an interface (draft unless status says active)',
    body: createInterfaceBody,
    status: 201,
    handler: async ({ body, ctx }) => view((await interfaces.create(ctx, body)).key),
  });

  api.add<unknown, unknown, KeyParams>({
    method: 'get',
    path: '/api/v1/interfaces/:key',
    permission: 'registry:read',
    tag: 'registry',
    summary: 'One interface',
    params: interfaceKeyParams,
    handler: async ({ params }) => view(params.key),
  });

  api.add<InterfaceChanges & Reason, unknown, KeyParams>({
    method: 'patch',
    path: '/api/v1/interfaces/:key',
    permission: 'registry:edit',
    tag: 'registry',
    summary: 'Edit an interface, with a reason',
    params: interfaceKeyParams,
    body: updateInterfaceBody,
    handler: async ({ params, body: { reason, ...changes }, ctx }) => view((await interfaces.update(ctx, params.key, changes, reason)).key),
  });

  api.add<{ status: InterfaceStatus } & Reason, unknown, KeyParams>({
    method: 'post',
    path: '/api/v1/interfaces/:key/status',
    permission: 'registry:edit',
    tag: 'registry',
    summary: 'Move an interface through draft → active → retired, with a reason',
    params: interfaceKeyParams,
    body: interfaceStatusBody,
    handler: async ({ params, body, ctx }) => view((await interfaces.setStatus(ctx, params.key, body.status, body.reason)).key),
  });

  api.add<RegistryDocument>({
    method: 'post',
    path: '/api/v1/registry/import',
    permission: 'registry:edit',
    tag: 'registry',
    summary: 'Import systems, interfaces and their contracts as one whole: all or nothing, every problem listed',
    body: importRegistryBody,
    bodyLimitBytes: importBodyLimitBytes,
    // Contracts inside the import sit a few levels down; each is held to the contract's own depth limit.
    maxBodyDepth: 2 * CONTRACT_MAX_DEPTH,
    status: 201,
    handler: async ({ body, ctx }) => transfer.importAll(ctx, body),
  });

  api.add({
    method: 'get',
    path: '/api/v1/registry/views',
    permission: 'registry:read',
    tag: 'registry',
    summary: 'Portfolio by layer × risk level; interfaces without a contract, without an assessment, or overdue for review',
    handler: async () => interfaces.views(now()),
  });

  api.add({
    method: 'get',
    path: '/api/v1/registry/export',
    permission: 'registry:read',
    tag: 'registry',
    summary: 'The whole registry as JSON (systems, interfaces, every contract version), in the shape the import reads',
    handler: async () => transfer.exportAll(),
  });
}
