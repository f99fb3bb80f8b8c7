// The change record PDF's presenter (Annex 11 §10, Part 11 §11.10(b)(e)(f), §11.50): turns a
// change record with its state history, impact analysis, triage, linked runs, deviations,
// signatures, audit excerpt and verification results into a document model of final strings —
// every date with its zone, every gap (an interface not assessed, an item not triaged, a failed
// step without a deviation, a signature not given) worded and toned — so change-pdf.ts only draws,
// and what the PDF says is tested without a PDF. Prose comes from templates/documents/change/*.hbs.
import { presentAuditExcerpt, type AuditExcerptEntry } from '../documents/audit-excerpt.js';
import type { DocumentTexts } from '../documents/document-texts.js';
import type { Fact } from '../documents/fact-list.js';
import type { CoverPage } from '../documents/headings-and-contents.js';
import type { PageFrameOptions } from '../documents/page-frame.js';
import { formatBytes, formatDateTimeUtc, type PdfDocumentOptions } from '../documents/pdf-document.js';
import { presentSignatureSection, type SignatureManifestation } from '../documents/signature-block.js';
import type { TableRow } from '../documents/table.js';
import { parseKeyedTextBlocks, parseTextBlock, type TextBlockPart } from '../documents/text-block.js';
import { presentVerificationAppendix, type VerificationAppendix } from '../documents/verification-appendix.js';
import { CLOSED_STATES, type ChangeState, type ChangeType, type ImpactAnalysis, type ImpactedInterface, type ReleaseItem, type TriageRating } from './change-types.js';

export type ChangeAuditEntry = AuditExcerptEntry;

export interface ChangeRunInput {
  id: number;
  interfaceKey: string;
  environment: string;
  status: string;
  assurance: string;
  startedAt: string | null;
  finishedAt: string | null;
  passed: number;
  failed: number;
  errors: number;
  steps: Array<{ position: number; name: string; status: string; expected: string; actual: string; evidence: string[] }>;
}

export interface ChangeDocumentInput {
  change: {
    id: number;
    /** e.g. "CR-0001". */
    key: string;
    type: ChangeType;
    title: string;
    state: ChangeState;
    platform: string | null;
    system: string | null;
    interface: string | null;
    product: string | null;
    versionFrom: string | null;
    versionTo: string | null;
    description: string;
    justification: string;
    /** YYYY-MM-DD. */
    plannedDate: string;
    environments: string[];
    requestedBy: string;
    requestedAt: string;
    implementedAt: string | null;
    implementedVersion: string | null;
    closedAt: string | null;
    /** Why the change was rejected or cancelled. */
    stateReason: string | null;
    /** The vendor release notes, kept as evidence. */
    releaseNotes: Array<{ digest: string; name: string | null; size: number }>;
  };
  /** Oldest first. */
  history: Array<{ state: ChangeState; at: string; by: string; reason: string | null }>;
  impact: ImpactAnalysis | null;
  releaseItems: ReleaseItem[];
  runs: ChangeRunInput[];
  deviations: Array<{ id: number; runId: number; stepPosition: number; title: string; status: string; resolution: string | null }>;
  signatures: Array<{ id: number; signerName: string; signerRole: string; meaning: string; signedAt: string; reason: string; valid: boolean; problem: string | null; signerAccess: string | null; recordVersion: number }>;
  /** The signatures the change requires (per the risk model) and whether each is given. */
  requiredSignatures: Array<{ meaning: string; roles: string[]; source: string; given: boolean }>;
  /** Streamed: an excerpt can be long, and is never held whole. */
  auditExcerpt: AsyncIterable<ChangeAuditEntry>;
  verification: {
    checkpoint: { treeSize: number; rootHash: string; keyId: string; createdAt: string } | null;
    keyFingerprints: Array<{ keyId: string; fingerprint: string }>;
    /** SHA-256 of the change record's canonical JSON (RFC 8785) as generated. */
    recordDigest: string;
    auditVerified: boolean;
  };
  generatedAt: string;
  generatedBy: string;
  texts: DocumentTexts;
}

export const COVER_TEMPLATE = 'change/cover';
export const SECTION_INTROS_TEMPLATE = 'change/section-intros';
export const VERIFICATION_TEMPLATE = 'change/verification';

export const CHANGE_TYPE_LABELS: Record<ChangeType, string> = {
  'vendor-release': 'Vendor platform release',
  configuration: 'Configuration change',
  contract: 'Contract change',
  'new-interface': 'New interface',
  'interface-retirement': 'Interface retirement',
};

