// Validation package pages: the list, a new draft, the review screen QA signs from, the workflow
// (submit, reject with reason, new version) and the audited PDF and bundle downloads. Every action
// calls the service method its API route calls (src/packages/package-routes.ts); the services check
// the finer rules and write the audit events.
import type { Services } from '../services.js';
import { knownBlockers } from '../packages/package-service.js';
import { sendExport } from '../audit/audited-export.js';
import type { ValidationPackage } from '../packages/package-model.js';
import type { FormErrors, PageInput, PageResult, PageRouter } from './page-router.js';
import { PACKAGE_FILTER_STATES, matchesFilter, presentPackageDetail, presentPackageRow, type PackageFilterState } from './package-views.js';
import { presentSignatureList } from './signature-views.js';

const PAGE_SIZE = 50;
const NO_ERRORS: FormErrors = { fields: {}, messages: [] };

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } } } as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { state: { enum: ['', ...PACKAGE_FILTER_STATES] }, page: { type: 'integer', minimum: 1, maximum: 10000 } },
} as const;
const interfaceKey = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } as const;
const newPackageForm = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    // One chosen interface arrives as text, several as a list.
    scope: { anyOf: [interfaceKey, { type: 'array', maxItems: 200, items: interfaceKey }] },
  },
} as const;
const reasonForm = { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } } } as const;
const optionalReasonForm = { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 2000 } } } as const;

type IdInput = PageInput<Record<string, string>, unknown, { id: number }>;

