// The sign dialog, the same for every signable record type (Part 11 §11.50, §11.70, §11.200): it
// shows what exactly is signed (record, version, the digest the signature will bind), the signing
// statement, the meanings this user may give on it now, and asks for the reason and the password —
// plus the user name on the first signature of the session (§11.200(a)(1)). Posting calls the same
// service call as POST /api/v1/signatures; the service re-authenticates, checks authority and
// separation of duties, and audits a wrong password as `signature.authentication_failed`.
import type { Services } from '../services.js';
import { AppError, NotFoundError } from '../platform/errors.js';
import { SIGNATURE_POLICY } from '../signatures/signature-policy.js';
import { recordDigest, type RequirementStatus } from '../signatures/signature-service.js';
import { grantContent } from '../auth/access-grant-service.js';
import type { ChangeContent } from '../changes/change-model.js';
import type { RiskResult } from '../risk/risk-model.js';
import type { FormErrors, PageInput, PageResult, PageRouter } from './page-router.js';
import { safeNext } from './session-pages.js';
import { meaningsOpenTo } from './signature-views.js';

const NO_ERRORS: FormErrors = { fields: {}, messages: [] };

const signParams = {
  type: 'object',
  required: ['recordType', 'recordId'],
  properties: { recordType: { type: 'string', pattern: '^[a-z][a-z-]{0,31}$' }, recordId: { type: 'string', pattern: '^[1-9][0-9]{0,9}$' } },
} as const;
const signQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { meaning: { type: 'string', maxLength: 32 }, returnTo: { type: 'string', maxLength: 2048 } },
} as const;
const signForm = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'meaning', 'reason', 'password'],
  properties: {
    version: { type: 'integer', minimum: 1, maximum: 2147483647 },
    meaning: { type: 'string', minLength: 1, maxLength: 32 },
    reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' },
    username: { type: 'string', maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    returnTo: { type: 'string', maxLength: 2048 },
  },
} as const;

type Params = { recordType: string; recordId: string };
type SignForm = { version: number; meaning: string; reason: string; username?: string; password: string; returnTo?: string };
type DialogInput = PageInput<unknown, { meaning?: string; returnTo?: string }, Params>;

export function registerSigningPages(pages: PageRouter, services: Services): void {
  const { signatures, auth } = services;

  const dialog = async ({ params, query, viewer, ctx }: DialogInput, errors: FormErrors, submitted: Record<string, unknown>, known?: SignTargetView): Promise<PageResult> => {
    const target = known ?? (await loadSignTarget(services, params.recordType, params.recordId));
    const requirements: RequirementStatus[] = target.version > 0 ? (await signatures.signOffStatus(target.recordType, target.recordId, target.version)).requirements : [];
    const meanings = meaningsOpenTo(viewer.role, requirements);
    const wanted = String(submitted.meaning ?? query.meaning ?? '');
    const { session } = await auth.currentSession(ctx);
    const returnTo = safeNext(submitted.returnTo ?? query.returnTo ?? target.href);
    return {
      view: 'signing/sign',
      title: `Sign ${target.label}`,
      model: {
        nav: target.nav,
        target,
        errors,
        values: submitted,
        meanings: meanings.map((meaning) => ({ meaning, selected: meaning === wanted })),
        // §11.200(a)(1): the first signing of a session asks for both components.
        askUsername: session.firstSignatureAt === null || session.firstSignatureAt === undefined,
        statement: SIGNATURE_POLICY.statements,
        returnTo: returnTo === '/' ? target.href : returnTo,
        nothingToSign: meanings.length === 0 ? target.notSignableNow ?? 'There is no signature for you to give on this record now: every signature your role may give is given, or another role signs it.' : null,
      },
    };
  };

  pages.add<unknown, { meaning?: string; returnTo?: string }, Params>({
    method: 'get',
    path: '/sign/:recordType/:recordId',
    permission: 'records:sign',
    summary: 'The sign dialog: what is signed, the meaning, reason and password (Part 11 §11.50, §11.200)',
    params: signParams,
    query: signQuery,
    handler: async (input) => dialog(input, NO_ERRORS, {}),
  });

  pages.add<SignForm, unknown, Params>({
    method: 'post',
    path: '/sign/:recordType/:recordId',
    permission: 'records:sign',
    summary: 'Sign one version of a record, as POST /api/v1/signatures does',
    params: signParams,
    body: signForm,
    formPage: (input, errors, submitted) => dialog(input as unknown as DialogInput, errors, submitted),
    handler: async (input) => {
      const { params, body, ctx } = input;
      const target = await loadSignTarget(services, params.recordType, params.recordId);
      try {
        const signature = await signatures.sign(ctx, {
          recordType: target.recordType,
          recordId: target.recordId,
          version: body.version,
          meaning: body.meaning,
          reason: body.reason,
          ...(body.username?.trim() ? { username: body.username.trim() } : {}),
          password: body.password,
        });
        return { redirect: safeNext(body.returnTo ?? target.href), flash: `Signed: ${signature.signerName} — ${signature.meaning} — ${target.label} (signature ${signature.id}).` };
      } catch (error) {
        if (!(error instanceof AppError) || error.status === 404 || error.status >= 500) throw error;
        const submitted = { meaning: body.meaning, reason: body.reason, username: body.username, returnTo: body.returnTo };
        const result = await dialog(input as unknown as DialogInput, refusalOf(error), submitted, target);
        return 'view' in result ? { ...result, status: error.status } : result;
      }
    },
  });
}

