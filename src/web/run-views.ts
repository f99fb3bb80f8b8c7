// View models of the run pages: a run's row in a list, its detail (header, plan, steps with expected
// vs actual, deviations), its live progress, and an evidence item shown by media type. Evidence is
// only ever shown as text (escaped by the templates) or as an <img> of a raster image: never as HTML.
import type { Assurance } from '../scenarios/run-service.js';
import type { Run, RunStep } from '../scenarios/scenario-models.js';
import type { EvidenceItem } from '../evidence/evidence-model.js';

const capitalized = (text: string | null) => (text ? text.charAt(0).toUpperCase() + text.slice(1).replace(/-/g, ' ') : text);

export const runHref = (id: number) => `/runs/${id}`;
export const evidenceHref = (digest: string) => `/evidence/${digest}`;

const STATUS_WORDS: Record<string, string> = { queued: 'Queued', running: 'Running', passed: 'Passed', failed: 'Failed', error: 'Error', aborted: 'Aborted' };

export function runStatus(status: string) {
  return { value: status, label: STATUS_WORDS[status] ?? status };
}

export const isLive = (run: Pick<Run, 'status'>) => run.status === 'queued' || run.status === 'running';

interface RunSummary {
  total?: number;
  passed?: number;
  failed?: number;
  error?: number | string;
  durationMs?: number;
  reason?: string;
  stepsRecorded?: number;
}

function summaryOf(run: Run): RunSummary | null {
  return run.summary === null ? null : (JSON.parse(run.summary) as RunSummary);
}

/** "12 passed, 1 failed of 13 steps" — or why the run ended without a result. */
function resultText(run: Run): string {
  const summary = summaryOf(run);
  if (isLive(run)) return run.status === 'queued' ? 'Waiting to start' : 'In progress';
  if (!summary) return STATUS_WORDS[run.status] ?? run.status;
  if (typeof summary.total === 'number') {
    const errors = typeof summary.error === 'number' && summary.error ? `, ${summary.error} error${summary.error === 1 ? '' : 's'}` : '';
    return `${summary.passed ?? 0} passed, ${summary.failed ?? 0} failed${errors} of ${summary.total} step${summary.total === 1 ? '' : 's'}`;
  }
  if (summary.reason) return `Aborted: ${summary.reason}`;
  if (typeof summary.error === 'string') return `Could not run: ${summary.error}`;
  return STATUS_WORDS[run.status] ?? run.status;
}

