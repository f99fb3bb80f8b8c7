// Change control pages (Annex 11 §10; Part 11 §11.10(f)): the change list, IT's log form, the change
// page (impact, triage, proposed regression, linked runs with live progress, transitions, QA's
// signature steps as links to the sign dialog, the PDF), and the periodic review list (Annex 11 §11).
// Every action calls the change service exactly as /api/v1/changes does; the service writes the
// audit event and enforces the rules (a control the page leaves out is refused there too).
import { sendExport } from '../audit/audited-export.js';
import { contentOf } from '../changes/change-model.js';
import { CHANGE_STATES, CHANGE_TYPES, TRIAGE_RATINGS, type ChangeState, type ChangeType, type ImpactAnalysis } from '../changes/change-types.js';
import type { TriageDecision } from '../changes/change-service.js';
import { AppError, ValidationError } from '../platform/errors.js';
import type { Run } from '../scenarios/scenario-models.js';
import type { Services } from '../services.js';
import type { FormErrors, PageInput, PageResult, PageRouter } from './page-router.js';
import { streamProgress } from './progress-stream.js';
import { capitalised, changeDetail, changeRow, newChangeOf, regressionProgress, stateBadge, stateOptions, STATE_WORDS, typeOptions, type LogForm } from './change-views.js';

const NO_ERRORS: FormErrors = { fields: {}, messages: [] };
const PAGE_SIZE = 25;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } } } as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { state: { enum: ['', 'open', ...CHANGE_STATES] }, type: { enum: ['', ...CHANGE_TYPES] }, page: { type: 'integer', minimum: 1, maximum: 10_000 } },
} as const;
const field = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const logBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: field(64),
    title: field(400),
    platform: field(400),
    system: field(400),
    interface: field(200),
    product: field(400),
    versionFrom: field(200),
    versionTo: field(200),
    plannedDate: field(40),
    environments: field(2000),
    releaseItems: field(60_000),
    description: field(16_000),
    justification: field(16_000),
  },
} as const;
const triageBody = {
  type: 'object',
  additionalProperties: false,
  properties: { triageReason: field(4000) },
  patternProperties: { '^rating-\\d{1,3}$': { enum: ['', ...TRIAGE_RATINGS] }, '^rationale-\\d{1,3}$': field(8000) },
} as const;
const transitionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['to'],
  properties: { to: { enum: [...CHANGE_STATES] }, reason: field(4000), implementedVersion: field(200), implementedAt: field(40) },
} as const;
const regressionBody = { type: 'object', additionalProperties: false, properties: { environment: field(64) } } as const;

type IdInput = PageInput<Record<string, string>, unknown, { id: number }>;

