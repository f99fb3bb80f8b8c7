// The package PDF's presenter: turns a frozen manifest, its signatures, audit excerpt and
// verification results into a document model of final strings — every date formatted with its
// zone, every gap and failure worded and toned — so the layout (package-pdf.ts) only draws, and
// what the PDF says is tested without a PDF. Prose comes from templates/documents/package/*.hbs.
import { presentAuditExcerpt, type AuditExcerptEntry } from '../documents/audit-excerpt.js';
import type { DocumentTexts } from '../documents/document-texts.js';
import type { Fact } from '../documents/fact-list.js';
import type { CoverPage } from '../documents/headings-and-contents.js';
import { formatBytes, formatDateTimeUtc, type PdfDocumentOptions } from '../documents/pdf-document.js';
import { presentSignatureSection, unmetSignatureRequirements, type SignatureManifestation } from '../documents/signature-block.js';
import type { TableRow } from '../documents/table.js';
import { parseKeyedTextBlocks, parseTextBlock, type TextBlockPart } from '../documents/text-block.js';
import { presentVerificationAppendix, type VerificationAppendix } from '../documents/verification-appendix.js';
import type { ManifestRun, PackageManifest, TraceGap, TraceRow } from './package-manifest.js';
import { gapWeight } from './trace-matrix.js';

export type PackageStatus = 'draft' | 'in-review' | 'approved' | 'superseded' | 'rejected';

export interface PackageSignatureInput {
  id: number;
  signerName: string;
  signerRole: string;
  meaning: string;
  signedAt: string;
  reason: string;
  valid: boolean;
  problem: string | null;
  signerAccess: string | null;
}

export type PackageAuditEntry = AuditExcerptEntry;

export interface PackagePdfInput {
  manifest: PackageManifest;
  manifestDigest: string;
  status: PackageStatus;
  generatedAt: string;
  generatedBy: string;
  signatures: PackageSignatureInput[];
  /** Streamed: an excerpt can be long, and is never held whole. */
  auditExcerpt: AsyncIterable<PackageAuditEntry>;
  verification: {
    checkpoint: { treeSize: number; rootHash: string; keyId: string; createdAt: string } | null;
    keyFingerprints: Array<{ keyId: string; fingerprint: string }>;
    evidenceVerified: boolean;
    auditVerified: boolean;
  };
  texts: DocumentTexts;
}

export const COVER_TEMPLATE = 'package/cover';
export const SECTION_INTROS_TEMPLATE = 'package/section-intros';

export const STATUS_LABELS: Record<PackageStatus, string> = {
  draft: 'DRAFT',
  'in-review': 'IN REVIEW',
  approved: 'APPROVED',
  superseded: 'SUPERSEDED',
  rejected: 'REJECTED',
};

export const GAP_LABELS: Record<TraceGap, string> = {
  no_scenario: 'GAP: no scenario verifies it',
  not_run_for_record: 'GAP: not run for record',
  failed_without_closed_deviation: 'GAP: failed, no closed deviation',
};

/** Why a noted gap does not block approval (trace-matrix.ts `gapWeight`), under its label. */
const NOTED_LABELS: Record<TraceGap, string> = {
  no_scenario: 'noted: verified outside the workbench (plan)',
  not_run_for_record: 'noted: beyond the depth the risk requires',
  failed_without_closed_deviation: '',
};

export type SectionKey = 'plan' | 'scope' | 'requirements' | 'trace-matrix' | 'runs' | 'deviations' | 'evidence' | 'summary' | 'signatures' | 'audit' | 'verification';

export const SECTION_TITLES: Record<SectionKey, string> = {
  plan: 'Validation plan',
  scope: 'Scope and risk assessments',
  requirements: 'Requirements',
  'trace-matrix': 'Trace matrix',
  runs: 'Executed runs',
  deviations: 'Deviations',
  evidence: 'Evidence index',
  summary: 'Summary report',
  signatures: 'Signatures',
  audit: 'Audit trail excerpt',
  verification: 'Verification',
};

/** Subsections are listed in the contents while a section has at most this many (all stay in the outline). */
const MAX_LISTED_SUBSECTIONS = 25;

export interface Subsection {
  title: string;
  listed: boolean;
}

export interface AssessmentBlock extends Subsection {
  facts: Fact[];
  rationale: string[];
}

export interface RunBlock extends Subsection {
  facts: Fact[];
  steps: TableRow[];
}

export interface DeviationBlock extends Subsection {
  facts: Fact[];
}

/**
 * A list presented item by item as it is drawn: a package of 1,000 runs keeps its manifest in
 * memory, not a second copy of it as strings. Iterate it again to present it again.
 */
