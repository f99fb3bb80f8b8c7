// /api/v1/interfaces/:key/contracts: register versions, read them, diff two of them.
import { MAX_ID } from '../platform/http/common-schemas.js';
import type { ApiRouter } from '../platform/http/api-router.js';
import { CONTRACT_MAX_DEPTH } from './contract-document.js';
import { presentContract } from './registry-presenter.js';
import type { ContractService, NewContract } from './contract-service.js';
import { contractDocument, interfaceKeyParams } from './registry-schemas.js';

const version = { type: 'integer', minimum: 1, maximum: MAX_ID } as const;
const versionParams = { ...interfaceKeyParams, required: ['key', 'version'], properties: { ...interfaceKeyParams.properties, version } } as const;
const diffParams = { ...interfaceKeyParams, required: ['key', 'version', 'other'], properties: { ...interfaceKeyParams.properties, version, other: version } } as const;

const registerContractBody = { $id: 'NewContract', ...contractDocument } as const;

export function registerContractRoutes(api: ApiRouter, contracts: ContractService, contractMaxBytes: number): void {
  api.add<unknown, unknown, { key: string }>({
    method: 'get',
    path: '/api/v1/interfaces/:key/contracts',
    permission: 'registry:read',
    tag: 'contracts',
    summary: "An interface's contract versions, newest first (without the documents)",
    params: interfaceKeyParams,
    handler: async ({ params }) => ({ contracts: (await contracts.list(params.key)).map((c) => presentContract(c, false)) }),
  });

  api.add<NewContract, unknown, { key: string }>({
    method: 'post',
    path: '/api/v1/interfaces/:key/contracts',
    permission: 'registry:edit',
    tag: 'contracts',
    summary: 'Register a new contract version (JSON Schema, OpenAPI 3.x or AsyncAPI 2.x/3.x; JSON or YAML)',
    params: interfaceKeyParams,
    body: registerContractBody,
    // Room for the JSON quoting of a YAML string at the configured maximum.
    bodyLimitBytes: Math.ceil(contractMaxBytes * 1.2) + 64 * 1024,
    // Past the document's own depth limit, so that limit answers (contract_too_deep) with its pointer;
    // still far below what would overflow a recursive walk.
    maxBodyDepth: 2 * CONTRACT_MAX_DEPTH,
    status: 201,
    handler: async ({ params, body, ctx }) => presentContract(await contracts.register(ctx, params.key, body), false),
  });

  api.add<unknown, unknown, { key: string; version: number }>({
    method: 'get',
    path: '/api/v1/interfaces/:key/contracts/:version',
    permission: 'registry:read',
    tag: 'contracts',
    summary: 'One contract version with its document (canonical JSON), targets and warnings',
    params: versionParams,
    handler: async ({ params }) => presentContract(await contracts.get(params.key, params.version), true),
  });

  api.add<unknown, unknown, { key: string; version: number; other: number }>({
    method: 'get',
    path: '/api/v1/interfaces/:key/contracts/:version/diff/:other',
    permission: 'registry:read',
    tag: 'contracts',
    summary: 'Changes from one version to another, each breaking or not for consumers and providers (JSON and text)',
    params: diffParams,
    handler: async ({ params }) => contracts.diff(params.key, params.version, params.other),
  });
}