export const CHANGE_STATE_LABELS: Record<ChangeState, string> = {
  logged: 'logged',
  assessed: 'assessed',
  'approved-for-testing': 'approved for testing',
  tested: 'tested',
  'approved-for-implementation': 'approved for implementation',
  implemented: 'implemented',
  closed: 'closed',
  rejected: 'rejected',
  cancelled: 'cancelled',
};

/** The triage ratings as printed (the layout draws each as a badge). */
export const TRIAGE_LABELS: Record<TriageRating, string> = { high: 'High', medium: 'Medium', low: 'Low', 'n/a': 'N/A' };
export const NOT_TRIAGED = 'NOT TRIAGED';

export type ChangeSectionKey = 'summary' | 'history' | 'impact' | 'triage' | 'regression' | 'runs' | 'deviations' | 'signatures' | 'audit' | 'verification';

export const SECTION_TITLES: Record<ChangeSectionKey, string> = {
  summary: 'Summary',
  history: 'State history',
  impact: 'Impact analysis',
  triage: 'Release-item triage',
  regression: 'Proposed regression',
  runs: 'Regression runs and results',
  deviations: 'Deviations',
  signatures: 'Signatures',
  audit: 'Audit trail excerpt',
  verification: 'Verification',
};

/** Runs are listed in the contents while there are at most this many (all stay in the outline). */
const MAX_LISTED_RUNS = 25;
/** Affected interfaces named on the cover; the rest are counted. */
const MAX_COVER_INTERFACES = 12;

export interface ChangeRunBlock {
  title: string;
  listed: boolean;
  facts: Fact[];
  steps: TableRow[];
  evidenceTitle: string;
  evidence: TableRow[];
}

export interface ChangeDocument {
  info: PdfDocumentOptions;
  frame: PageFrameOptions;
  cover: CoverPage;
  intros: Partial<Record<ChangeSectionKey, TextBlockPart[]>>;
  summary: { description: TextBlockPart[]; justification: TextBlockPart[]; facts: Fact[]; releaseNotes: TableRow[] };
  history: TableRow[];
  impact: { facts: Fact[]; interfaces: TableRow[]; contractDiff: { facts: Fact[]; changes: TextBlockPart[] } | null; rationale: TextBlockPart[] | null } | null;
  triage: TableRow[];
  regression: TableRow[];
  runs: { overview: TableRow[]; blocks: ChangeRunBlock[] };
  deviations: TableRow[];
  signatures: SignatureManifestation[];
  audit: AsyncIterable<TableRow>;
  appendix: VerificationAppendix;
  /** Entries the table of contents will list (to reserve its pages). */
  contentsEntries: number;
}