export function presentRunRow(run: Run) {
  return {
    id: run.id,
    href: runHref(run.id),
    interface: run.interfaceKey,
    interfaceHref: `/interfaces/${encodeURIComponent(run.interfaceKey)}`,
    contractVersion: run.contractVersion,
    environment: run.environment,
    dryRun: Boolean(run.dryRun),
    status: runStatus(run.status),
    result: resultText(run),
    startedBy: run.startedByName,
    queuedAt: run.queuedAt,
    finishedAt: run.finishedAt,
  };
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

export function presentStep(step: RunStep, deviations: Array<{ id: number; stepPosition: number }>) {
  return {
    position: step.position,
    anchor: `step-${step.position}`,
    name: step.name,
    scenario: `${step.scenarioKey} v${step.scenarioVersion}`,
    category: step.category,
    requirements: JSON.parse(step.requirements) as string[],
    status: { value: step.status, label: step.status === 'passed' ? 'Pass' : step.status === 'failed' ? 'Fail' : 'Error' },
    passed: step.status === 'passed',
    expected: pretty(step.expected),
    actual: pretty(step.actual),
    message: step.message,
    durationMs: step.durationMs,
    request: step.requestEvidence ? { href: evidenceHref(step.requestEvidence), digest: step.requestEvidence } : null,
    response: step.responseEvidence ? { href: evidenceHref(step.responseEvidence), digest: step.responseEvidence } : null,
    deviations: deviations.filter((d) => d.stepPosition === step.position).map((d) => ({ id: d.id, href: `#deviation-${d.id}` })),
  };
}

export interface DeviationRow {
  id: number;
  stepPosition: number;
  title: string;
  status: string;
  openedAt: string;
  version: number;
}

export function presentDeviation(d: DeviationRow) {
  const labels: Record<string, string> = { open: 'Open', investigating: 'Investigating', resolved: 'Resolved, awaiting QA approval', closed: 'Closed' };
  return { ...d, anchor: `deviation-${d.id}`, stepHref: `#step-${d.stepPosition}`, state: { value: d.status === 'resolved' ? 'pending' : d.status, label: labels[d.status] ?? d.status } };
}

export function presentRunDetail(run: Run) {
  const assurance = JSON.parse(run.assurance) as Assurance;
  const summary = summaryOf(run);
  return {
    ...presentRunRow(run),
    contractDigest: run.contractDigest,
    contractHref: `/interfaces/${encodeURIComponent(run.interfaceKey)}/contracts/${run.contractVersion}`,
    baseUrl: run.baseUrl,
    environmentReference: run.environmentReference ?? null,
    runner: run.runnerVersion,
    seed: run.seed,
    startedAt: run.startedAt,
    live: isLive(run),
    durationSeconds: typeof summary?.durationMs === 'number' ? (summary.durationMs / 1000).toFixed(1) : null,
    assurance: {
      level: capitalized(assurance.level),
      testDepth: capitalized(assurance.testDepth),
      categories: assurance.categories,
      model: assurance.model ? `${assurance.model.id} ${assurance.model.version}` : null,
      reason: assurance.reason,
      reviewOverdue: assurance.reviewOverdue === true,
      notRun: assurance.notRun ?? [],
    },
    scenarios: (JSON.parse(run.scenarios) as Array<{ key: string; version: number; category: string }>).map((s) => ({ key: s.key, version: s.version, category: s.category })),
  };
}

/** What the live panel and the event stream carry: plain numbers and words. */
export function presentProgress(run: Run, counts: { passed: number; failed: number; error: number }, stepsTotal: number) {
  const stepsDone = counts.passed + counts.failed + counts.error;
  return { status: STATUS_WORDS[run.status] ?? run.status, stepsDone, stepsTotal, passed: counts.passed, failed: counts.failed + counts.error, percent: stepsTotal ? Math.round((100 * stepsDone) / stepsTotal) : 0 };
}

/** Evidence shown in the page at most this large; the rest is in the download. */
export const EVIDENCE_PREVIEW_BYTES = 256 * 1024;

export type EvidenceKind = 'json' | 'xml' | 'image' | 'text' | 'binary';

const RASTER_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/avif']);

export function baseMediaType(mediaType: string): string {
  return mediaType.split(';')[0]!.trim().toLowerCase();
}

/** How an item is shown. SVG and HTML are text here (their source), never rendered. */
export function evidenceKindOf(mediaType: string): EvidenceKind {
  const type = baseMediaType(mediaType);
  if (RASTER_IMAGES.has(type)) return 'image';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')) return 'xml';
  if (type.startsWith('text/') || type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/yaml' || type === 'application/x-yaml' || type === 'application/javascript') return 'text';
  return 'binary';
}

/** Served inline only when a browser cannot run it: raster images. Everything else is an attachment. */
export function downloadsAsAttachment(mediaType: string): boolean {
  return evidenceKindOf(mediaType) !== 'image';
}

/**
 * Indents XML for reading: one tag per line, text kept, nothing parsed beyond tags (no entities
 * resolved, no DTD read — it is only text). Malformed input still comes out as text.
 */
export function indentXml(source: string): string {
  const tokens = source.replace(/>\s+</g, '><').split(/(<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<[^>]+>)/).filter((t) => t.trim() !== '');
  const lines: string[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!.trim();
    const pad = '  '.repeat(depth);
    if (/^<\//.test(token)) {
      depth = Math.max(0, depth - 1);
      lines.push('  '.repeat(depth) + token);
    } else if (/^<[^!?][^>]*[^/]>$|^<[A-Za-z][^>]*>$/.test(token) && !token.endsWith('/>')) {
      // <a>text</a> stays on one line.
      const text = tokens[i + 1];
      const close = tokens[i + 2];
      if (text !== undefined && !text.startsWith('<') && close !== undefined && close.startsWith('</')) {
        lines.push(pad + token + text.trim() + close.trim());
        i += 2;
      } else {
        lines.push(pad + token);
        depth += 1;
      }
    } else {
      lines.push(pad + token);
    }
  }
  return lines.join('\n');
}

/** An evidence item for the viewer: metadata and its content as text, or an image link. */
export function presentEvidenceView(items: EvidenceItem[], preview: { bytes: Buffer; truncated: boolean } | null) {
  const first = items[0]!;
  const kind = evidenceKindOf(first.mediaType);
  let content: string | null = null;
  let shownAs = kind;
  if (preview && kind !== 'image' && kind !== 'binary') {
    const text = preview.bytes.toString('utf8');
    if (kind === 'json' && !preview.truncated) {
      try {
        content = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        content = text;
        shownAs = 'text';
      }
    } else if (kind === 'xml') content = indentXml(text);
    else content = text;
  }
  const kindWords: Record<EvidenceKind, string> = { json: 'JSON, pretty-printed', xml: 'XML, indented', image: 'Image', text: 'Text', binary: 'Binary (no preview)' };
  return {
    digest: first.digest,
    size: Number(first.size),
    mediaType: first.mediaType,
    kind: shownAs,
    kindLabel: kindWords[shownAs],
    isImage: kind === 'image',
    alt: `Evidence image ${first.originalName ?? first.digest.slice(0, 12)}`,
    content,
    truncated: preview?.truncated ?? false,
    previewKb: Math.round(EVIDENCE_PREVIEW_BYTES / 1024),
    download: `${evidenceHref(first.digest)}/download`,
    items: items.map((item) => ({
      id: item.id,
      name: item.originalName,
      capturedAt: item.capturedAt,
      capturedBy: item.capturedByName,
      belongsTo: item.belongsToType ? `${capitalized(item.belongsToType)} ${item.belongsToId}` : null,
      href: item.belongsToType === 'run' && /^\d+$/.test(item.belongsToId ?? '') ? runHref(Number(item.belongsToId)) : null,
    })),
  };
}
