// Change records as the change pages show them: plain view models from the change service's rows
// (templates never see a model), every state, rating and risk in words, and which controls the
// viewer may use now. The rules themselves stay in the change service: this only decides what to
// *offer* (the server refuses anything else), reading the workflow's own tables (NEXT, SIGNED_STEP).
import type { ChangeContent, ChangeRecord, ChangeVersion } from '../changes/change-model.js';
import { contentOf } from '../changes/change-model.js';
import { CHANGE_STATES, CHANGE_TYPES, CLOSED_STATES, TRIAGE_RATINGS, type ChangeState, type ChangeType, type ImpactAnalysis, type NewChange } from '../changes/change-types.js';
import { NEXT, SIGNED_STEP } from '../changes/change-workflow.js';
import type { Run } from '../scenarios/scenario-models.js';
import type { SignOffStatus } from '../signatures/signature-service.js';
import type { Viewer } from './viewer.js';

export const STATE_WORDS: Record<ChangeState, string> = {
  logged: 'Logged',
  assessed: 'Assessed',
  'approved-for-testing': 'Approved for testing',
  tested: 'Tested',
  'approved-for-implementation': 'Approved for implementation',
  implemented: 'Implemented',
  closed: 'Closed',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
};

/** What happens next in each state, in a sentence (the page's guidance, not a rule). */
const NEXT_WORDS: Record<ChangeState, string> = {
  logged: 'Rate every release item, review the computed impact, then mark the change assessed.',
  assessed: 'Waiting for QA to approve the change for testing (an electronic signature).',
  'approved-for-testing': 'Start the regression; when every linked run has finished, mark the change tested.',
  tested: 'Waiting for QA to approve the change for implementation (an electronic signature).',
  'approved-for-implementation': 'Record the implementation: the version now in production and the date it went live.',
  implemented: 'Waiting for QA to verify the implementation and close the change (an electronic signature).',
  closed: 'The change is closed.',
  rejected: 'The change was rejected.',
  cancelled: 'The change was cancelled.',
};

export const TYPE_WORDS: Record<ChangeType, string> = {
  'vendor-release': 'Vendor release',
  configuration: 'Configuration',
  contract: 'Contract change',
  'new-interface': 'New interface',
  'interface-retirement': 'Interface retirement',
};

const RATING_WORDS: Record<string, string> = { high: 'High', medium: 'Medium', low: 'Low', 'n/a': 'N/A' };
const RISK_WORDS: Record<string, string> = { high: 'High', medium: 'Medium', low: 'Low' };
const VIA_WORDS: Record<string, string> = { platform: 'runs on the platform', system: 'touches the system', contract: 'its contract changes', interface: 'the change names it' };
const DEPTH_WORDS: Record<string, string> = { smoke: 'Smoke', 'scripted-positive': 'Scripted positive', full: 'Full' };
const RUN_WORDS: Record<string, string> = { queued: 'Queued', running: 'Running', passed: 'Passed', failed: 'Failed', error: 'Error', aborted: 'Aborted' };
const ROLE_SHORT: Record<string, string> = { qa: 'QA', it: 'IT', admin: 'Administrator', auditor: 'Auditor' };
const MEANING_WORDS: Record<string, string> = { approved: 'Approved', verified: 'Verified', reviewed: 'Reviewed' };

const badgeClass = (value: string) => value.replace(/[^a-z0-9-]/g, '-');
const words = (table: Record<string, string>, value: string | null | undefined, none: string) => (value ? (table[value] ?? value) : none);

export const stateBadge = (state: ChangeState) => ({ value: badgeClass(state), label: STATE_WORDS[state] ?? state });

export const stateOptions = (chosen?: string) => [
  { value: 'open', label: 'Open (not closed, rejected or cancelled)', selected: chosen === 'open' },
  ...CHANGE_STATES.map((s) => ({ value: s, label: STATE_WORDS[s], selected: s === chosen })),
];
export const typeOptions = (chosen?: string) => CHANGE_TYPES.map((t) => ({ value: t, label: TYPE_WORDS[t], selected: t === chosen }));
export const ratingOptions = (chosen: string | null | undefined) => TRIAGE_RATINGS.map((r) => ({ value: r, label: RATING_WORDS[r]!, selected: r === chosen }));