/** The change record PDF's model. Synchronous but for the audit excerpt, which stays a stream. */
export function presentChangeDocument(input: ChangeDocumentInput): ChangeDocument {
  const { change } = input;
  const open = !CLOSED_STATES.includes(change.state);
  const stateLabel = CHANGE_STATE_LABELS[change.state];
  const typeLabel = CHANGE_TYPE_LABELS[change.type];
  const counts = countsOf(input);
  const context = {
    change: { ...change, typeLabel, stateLabel },
    impact: { analysed: input.impact !== null, edited: input.impact?.rationale != null, contract: input.impact?.contractDiff != null },
    counts,
  };
  const intros = parseKeyedTextBlocks(input.texts.render(SECTION_INTROS_TEMPLATE, context), Object.keys(SECTION_TITLES) as ChangeSectionKey[]);
  const runsListed = input.runs.length <= MAX_LISTED_RUNS;
  const status = statusOf(change.state);

  return {
    info: {
      title: `Change record ${change.key} — ${change.title}`,
      author: input.generatedBy,
      subject: `Change record ${change.key}, ${stateLabel}; record SHA-256 ${input.verification.recordDigest}`,
      keywords: ['change record', change.key, typeLabel, ...[change.platform, change.system, change.interface].filter((v): v is string => v !== null), ...(input.impact?.interfaces.map((i) => i.key) ?? [])].join(', '),
      createdAt: input.generatedAt,
    },
    frame: { title: `Change record — ${change.title}`, documentId: change.key, draft: change.state !== 'closed', draftText: status.mark, markNote: status.note },
    cover: {
      kind: 'Change record',
      title: change.title,
      subtitle: `${change.key} · ${typeLabel}`,
      status: { label: status.badge, tone: status.tone },
      facts: coverFacts(input, typeLabel, stateLabel),
      lists: coverLists(input.impact),
      note: input.texts.render(COVER_TEMPLATE, {
        ...context,
        open,
        closed: change.state === 'closed',
        rejected: change.state === 'rejected',
        cancelled: change.state === 'cancelled',
        recordDigest: input.verification.recordDigest,
      }),
    },
    intros,
    summary: {
      description: parseTextBlock(change.description),
      justification: parseTextBlock(change.justification),
      facts: [
        { label: 'Environments', value: change.environments.join(', ') || 'none named' },
        { label: 'Planned date', value: change.plannedDate },
        { label: 'Implemented', value: change.implementedAt ? `${formatDateTimeUtc(change.implementedAt)}${change.implementedVersion ? `, version ${change.implementedVersion}` : ''}` : 'not yet' },
        { label: 'Closed', value: change.closedAt ? formatDateTimeUtc(change.closedAt) : 'not yet' },
      ],
      releaseNotes: change.releaseNotes.map((n) => ({ cells: [n.name ?? 'unnamed file', formatBytes(n.size), n.digest] })),
    },
    history: input.history.map((h, i) => ({
      cells: [String(i + 1), CHANGE_STATE_LABELS[h.state], formatDateTimeUtc(h.at), h.by, h.reason ?? ''],
      ...(h.state === 'rejected' || h.state === 'cancelled' ? { tone: 'problem' as const } : {}),
    })),
    impact: presentImpact(input),
    triage: input.releaseItems.map(presentReleaseItem),
    regression: (input.impact?.regression ?? []).map((r) => ({
      cells: [`${r.interfaceKey}\n${r.environment}`, r.testDepth, r.categories.join(', ') || '—', r.scenarios.join('\n') || 'none', r.reason],
      ...(r.scenarios.length ? {} : { tone: 'problem' as const }),
    })),
    runs: {
      overview: input.runs.map((run) => ({
        cells: [String(run.id), run.interfaceKey, run.environment, run.assurance, `${runOutcome(run)}\n${run.passed} passed, ${run.failed} failed, ${run.errors} errors`, runStart(run)],
        ...(run.status === 'passed' ? {} : { tone: 'problem' as const }),
      })),
      blocks: input.runs.map((run) => presentRun(run, input.deviations, runsListed)),
    },
    deviations: input.deviations.map((d) => ({
      cells: [String(d.id), `run ${d.runId}, step ${d.stepPosition}`, d.title, d.status, d.resolution ?? 'not yet resolved'],
      ...(d.status === 'closed' ? {} : { tone: 'problem' as const }),
    })),
    signatures: presentSignatureSection(
      input.signatures.map((s) => ({ ...s, signedVersion: `change record version ${s.recordVersion}` })),
      input.requiredSignatures.filter((r) => !r.given),
    ),
    audit: presentAuditExcerpt(input.auditExcerpt),
    appendix: presentVerificationAppendix(
      {
        documentKind: 'change record',
        documentId: change.key,
        bundleFile: null,
        digests: [{ label: 'Change record (RFC 8785, SHA-256)', value: input.verification.recordDigest }],
        checkpoint: input.verification.checkpoint,
        keyFingerprints: input.verification.keyFingerprints,
        checks: [{ label: 'Audit trail', passed: input.verification.auditVerified }],
        manifestDigest: null,
        template: VERIFICATION_TEMPLATE,
        context: { recordDigest: input.verification.recordDigest },
      },
      input.texts,
    ),
    // Ten sections (nine and the appendix), plus the runs listed as subsections.
    contentsEntries: 10 + (runsListed ? input.runs.length : 0),
  };
}

/** The mark on every page and the cover's badge: open with its state, rejected, cancelled, or closed. */
function statusOf(state: ChangeState): { mark: string; note: string; badge: string; tone: CoverPage['status']['tone'] } {
  const label = CHANGE_STATE_LABELS[state];
  if (state === 'closed') return { mark: 'CLOSED', note: 'CLOSED', badge: 'CLOSED', tone: 'final' };
  if (state === 'rejected') return { mark: 'REJECTED', note: 'REJECTED — not to be implemented', badge: 'REJECTED', tone: 'problem' };
  if (state === 'cancelled') return { mark: 'CANCELLED', note: 'CANCELLED — not to be implemented', badge: 'CANCELLED', tone: 'problem' };
  return { mark: 'OPEN', note: `OPEN — ${label}`, badge: `OPEN — ${label.toUpperCase()}`, tone: 'draft' };
}

