// The interface pages: the searchable, filterable list; one interface with its systems, platforms,
// contract versions, risk history, requirements, scenarios and runs (and, for the roles that may,
// the form that starts a run); one contract version; the diff of two. Views over the same service
// calls the API's registry, contract, risk, requirement and scenario routes make.
import type { Services } from '../services.js';
import { INTERFACE_STATUSES, LAYERS } from '../registry/registry-models.js';
import { interfaceKeyParams } from '../registry/registry-schemas.js';
import { MAX_ID } from '../platform/http/common-schemas.js';
import { presentAssessment } from '../risk/risk-presenter.js';
import type { RiskAssessment } from '../risk/assessment-model.js';
import type { FormErrors, PageInput, PageResult, PageRouter } from './page-router.js';
import { contractHref, interfaceHref, presentContract, presentContractVersions, presentDiff, presentInterfaceDetail, presentInterfaceRow, presentPlatforms, presentRequirements, presentRiskHistory, presentScenarios, words } from './interface-views.js';
import { presentRunRow } from './run-views.js';

const PAGE_SIZE = 50;
const NO_ERRORS: FormErrors = { fields: {}, messages: [] };

/** Empty select options arrive as '': allowed, and read as "any". */
const anyOr = (values: readonly string[]) => ({ enum: ['', ...values] }) as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 200 },
    layer: anyOr(LAYERS),
    status: anyOr([...INTERFACE_STATUSES, 'live']),
    contract: anyOr(['none']),
    riskLevel: { type: 'string', maxLength: 32, pattern: '^[a-z0-9-]*$' },
    platform: { type: 'string', maxLength: 120 },
    page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
  },
} as const;

const version = { type: 'integer', minimum: 1, maximum: MAX_ID } as const;
const versionParams = { ...interfaceKeyParams, required: ['key', 'version'], properties: { ...interfaceKeyParams.properties, version } } as const;
const diffParams = { ...interfaceKeyParams, required: ['key', 'version', 'other'], properties: { ...interfaceKeyParams.properties, version, other: version } } as const;

const startRunBody = {
  type: 'object',
  additionalProperties: false,
  required: ['environment'],
  properties: {
    environment: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
    dryRun: { type: 'boolean' },
  },
} as const;

type ListQuery = { q?: string; layer?: string; status?: string; riskLevel?: string; platform?: string; contract?: string; page: number };
type KeyParams = { key: string };
type StartRunForm = { environment: string; dryRun?: boolean };

