// /api/v1/packages: validation packages — create, edit while draft, submit, reject, approve, new
// version; their manifests. Signatures go through /api/v1/signatures (record type `package`).
import type { ApiRouter } from '../platform/http/api-router.js';
import { idParams } from '../platform/http/common-schemas.js';
import { NotFoundError } from '../platform/errors.js';
import type { SignatureService } from '../signatures/signature-service.js';
import type { PlanSection } from './package-manifest.js';
import type { PackageStatus, ValidationPackage } from './package-model.js';
import { presentApprovalCheck, presentPackage, presentPackageSummary } from './package-presenter.js';
import { manifestQuery, newPackageBody, optionalReasonBody, packageChangesBody, packageListQuery, reasonBody } from './package-schemas.js';
import type { NewPackage, PackageChanges, PackageService } from './package-service.js';
import type { PackageExporter } from './package-export.js';
import { sendExport } from '../audit/audited-export.js';

export function registerPackageRoutes(api: ApiRouter, packages: PackageService, signatures: SignatureService, exporter: PackageExporter): void {
  const present = async (row: ValidationPackage) => {
    const frozen = row.revision > 0 ? await packages.manifest(row.id) : null;
    const signOff = frozen ? await signatures.signOffStatus('package', String(row.id), frozen.revision) : null;
    return presentPackage(row, { manifestDigest: frozen?.digest ?? null, signOff });
  };
  const common = { tag: 'packages' } as const;

  api.add<unknown, { status?: PackageStatus; key?: string }>({
    ...common,
    method: 'get',
    path: '/api/v1/packages',
    permission: 'packages:read',
    summary: 'Validation packages, newest first',
    query: packageListQuery,
    handler: async ({ query }) => ({ packages: (await packages.list(query)).map(presentPackageSummary) }),
  });

  api.add<NewPackage>({
    ...common,
    method: 'post',
    path: '/api/v1/packages',
    permission: 'packages:edit',
    summary: 'Create a draft package for a scope; the plan is drafted from the document templates unless given',
    body: newPackageBody,
    status: 201,
    handler: async ({ body, ctx }) => present(await packages.create(ctx, body)),
  });

  api.add<unknown, unknown, { id: number }>({
    ...common,
    method: 'get',
    path: '/api/v1/packages/:id',
    permission: 'packages:read',
    summary: 'One package with its plan, manifest digest and sign-off',
    params: idParams,
    handler: async ({ params }) => present(await packages.get(params.id)),
  });

  api.add<PackageChanges & { reason: string; plan?: PlanSection[] }, unknown, { id: number }>({
    ...common,
    method: 'patch',
    path: '/api/v1/packages/:id',
    permission: 'packages:edit',
    summary: 'Edit a draft (title, scope, plan) with a reason; 409 once in review or approved',
    params: idParams,
    body: packageChangesBody,
    handler: async ({ params, body: { reason, ...changes }, ctx }) => present(await packages.update(ctx, params.id, changes, reason)),
  });

  api.add<{ reason?: string }, unknown, { id: number }>({
    ...common,
    method: 'post',
    path: '/api/v1/packages/:id/submit',
    permission: 'packages:edit',
    summary: 'Freeze the manifest and send the package for review and signatures',
    params: idParams,
    body: optionalReasonBody,
    handler: async ({ params, body, ctx }) => present(await packages.submit(ctx, params.id, body?.reason ?? null)),
  });

  api.add<{ reason: string }, unknown, { id: number }>({
    ...common,
    method: 'post',
    path: '/api/v1/packages/:id/reject',
    permission: 'packages:decide',
    summary: 'Send a package in review back to draft, with the reason',
    params: idParams,
    body: reasonBody,
    handler: async ({ params, body, ctx }) => present(await packages.reject(ctx, params.id, body.reason)),
  });

  api.add<unknown, unknown, { id: number }>({
    ...common,
    method: 'get',
    path: '/api/v1/packages/:id/approval-check',
    permission: 'packages:read',
    summary: 'Every reason the package cannot be approved yet (none: it can)',
    params: idParams,
    handler: async ({ params, ctx }) => presentApprovalCheck(await packages.approvalBlockers(ctx, params.id)),
  });

  api.add<{ reason?: string }, unknown, { id: number }>({
    ...common,
    method: 'post',
    path: '/api/v1/packages/:id/approve',
    permission: 'packages:decide',
    summary: 'Approve a package in review; refused, listing every reason, while anything blocks it',
    params: idParams,
    body: optionalReasonBody,
    handler: async ({ params, body, ctx }) => present(await packages.approve(ctx, params.id, body?.reason ?? null)),
  });

  api.add<{ reason: string }, unknown, { id: number }>({
    ...common,
    method: 'post',
    path: '/api/v1/packages/:id/versions',
    permission: 'packages:edit',
    summary: 'Start a new draft version of an approved package (it supersedes the old one when approved)',
    params: idParams,
    body: reasonBody,
    status: 201,
    handler: async ({ params, body, ctx }) => present(await packages.newVersion(ctx, params.id, body.reason)),
  });

  api.add<unknown, { revision?: number }, { id: number }>({
    ...common,
    method: 'get',
    path: '/api/v1/packages/:id/manifest',
    permission: 'packages:read',
    summary: 'The manifest a submission froze (default: the current one) and its digest',
    params: idParams,
    query: manifestQuery,
    handler: async ({ params, query }) => {
      const frozen = await packages.manifest(params.id, query.revision);
      if (!frozen) throw new NotFoundError(`Package ${params.id} has no manifest${query.revision ? ` for submission ${query.revision}` : ' yet: it was never submitted'}.`, 'manifest_not_found');
      return { revision: frozen.revision, digest: frozen.digest, manifest: frozen.manifest };
    },
  });

  api.add<unknown, unknown, { id: number }>({
    ...common,
    method: 'get',
    path: '/api/v1/packages/:id/pdf',
    permission: 'records:export',
    summary: 'The package PDF (a draft is a preview marked DRAFT); an audited export with its SHA-256 in Repr-Digest',
    params: idParams,
    handler: async ({ params, ctx }, res) => sendExport(res, await exporter.pdf(ctx, params.id)),
  });

  api.add<unknown, unknown, { id: number }>({
    ...common,
    method: 'get',
    path: '/api/v1/packages/:id/bundle',
    permission: 'records:export',
    summary: 'The offline-verifiable export bundle (zip) of a submitted package; check it with gxpw verify-bundle',
    params: idParams,
    handler: async ({ params, ctx }, res) => sendExport(res, await exporter.bundle(ctx, params.id)),
  });
}