export function registerPackagePages(pages: PageRouter, services: Services): void {
  const { packages, signatures, packageExports } = services;

  pages.add<unknown, { state?: PackageFilterState | ''; page?: number }>({
    method: 'get',
    path: '/packages',
    permission: 'packages:read',
    summary: 'Validation packages, newest first, filtered by state',
    query: listQuery,
    handler: async ({ query }) => {
      const state = query.state || undefined;
      const all = (await packages.list(state && state !== 'rejected' ? { status: state } : state === 'rejected' ? { status: 'draft' } : {})).filter((row) => matchesFilter(row, state));
      const pageCount = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
      const page = Math.min(query.page ?? 1, pageCount);
      const pageHref = (n: number) => `/packages?${new URLSearchParams({ ...(state ? { state } : {}), page: String(n) }).toString()}`;
      return {
        view: 'packages/list',
        title: 'Validation packages',
        model: {
          nav: 'packages',
          rows: all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map(presentPackageRow),
          total: all.length,
          states: [{ value: '', label: 'Any state' }, ...PACKAGE_FILTER_STATES.map((value) => ({ value, label: FILTER_LABELS[value] }))].map((s) => ({ ...s, selected: s.value === (state ?? '') })),
          filtered: Boolean(state),
          pager: pageCount > 1 ? { page, pageCount, previous: page > 1 ? pageHref(page - 1) : null, next: page < pageCount ? pageHref(page + 1) : null } : null,
        },
      };
    },
  });

  const newPackagePage = async (_input: unknown, errors: FormErrors, submitted: Record<string, unknown>): Promise<PageResult> => {
    const chosen = new Set(([] as unknown[]).concat(submitted.scope ?? []).map(String));
    const { interfaces } = await services.interfaces.list({ status: 'active', limit: 500 });
    return {
      view: 'packages/new',
      title: 'New validation package',
      model: {
        nav: 'packages',
        errors,
        values: submitted,
        interfaces: interfaces
          .filter((i) => i.currentContractVersion)
          .map((i) => ({ key: i.key, label: `${i.key} — ${i.name} (contract v${i.currentContractVersion})`, selected: chosen.has(i.key) })),
      },
    };
  };

  pages.add({
    method: 'get',
    path: '/packages/new',
    permission: 'packages:edit',
    summary: 'Form: a new draft package for a scope of interfaces',
    handler: async (input) => newPackagePage(input, NO_ERRORS, {}),
  });

  pages.add<{ title: string; scope?: string | string[] }>({
    method: 'post',
    path: '/packages',
    permission: 'packages:edit',
    summary: 'Create a draft package (plan drafted from the document templates)',
    body: newPackageForm,
    formPage: newPackagePage,
    handler: async ({ body, ctx }) => {
      const scope = ([] as string[]).concat(body.scope ?? []).map((key) => ({ interface: key }));
      const created = await packages.create(ctx, { title: body.title, scope });
      return { redirect: `/packages/${created.id}`, flash: `Draft ${created.key} v${created.version} created: review its plan, then submit it for review.` };
    },
  });

  const detailPage = async ({ params, viewer }: IdInput, errors: FormErrors = NO_ERRORS): Promise<PageResult> => {
    const row = await packages.get(params.id);

    const frozen = row.revision > 0 ? await packages.manifest(row.id) : null;
    const signOff = frozen ? await signatures.signOffStatus('package', String(row.id), frozen.revision) : null;
    // What the frozen manifest and its sign-off say still stands between the package and its
    // release, for those who decide (QA). The heavier checks (records unchanged, evidence re-hashed,
    // audit trail verified) run when QA approves, not on every view of the page.
    const approval = row.status === 'in-review' && viewer.can.packagesDecide && frozen && signOff ? { blockers: knownBlockers(frozen.manifest, signOff) } : null;
    const signed = await presentSignatureList(signatures, await signatures.list('package', String(row.id)), (revision) => `${row.key} v${row.version}, submission ${revision}${revision === row.revision ? ' (current)' : ' (earlier submission: does not count for this one)'}`);
    const versions = await packages.versionsOf(row.key);
    const supersedes = row.supersedesId === null ? null : versions.find((v) => v.id === row.supersedesId) ?? null;
    const model = presentPackageDetail({
      row,
      frozen,
      signOff,
      signatures: signed,
      hasLaterVersion: versions.some((v) => v.version > row.version),
      supersedes: supersedes && { id: supersedes.id, version: supersedes.version },
      viewer,
    });
    return {
      view: 'packages/detail',
      title: `${row.key} v${row.version} — ${row.title}`,
      model: { nav: 'packages', pkg: model, approval, errors, crumbs: [{ href: '/packages', label: 'Validation packages' }], versions: versions.map((v) => versionLink(v, row.id)) },
    };
  };

  pages.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/packages/:id',
    permission: 'packages:read',
    summary: 'A package’s review screen: summary, trace matrix, runs, deviations, manifest digest and signatures',
    params: idParams,
    handler: async (input) => detailPage(input as IdInput),
  });

  pages.add<{ reason?: string }, unknown, { id: number }>({
    method: 'post',
    path: '/packages/:id/submit',
    permission: 'packages:edit',
    summary: 'Freeze the manifest and send the package for review and signatures',
    params: idParams,
    body: optionalReasonForm,
    formPage: (input, errors) => detailPage(input as unknown as IdInput, errors),
    handler: async ({ params, body, ctx }) => {
      const row = await packages.submit(ctx, params.id, body.reason?.trim() || null);
      return { redirect: `/packages/${row.id}`, flash: `${row.key} v${row.version} submitted for review: its manifest is frozen (submission ${row.revision}).` };
    },
  });

  pages.add<{ reason?: string }, unknown, { id: number }>({
    method: 'post',
    path: '/packages/:id/approve',
    permission: 'packages:decide',
    summary: 'Approve a package in review once every required signature is given and nothing blocks it',
    params: idParams,
    body: optionalReasonForm,
    formPage: (input, errors) => detailPage(input as unknown as IdInput, errors),
    handler: async ({ params, body, ctx }) => {
      const row = await packages.approve(ctx, params.id, body.reason?.trim() || null);
      return { redirect: `/packages/${row.id}`, flash: `${row.key} v${row.version} approved: released for use.` };
    },
  });

  pages.add<{ reason: string }, unknown, { id: number }>({
    method: 'post',
    path: '/packages/:id/reject',
    permission: 'packages:decide',
    summary: 'Send a package in review back to draft, with the reason',
    params: idParams,
    body: reasonForm,
    formPage: (input, errors) => detailPage(input as unknown as IdInput, errors),
    handler: async ({ params, body, ctx }) => {
      const row = await packages.reject(ctx, params.id, body.reason);
      return { redirect: `/packages/${row.id}`, flash: `${row.key} v${row.version} sent back to draft: “${row.rejectionReason}”.` };
    },
  });

  pages.add<{ reason: string }, unknown, { id: number }>({
    method: 'post',
    path: '/packages/:id/versions',
    permission: 'packages:edit',
    summary: 'Start a new draft version of an approved package',
    params: idParams,
    body: reasonForm,
    formPage: (input, errors) => detailPage(input as unknown as IdInput, errors),
    handler: async ({ params, body, ctx }) => {
      const row = await packages.newVersion(ctx, params.id, body.reason);
      return { redirect: `/packages/${row.id}`, flash: `Draft ${row.key} v${row.version} started; v${row.version - 1} stays in force until this one is approved.` };
    },
  });

  pages.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/packages/:id/pdf',
    permission: 'records:export',
    summary: 'The package PDF (a draft is a preview marked DRAFT), an audited export',
    params: idParams,
    handler: async ({ params, ctx }, res) => {
      await sendExport(res, await packageExports.pdf(ctx, params.id));
      return undefined;
    },
  });

  pages.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/packages/:id/bundle',
    permission: 'records:export',
    summary: 'The offline-verifiable export bundle of a submitted package, an audited export',
    params: idParams,
    handler: async ({ params, ctx }, res) => {
      await sendExport(res, await packageExports.bundle(ctx, params.id));
      return undefined;
    },
  });
}

const FILTER_LABELS: Record<PackageFilterState, string> = {
  draft: 'Draft',
  'in-review': 'In review',
  approved: 'Approved for use',
  superseded: 'Superseded',
  rejected: 'Sent back from review',
};

function versionLink(row: ValidationPackage, currentId: number) {
  return { href: `/packages/${row.id}`, label: `v${row.version}`, status: row.status, current: row.id === currentId };
}
