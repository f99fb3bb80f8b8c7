// The run evidence PDF as a document model — what an auditor asks for about one test: the run, its
// plan and why it ran at that depth, every step with expected vs actual, the evidence index with
// SHA-256 digests, the signatures (Part 11 §11.50 manifestation) and the deviations. Every string
// the PDF prints is built here and tested without a PDF; run-evidence-pdf.ts only draws it.
import type { AuditCheckpoint, AuditEvent } from '../audit/audit-models.js';
import { formatUtcTime, presentAuditReportRow, presentCheckpointFacts, summaryOf, type AuditReportRow, type LabelledValue } from '../audit/audit-report-presenter.js';
import { presentSignatureManifestation, type SignatureManifestation } from '../documents/signature-block.js';
import type { EvidenceItem } from '../evidence/evidence-model.js';
import { presentSignature } from '../signatures/signature-presenter.js';
import type { Signature } from '../signatures/signature-model.js';
import type { SignatureVerification } from '../signatures/signature-service.js';
import type { DeviationContent } from './deviation-service.js';
import type { Assurance } from './run-plan.js';
import type { Run, RunStep } from './scenario-models.js';

export type { LabelledValue, SignatureManifestation };

export interface StepEntry {
  position: string;
  name: string;
  scenario: string;
  requirements: string;
  status: string;
  passed: boolean;
  expected: string;
  actual: string;
  /** Why it failed or errored; null when it passed. */
  message: string | null;
  duration: string;
  evidence: string;
}

export interface EvidenceRow {
  digest: string;
  what: string;
  mediaType: string;
  size: string;
  captured: string;
  /** The file re-hashed as the document was generated: 'intact', or what is wrong. */
  check: string;
  intact: boolean;
}

export interface DeviationEntry {
  heading: string;
  status: string;
  fields: LabelledValue[];
  signatures: SignatureManifestation[];
  /** Said when the deviation carries no signature; null when it does. */
  noSignatures: string | null;
}

export interface RunEvidenceModel {
  documentId: string;
  title: string;
  subtitle: string;
  /** Printed across every page of a dry run; null for a run for record. */
  watermark: string | null;
  generated: LabelledValue[];
  run: LabelledValue[];
  plan: { reason: string; facts: LabelledValue[]; scenarios: Array<{ key: string; version: string; category: string; digest: string }>; notRun: string[] };
  steps: StepEntry[];
  evidence: EvidenceRow[];
  noEvidence: string;
  signatures: SignatureManifestation[];
  noSignatures: string | null;
  deviations: DeviationEntry[];
  noDeviations: string | null;
  verification: {
    /** What was checked as the document was generated, each with its outcome. */
    checks: Array<LabelledValue & { ok: boolean }>;
    /** The audit trail of the run and its deviations (signatures and exports included). */
    audit: AuditReportRow[];
    auditSummary: string;
    checkpoint: LabelledValue[] | null;
  };
  /** The PDF's metadata: who generated it and when (ISO, UTC). */
  author: string;
  createdAt: string;
}

export interface SignatureWithVerification {
  signature: Signature;
  verification: SignatureVerification;
}

export interface DeviationRecord {
  id: number;
  currentVersion: number;
  content: DeviationContent;
  openedAt: string;
  closed: boolean;
  lastChange: { at: string; by: string; reason: string | null };
  signatures: SignatureWithVerification[];
}

export interface RunEvidenceInput {
  run: Run;
  steps: RunStep[];
  /** Each catalogue row with the result of re-hashing its file now. */
  evidence: Array<{ item: EvidenceItem; check: 'intact' | 'missing' | 'changed' }>;
  audit: AuditEvent[];
  checkpoint: AuditCheckpoint | null;
  keyFingerprint: string | null;
  signatures: SignatureWithVerification[];
  deviations: DeviationRecord[];
  generatedAt: Date;
  generatedBy: { name: string; username: string; role: string | null };
}