/** One row of the change list. */
export function changeRow(row: ChangeRecord) {
  const content = contentOf(row);
  return {
    id: row.id,
    key: row.key,
    title: content.title,
    type: TYPE_WORDS[row.type] ?? row.type,
    state: stateBadge(row.state),
    plannedDate: row.plannedDate,
    subject: content.platform ?? content.system ?? content.interface ?? content.product ?? '—',
    versions: content.versionFrom || content.versionTo ? `${content.versionFrom ?? '?'} → ${content.versionTo ?? '?'}` : null,
    version: row.currentVersion,
  };
}

export function runView(run: Run) {
  const summary = run.summary ? (JSON.parse(run.summary) as { total?: number; passed?: number; failed?: number; error?: number }) : null;
  return {
    id: run.id,
    interfaceKey: run.interfaceKey,
    environment: run.environment,
    status: { value: run.status, label: words(RUN_WORDS, run.status, run.status) },
    active: run.status === 'queued' || run.status === 'running',
    result: summary ? `${summary.passed ?? 0} of ${summary.total ?? 0} steps passed${summary.failed ? `, ${summary.failed} failed` : ''}${summary.error ? `, ${summary.error} in error` : ''}` : null,
    queuedAt: run.queuedAt,
    finishedAt: run.finishedAt,
  };
}

/** The regression's progress over the linked runs: what the live panel and its event stream show. */
export function regressionProgress(runs: Run[]) {
  const total = runs.length;
  const done = runs.filter((r) => r.status !== 'queued' && r.status !== 'running').length;
  const passed = runs.filter((r) => r.status === 'passed').length;
  const failed = done - passed;
  return {
    total,
    done,
    passed,
    failed,
    running: total - done,
    percent: total ? Math.round((done / total) * 100) : 0,
    summary: total ? `${done} of ${total} runs finished: ${passed} passed, ${failed} failed or stopped` : 'No regression run yet',
    active: done < total,
  };
}

/** The impact table and the proposed regression, in words. */
export function impactView(impact: ImpactAnalysis | null, frozen: boolean) {
  if (!impact) return null;
  const depthOf = new Map(impact.regression.map((r) => [r.interfaceKey, r.testDepth]));
  return {
    frozen,
    computedAt: impact.computedAt,
    rationale: impact.rationale,
    interfaces: impact.interfaces.map((i) => ({
      key: i.key,
      name: i.name,
      risk: { value: i.riskLevel ?? 'none', label: words(RISK_WORDS, i.riskLevel, 'Not assessed') },
      why: i.via.map((v) => VIA_WORDS[v] ?? v).join('; '),
      depth: depthOf.has(i.key) ? words(DEPTH_WORDS, depthOf.get(i.key), '—') : 'Left out of the regression',
    })),
    contractDiff: impact.contractDiff && { ...impact.contractDiff, breakingWords: impact.contractDiff.breaking ? 'Breaking' : 'Not breaking', badge: impact.contractDiff.breaking ? 'broken' : 'ok' },
    regression: impact.regression.map((r) => ({
      interfaceKey: r.interfaceKey,
      depth: words(DEPTH_WORDS, r.testDepth, r.testDepth),
      environment: r.environment,
      scenarios: r.scenarios,
      reason: r.reason,
    })),
  };
}

export interface ChangeDetailSources {
  row: ChangeRecord;
  versions: ChangeVersion[];
  signOff: SignOffStatus | null;
  blockers: string[];
  runs: Run[];
  impact: { analysis: ImpactAnalysis | null; frozen: boolean; problem: string | null };
}

