// The audit trail in the browser: search it (record, user, action, days), see each change's before
// and after side by side, verify the whole trail as GET /api/v1/audit/verify does, and take it away
// as CSV or the PDF report through the same audited export as GET /api/v1/audit/export.
import { sendExport } from '../audit/audited-export.js';
import { verifyAuditTrail } from '../audit/audit-verifier.js';
import { reconcileRecordStates, withRecordReconciliation } from '../audit/record-reconciliation.js';
import type { AuditFilter } from '../audit/audit-trail.js';
import { ValidationError } from '../platform/errors.js';
import type { Services } from '../services.js';
import type { FormErrors, PageInput, PageResult, PageRouter } from './page-router.js';
import { FILTER_NAMES, dayInZone, filterQuery, presentAuditEventView, presentCheckpointView, presentVerification, type AuditPageFilters } from './audit-views.js';

const PAGE_SIZE = 50;
const NO_ERRORS: FormErrors = { fields: {}, messages: [] };
const day = { type: 'string', maxLength: 32 } as const;
const text = (max: number) => ({ type: 'string', maxLength: max }) as const;

const filterProperties = {
  entityType: text(64),
  entityId: text(128),
  actor: text(64),
  action: text(64),
  from: day,
  to: day,
} as const;

const auditPageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...filterProperties, cursor: { type: 'integer', minimum: 0 } },
} as const;

const auditExportPageQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['format'],
  properties: { ...filterProperties, format: { type: 'string', enum: ['csv', 'pdf'] } },
} as const;

type AuditPageQuery = AuditPageFilters & { cursor?: number };

/** The filters that were given, blanks dropped, text trimmed. */
function givenFilters(query: Record<string, unknown>): AuditPageFilters {
  const filters: AuditPageFilters = {};
  for (const name of FILTER_NAMES) {
    const value = typeof query[name] === 'string' ? (query[name] as string).trim() : '';
    if (value) filters[name] = value;
  }
  return filters;
}

/** The period as instants in the viewer's zone; a period that ends before it starts is a 400 beside "from". */
function periodOf(filters: AuditPageFilters, zone: string): { from?: string; to?: string } {
  for (const name of ['from', 'to'] as const) {
    const value = filters[name];
    if (value && (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))) {
      throw new ValidationError('That is not a calendar day.', [{ field: name, rule: 'format', message: 'Enter a day as YYYY-MM-DD.' }]);
    }
  }
  if (filters.from && filters.to && filters.from > filters.to) {
    throw new ValidationError('The period is empty: “from” is after “to”.', [{ field: 'from', rule: 'notAfterTo', message: 'Choose a day on or before the “to” day.' }], 'invalid_period');
  }
  return {
    ...(filters.from ? { from: dayInZone(filters.from, zone) } : {}),
    ...(filters.to ? { to: dayInZone(filters.to, zone, true) } : {}),
  };
}

/** A refusal by the query schema names no form field ("query"): shown above the filters instead. */
function readableQueryErrors(errors: FormErrors): FormErrors {
  const { query, ...fields } = errors.fields;
  return query ? { fields, messages: [...errors.messages, `A filter is not valid (${query.replace(/^This /, '').replace(/\.$/, '')}): correct it and search again.`] } : errors;
}