const TEXT = {
  subtitle: 'Executed test evidence: plan, steps with expected and actual results, evidence digests, signatures and deviations (21 CFR Part 11, EU GMP Annex 11).',
  dryRun: 'DRY RUN — NOT FOR RECORD',
  noSignatures: 'No electronic signature has been applied to this run.',
  noDeviationSignatures: 'No electronic signature has been applied to this deviation.',
  noDeviations: 'No deviation was opened for this run.',
  noEvidence: 'No evidence item is catalogued for this run.',
  none: '—',
} as const;

const STATUS_WORDS: Record<string, string> = { passed: 'PASSED', failed: 'FAILED', error: 'ERROR', aborted: 'ABORTED', queued: 'QUEUED', running: 'RUNNING' };

/** Longest rendering of an expected or actual value; the run's JSON (GET /api/v1/runs/:id) holds it whole. */
const VALUE_LIMIT = 1200;

export function presentRunEvidence(input: RunEvidenceInput): RunEvidenceModel {
  const { run, steps } = input;
  const assurance = JSON.parse(run.assurance) as Assurance;
  const scenarios = JSON.parse(run.scenarios) as Array<{ key: string; version: number; digest: string; category: string }>;
  const summary = run.summary === null ? null : (JSON.parse(run.summary) as Record<string, unknown>);
  const usedBy = evidenceUses(steps);
  return {
    documentId: `RUN-${run.id}`,
    title: `Run evidence — run ${run.id} of ${run.interfaceKey}`,
    subtitle: TEXT.subtitle,
    watermark: run.dryRun ? TEXT.dryRun : null,
    generated: [
      { label: 'Generated at', value: formatUtcTime(input.generatedAt.toISOString()) },
      { label: 'Generated by', value: `${input.generatedBy.name} (${input.generatedBy.username}${input.generatedBy.role ? `, ${input.generatedBy.role}` : ''})` },
    ],
    run: [
      { label: 'Run', value: String(run.id) },
      { label: 'Status', value: `${STATUS_WORDS[run.status] ?? run.status}${summary ? ` — ${summaryLine(summary)}` : ''}` },
      { label: 'For record', value: run.dryRun ? 'no — dry run, not for record' : 'yes' },
      { label: 'Interface', value: run.interfaceKey },
      { label: 'Contract', value: `version ${run.contractVersion}, SHA-256 ${run.contractDigest}` },
      { label: 'Environment', value: run.environment },
      { label: 'Base URL', value: run.environmentReference ? `${run.baseUrl} (registered as ${run.environmentReference})` : run.baseUrl },
      { label: 'Runner', value: `${run.runnerVersion}, seed ${run.seed}` },
      { label: 'Started by', value: run.startedBy === null ? run.startedByName : `${run.startedByName} (user ${run.startedBy})` },
      { label: 'Queued at', value: formatUtcTime(run.queuedAt) },
      { label: 'Started at', value: run.startedAt ? formatUtcTime(run.startedAt) : TEXT.none },
      { label: 'Finished at', value: run.finishedAt ? formatUtcTime(run.finishedAt) : TEXT.none },
    ],
    plan: {
      reason: assurance.reason,
      facts: [
        { label: 'Assurance level', value: assurance.level ?? 'none (no risk assessment)' },
        { label: 'Test depth', value: assurance.testDepth },
        { label: 'Categories run', value: assurance.categories.join(', ') },
        { label: 'Risk model', value: assurance.model ? `${assurance.model.id} ${assurance.model.version}` : TEXT.none },
        { label: 'Risk assessment', value: assurance.assessmentId === null ? TEXT.none : String(assurance.assessmentId) },
        ...(assurance.reviewDue ? [{ label: 'Periodic review due', value: `${assurance.reviewDue.slice(0, 10)}${assurance.reviewOverdue ? ' — overdue when the run was queued' : ''}` }] : []),
      ],
      scenarios: scenarios.map((s) => ({ key: s.key, version: String(s.version), category: s.category, digest: s.digest })),
      notRun: (assurance.notRun ?? []).map((s) => `${s.key} version ${s.version} (${s.category}) was not run: written for contract version ${s.contractVersion}`),
    },
    steps: steps.map(presentStepEntry),
    evidence: input.evidence.map(({ item, check }) => ({
      digest: item.digest,
      what: [item.originalName, ...(usedBy.get(item.digest) ?? []), item.belongsToType && item.belongsToType !== 'run' ? `${item.belongsToType} ${item.belongsToId}` : null].filter(Boolean).join('; ') || TEXT.none,
      mediaType: item.mediaType,
      size: formatBytes(Number(item.size)),
      captured: `${formatUtcTime(item.capturedAt)} by ${item.capturedByName}`,
      check: check === 'intact' ? 'intact' : `${check.toUpperCase()} ON DISK`,
      intact: check === 'intact',
    })),
    noEvidence: TEXT.noEvidence,
    signatures: input.signatures.map(presentSignatureBlock),
    noSignatures: input.signatures.length ? null : TEXT.noSignatures,
    deviations: input.deviations.map(presentDeviation),
    noDeviations: input.deviations.length ? null : TEXT.noDeviations,
    verification: presentChecks(input),
    author: input.generatedBy.name,
    createdAt: input.generatedAt.toISOString(),
  };
}