/** The change page: the record, its history, impact, triage, regression and what the viewer may do now. */
export function changeDetail(sources: ChangeDetailSources, viewer: Viewer) {
  const { row, versions, signOff, blockers, runs } = sources;
  const content: ChangeContent = contentOf(row);
  const state = content.state;
  const open = !CLOSED_STATES.includes(state);
  const contributors = JSON.parse(row.contributors) as number[];
  const mayEdit = Boolean(viewer.can.changesEdit) && open;
  const steps = mayEdit
    ? NEXT[state].filter((s) => s.by === 'transition').map((s) => ({ to: s.to, label: `Mark as ${STATE_WORDS[s.to].toLowerCase()}`, implementation: s.to === 'implemented' }))
    : [];
  // Signatures still missing on this version, each offered to a role that may give it.
  const signatures = (signOff?.requirements ?? []).map((r) => ({
    meaning: MEANING_WORDS[r.meaning] ?? r.meaning,
    meaningValue: r.meaning,
    roles: r.roles.map((role) => ROLE_SHORT[role] ?? role).join(' or '),
    source: r.source,
    signedBy: r.signedBy,
    signed: r.signatureId !== null,
    mayOffer: r.signatureId === null && open && Boolean(viewer.can.recordsSign) && viewer.role !== null && (r.roles as readonly string[]).includes(viewer.role),
  }));
  const signedStep = SIGNED_STEP[state];
  const untriaged = content.releaseItems.filter((i) => i.rating === null).length;
  const progress = regressionProgress(runs);
  return {
    id: row.id,
    key: content.key,
    title: content.title,
    type: TYPE_WORDS[content.type] ?? content.type,
    state: stateBadge(state),
    /** The impact's proposed regression may be edited (with a rationale) while the change is assessed. */
    impactEditable: state === 'assessed' && Boolean(viewer.can.changesEdit),
    next: NEXT_WORDS[state],
    stateReason: content.stateReason,
    open,
    version: row.currentVersion,
    facts: {
      platform: content.platform,
      system: content.system,
      interface: content.interface,
      product: content.product,
      versionFrom: content.versionFrom,
      versionTo: content.versionTo,
      plannedDate: content.plannedDate,
      environments: content.environments.join(', '),
      requestedBy: versions[0]?.changedByName ?? '—',
      requestedAt: row.requestedAt,
      implementedVersion: content.implementedVersion,
      implementedAt: content.implementedAt,
      closedAt: content.closedAt,
      reReview: content.reReview,
      releaseNotes: content.releaseNotes,
    },
    description: content.description,
    justification: content.justification,
    history: versions
      .map((v) => ({ version: v.version, state: stateBadge((JSON.parse(v.content) as { state: ChangeState }).state), at: v.changedAt, by: v.changedByName, reason: v.reason ?? 'logged' }))
      .reverse(),
    impact: impactView(sources.impact.analysis, sources.impact.frozen),
    impactProblem: sources.impact.problem,
    items: content.releaseItems.map((item, index) => ({
      index,
      id: item.id,
      title: item.title,
      description: item.description,
      rating: item.rating ? { value: badgeClass(item.rating), label: RATING_WORDS[item.rating] } : null,
      rationale: item.rationale,
      interfaces: item.interfaces,
      options: ratingOptions(item.rating),
    })),
    untriaged,
    runs: runs.map(runView),
    progress,
    signatures,
    signedStep: signedStep && { meaning: MEANING_WORDS[signedStep.meaning], to: STATE_WORDS[signedStep.to] },
    isContributor: viewer.userId !== null && contributors.includes(viewer.userId),
    blockers,
    controls: {
      triage: mayEdit && (state === 'logged' || state === 'assessed') && content.releaseItems.length > 0,
      steps,
      cancel: mayEdit,
      reject: mayEdit && viewer.role === 'qa',
      regression: Boolean(viewer.can.runsStart) && state === 'approved-for-testing',
      pdf: Boolean(viewer.can.recordsExport),
      any: mayEdit || (Boolean(viewer.can.runsStart) && state === 'approved-for-testing') || signatures.some((s) => s.mayOffer),
    },
    defaults: { implementedVersion: content.versionTo ?? '' },
  };
}

// ---- The log form -------------------------------------------------------------------------------

export interface LogForm {
  type?: string;
  title?: string;
  platform?: string;
  system?: string;
  interface?: string;
  product?: string;
  versionFrom?: string;
  versionTo?: string;
  plannedDate?: string;
  environments?: string;
  releaseItems?: string;
  description?: string;
  justification?: string;
}

