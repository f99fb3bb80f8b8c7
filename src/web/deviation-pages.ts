// Deviations: the list, one deviation with its history and signatures, opening one on a failed step
// of a finished run, recording investigation and resolution (a new version with a reason each time),
// and QA's approval — a signature through the sign dialog, which closes it. Views over the
// deviation service the API's /api/v1/deviations routes call.
import type { Services } from '../services.js';
import { ValidationError } from '../platform/errors.js';
import { idParams } from '../platform/http/common-schemas.js';
import { DEVIATION_STATUSES, type Deviation, type DeviationChanges, type DeviationContent, type DeviationStatus } from '../scenarios/deviation-service.js';
import type { FormErrors, PageInput, PageResult, PageRouter } from './page-router.js';
import { presentSignatureList } from './signature-views.js';

const NO_ERRORS: FormErrors = { fields: {}, messages: [] };
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;

const STATE_WORDS: Record<string, string> = { open: 'Open', investigating: 'Investigating', resolved: 'Resolved — awaiting QA approval', closed: 'Closed (approved by QA)' };

const listQuery = { type: 'object', additionalProperties: false, properties: { status: { enum: ['', ...DEVIATION_STATUSES, 'closed'] } } } as const;
const openBody = {
  type: 'object',
  additionalProperties: false,
  required: ['stepPosition', 'title', 'description', 'impact'],
  properties: { stepPosition: { type: 'integer', minimum: 1, maximum: 1_000_000 }, title: text(200), description: text(8000), impact: text(8000) },
} as const;
const updateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { rootCause: text(8000), resolution: text(8000), status: { enum: ['', ...DEVIATION_STATUSES] }, reason: text(2000) },
} as const;

type DeviationView = Awaited<ReturnType<typeof presentDeviationOf>>;

async function presentDeviationOf(services: Services, row: Deviation) {
  const versions = await services.deviations.versions(row.id);
  const content = JSON.parse(versions.at(-1)!.content) as DeviationContent;
  const closed = await services.deviations.isClosed(row);
  const state = closed ? 'closed' : row.status;
  return {
    id: row.id,
    href: `/deviations/${row.id}`,
    runId: row.runId,
    runHref: `/runs/${row.runId}#step-${row.stepPosition}`,
    stepPosition: row.stepPosition,
    interfaceKey: row.interfaceKey,
    version: row.currentVersion,
    openedAt: row.openedAt,
    closed,
    status: row.status,
    state: { value: state === 'resolved' ? 'pending' : state, label: STATE_WORDS[state] ?? state },
    content,
    history: versions.map((v) => ({ version: v.version, changedAt: v.changedAt, changedBy: v.changedByName, reason: v.reason })),
  };
}

/** A required field the form left empty, named beside it (the service's own rules follow). */
function requireText(fields: Record<string, string | undefined>, names: string[]): void {
  const missing = names.filter((name) => !fields[name]?.trim());
  if (missing.length) {
    throw new ValidationError('Some required fields are empty.', missing.map((name) => ({ field: `body.${name}`, rule: 'required', message: 'Write something here: it is part of the record.' })));
  }
}