function coverFacts(input: ChangeDocumentInput, typeLabel: string, stateLabel: string): Fact[] {
  const { change } = input;
  const facts: Fact[] = [
    { label: 'Change', value: change.key },
    { label: 'Type', value: typeLabel },
    { label: 'State', value: stateLabel, tone: change.state === 'closed' ? 'good' : 'problem' },
  ];
  if (change.stateReason && (change.state === 'rejected' || change.state === 'cancelled')) facts.push({ label: 'Reason', value: change.stateReason, tone: 'problem' });
  if (change.platform) facts.push({ label: 'Platform', value: change.platform });
  if (change.system) facts.push({ label: 'System', value: change.system });
  if (change.interface) facts.push({ label: 'Interface', value: change.interface });
  if (change.product) facts.push({ label: 'Product', value: change.product });
  facts.push(
    { label: 'Version', value: versionChange(change.versionFrom, change.versionTo) },
    { label: 'Planned date', value: change.plannedDate },
    { label: 'Environments', value: change.environments.join(', ') || 'none named' },
    { label: 'Requested', value: `${formatDateTimeUtc(change.requestedAt)} by ${change.requestedBy}` },
  );
  if (change.implementedAt) facts.push({ label: 'Implemented', value: `${formatDateTimeUtc(change.implementedAt)}${change.implementedVersion ? `, version ${change.implementedVersion}` : ''}` });
  if (change.closedAt) facts.push({ label: 'Closed', value: formatDateTimeUtc(change.closedAt) });
  facts.push(
    { label: 'Generated', value: `${formatDateTimeUtc(input.generatedAt)} by ${input.generatedBy}` },
    { label: 'Record SHA-256', value: input.verification.recordDigest, mono: true },
  );
  return facts;
}

function coverLists(impact: ImpactAnalysis | null): CoverPage['lists'] {
  if (!impact) return [{ title: 'Affected interfaces', items: ['Not yet analysed.'] }];
  const items = impact.interfaces.slice(0, MAX_COVER_INTERFACES).map((i) => `${i.key} ${i.name} — ${i.riskLevel ? `risk ${i.riskLevel}` : 'not assessed'}`);
  const more = impact.interfaces.length - MAX_COVER_INTERFACES;
  if (more > 0) items.push(`and ${more} more (section 3)`);
  return [{ title: 'Affected interfaces', items: items.length ? items : ['None found in the registry.'] }];
}

function versionChange(from: string | null, to: string | null): string {
  if (from === null && to === null) return 'not applicable';
  return `${from ?? '—'} → ${to ?? '—'}`;
}

const VIA_LABELS: Record<ImpactedInterface['via'][number], string> = {
  platform: 'runs on the platform',
  system: 'touches the system',
  contract: 'its contract changes',
  interface: 'is the interface changed',
};

function presentImpact(input: ChangeDocumentInput): ChangeDocument['impact'] {
  const { impact } = input;
  if (!impact) return null;
  const reaching = (key: string) =>
    input.releaseItems.filter((item) => item.interfaces.includes(key) && item.rating !== null).map((item) => `${item.id} (${TRIAGE_LABELS[item.rating!]})`);
  const facts: Fact[] = [
    { label: 'Computed', value: formatDateTimeUtc(impact.computedAt) },
    { label: 'Interfaces reached', value: String(impact.interfaces.length) },
    impact.rationale !== null ? { label: 'Edited', value: 'yes — see the rationale below', tone: 'problem' } : { label: 'Edited', value: 'no — as computed from the registry' },
  ];
  return {
    facts,
    interfaces: impact.interfaces.map((i) => {
      const items = reaching(i.key);
      return {
        cells: [`${i.key}\n${i.name}`, i.riskLevel ?? 'NOT ASSESSED', i.via.map((v) => VIA_LABELS[v]).join('\n'), items.length ? items.join('\n') : '—'],
        ...(i.riskLevel ? {} : { tone: 'problem' as const }),
      };
    }),
    contractDiff: impact.contractDiff
      ? {
          facts: [
            { label: 'Contract versions', value: `version ${impact.contractDiff.from} → version ${impact.contractDiff.to}` },
            impact.contractDiff.breaking ? { label: 'Classification', value: 'BREAKING — consumers must change', tone: 'problem' } : { label: 'Classification', value: 'non-breaking', tone: 'good' },
          ],
          changes: impact.contractDiff.changes.length ? impact.contractDiff.changes.map((text) => ({ kind: 'bullet' as const, text })) : [{ kind: 'paragraph' as const, text: 'No difference between the versions.' }],
        }
      : null,
    rationale: impact.rationale !== null ? parseTextBlock(impact.rationale) : null,
  };
}

