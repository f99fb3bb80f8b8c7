// The run pages: the list of runs, one run (header, plan, every step with expected vs actual side
// by side, evidence, deviations), its live progress as server-sent events while it is queued or
// running, and the run evidence PDF — an audited export exactly as GET /api/v1/runs/:id/pdf makes it.
import type { Services } from '../services.js';
import { sendExport } from '../audit/audited-export.js';
import { idParams } from '../platform/http/common-schemas.js';
import { interfaceKeyParams } from '../registry/registry-schemas.js';
import { RUN_STATUSES, type RunStatus } from '../scenarios/scenario-models.js';
import type { PageRouter } from './page-router.js';
import { streamProgress } from './progress-stream.js';
import { registerEvidencePages } from './evidence-pages.js';
import { registerInterfacePages } from './interface-pages.js';
import { isLive, presentDeviation, presentProgress, presentRunDetail, presentRunRow, presentStep, runStatus, type DeviationRow } from './run-views.js';

const PAGE_SIZE = 50;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    interface: { anyOf: [interfaceKeyParams.properties.key, { const: '' }] },
    status: { enum: ['', ...RUN_STATUSES] },
    page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
  },
} as const;

type ListQuery = { interface?: string; status?: RunStatus | ''; page: number };
type IdParams = { id: number };

/** Interfaces, their runs and the runs' evidence: one registration (web-app.ts lists it once). */
export function registerRunPages(pages: PageRouter, services: Services): void {
  registerInterfacePages(pages, services);
  registerEvidencePages(pages, services);
  const { runs, deviations, runEvidence, logger } = services;

  pages.add<unknown, ListQuery>({
    method: 'get',
    path: '/runs',
    permission: 'registry:read',
    summary: 'Runs, newest first, by interface and status',
    query: listQuery,
    handler: async ({ query }) => {
      const filter = { ...(query.interface ? { interface: query.interface } : {}), ...(query.status ? { status: query.status } : {}) };
      // One more than a page says whether there is a next one.
      const rows = await runs.list({ ...filter, limit: PAGE_SIZE + 1, offset: (query.page - 1) * PAGE_SIZE });
      const link = (page: number) => `/runs?${new URLSearchParams({ ...filter, page: String(page) }).toString()}`;
      return {
        view: 'runs/list',
        title: 'Runs',
        model: {
          nav: 'runs',
          filter: { interface: query.interface ?? '', status: query.status ?? '' },
          filtered: Object.keys(filter).length > 0,
          statuses: RUN_STATUSES.map((value) => runStatus(value)),
          runs: rows.slice(0, PAGE_SIZE).map(presentRunRow),
          page: query.page,
          previous: query.page > 1 ? link(query.page - 1) : null,
          next: rows.length > PAGE_SIZE ? link(query.page + 1) : null,
        },
      };
    },
  });

  pages.add<unknown, unknown, IdParams>({
    method: 'get',
    path: '/runs/:id',
    permission: 'registry:read',
    summary: 'One run: plan, steps with expected vs actual, evidence, deviations; live progress while it runs',
    params: idParams,
    handler: async ({ params, viewer }) => {
      const run = await runs.get(params.id);
      const [steps, deviationRows] = await Promise.all([runs.steps(run.id), deviations.list({ runId: run.id })]);
      const deviationViews: DeviationRow[] = await Promise.all(
        deviationRows.map(async (d) => {
          const current = (await deviations.versions(d.id)).at(-1)!;
          const content = JSON.parse(current.content) as { title?: string };
          return { id: d.id, stepPosition: d.stepPosition, title: content.title ?? `Deviation ${d.id}`, status: (await deviations.isClosed(d)) ? 'closed' : d.status, openedAt: d.openedAt, version: d.currentVersion };
        }),
      );
      const live = isLive(run);
      const progress = live ? presentProgress(run, await runs.stepCounts(run.id), await runs.plannedSteps(run)) : null;
      return {
        view: 'runs/detail',
        title: `Run ${run.id} · ${run.interfaceKey}`,
        model: {
          nav: 'runs',
          crumbs: [{ href: '/runs', label: 'Runs' }, { href: `/interfaces/${encodeURIComponent(run.interfaceKey)}`, label: run.interfaceKey }],
          run: presentRunDetail(run),
          progress,
          eventsUrl: `/runs/${run.id}/events`,
          steps: steps.map((s) => presentStep(s, deviationViews)),
          deviations: deviationViews.map(presentDeviation),
          pdf: viewer.can.recordsExport && !live ? `/runs/${run.id}/pdf` : null,
          // Deviations are opened on failed steps of finished runs, by those who test.
          openDeviationHref: viewer.can.runsStart && !live && steps.some((s) => s.status !== 'passed') ? `/runs/${run.id}/deviations/new` : null,
        },
      };
    },
  });

  pages.add<unknown, unknown, IdParams>({
    method: 'get',
    path: '/runs/:id/events',
    permission: 'registry:read',
    summary: "A run's progress as server-sent events: progress every half second, finished at its end",
    params: idParams,
    handler: async ({ params }, res) => {
      const run = await runs.get(params.id);
      const total = await runs.plannedSteps(run);
      streamProgress(res, {
        read: async () => {
          const current = await runs.get(run.id);
          const progress = presentProgress(current, await runs.stepCounts(run.id), total);
          return { live: isLive(current), progress, finished: { status: progress.status } };
        },
        onError: (error) => logger.warn({ err: error, runId: run.id }, 'run progress stream ended by an error'),
      });
      return undefined;
    },
  });

  pages.add<unknown, unknown, IdParams>({
    method: 'get',
    path: '/runs/:id/pdf',
    permission: 'records:export',
    summary: 'The run evidence PDF (an audited export)',
    params: idParams,
    handler: async ({ params, ctx }, res) => {
      await sendExport(res, await runEvidence.exportPdf(ctx, params.id));
      return undefined;
    },
  });
}