export function registerChangePages(pages: PageRouter, services: Services): void {
  const { changes, runs, signatures } = services;

  const linkedRuns = async (ids: number[]): Promise<Run[]> => Promise.all(ids.map((id) => runs.get(id)));

  const impactOf = async (id: number, frozen: ImpactAnalysis | null, open: boolean) => {
    if (frozen) return { analysis: frozen, frozen: true, problem: null };
    if (!open) return { analysis: null, frozen: false, problem: null };
    try {
      return { analysis: await changes.analyseImpact(id), frozen: false, problem: null };
    } catch (error) {
      if (error instanceof AppError && error.status < 500) return { analysis: null, frozen: false, problem: error.message };
      throw error;
    }
  };

  /** The change page, with the errors of the one form that was sent (`failed` names it). */
  const detailPage = async ({ params, viewer }: IdInput, errors: FormErrors = NO_ERRORS, failed: string | null = null, submitted: Record<string, unknown> = {}): Promise<PageResult> => {
    const row = await changes.get(params.id);
    const content = contentOf(row);
    const open = !['closed', 'rejected', 'cancelled'].includes(content.state);
    const [versions, signOff, blockers, linked, impact] = [
      await changes.versions(row.id),
      await signatures.signOffStatus('change', String(row.id), row.currentVersion),
      await changes.implementationBlockers(row.id),
      await linkedRuns(content.runs),
      await impactOf(row.id, content.impact, open),
    ];
    const change = changeDetail({ row, versions, signOff, blockers, runs: linked, impact }, viewer);
    if (failed === 'triage') {
      // What was typed stays in the form (not what is stored).
      for (const item of change.items) {
        const rating = submitted[`rating-${item.index}`];
        item.options = item.options.map((o) => ({ ...o, selected: o.value === rating }));
        item.rationale = typeof submitted[`rationale-${item.index}`] === 'string' ? (submitted[`rationale-${item.index}`] as string) : item.rationale;
      }
    }
    return {
      view: 'changes/detail',
      title: `${change.key} ${change.title}`,
      model: {
        nav: 'changes',
        crumbs: [{ href: '/changes', label: 'Changes' }],
        change,
        forms: failed ? { [failed]: { errors: { fields: capitalised(errors.fields), messages: errors.messages }, values: submitted } } : {},
        stepValues: failed === 'step' ? submitted : change.defaults,
        live: change.progress.active,
      },
    };
  };

  pages.add<unknown, { state?: ChangeState | 'open' | ''; type?: ChangeType | ''; page?: number }>({
    method: 'get',
    path: '/changes',
    permission: 'changes:read',
    summary: 'Change records: filter by state and type, newest first',
    query: listQuery,
    handler: async ({ query }) => {
      const state = query.state || undefined;
      const type = query.type || undefined;
      const rows = (await changes.list(state === 'open' ? { open: true } : state ? { state } : {})).filter((r) => !type || r.type === type);
      const pageCount = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
      const page = Math.min(query.page ?? 1, pageCount);
      const filterQuery = new URLSearchParams({ ...(state ? { state } : {}), ...(type ? { type } : {}) }).toString();
      const link = (p: number) => `/changes?${filterQuery ? `${filterQuery}&` : ''}page=${p}`;
      return {
        view: 'changes/list',
        title: 'Changes',
        model: {
          nav: 'changes',
          rows: rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map(changeRow),
          total: rows.length,
          filtered: Boolean(state || type),
          states: stateOptions(state),
          types: typeOptions(type),
          pager: pageCount > 1 ? { page, pageCount, previous: page > 1 ? link(page - 1) : null, next: page < pageCount ? link(page + 1) : null } : null,
        },
      };
    },
  });

  const logPage = async (_input: unknown, errors: FormErrors, submitted: Record<string, unknown>): Promise<PageResult> => {
    const [platforms, systems] = [await services.platforms.list(), await services.systems.list()];
    const values = { type: 'vendor-release', environments: 'test, production', ...submitted } as Record<string, string>;
    return {
      view: 'changes/new',
      title: 'Log a change',
      model: {
        nav: 'changes',
        crumbs: [{ href: '/changes', label: 'Changes' }],
        errors: { fields: capitalised(errors.fields), messages: errors.messages },
        values,
        types: typeOptions(values.type),
        platforms: platforms
          .filter((p) => p.status !== 'retired')
          .map((p) => ({ name: p.name, selected: p.name === values.platform, versions: Object.entries(p.versions).map(([env, v]) => `${env} ${v}`).join(', ') })),
        systems: systems.map((s) => ({ name: s.name, selected: s.name === values.system })),
      },
    };
  };

  pages.add({
    method: 'get',
    path: '/changes/new',
    permission: 'changes:edit',
    summary: "IT's form to log a change (a vendor release first)",
    handler: async (input) => logPage(input, NO_ERRORS, {}),
  });

  pages.add<LogForm>({
    method: 'post',
    path: '/changes',
    permission: 'changes:edit',
    summary: 'Log a change; its platform, system or interface checked against the registry',
    body: logBody,
    formPage: (input, errors, submitted) => logPage(input, errors, submitted),
    handler: async ({ body, ctx }) => {
      const { input, problems } = newChangeOf(body);
      if (!input) throw new ValidationError('The change was not logged: check the fields marked below.', problems.map((p) => ({ field: `body.${p.field}`, rule: 'form', message: p.message })));
      const row = await changes.log(ctx, input);
      return { redirect: `/changes/${row.id}`, flash: `Change ${row.key} is logged. Review its impact and rate the release items.` };
    },
  });

  pages.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/changes/:id',
    permission: 'changes:read',
    summary: 'One change: impact, triage, proposed regression, runs, history and the steps the viewer may take',
    params: idParams,
    handler: async (input) => detailPage(input as IdInput),
  });

  pages.add<Record<string, string>, unknown, { id: number }>({
    method: 'post',
    path: '/changes/:id/triage',
    permission: 'changes:edit',
    summary: 'Rate release items High/Medium/Low/N/A with a rationale',
    params: idParams,
    body: triageBody,
    formPage: (input, errors, submitted) => detailPage(input, errors, 'triage', submitted),
    handler: async ({ params, body, ctx }) => {
      const row = await changes.get(params.id);
      const items = contentOf(row).releaseItems;
      const decisions: TriageDecision[] = [];
      const problems: Array<{ field: string; rule: string; message: string }> = [];
      items.forEach((item, index) => {
        const rating = body[`rating-${index}`];
        const rationale = (body[`rationale-${index}`] ?? '').trim();
        if (!rating) return;
        if (!rationale) problems.push({ field: `body.rationale-${index}`, rule: 'required', message: `Say why ${item.id} is rated ${rating === 'n/a' ? 'N/A' : rating}.` });
        else decisions.push({ id: item.id, rating: rating as TriageDecision['rating'], rationale });
      });
      const reason = (body.triageReason ?? '').trim();
      if (!reason) problems.push({ field: 'body.triageReason', rule: 'required', message: 'Say what the triage is based on, for example "release notes reviewed".' });
      if (!decisions.length && !problems.some((p) => p.field.startsWith('body.rationale'))) problems.push({ field: 'body.items', rule: 'required', message: 'Rate at least one release item.' });
      if (problems.length) throw new ValidationError('The triage was not saved.', problems);
      await changes.triage(ctx, params.id, decisions, reason);
      return { redirect: `/changes/${params.id}#triage`, flash: `Triage saved: ${decisions.length} item${decisions.length === 1 ? '' : 's'} rated.` };
    },
  });

  pages.add<{ to: ChangeState; reason?: string; implementedVersion?: string; implementedAt?: string }, unknown, { id: number }>({
    method: 'post',
    path: '/changes/:id/transition',
    permission: 'changes:edit',
    summary: 'Move the change on (assessed, tested, implemented), or reject or cancel it, with a reason',
    params: idParams,
    body: transitionBody,
    formPage: (input, errors, submitted) => detailPage(input as unknown as IdInput, errors, formOfStep(input.body.to), submitted),
    handler: async ({ params, body, ctx }) => {
      const reason = (body.reason ?? '').trim();
      if (!reason) throw new ValidationError('A reason is required.', [{ field: 'body.reason', rule: 'required', message: 'Give the reason for this step: it is kept in the record and its audit trail.' }]);
      const row = await changes.transition(ctx, params.id, {
        to: body.to,
        reason,
        ...(body.implementedVersion?.trim() ? { implementedVersion: body.implementedVersion.trim() } : {}),
        ...(body.implementedAt?.trim() ? { implementedAt: body.implementedAt.trim() } : {}),
      });
      return { redirect: `/changes/${params.id}`, flash: `${row.key} is now ${STATE_WORDS[row.state].toLowerCase()}.` };
    },
  });

  pages.add<{ environment?: string }, unknown, { id: number }>({
    method: 'post',
    path: '/changes/:id/regression',
    permission: 'runs:start',
    summary: 'Start the proposed regression of every affected interface and link the runs',
    params: idParams,
    body: regressionBody,
    formPage: (input, errors, submitted) => detailPage(input as unknown as IdInput, errors, 'regression', submitted),
    handler: async ({ params, body, ctx }) => {
      const environment = body.environment?.trim();
      if (environment && !/^[a-z][a-z0-9-]{0,31}$/.test(environment)) {
        throw new ValidationError('Unknown environment.', [{ field: 'body.environment', rule: 'pattern', message: 'Environment names are lower-case words such as test.' }]);
      }
      const started = await changes.runRegression(ctx, params.id, environment ? { environment } : {});
      return { redirect: `/changes/${params.id}#regression`, flash: `Regression started: ${started.length} run${started.length === 1 ? '' : 's'} queued.` };
    },
  });

  pages.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/changes/:id/events',
    permission: 'changes:read',
    summary: 'Live progress of the change’s regression runs (server-sent events)',
    params: idParams,
    handler: async ({ params }, res) => {
      await changes.get(params.id); // a 404 page before the stream starts
      streamProgress(res, {
        read: async () => {
          const progress = regressionProgress(await linkedRuns(contentOf(await changes.get(params.id)).runs));
          const counts = { done: progress.done, total: progress.total, passed: progress.passed, failed: progress.failed };
          return { live: progress.active, progress: { ...counts, running: progress.running, percent: progress.percent, summary: progress.summary }, finished: counts };
        },
        onError: (error) => services.logger.warn({ err: error, changeId: params.id }, 'regression progress stream ended by an error'),
      });
      return undefined;
    },
  });

  pages.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/changes/:id/pdf',
    permission: 'records:export',
    summary: 'The change record PDF (an audited export)',
    params: idParams,
    handler: async ({ params, ctx }, res) => {
      await sendExport(res, await services.changeExports.pdf(ctx, params.id));
      return undefined;
    },
  });

  pages.add<unknown, { page?: number }>({
    method: 'get',
    path: '/reviews',
    permission: 'registry:read',
    summary: 'The periodic review list (Annex 11 §11)',
    query: { type: 'object', additionalProperties: false, properties: { page: { type: 'integer', minimum: 1, maximum: 10_000 } } },
    handler: async ({ query }) => {
      const list = await services.periodicReview.list();
      const pageCount = Math.max(1, Math.ceil(list.interfaces.length / 50));
      const page = Math.min(query.page ?? 1, pageCount);
      return {
        view: 'changes/reviews',
        title: 'Periodic review',
        model: {
          nav: 'changes',
          asOf: list.asOf,
          total: list.interfaces.length,
          interfaces: list.interfaces.slice((page - 1) * 50, page * 50).map((i) => ({ ...i, risk: { value: i.riskLevel ?? 'none', label: i.riskLevel ? i.riskLevel.charAt(0).toUpperCase() + i.riskLevel.slice(1) : 'Not assessed' } })),
          changes: list.changes.map((c) => ({ ...c, state: stateBadge(c.state as ChangeState) })),
          pager: pageCount > 1 ? { page, pageCount, previous: page > 1 ? `/reviews?page=${page - 1}` : null, next: page < pageCount ? `/reviews?page=${page + 1}` : null } : null,
        },
      };
    },
  });
}

/** Which form on the change page sent a transition: its errors are shown there. */
function formOfStep(to: unknown): string {
  return to === 'cancelled' ? 'cancel' : to === 'rejected' ? 'reject' : 'step';
}