/**
 * A refusal in the dialog: a wrong password beside the password field (nothing was signed), a
 * missing or wrong user name beside that field, anything else — separation of duties, the record's
 * state, a second signer required — in words on top.
 */
function refusalOf(error: AppError): FormErrors {
  if (error.code === 'invalid_credentials') return { fields: { password: `${error.message} Check it and try again.` }, messages: [] };
  if (error.code === 'username_required') return { fields: { username: 'Type your user name: the first signature of a session needs it as well as your password.' }, messages: [] };
  if (error.code === 'identity_mismatch') return { fields: { username: 'This is not your user name: you can only sign as yourself.' }, messages: [] };
  const detail = error.details.find((d) => typeof d.field === 'string' && /\.meaning$/.test(d.field));
  if (detail) return { fields: { meaning: `This meaning cannot be given here: it ${detail.message}.` }, messages: [] };
  return { fields: {}, messages: [`Nothing was signed. ${error.message}`] };
}

/** What the dialog shows of the record being signed: a small summary per record type. */
export interface SignTargetView {
  recordType: string;
  recordId: string;
  typeLabel: string;
  label: string;
  /** The current version: what a signature now binds (a package's submission). */
  version: number;
  versionLabel: string;
  /** SHA-256 the signature will bind (record type, id, version and content), when it can be shown. */
  digest: string | null;
  facts: Array<{ term: string; value: string; at?: string }>;
  href: string;
  nav: string;
  /** Why the record cannot take a signature in its current state, or null. */
  notSignableNow: string | null;
}