function presentReleaseItem(item: ReleaseItem): TableRow {
  const title = `${item.id} · ${item.title}${item.description ? `\n${item.description}` : ''}`;
  if (item.rating === null) return { cells: [title, NOT_TRIAGED, 'not yet triaged', item.interfaces.join('\n') || '—'], tone: 'problem' };
  const needsRegression = item.rating === 'high' || item.rating === 'medium';
  const reached = item.interfaces.length ? item.interfaces.join('\n') : needsRegression ? 'none of the affected interfaces' : '—';
  return { cells: [title, TRIAGE_LABELS[item.rating], item.rationale ?? '', reached] };
}

function presentRun(run: ChangeRunInput, deviations: ChangeDocumentInput['deviations'], listed: boolean): ChangeRunBlock {
  const failed = run.status !== 'passed';
  const ownDeviations = deviations.filter((d) => d.runId === run.id);
  return {
    title: `Run ${run.id} — ${run.interfaceKey}, ${run.status}`,
    listed,
    facts: [
      { label: 'Result', value: `${runOutcome(run)} — ${run.passed} passed, ${run.failed} failed, ${run.errors} errors`, tone: failed ? 'problem' : 'good' },
      { label: 'Interface', value: run.interfaceKey },
      { label: 'Environment', value: run.environment },
      { label: 'Assurance', value: run.assurance },
      { label: 'Started / finished', value: runTimes(run) },
      { label: 'Deviations', value: ownDeviations.length ? ownDeviations.map((d) => `${d.id} (${d.status})`).join(', ') : 'none' },
    ],
    steps: run.steps.map((step) => {
      const passed = step.status === 'passed';
      const deviation = passed ? null : ownDeviations.find((d) => d.stepPosition === step.position);
      const result = passed ? 'passed' : `${step.status.toUpperCase()}\n${deviation ? `deviation ${deviation.id}, ${deviation.status}` : 'no deviation'}`;
      return { cells: [String(step.position), step.name, step.expected, step.actual, result], ...(passed ? {} : { tone: 'problem' as const }) };
    }),
    evidenceTitle: `Evidence recorded by run ${run.id}`,
    evidence: run.steps.flatMap((step) => step.evidence.map((digest) => ({ cells: [String(step.position), step.name, digest] }))),
  };
}

function runOutcome(run: ChangeRunInput): string {
  return run.status === 'passed' ? 'passed' : run.status.toUpperCase();
}

/** "2026-11-14 10:00:00 UTC\n42 s": when it started and how long it took. */
function runStart(run: ChangeRunInput): string {
  if (!run.startedAt) return 'not started';
  if (!run.finishedAt) return `${formatDateTimeUtc(run.startedAt)}\nnot finished`;
  const seconds = Math.max(0, Math.round((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000));
  return `${formatDateTimeUtc(run.startedAt)}\n${seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`}`;
}

function runTimes(run: ChangeRunInput): string {
  return `${run.startedAt ? formatDateTimeUtc(run.startedAt) : 'not started'} — ${run.finishedAt ? formatDateTimeUtc(run.finishedAt) : 'not finished'}`;
}

function countsOf(input: ChangeDocumentInput) {
  const rating = (r: TriageRating | null) => input.releaseItems.filter((i) => i.rating === r).length;
  const interfaces = input.impact?.interfaces ?? [];
  const failedSteps = input.runs.flatMap((run) => run.steps.filter((s) => s.status !== 'passed').map((s) => ({ runId: run.id, position: s.position })));
  return {
    interfaces: interfaces.length,
    unassessedInterfaces: interfaces.filter((i) => i.riskLevel === null).length,
    releaseItems: input.releaseItems.length,
    triaged: input.releaseItems.length - rating(null),
    untriaged: rating(null),
    high: rating('high'),
    medium: rating('medium'),
    low: rating('low'),
    na: rating('n/a'),
    regressionInterfaces: input.impact?.regression.length ?? 0,
    runs: input.runs.length,
    passedRuns: input.runs.filter((r) => r.status === 'passed').length,
    failedRuns: input.runs.filter((r) => r.status !== 'passed').length,
    steps: input.runs.reduce((sum, r) => sum + r.steps.length, 0),
    deviations: input.deviations.length,
    closedDeviations: input.deviations.filter((d) => d.status === 'closed').length,
    openDeviations: input.deviations.filter((d) => d.status !== 'closed').length,
    failedStepsWithoutDeviation: failedSteps.filter((s) => !input.deviations.some((d) => d.runId === s.runId && d.stepPosition === s.position)).length,
    transitions: input.history.length,
    signaturesGiven: input.requiredSignatures.filter((r) => r.given).length,
    signaturesRequired: input.requiredSignatures.length,
  };
}