function presentChecks(input: RunEvidenceInput): RunEvidenceModel['verification'] {
  const signatures = [...input.signatures, ...input.deviations.flatMap((d) => d.signatures)];
  const invalid = signatures.filter((s) => !s.verification.valid).length;
  const broken = input.evidence.filter((e) => e.check !== 'intact').length;
  const seqs = input.audit.map((e) => e.seq);
  return {
    checks: [
      {
        label: 'Electronic signatures',
        value: signatures.length === 0 ? 'none to verify' : invalid === 0 ? `${signatures.length} verified: server seal and record digest match` : `${invalid} of ${signatures.length} INVALID (see each signature)`,
        ok: invalid === 0,
      },
      {
        label: 'Evidence files',
        value: input.evidence.length === 0 ? 'none catalogued' : broken === 0 ? `${input.evidence.length} re-hashed: every SHA-256 matches` : `${broken} of ${input.evidence.length} CHANGED OR MISSING on disk (see the evidence index)`,
        ok: broken === 0,
      },
    ],
    audit: input.audit.map(presentAuditReportRow),
    auditSummary: summaryOf({ count: seqs.length, firstSeq: seqs.length ? Math.min(...seqs) : null, lastSeq: seqs.length ? Math.max(...seqs) : null }, input.checkpoint),
    checkpoint: presentCheckpointFacts(input.checkpoint, input.keyFingerprint),
  };
}

export function presentStepEntry(step: RunStep): StepEntry {
  const requirements = JSON.parse(step.requirements) as string[];
  return {
    position: String(step.position),
    name: step.name,
    scenario: `${step.scenarioKey} v${step.scenarioVersion} (${step.category})`,
    requirements: requirements.length ? requirements.join(', ') : TEXT.none,
    status: STATUS_WORDS[step.status] ?? step.status,
    passed: step.status === 'passed',
    expected: describeValue(JSON.parse(step.expected)),
    actual: describeValue(JSON.parse(step.actual)),
    message: step.message,
    duration: `${(step.durationMs / 1000).toFixed(3)} s`,
    evidence: [step.requestEvidence ? `request ${step.requestEvidence}` : null, step.responseEvidence ? `response ${step.responseEvidence}` : null].filter(Boolean).join('\n') || TEXT.none,
  };
}

/**
 * The §11.50 manifestation (printed name, date and time with zone, meaning, validity), built from
 * the one signature presenter every human-readable form uses, plus what the signature binds.
 */
