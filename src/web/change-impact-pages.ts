// Editing a change's assessed impact: leave interfaces out of the regression, or set another test
// depth or environment for one, always with a rationale (a new version of the change, audited as
// `change.impact_edited`). The same service call as PATCH /api/v1/changes/:id/impact.
import { contentOf } from '../changes/change-model.js';
import type { ImpactEdit } from '../changes/change-service.js';
import { ValidationError } from '../platform/errors.js';
import { idParams } from '../platform/http/common-schemas.js';
import type { Services } from '../services.js';
import type { FormErrors, PageInput, PageResult, PageRouter } from './page-router.js';

const NO_ERRORS: FormErrors = { fields: {}, messages: [] };
const DEPTHS = [
  { value: 'smoke', label: 'Smoke' },
  { value: 'scripted-positive', label: 'Scripted positive' },
  { value: 'full', label: 'Full' },
];
const KEY = '[A-Za-z0-9][A-Za-z0-9._-]{0,63}';

const editBody = {
  type: 'object',
  additionalProperties: false,
  required: ['rationale'],
  properties: { rationale: { type: 'string', maxLength: 4000 }, exclude: { anyOf: [{ type: 'string', maxLength: 64 }, { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 64 } }] } },
  patternProperties: { [`^depth-${KEY}$`]: { enum: DEPTHS.map((d) => d.value) }, [`^environment-${KEY}$`]: { type: 'string', maxLength: 32 } },
} as const;

type EditForm = { rationale: string; exclude?: string | string[] } & Record<string, string | string[] | undefined>;

export function registerChangeImpactPages(pages: PageRouter, services: Services): void {
  const { changes } = services;

  const editPage = async ({ params }: PageInput<unknown, unknown, { id: number }>, errors: FormErrors = NO_ERRORS, submitted: Record<string, unknown> = {}): Promise<PageResult> => {
    const row = await changes.get(params.id);
    const content = contentOf(row);
    const excluded = new Set(([] as unknown[]).concat(submitted.exclude ?? []).map(String));
    const regression = content.impact?.regression ?? [];
    return {
      view: 'changes/impact-edit',
      title: `Edit the impact of ${content.key}`,
      model: {
        nav: 'changes',
        crumbs: [{ href: '/changes', label: 'Changes' }, { href: `/changes/${row.id}`, label: content.key }],
        change: { id: row.id, key: content.key, title: content.title, state: content.state, editable: content.state === 'assessed' && Boolean(content.impact) },
        rows: regression.map((r) => {
          const depth = String(submitted[`depth-${r.interfaceKey}`] ?? r.testDepth);
          return {
            key: r.interfaceKey,
            reason: r.reason,
            excluded: excluded.has(r.interfaceKey),
            depths: DEPTHS.map((d) => ({ ...d, selected: d.value === depth })),
            environment: String(submitted[`environment-${r.interfaceKey}`] ?? r.environment),
            depthError: errors.fields[`depth-${r.interfaceKey}`] ?? null,
            environmentError: errors.fields[`environment-${r.interfaceKey}`] ?? null,
          };
        }),
        rationale: typeof submitted.rationale === 'string' ? submitted.rationale : '',
        errors,
      },
    };
  };

  pages.add<unknown, unknown, { id: number }>({
    method: 'get',
    path: '/changes/:id/impact/edit',
    permission: 'changes:edit',
    summary: 'The form that edits an assessed change’s proposed regression, with a rationale',
    params: idParams,
    handler: async (input) => editPage(input),
  });

  pages.add<EditForm, unknown, { id: number }>({
    method: 'post',
    path: '/changes/:id/impact',
    permission: 'changes:edit',
    summary: 'Edit the assessed impact: leave interfaces out, set depth or environment, with a rationale',
    params: idParams,
    body: editBody,
    formPage: (input, errors, submitted) => editPage(input as never, errors, submitted),
    handler: async ({ params, body, ctx }) => {
      const content = contentOf(await changes.get(params.id));
      const current = new Map((content.impact?.regression ?? []).map((r) => [r.interfaceKey, r]));
      const edit: ImpactEdit = { rationale: body.rationale.trim() };
      const exclude = ([] as string[]).concat(body.exclude ?? []);
      if (exclude.length) edit.exclude = exclude;
      for (const [name, value] of Object.entries(body)) {
        const match = /^(depth|environment)-(.+)$/.exec(name);
        if (!match || typeof value !== 'string' || exclude.includes(match[2]!)) continue;
        const [, field, key] = match as unknown as [string, 'depth' | 'environment', string];
        const was = current.get(key);
        // Only what the person changed is part of the edit.
        if (field === 'depth' && value !== was?.testDepth) (edit.depth ??= {})[key] = value as 'smoke' | 'scripted-positive' | 'full';
        if (field === 'environment' && value.trim() && value.trim() !== was?.environment) (edit.environment ??= {})[key] = value.trim();
      }
      const problems = [];
      if (!edit.rationale) problems.push({ field: 'body.rationale', rule: 'required', message: 'Say why the computed regression is changed: it is kept with the change.' });
      if (!edit.exclude && !edit.depth && !edit.environment) problems.push({ field: 'body', rule: 'minProperties', message: 'Nothing changed: leave an interface out, or set another depth or environment.' });
      if (problems.length) throw new ValidationError('The impact was not edited.', problems);
      const row = await changes.editImpact(ctx, params.id, edit);
      return { redirect: `/changes/${row.id}#regression`, flash: `Impact edited: the proposed regression of ${content.key} is updated (version ${row.currentVersion}).` };
    },
  });
}