export function registerInterfacePages(pages: PageRouter, services: Services): void {
  const { interfaces, contracts, assessments, riskModels, requirements, scenarios, runs, platforms } = services;

  pages.add<unknown, ListQuery>({
    method: 'get',
    path: '/interfaces',
    permission: 'registry:read',
    summary: 'Interfaces: search, filter, page',
    query: listQuery,
    handler: async ({ query }) => {
      const filter = {
        ...(query.q?.trim() ? { q: query.q.trim() } : {}),
        ...(query.layer ? { layer: query.layer } : {}),
        ...(query.status === 'live' ? { live: true } : query.status ? { status: query.status } : {}),
        ...(query.contract === 'none' ? { withoutContract: true } : {}),
        ...(query.riskLevel ? { riskLevel: query.riskLevel } : {}),
        ...(query.platform?.trim() ? { platform: query.platform.trim() } : {}),
      };
      const { total, interfaces: rows } = await interfaces.list({ ...filter, limit: PAGE_SIZE, offset: (query.page - 1) * PAGE_SIZE });
      const [latest, platformRecords] = await Promise.all([runs.latestOf(rows.map((r) => r.key)), platforms.list()]);
      const levels = [...new Set(riskModels.list().flatMap((m) => Object.keys(m.model.levels)))];
      const releases = [...new Set(platformRecords.flatMap((p) => [p.name, ...Object.values(p.versions).map((v) => `${p.name} ${v}`)]))].sort();
      const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
      // The pager keeps the filters as they were asked for.
      const asked = Object.fromEntries(Object.entries({ q: query.q, layer: query.layer, status: query.status, contract: query.contract, riskLevel: query.riskLevel, platform: query.platform }).filter(([, value]) => value)) as Record<string, string>;
      const link = (page: number) => `/interfaces?${new URLSearchParams({ ...asked, page: String(page) }).toString()}`;
      return {
        view: 'interfaces/list',
        title: 'Interfaces',
        model: {
          nav: 'interfaces',
          filter: { q: query.q ?? '', layer: query.layer ?? '', status: query.status ?? '', riskLevel: query.riskLevel ?? '', platform: query.platform ?? '', contract: query.contract ?? '' },
          filtered: Object.keys(filter).length > 0,
          layers: LAYERS.map((value) => ({ value, label: words(value) })),
          statuses: [{ value: 'live', label: 'Live (not retired)' }, ...INTERFACE_STATUSES.map((value) => ({ value, label: words(value) }))],
          levels: [...levels.map((value) => ({ value, label: words(value) })), { value: 'unassessed', label: 'Not assessed' }],
          releases,
          rows: rows.map((row) => presentInterfaceRow(row, latest.get(row.key))),
          total,
          page: query.page,
          pageCount,
          previous: query.page > 1 ? link(query.page - 1) : null,
          next: query.page < pageCount ? link(query.page + 1) : null,
        },
      };
    },
  });

  const detailPage = async ({ params, viewer }: PageInput<unknown, unknown, KeyParams>, errors: FormErrors, submitted: Record<string, unknown>): Promise<PageResult> => {
    const view = await interfaces.view(params.key);
    const [contractRows, history, requirementRows, scenarioRows, runRows, platformRecords] = await Promise.all([
      contracts.list(view.key),
      assessments.history(view.key),
      requirements.list(view.key),
      scenarios.current(view.key),
      runs.list({ interface: view.key, limit: 10 }),
      platforms.list(),
    ]);
    const presentHistory = (rows: RiskAssessment[]) => rows.map((row) => presentAssessment(row, view.key, riskModels.find(row.modelId), rows.find((other) => other.supersedesId === row.id)?.id ?? null));
    const risk = presentRiskHistory(presentHistory(history));
    const current = risk.find((a) => a.current) ?? null;
    const environments = Object.keys(view.environments);
    const chosen = typeof submitted.environment === 'string' ? submitted.environment : environments.includes('test') ? 'test' : environments[0];
    return {
      view: 'interfaces/detail',
      title: `${view.key} · ${view.name}`,
      model: {
        nav: 'interfaces',
        crumbs: [{ href: '/interfaces', label: 'Interfaces' }],
        iface: presentInterfaceDetail(view),
        platforms: presentPlatforms(view.platforms, platformRecords),
        contracts: presentContractVersions(view.key, contractRows),
        risk,
        currentRisk: current,
        requirements: presentRequirements(requirementRows),
        scenarios: presentScenarios(scenarioRows, view.currentContractVersion),
        runs: runRows.map(presentRunRow),
        runsHref: `/runs?interface=${encodeURIComponent(view.key)}`,
        startRun:
          viewer.can.runsStart && view.status !== 'retired'
            ? {
                action: `${interfaceHref(view.key)}/runs`,
                environments: environments.map((name) => ({ name, baseUrl: view.environments[name], selected: name === chosen })),
                dryRun: submitted.dryRun === 'true',
                depth: current ? `${current.levelLabel}: ${current.testDepth.toLowerCase()} testing` : null,
                errors,
              }
            : null,
      },
    };
  };

  pages.add<unknown, unknown, KeyParams>({
    method: 'get',
    path: '/interfaces/:key',
    permission: 'registry:read',
    summary: 'One interface: systems, platforms, contracts, risk history, requirements, scenarios, runs',
    params: interfaceKeyParams,
    handler: async (input) => detailPage(input, NO_ERRORS, {}),
  });

  pages.add<StartRunForm, unknown, KeyParams>({
    method: 'post',
    path: '/interfaces/:key/runs',
    permission: 'runs:start',
    summary: 'Start a run of the interface at the depth its risk assessment demands',
    params: interfaceKeyParams,
    body: startRunBody,
    formPage: detailPage,
    handler: async ({ params, body, ctx }) => {
      const run = await runs.start(ctx, { interface: params.key, environment: body.environment, ...(body.dryRun ? { dryRun: true } : {}) });
      return { redirect: `/runs/${run.id}`, flash: `Run ${run.id} of ${params.key} is queued${body.dryRun ? ' as a dry run' : ''}. Its progress shows below.` };
    },
  });

  pages.add<unknown, unknown, KeyParams & { version: number }>({
    method: 'get',
    path: '/interfaces/:key/contracts/:version',
    permission: 'registry:read',
    summary: 'One contract version: its document and metadata',
    params: versionParams,
    handler: async ({ params }) => {
      const view = await interfaces.view(params.key);
      const contract = await contracts.get(view.key, params.version);
      return {
        view: 'interfaces/contract',
        title: `${view.key} contract v${contract.version}`,
        model: {
          nav: 'interfaces',
          crumbs: [{ href: '/interfaces', label: 'Interfaces' }, { href: interfaceHref(view.key), label: view.key }],
          iface: { key: view.key, name: view.name },
          contract: presentContract(view.key, contract, view.currentContractVersion),
        },
      };
    },
  });

  pages.add<unknown, unknown, KeyParams & { version: number; other: number }>({
    method: 'get',
    path: '/interfaces/:key/contracts/:version/diff/:other',
    permission: 'registry:read',
    summary: 'Two contract versions side by side, each change breaking or not',
    params: diffParams,
    handler: async ({ params }) => {
      const view = await interfaces.view(params.key);
      const [before, after] = await Promise.all([contracts.get(view.key, params.version), contracts.get(view.key, params.other)]);
      const diff = await contracts.diff(view.key, params.version, params.other);
      return {
        view: 'interfaces/diff',
        title: `${view.key} contract v${params.version} → v${params.other}`,
        model: {
          nav: 'interfaces',
          crumbs: [{ href: '/interfaces', label: 'Interfaces' }, { href: interfaceHref(view.key), label: view.key }, { href: contractHref(view.key, params.version), label: `Contract v${params.version}` }],
          iface: { key: view.key, name: view.name },
          diff: presentDiff(view.key, diff, before, after),
        },
      };
    },
  });
}