export function registerAuditPages(pages: PageRouter, services: Services): void {
  const { audit, users, checkpoints, keyring, database, auditExports } = services;

  const auditPage = async ({ query, viewer }: PageInput<unknown, Record<string, unknown>, unknown>, errors: FormErrors): Promise<PageResult> => {
    const filters = givenFilters(query);
    const everyone = await users.list({});
    const usernames = new Map(everyone.map((u) => [u.id, u.username]));
    const actors = [{ value: 'system', label: 'The system (no user)' }, ...everyone.map((u) => ({ value: u.username, label: `${u.fullName} (${u.username})` }))];
    const model = {
      nav: 'audit',
      errors,
      hasErrors: Object.keys(errors.fields).length > 0 || errors.messages.length > 0,
      filters,
      actors: actors.map((a) => ({ ...a, selected: a.value === filters.actor })),
      filtered: Object.keys(filters).length > 0,
      csvHref: `/audit/export?${filterQuery(filters, { format: 'csv' })}`,
      pdfHref: `/audit/export?${filterQuery(filters, { format: 'pdf' })}`,
      events: [] as unknown[],
      nextHref: null as string | null,
      firstHref: null as string | null,
    };
    if (model.hasErrors) return { view: 'audit/list', title: 'Audit trail', model };
    const filter: AuditFilter = { entityType: filters.entityType, entityId: filters.entityId, action: filters.action, ...periodOf(filters, viewer.timeZone) };
    if (filters.actor) {
      const actor = filters.actor;
      const user = everyone.find((u) => u.username === actor.toLowerCase());
      if (user) filter.actorId = user.id;
      else if (filters.actor === 'system') filter.actorId = null;
      else throw new ValidationError(`No user '${filters.actor}'.`, [{ field: 'actor', rule: 'exists', message: 'Choose a user from the list.' }], 'unknown_actor');
    }
    const cursor = typeof query.cursor === 'number' ? query.cursor : undefined;
    const page = await audit.list(filter, { limit: PAGE_SIZE, cursor, order: 'desc' });
    model.events = page.events.map((event) => presentAuditEventView(event, usernames));
    model.nextHref = page.nextCursor === null ? null : `/audit?${filterQuery(filters, { cursor: String(page.nextCursor) })}`;
    model.firstHref = cursor === undefined ? null : `/audit?${filterQuery(filters)}`;
    return { view: 'audit/list', title: 'Audit trail', model };
  };

  pages.add<unknown, AuditPageQuery>({
    method: 'get',
    path: '/audit',
    permission: 'audit:read',
    summary: 'The audit trail, newest first, filtered by record, user, action and days',
    query: auditPageQuery,
    formPage: (input, errors) => auditPage(input as PageInput<unknown, Record<string, unknown>, unknown>, readableQueryErrors(errors)),
    handler: async (input) => auditPage(input as PageInput<unknown, Record<string, unknown>, unknown>, NO_ERRORS),
  });

  pages.add<unknown, { run?: string }>({
    method: 'get',
    path: '/audit/verify',
    permission: 'audit:verify',
    summary: 'Verify the audit trail (hashes, chain, checkpoint signatures, records) and show the result',
    query: { type: 'object', additionalProperties: false, properties: { run: { type: 'string', enum: ['1'] } } },
    handler: async ({ query }) => {
      // The same verification as GET /api/v1/audit/verify; it reads and changes nothing.
      const verification = query.run
        ? presentVerification(withRecordReconciliation(await verifyAuditTrail(database, keyring, { witness: checkpoints.witness.read() }), await reconcileRecordStates(database, audit.recordStates)))
        : null;
      const checkpoint = presentCheckpointView(await checkpoints.latest(), keyring);
      return { view: 'audit/verify', title: 'Verify the audit trail', model: { nav: 'audit', verification, checkpoint, lastSeq: await audit.lastSeq() } };
    },
  });

  pages.add<unknown, AuditPageFilters & { format: 'csv' | 'pdf' }>({
    method: 'get',
    path: '/audit/export',
    permission: 'audit:export',
    summary: 'Download the filtered audit trail as CSV or the PDF report (an audited export)',
    query: auditExportPageQuery,
    handler: async ({ query, ctx, viewer }, res) => {
      const filters = givenFilters(query as unknown as Record<string, unknown>);
      const file = await auditExports.export(ctx, { format: query.format, entityType: filters.entityType, entityId: filters.entityId, actor: filters.actor, action: filters.action, ...periodOf(filters, viewer.timeZone) });
      await sendExport(res, file);
      return undefined;
    },
  });
}
