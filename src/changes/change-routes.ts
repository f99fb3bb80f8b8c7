// /api/v1/changes: change records — log (one or a release calendar), edit, triage, impact, the
// state machine's transitions, the regression in one action, the implementation gate and the PDF.
// QA's approvals are signatures (POST /api/v1/signatures, record type `change`).
import { sendExport } from '../audit/audited-export.js';
import type { ApiRouter } from '../platform/http/api-router.js';
import { idParams } from '../platform/http/common-schemas.js';
import type { SignatureService } from '../signatures/signature-service.js';
import type { ChangeExporter } from './change-export.js';
import type { ChangeRecord } from './change-model.js';
import { presentChange, presentChangeSummary } from './change-presenter.js';
import { changeEditsBody, changeListQuery, impactEditBody, importBody, newChangeBody, regressionBody, transitionBody, triageBody } from './change-schemas.js';
import type { ChangeEdits, ChangeService, ImpactEdit, TransitionRequest, TriageDecision } from './change-service.js';
import type { ChangeState, NewChange } from './change-types.js';
import { parseReleaseCalendar } from './release-calendar.js';

export function registerChangeRoutes(api: ApiRouter, changes: ChangeService, signatures: SignatureService, exporter: ChangeExporter): void {
  const present = async (row: ChangeRecord) =>
    presentChange(row, {
      versions: await changes.versions(row.id),
      signOff: await signatures.signOffStatus('change', String(row.id), row.currentVersion),
      implementationBlockers: await changes.implementationBlockers(row.id),
    });
  const common = { tag: 'changes' } as const;

  api.add<unknown, { state?: ChangeState; open?: boolean }>({
    ...common, method: 'get', path: '/api/v1/changes', permission: 'changes:read', summary: 'Change records, newest first', query: changeListQuery,
    handler: async ({ query }) => ({ changes: (await changes.list(query)).map(presentChangeSummary) }),
  });
  api.add<NewChange>({
    ...common, method: 'post', path: '/api/v1/changes', permission: 'changes:edit', summary: 'Log a change (its platform, system or interface checked against the registry)', body: newChangeBody, status: 201,
    handler: async ({ body, ctx }) => present(await changes.log(ctx, body)),
  });
  api.add<{ format: 'json' | 'csv'; content: string }>({
    ...common, method: 'post', path: '/api/v1/changes/import', permission: 'changes:edit', summary: 'Log every release of a vendor release calendar (JSON or CSV), or none: every problem listed', body: importBody, status: 201,
    handler: async ({ body, ctx }) => {
      const { changes: parsed } = parseReleaseCalendar(body.content, body.format, await changes.platformNames());
      return { changes: (await changes.logMany(ctx, parsed)).map(presentChangeSummary) };
    },
  });
  api.add<unknown, unknown, { id: number }>({
    ...common, method: 'get', path: '/api/v1/changes/:id', permission: 'changes:read', summary: 'One change record with its history, sign-off and implementation gate', params: idParams,
    handler: async ({ params }) => present(await changes.get(params.id)),
  });
  api.add<ChangeEdits & { reason: string }, unknown, { id: number }>({
    ...common, method: 'patch', path: '/api/v1/changes/:id', permission: 'changes:edit', summary: 'Edit a logged or assessed change (a new version, with a reason)', params: idParams, body: changeEditsBody,
    handler: async ({ params, body: { reason, ...edits }, ctx }) => present(await changes.update(ctx, params.id, edits, reason)),
  });
  api.add<{ items: TriageDecision[]; reason: string }, unknown, { id: number }>({
    ...common, method: 'post', path: '/api/v1/changes/:id/triage', permission: 'changes:edit', summary: 'Rate release items High/Medium/Low/N/A with a rationale; High and Medium name the interfaces they reach', params: idParams, body: triageBody,
    handler: async ({ params, body, ctx }) => present(await changes.triage(ctx, params.id, body.items, body.reason)),
  });
  api.add<unknown, unknown, { id: number }>({
    ...common, method: 'get', path: '/api/v1/changes/:id/impact', permission: 'changes:read', summary: 'The impact analysis: frozen once assessed, else computed from the registry now', params: idParams,
    handler: async ({ params }) => {
      const row = await changes.get(params.id);
      const frozen = JSON.parse(row.content).impact;
      return { frozen: frozen !== null, impact: frozen ?? (await changes.analyseImpact(params.id)) };
    },
  });
  api.add<ImpactEdit, unknown, { id: number }>({
    ...common, method: 'patch', path: '/api/v1/changes/:id/impact', permission: 'changes:edit', summary: 'Edit the assessed impact with a rationale (leave interfaces out, set depth or environment)', params: idParams, body: impactEditBody,
    handler: async ({ params, body, ctx }) => present(await changes.editImpact(ctx, params.id, body)),
  });
  api.add<TransitionRequest, unknown, { id: number }>({
    ...common, method: 'post', path: '/api/v1/changes/:id/transitions', permission: 'changes:edit', summary: 'Move the change on (assessed, tested, implemented) or reject / cancel it; out of order is a 409 naming the allowed steps', params: idParams, body: transitionBody,
    handler: async ({ params, body, ctx }) => present(await changes.transition(ctx, params.id, body)),
  });
  api.add<{ environment?: string }, unknown, { id: number }>({
    ...common, method: 'post', path: '/api/v1/changes/:id/regression', permission: 'runs:start', summary: 'Start the proposed regression of every affected interface and link the runs', params: idParams, body: regressionBody, status: 202,
    handler: async ({ params, body, ctx }) => ({ runs: (await changes.runRegression(ctx, params.id, { ...(body?.environment ? { environment: body.environment } : {}) })).map((r) => ({ id: r.id, interface: r.interfaceKey, status: r.status })) }),
  });
  api.add<unknown, unknown, { id: number }>({
    ...common, method: 'get', path: '/api/v1/changes/:id/gate', permission: 'changes:read', summary: 'May the change be implemented? (the release pipeline gate)', params: idParams,
    handler: async ({ params }) => {
      const blockers = await changes.implementationBlockers(params.id);
      return { mayImplement: blockers.length === 0, blockers };
    },
  });
  api.add<unknown, unknown, { id: number }>({
    ...common, method: 'get', path: '/api/v1/changes/:id/pdf', permission: 'records:export', summary: 'The change record PDF; an audited export with its SHA-256 in Repr-Digest', params: idParams,
    handler: async ({ params, ctx }, res) => sendExport(res, await exporter.pdf(ctx, params.id)),
  });
}