export interface Sequence<T> extends Iterable<T> {
  readonly length: number;
}

function presentEach<S, T>(source: readonly S[], present: (item: S) => T): Sequence<T> {
  return {
    length: source.length,
    *[Symbol.iterator]() {
      for (const item of source) yield present(item);
    },
  };
}

export interface PackageDocument {
  info: PdfDocumentOptions;
  frame: { title: string; documentId: string; draft: boolean; draftText: string };
  cover: CoverPage;
  intros: Partial<Record<SectionKey, TextBlockPart[]>>;
  plan: Array<Subsection & { parts: TextBlockPart[] }>;
  scope: { rows: TableRow[]; assessments: AssessmentBlock[] };
  requirements: TableRow[];
  traceMatrix: { rows: Sequence<TableRow>; gaps: number };
  runs: Sequence<RunBlock>;
  deviations: DeviationBlock[];
  evidence: Sequence<TableRow>;
  summary: { sections: Array<{ title: string; parts: TextBlockPart[] }>; acceptance: Fact[]; releaseStatement: string };
  signatures: SignatureManifestation[];
  audit: AsyncIterable<TableRow>;
  appendix: VerificationAppendix;
  /** Entries the table of contents will list (to reserve its pages). */
  contentsEntries: number;
}

/** The package PDF's model. Synchronous but for the audit excerpt, which stays a stream. */
export function presentPackageDocument(input: PackagePdfInput): PackageDocument {
  const { manifest } = input;
  const pkg = manifest.package;
  const documentId = `${pkg.key} v${pkg.version}`;
  const draft = input.status !== 'approved';
  const counts = countsOf(input);
  const intros = parseKeyedTextBlocks(input.texts.render(SECTION_INTROS_TEMPLATE, { package: pkg, counts }), Object.keys(SECTION_TITLES) as SectionKey[]);

  const plan = manifest.plan.map((section) => ({ title: section.title, listed: manifest.plan.length <= MAX_LISTED_SUBSECTIONS, parts: parseTextBlock(section.text) }));
  const assessments = manifest.assessments.map((a) => presentAssessment(a, manifest.assessments.length <= MAX_LISTED_SUBSECTIONS));
  const runsListed = manifest.runs.length <= MAX_LISTED_SUBSECTIONS;
  const runs = presentEach(manifest.runs, (run) => presentRun(run, runsListed));
  const deviations = manifest.deviations.map((d) => ({
    title: `Deviation ${d.id} v${d.version} — ${d.title}`,
    listed: manifest.deviations.length <= MAX_LISTED_SUBSECTIONS,
    facts: [
      { label: 'Status', value: d.status, tone: d.status === 'closed' ? ('good' as const) : ('problem' as const) },
      { label: 'Raised from', value: `run ${d.runId}, step ${d.stepPosition} (${d.interfaceKey})` },
      { label: 'Description', value: d.description },
      { label: 'Impact', value: d.impact },
      { label: 'Root cause', value: d.rootCause ?? 'not yet determined' },
      { label: 'Resolution', value: d.resolution ?? 'not yet resolved', ...(d.resolution ? {} : { tone: 'problem' as const }) },
      { label: 'Closed', value: d.closedAt ? `${formatDateTimeUtc(d.closedAt)} by ${d.closedBy ?? 'unknown'}` : 'open', ...(d.closedAt ? {} : { tone: 'problem' as const }) },
      { label: 'Record digest', value: d.digest, mono: true },
    ],
  }));


  const listedSubsections = [plan, assessments, deviations].reduce((sum, list) => sum + list.filter((s) => s.listed).length, 0) + (runsListed ? manifest.runs.length : 0);
  const statusLabel = STATUS_LABELS[input.status];
  return {
    info: {
      title: `Validation package ${documentId} — ${pkg.title}`,
      author: input.generatedBy,
      subject: `Validation package ${pkg.key} version ${pkg.version}, ${input.status}; manifest SHA-256 ${input.manifestDigest}`,
      keywords: ['validation package', pkg.key, ...manifest.scope.map((s) => s.interfaceKey)].join(', '),
      createdAt: input.generatedAt,
    },
    frame: { title: `Validation package — ${pkg.title}`, documentId, draft: input.status !== 'approved', draftText: input.status === 'superseded' ? 'SUPERSEDED' : 'DRAFT' },
    cover: {
      kind: 'Validation package',
      title: pkg.title,
      subtitle: `${pkg.key} · version ${pkg.version} · submission ${pkg.revision}`,
      status: { label: statusLabel, tone: input.status === 'approved' ? 'final' : input.status === 'rejected' ? 'problem' : 'draft' },
      facts: [
        { label: 'Package', value: pkg.key },
        { label: 'Version', value: `${pkg.version} (submission ${pkg.revision})${pkg.supersedes ? `, supersedes version ${pkg.supersedes.version}` : ''}` },
        { label: 'Status', value: statusLabel, tone: input.status === 'approved' ? 'good' : 'problem' },
        { label: 'Created by', value: pkg.createdBy },
        { label: 'Submitted', value: `${formatDateTimeUtc(pkg.submittedAt)} by ${pkg.submittedBy}` },
        { label: 'Generated', value: `${formatDateTimeUtc(input.generatedAt)} by ${input.generatedBy}` },
        { label: 'Manifest SHA-256', value: input.manifestDigest, mono: true },
      ],
      lists: [{ title: 'Scope', items: manifest.scope.map((s) => `${s.interfaceKey} ${s.interfaceName} — ${s.source} to ${s.target}, contract version ${s.contractVersion} (${s.contractFormat}); ${s.levelLabel ? `${s.levelLabel}, ${s.testDepth} testing` : 'not assessed'}`) }],
      note: input.texts.render(COVER_TEMPLATE, { package: pkg, status: input.status, statusLabel: statusLabel.toLowerCase(), manifestDigest: input.manifestDigest, draft }),
    },
    intros,
    plan,
    scope: {
      rows: manifest.scope.map((s) => ({
        cells: [`${s.interfaceKey}\n${s.interfaceName}\n${s.source} → ${s.target}\n${s.layer}, ${s.pattern}`, `version ${s.contractVersion} (${s.contractFormat})\n${s.contractDigest}`, s.level ? `${s.levelLabel}\nlevel ${s.level}, ${s.testDepth} testing` : 'NOT ASSESSED'],
        ...(s.level ? {} : { tone: 'problem' as const }),
      })),
      assessments,
    },
    requirements: manifest.requirements.map((r) => ({
      cells: [`${r.key}\nv${r.version}`, r.type, r.risk, r.text, r.scenarios.length ? r.scenarios.join('\n') : 'none'],
      ...(r.scenarios.length ? {} : { tone: 'problem' as const }),
    })),
    traceMatrix: {
      rows: presentEach(manifest.traceMatrix, (row) => ({
        cells: [
          `${row.requirementKey}\n→ ${row.scenarioKey ?? 'no scenario'}`,
          row.runId !== null ? `run ${row.runId}${row.stepPosition !== null ? `\nstep ${row.stepPosition}` : ''}` : '—',
          traceResult(row, gapWeight(row, manifest)),
          row.evidence.length ? row.evidence.join('\n') : '—',
        ],
        // A blocking gap (an open item) is red; a noted one amber, as on the package page.
        ...(row.gap ? { tone: gapWeight(row, manifest) === 'noted' ? ('noted' as const) : ('problem' as const) } : {}),
      })),
      gaps: counts.gaps,
    },
    runs,
    deviations,
    evidence: presentEach(manifest.evidence, (e) => ({ cells: [e.digest, formatBytes(e.size), e.mediaType, `run ${e.runId}, step ${e.stepPosition}\n${e.role}`] })),
    summary: {
      sections: manifest.summary.sections.map((s) => ({ title: s.title, parts: parseTextBlock(s.text) })),
      // The summary text (a template) words the criteria and lists the open items; this line
      // states the outcome where the release statement follows, whatever the template says.
      acceptance: [
        manifest.summary.acceptanceMet
          ? { label: 'Outcome', value: 'acceptance criteria met', tone: 'good' }
          : { label: 'Outcome', value: `acceptance criteria NOT met — ${manifest.summary.openItems.length} open item(s)`, tone: 'problem' },
      ],
      releaseStatement: manifest.summary.releaseStatement,
    },
    signatures: presentSignatureSection(
      input.signatures.map((s) => ({ signerName: s.signerName, signerRole: s.signerRole, meaning: s.meaning, signedAt: s.signedAt, reason: s.reason, valid: s.valid, problem: s.problem, signerAccess: s.signerAccess })),
      missingSignatures(input),
    ),
    audit: presentAuditExcerpt(input.auditExcerpt),
    appendix: presentVerificationAppendix(
      {
        documentKind: 'validation package',
        documentId,
        bundleFile: `${pkg.key}-v${pkg.version}.zip`,
        digests: [{ label: 'Manifest (RFC 8785, SHA-256)', value: input.manifestDigest }],
        checkpoint: input.verification.checkpoint,
        keyFingerprints: input.verification.keyFingerprints,
        checks: [
          { label: 'Evidence files', passed: input.verification.evidenceVerified },
          { label: 'Audit trail', passed: input.verification.auditVerified },
        ],
        manifestDigest: input.manifestDigest,
      },
      input.texts,
    ),
    // Eleven sections (ten and the appendix), plus the subsections each lists.
    contentsEntries: 11 + listedSubsections,
  };
}