export function presentSignatureBlock({ signature, verification }: SignatureWithVerification): SignatureManifestation {
  const shown = presentSignature(signature, verification, verification.signerAccess);
  const block = presentSignatureManifestation({
    signerName: shown.signer.printedName,
    signerRole: shown.signer.role,
    meaning: shown.meaning,
    signedAt: shown.signedAt,
    reason: shown.reason,
    valid: shown.valid,
    problem: shown.problem?.replace(/^invalid — /, '') ?? null,
    signerAccess: shown.signerAccessManifestation,
  });
  block.lines.push(
    { label: 'Signed record', value: `${shown.record.type} ${shown.record.id}, version ${shown.record.version}; SHA-256 ${shown.record.digest}` },
    { label: 'Seal', value: `signature ${shown.id}, ${shown.authenticationMethod}, Ed25519 key ${shown.serverSignature.keyId}` },
  );
  return block;
}

function presentDeviation(deviation: DeviationRecord): DeviationEntry {
  const { content } = deviation;
  const status = deviation.closed ? 'closed (resolved and approved by QA)' : content.status === 'resolved' ? 'resolved — awaiting QA approval' : content.status;
  return {
    heading: `Deviation ${deviation.id}: ${content.title}`,
    status,
    fields: [
      { label: 'Status', value: status },
      { label: 'Step', value: String(content.stepPosition) },
      { label: 'Opened at', value: formatUtcTime(deviation.openedAt) },
      { label: 'Description', value: content.description },
      { label: 'Impact', value: content.impact },
      { label: 'Root cause', value: content.rootCause ?? TEXT.none },
      { label: 'Resolution', value: content.resolution ?? TEXT.none },
      { label: 'Version', value: `${deviation.currentVersion}, last changed ${formatUtcTime(deviation.lastChange.at)} by ${deviation.lastChange.by}${deviation.lastChange.reason ? ` (${deviation.lastChange.reason})` : ''}` },
    ],
    signatures: deviation.signatures.map(presentSignatureBlock),
    noSignatures: deviation.signatures.length ? null : TEXT.noDeviationSignatures,
  };
}

/**
 * An expected or actual value as lines a reader takes in: `field: value`, one item of a list per
 * line, nested values inline as `{field: value, …}` (text unquoted, nothing left out).
 */
export function describeValue(value: unknown): string {
  const lines: string[] = [];
  if (value === null || value === undefined) lines.push(TEXT.none);
  else if (Array.isArray(value)) for (const item of value) lines.push(`– ${inline(item, false)}`);
  else if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (!entries.length) lines.push(TEXT.none);
    for (const [key, inner] of entries) {
      if (Array.isArray(inner) && inner.some((i) => typeof i === 'object' && i !== null)) {
        lines.push(`${key}:`);
        for (const item of inner) lines.push(`  – ${inline(item, false)}`);
      } else {
        lines.push(`${key}: ${inline(inner, false)}`);
      }
    }
  } else lines.push(inline(value, false));
  const text = lines.join('\n');
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT - 1)}… (shortened; GET /api/v1/runs/:id has it whole)` : text;
}

/** One value on one line; `nested` objects and lists get their brackets, the outermost does not. */
function inline(value: unknown, nested = true): string {
  if (value === null || value === undefined) return TEXT.none;
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (Array.isArray(value)) return `[${value.map((v) => inline(v)).join(', ')}]`;
  if (typeof value === 'object') {
    const body = Object.entries(value).map(([k, v]) => `${k}: ${inline(v)}`).join(', ');
    return nested ? `{${body}}` : body || '{}';
  }
  return String(value);
}

function evidenceUses(steps: RunStep[]): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (digest: string | null, use: string) => {
    if (digest) uses.set(digest, [...(uses.get(digest) ?? []), use]);
  };
  for (const step of steps) {
    add(step.requestEvidence, `step ${step.position} request`);
    add(step.responseEvidence, `step ${step.position} response`);
  }
  return uses;
}

function summaryLine(summary: Record<string, unknown>): string {
  if (typeof summary.total === 'number') {
    const seconds = typeof summary.durationMs === 'number' ? `, ${(summary.durationMs / 1000).toFixed(1)} s` : '';
    return `${summary.total} steps: ${summary.passed ?? 0} passed, ${summary.failed ?? 0} failed, ${summary.error ?? 0} errors${seconds}`;
  }
  const why = summary.error ?? summary.reason;
  return typeof why === 'string' ? why : JSON.stringify(summary);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