/** Looks the record up through its own service; 404 for an unknown type or id. */
export async function loadSignTarget(services: Services, recordType: string, recordId: string): Promise<SignTargetView> {
  const id = Number(recordId);
  const base = { recordType, recordId };
  switch (recordType) {
    case 'package': {
      const row = await services.packages.get(id);
      const frozen = row.revision > 0 ? await services.packages.manifest(id) : null;
      return {
        ...base,
        typeLabel: 'Validation package',
        label: `${row.key} v${row.version}`,
        version: row.revision,
        versionLabel: row.revision > 0 ? `submission ${row.revision} of ${row.key} v${row.version}` : 'never submitted',
        digest: frozen ? recordDigest('package', recordId, frozen.revision, frozen.manifest) : null,
        facts: [
          { term: 'Title', value: row.title },
          { term: 'State', value: row.status },
          ...(frozen ? [{ term: 'Frozen manifest SHA-256', value: frozen.digest }, { term: 'Open items', value: frozen.manifest.summary.openItems.length ? `${frozen.manifest.summary.openItems.length}: the acceptance criteria are not met (listed on the package)` : 'none: the acceptance criteria are met' }] : []),
        ],
        href: `/packages/${row.id}`,
        nav: 'packages',
        notSignableNow: row.status === 'in-review' ? null : `${row.key} v${row.version} is ${row.status}: a package is signed while it is in review.`,
      };
    }
    case 'change': {
      const row = await services.changes.get(id);
      const stored = (await services.changes.versions(id)).find((v) => v.version === row.currentVersion);
      const content = stored ? (JSON.parse(stored.content) as ChangeContent) : null;
      return {
        ...base,
        typeLabel: 'Change record',
        label: `${row.key} version ${row.currentVersion}`,
        version: row.currentVersion,
        versionLabel: `version ${row.currentVersion}`,
        digest: content ? recordDigest('change', recordId, row.currentVersion, content) : null,
        facts: [
          { term: 'Title', value: content?.title ?? '—' },
          { term: 'Type', value: row.type },
          { term: 'State', value: row.state },
          { term: 'Planned', value: row.plannedDate },
        ],
        href: `/changes/${row.id}`,
        nav: 'changes',
        notSignableNow: null,
      };
    }
    case 'user-access': {
      const grant = await services.accessGrants.get(id);
      const content = grantContent(grant);
      return {
        ...base,
        typeLabel: 'Access grant (signing rights)',
        label: `access grant ${grant.id}`,
        version: 1,
        versionLabel: 'the request as made',
        digest: recordDigest('user-access', recordId, 1, content),
        facts: [
          { term: 'Kind', value: grant.kind },
          { term: 'For', value: `${content.user.printedName} (${content.user.username}, ${content.user.role})` },
          { term: 'Requested by', value: content.requestedBy.printedName },
          { term: 'Reason given', value: content.reason },
          { term: 'Status', value: grant.status },
        ],
        href: '/admin/access-grants',
        nav: 'admin',
        notSignableNow: grant.status === 'pending' ? null : `Access grant ${grant.id} is ${grant.status}: only a pending request is approved.`,
      };
    }
    case 'deviation': {
      const row = await services.deviations.get(id);
      const stored = (await services.deviations.versions(id)).find((v) => v.version === row.currentVersion);
      const content = stored ? (JSON.parse(stored.content) as { title: string; impact: string; status: string }) : null;
      return {
        ...base,
        typeLabel: 'Deviation',
        label: `deviation ${row.id} version ${row.currentVersion}`,
        version: row.currentVersion,
        versionLabel: `version ${row.currentVersion}`,
        digest: content ? recordDigest('deviation', recordId, row.currentVersion, content) : null,
        facts: [
          { term: 'Title', value: content?.title ?? '—' },
          { term: 'Run, step', value: `run ${row.runId}, step ${row.stepPosition} (${row.interfaceKey})` },
          { term: 'Status', value: row.status },
          { term: 'Impact', value: content?.impact ?? '—' },
        ],
        href: `/runs/${row.runId}`,
        nav: 'runs',
        notSignableNow: null,
      };
    }
    case 'risk-assessment': {
      const row = await services.assessments.get(id);
      const result = JSON.parse(row.result) as RiskResult;
      return {
        ...base,
        typeLabel: 'Risk assessment',
        label: `risk assessment ${row.id}`,
        version: 1,
        versionLabel: 'the assessment as made (assessments never change)',
        digest: null,
        facts: [
          { term: 'Model', value: `${row.modelId} ${row.modelVersion}` },
          { term: 'Level', value: result.level },
          { term: 'Assessed by', value: row.assessedByName },
          { term: 'Assessed', value: '', at: row.assessedAt },
          { term: 'Rationale', value: result.rationale.join(' ') },
        ],
        href: '/interfaces',
        nav: 'interfaces',
        notSignableNow: null,
      };
    }
    default:
      throw new NotFoundError(`Records of type '${recordType}' are not signed here.`, 'record_type_not_found');
  }
}