function presentAssessment(a: PackageManifest['assessments'][number], listed: boolean): AssessmentBlock {
  return {
    title: `${a.interfaceKey} — ${a.levelLabel} (assessment ${a.id})`,
    listed,
    facts: [
      { label: 'Level', value: `${a.levelLabel} (${a.level}); ${a.testDepth} testing` },
      { label: 'Scope', value: a.scope },
      { label: 'Risk model', value: `${a.model.id} version ${a.model.version}` },
      { label: 'Model digest', value: a.model.digest, mono: true },
      { label: 'Assessed', value: `${formatDateTimeUtc(a.assessedAt)} by ${a.assessedBy}` },
      { label: 'Review due', value: a.reviewDue ? formatDateTimeUtc(a.reviewDue) : 'not set' },
      { label: 'Signatures required', value: a.requiredSignatures.map((r) => `${r.meaning} by ${r.roles.join(' or ')}`).join('; ') || 'none' },
      { label: 'Record digest', value: a.digest, mono: true },
    ],
    rationale: a.rationale,
  };
}

function presentRun(run: ManifestRun, listed: boolean): RunBlock {
  const failed = run.status !== 'passed';
  return {
    title: `Run ${run.id} — ${run.interfaceKey}, ${run.status}`,
    listed,
    facts: [
      { label: 'Status', value: run.status, tone: failed ? 'problem' : 'good' },
      { label: 'Contract', value: `version ${run.contractVersion}` },
      { label: 'Contract digest', value: run.contractDigest, mono: true },
      { label: 'Environment', value: `${run.environment} — ${run.baseUrl}` },
      { label: 'Assurance', value: `${run.assurance.level ?? 'no level'}, ${run.assurance.testDepth}: ${run.assurance.reason}` },
      { label: 'Executed by', value: `${run.executedBy} with runner ${run.runnerVersion}` },
      { label: 'Started / finished', value: `${run.startedAt ? formatDateTimeUtc(run.startedAt) : 'not started'} — ${run.finishedAt ? formatDateTimeUtc(run.finishedAt) : 'not finished'}` },
      { label: 'Run record digest', value: run.digest, mono: true },
    ],
    steps: run.steps.map((step) => ({
      cells: [
        String(step.position),
        `${step.name}\n${step.scenarioKey} v${step.scenarioVersion} · ${step.category}${step.requirements.length ? `\n${step.requirements.join(', ')}` : ''}`,
        step.expected,
        step.message ? `${step.actual}\n${step.message}` : step.actual,
        `${step.status === 'passed' ? 'passed' : step.status.toUpperCase()}\n${step.durationMs} ms`,
      ],
      ...(step.status === 'passed' ? {} : { tone: 'problem' as const }),
    })),
  };
}