export function registerDeviationPages(pages: PageRouter, services: Services): void {
  const { deviations, signatures, runs } = services;

  pages.add<unknown, { status?: DeviationStatus | 'closed' | '' }>({
    method: 'get',
    path: '/deviations',
    permission: 'registry:read',
    summary: 'Deviations, newest first, by state',
    query: listQuery,
    handler: async ({ query }) => {
      const status = query.status || undefined;
      const rows = await deviations.list(status ? { status } : {});
      const views: DeviationView[] = await Promise.all(rows.slice(0, 200).map((row) => presentDeviationOf(services, row)));
      return {
        view: 'deviations/list',
        title: 'Deviations',
        model: {
          nav: 'runs',
          rows: views,
          total: rows.length,
          filtered: Boolean(status),
          states: ['open', 'investigating', 'resolved', 'closed'].map((value) => ({ value, label: STATE_WORDS[value], selected: value === status })),
        },
      };
    },
  });

  const detailPage = async ({ params, viewer }: PageInput<unknown, unknown, { id: number }>, errors: FormErrors = NO_ERRORS, submitted: Record<string, unknown> = {}): Promise<PageResult> => {
    const row = await deviations.get(params.id);
    const deviation = await presentDeviationOf(services, row);
    const signed = await presentSignatureList(signatures, await signatures.list('deviation', String(row.id)), (version) => `version ${version}${version === row.currentVersion ? ' (current)' : ''}`);
    const editable = !deviation.closed && Boolean(viewer.can.runsStart) && !signed.some((s) => s.recordVersion === row.currentVersion);
    const approvable = !deviation.closed && row.status === 'resolved' && viewer.role === 'qa';
    return {
      view: 'deviations/detail',
      title: `Deviation ${row.id} · ${deviation.content.title}`,
      model: {
        nav: 'runs',
        crumbs: [{ href: '/deviations', label: 'Deviations' }, { href: `/runs/${row.runId}`, label: `Run ${row.runId}` }],
        deviation,
        signatures: signed,
        errors,
        values: { rootCause: deviation.content.rootCause ?? '', resolution: deviation.content.resolution ?? '', ...submitted },
        statuses: DEVIATION_STATUSES.filter((s) => s !== row.status).map((value) => ({ value, label: STATE_WORDS[value] })),
        editable,
        signHref: approvable ? `/sign/deviation/${row.id}?meaning=approved&returnTo=${encodeURIComponent(`/deviations/${row.id}`)}` : null,
      },
    };
  };

  pages.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/deviations/:id',
    permission: 'registry:read',
    summary: 'One deviation: the failed step, investigation, resolution, history and QA’s approval',
    params: idParams,
    handler: async (input) => detailPage(input),
  });

  pages.add<{ rootCause?: string; resolution?: string; status?: DeviationStatus | ''; reason: string }, unknown, { id: number }>({
    method: 'post',
    path: '/deviations/:id',
    permission: 'runs:start',
    summary: 'Record investigation and resolution: a new version of the deviation, with a reason',
    params: idParams,
    body: updateBody,
    formPage: (input, errors, submitted) => detailPage(input as never, errors, submitted),
    handler: async ({ params, body, ctx }) => {
      await deviations.get(params.id); // a 404 for a deviation that does not exist
      requireText(body, ['reason']);
      const current = JSON.parse((await deviations.versions(params.id)).at(-1)!.content) as DeviationContent;
      const changes: DeviationChanges = {};
      if (body.rootCause?.trim() && body.rootCause.trim() !== (current.rootCause ?? '')) changes.rootCause = body.rootCause.trim();
      if (body.resolution?.trim() && body.resolution.trim() !== (current.resolution ?? '')) changes.resolution = body.resolution.trim();
      if (body.status) changes.status = body.status;
      if (!Object.keys(changes).length) throw new ValidationError('Nothing changed: record a root cause, a resolution or a new state.', [{ field: 'body', rule: 'minProperties', message: 'Nothing changed.' }]);
      const row = await deviations.update(ctx, params.id, changes, body.reason.trim());
      return { redirect: `/deviations/${row.id}`, flash: `Deviation ${row.id} saved as version ${row.currentVersion}.` };
    },
  });

  const openPage = async ({ params, query }: PageInput<unknown, { step?: number }, { id: number }>, errors: FormErrors = NO_ERRORS, submitted: Record<string, unknown> = {}): Promise<PageResult> => {
    const run = await runs.get(params.id);
    const open = new Set((await deviations.list({ runId: run.id })).map((d) => d.stepPosition));
    const failed = (await runs.steps(run.id)).filter((s) => s.status !== 'passed');
    const chosen = Number(submitted.stepPosition ?? query.step ?? failed[0]?.position ?? 0);
    return {
      view: 'deviations/new',
      title: `Open a deviation on run ${run.id}`,
      model: {
        nav: 'runs',
        crumbs: [{ href: '/runs', label: 'Runs' }, { href: `/runs/${run.id}`, label: `Run ${run.id}` }],
        run: { id: run.id, interfaceKey: run.interfaceKey, status: run.status },
        steps: failed.map((s) => ({ position: s.position, label: `Step ${s.position}: ${s.name} (${s.status})${open.has(s.position) ? ' — has a deviation already' : ''}`, selected: s.position === chosen })),
        errors,
        values: submitted,
      },
    };
  };

  pages.add<unknown, { step?: number }, { id: number }>({
    method: 'get',
    path: '/runs/:id/deviations/new',
    permission: 'runs:start',
    summary: 'The form that opens a deviation on a failed step of a finished run',
    params: idParams,
    query: { type: 'object', additionalProperties: false, properties: { step: { type: 'integer', minimum: 1, maximum: 1_000_000 } } },
    handler: async (input) => openPage(input),
  });

  pages.add<{ stepPosition: number; title: string; description: string; impact: string }, unknown, { id: number }>({
    method: 'post',
    path: '/runs/:id/deviations',
    permission: 'runs:start',
    summary: 'Open a deviation on a failed step of a finished run',
    params: idParams,
    body: openBody,
    formPage: (input, errors, submitted) => openPage(input as never, errors, submitted),
    handler: async ({ params, body, ctx }) => {
      requireText(body as unknown as Record<string, string>, ['title', 'description', 'impact']);
      const row = await deviations.open(ctx, params.id, { stepPosition: body.stepPosition, title: body.title.trim(), description: body.description.trim(), impact: body.impact.trim() });
      return { redirect: `/deviations/${row.id}`, flash: `Deviation ${row.id} opened on step ${row.stepPosition} of run ${row.runId}.` };
    },
  });
}