const ITEM_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,31}$/;
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The form as the change service takes it, or the problems beside each field in plain language.
 * The service checks the rest (the registry's platforms, systems and interfaces; a real date).
 */
export function newChangeOf(form: LogForm): { input: NewChange | null; problems: Array<{ field: string; message: string }> } {
  const problems: Array<{ field: string; message: string }> = [];
  const text = (name: keyof LogForm, label: string, max: number, required: boolean): string | undefined => {
    const value = (form[name] ?? '').trim();
    if (!value) {
      if (required) problems.push({ field: name, message: `Enter ${label}.` });
      return undefined;
    }
    if (value.length > max) problems.push({ field: name, message: `Keep ${label} to ${max} characters or fewer.` });
    return value;
  };
  const type = form.type && (CHANGE_TYPES as readonly string[]).includes(form.type) ? (form.type as ChangeType) : null;
  if (!type) problems.push({ field: 'type', message: 'Choose what kind of change this is.' });
  const title = text('title', 'a title', 200, true);
  const platform = text('platform', 'the platform', 200, false);
  const system = text('system', 'the system', 200, false);
  const iface = text('interface', 'the interface key', 64, false);
  if (iface && !KEY.test(iface)) problems.push({ field: 'interface', message: 'Give the interface by its key, for example IF-ERP-WMS-001.' });
  const product = text('product', 'the product', 200, false);
  const versionFrom = text('versionFrom', 'the version it comes from', 64, false);
  const versionTo = text('versionTo', 'the version it goes to', 64, false);
  const plannedDate = text('plannedDate', 'the planned date', 10, true);
  if (plannedDate && !/^\d{4}-\d{2}-\d{2}$/.test(plannedDate)) problems.push({ field: 'plannedDate', message: 'Give the planned date as year-month-day, for example 2027-01-15.' });
  const environments = [...new Set((form.environments ?? '').split(/[\s,]+/).filter(Boolean))];
  if (!environments.length) problems.push({ field: 'environments', message: 'Name at least one environment the change goes through, for example: test, production.' });
  else if (environments.some((e) => !ENVIRONMENT.test(e))) problems.push({ field: 'environments', message: 'Environment names are lower-case words such as test or production, separated by commas.' });
  else if (environments.length > 20) problems.push({ field: 'environments', message: 'Name 20 environments or fewer.' });
  const lines = (form.releaseItems ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const releaseItems: NonNullable<NewChange['releaseItems']> = [];
  for (const [n, line] of lines.entries()) {
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*):\s+(.+)$/.exec(line);
    const [id, itemTitle] = match ? [match[1]!, match[2]!.trim()] : [undefined, line];
    if (id !== undefined && !ITEM_ID.test(id)) problems.push({ field: 'releaseItems', message: `Line ${n + 1}: the item id is too long (64 characters at most).` });
    else if (itemTitle.length > 500) problems.push({ field: 'releaseItems', message: `Line ${n + 1}: keep an item's title to 500 characters or fewer.` });
    else releaseItems.push(id ? { id, title: itemTitle } : { title: itemTitle });
  }
  if (lines.length > 500) problems.push({ field: 'releaseItems', message: 'List 500 release items or fewer.' });
  const ids = releaseItems.map((i) => i.id).filter(Boolean);
  if (new Set(ids).size !== ids.length) problems.push({ field: 'releaseItems', message: 'Each release item id may appear once.' });
  const description = text('description', 'a description of the change', 8000, true);
  const justification = text('justification', 'the justification', 8000, true);
  if (problems.length || !type) return { input: null, problems };
  const input: NewChange = {
    type,
    title: title!,
    ...(platform ? { platform } : {}),
    ...(system ? { system } : {}),
    ...(iface ? { interface: iface } : {}),
    ...(product ? { product } : {}),
    ...(versionFrom ? { versionFrom } : {}),
    ...(versionTo ? { versionTo } : {}),
    description: description!,
    justification: justification!,
    plannedDate: plannedDate!,
    environments,
    ...(releaseItems.length ? { releaseItems } : {}),
  };
  return { input, problems };
}

/** A service message beside a field reads as a sentence: "no platform 'X' …" → "No platform 'X' …". */
export function capitalised(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.charAt(0).toUpperCase() + v.slice(1)]));
}