function traceResult(row: TraceRow, weight: 'blocking' | 'noted' | null): string {
  if (row.gap) return `${row.result ?? 'no result'}\n${GAP_LABELS[row.gap]}${weight === 'noted' ? `\n${NOTED_LABELS[row.gap]}` : ''}`;
  if (row.result === null || row.result === 'passed') return row.result ?? '—';
  return `${row.result}\ncovered by a closed deviation`;
}

/** Required signatures with no valid signature of that meaning and role yet. */
function missingSignatures(input: PackagePdfInput): Array<{ meaning: string; roles: string[]; source: string }> {
  return unmetSignatureRequirements(input.signatures, input.manifest.requiredSignatures);
}

function countsOf(input: PackagePdfInput) {
  const m = input.manifest;
  return {
    interfaces: m.scope.length,
    requirements: m.requirements.length,
    scenarios: m.scenarios.length,
    runs: m.runs.length,
    passedRuns: m.runs.filter((r) => r.status === 'passed').length,
    failedRuns: m.runs.filter((r) => r.status !== 'passed').length,
    steps: m.runs.reduce((sum, r) => sum + r.steps.length, 0),
    evidence: m.evidence.length,
    deviations: m.deviations.length,
    closedDeviations: m.deviations.filter((d) => d.status === 'closed').length,
    gaps: m.traceMatrix.filter((r) => r.gap !== null).length,
    blockingGaps: m.traceMatrix.filter((r) => gapWeight(r, m) === 'blocking').length,
    notedGaps: m.traceMatrix.filter((r) => gapWeight(r, m) === 'noted').length,
    signaturesGiven: m.requiredSignatures.length - missingSignatures(input).length,
    signaturesRequired: m.requiredSignatures.length,
  };
}
