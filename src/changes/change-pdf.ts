// Draws the change record PDF from its document model (change-document.ts): cover, contents, nine
// sections and the verification appendix, on the documents toolkit's sectioned skeleton. Streamed
// as the package PDF is: finished pages are framed and written to `out` as the document grows, and
// the audit excerpt is read row by row.
import type { Writable } from 'node:stream';
import { AUDIT_EXCERPT_COLUMNS } from '../documents/audit-excerpt.js';
import { drawFactList, factListHeight } from '../documents/fact-list.js';
import { COLOR, SIZE } from '../documents/pdf-document.js';
import { renderSectionedPdf, type SectionedPdfWriter } from '../documents/sectioned-document.js';
import { drawSignatureBlocks } from '../documents/signature-block.js';
import type { TableColumn } from '../documents/table.js';
import { drawSubheading, drawTextBlock } from '../documents/text-block.js';
import { SECTION_TITLES, TRIAGE_LABELS, presentChangeDocument, type ChangeDocument, type ChangeDocumentInput, type ChangeSectionKey } from './change-document.js';

/** A triage rating is read at a glance: its colour says how much testing it asks for. */
const RATING_BADGES: Record<string, string> = {
  [TRIAGE_LABELS.high]: COLOR.problem,
  [TRIAGE_LABELS.medium]: COLOR.warning,
  [TRIAGE_LABELS.low]: COLOR.accent,
  [TRIAGE_LABELS['n/a']]: COLOR.muted,
};

// Widths are in points of the 483-point text column; a 64-character SHA-256 in the monospace
// font at 6.8 pt takes 262 points, so every digest stays on one line a reader can compare.
const COLUMNS = {
  releaseNotes: [
    { header: 'File', width: 169 },
    { header: 'Size', width: 45, align: 'right' },
    { header: 'SHA-256', width: 269, font: 'mono', fontSize: 6.8 },
  ],
  history: [
    { header: '#', width: 18, align: 'right' },
    { header: 'State', width: 112, font: 'bold' },
    { header: 'When', width: 108 },
    { header: 'By', width: 80 },
    { header: 'Reason', width: 165 },
  ],
  interfaces: [
    { header: 'Interface', width: 150, font: 'bold', details: true },
    { header: 'Risk level', width: 70 },
    { header: 'Reached because it', width: 120 },
    { header: 'Release items reaching it', width: 143 },
  ],
  triage: [
    { header: 'Release item', width: 170, font: 'bold', details: true },
    { header: 'Rating', width: 58, font: 'bold', badges: RATING_BADGES },
    { header: 'Rationale', width: 165 },
    { header: 'Interfaces reached', width: 90 },
  ],
  regression: [
    { header: 'Interface / environment', width: 95, font: 'bold', details: true },
    { header: 'Depth', width: 62 },
    { header: 'Categories', width: 80 },
    { header: 'Scenarios', width: 110 },
    { header: 'Reason', width: 136 },
  ],
  runs: [
    { header: 'Run', width: 30, align: 'right' },
    { header: 'Interface', width: 88 },
    { header: 'Env.', width: 46 },
    { header: 'Assurance', width: 95 },
    { header: 'Result', width: 118, details: true },
    { header: 'Started (duration)', width: 106, details: true },
  ],
  steps: [
    { header: '#', width: 18, align: 'right' },
    { header: 'Step', width: 110 },
    { header: 'Expected', width: 140 },
    { header: 'Actual', width: 140 },
    { header: 'Result', width: 75, details: true },
  ],
  evidence: [
    { header: '#', width: 18, align: 'right' },
    { header: 'Step', width: 196 },
    { header: 'Evidence (SHA-256)', width: 269, font: 'mono', fontSize: 6.8 },
  ],
  deviations: [
    { header: 'Deviation', width: 50, align: 'right' },
    { header: 'Raised from', width: 75 },
    { header: 'Title', width: 150 },
    { header: 'Status', width: 55, font: 'bold' },
    { header: 'Resolution', width: 153 },
  ],
} satisfies Record<string, TableColumn[]>;

const RUN_FACTS = { labelWidth: 110, fontSize: SIZE.small + 0.5 };
const FACTS = { labelWidth: 120 };

/**
 * Renders the change record PDF into `out` (ending it). Resolves when `out` has finished; on an
 * error `out` is destroyed with it, so a reader never takes a truncated file for a whole one.
 */
export async function renderChangePdf(input: ChangeDocumentInput, out: Writable): Promise<{ pages: number }> {
  return renderSectionedPdf(out, () => presentChangeDocument(input), (writer, model) => writeChange(writer, model));
}

async function writeChange(writer: SectionedPdfWriter, model: ChangeDocument): Promise<void> {
  const { doc } = writer;
  // A change record is a few pages: its sections follow one another rather than each leave a page blank.
  const section = (key: ChangeSectionKey) => writer.section(SECTION_TITLES[key], model.intros[key], { newPage: false });
  writer.cover(model.cover, model.contentsEntries);

  section('summary');
  drawSubheading(doc, 'Description');
  drawTextBlock(doc, model.summary.description);
  drawSubheading(doc, 'Justification');
  drawTextBlock(doc, model.summary.justification);
  doc.y += 2;
  drawFactList(doc, model.summary.facts, FACTS);
  drawSubheading(doc, 'Vendor release notes (evidence)');
  await writer.table(COLUMNS.releaseNotes, model.summary.releaseNotes, 'No release notes attached.');

  section('history');
  await writer.table(COLUMNS.history, model.history, 'No transition recorded.', 'State history (continued)');

  section('impact');
  const { impact } = model;
  // Not analysed yet: the section's intro says so.
  if (impact) {
    drawFactList(doc, impact.facts, FACTS);
    drawSubheading(doc, 'Interfaces reached');
    await writer.table(COLUMNS.interfaces, impact.interfaces, 'The registry names no interface this change reaches.', 'Interfaces reached (continued)');
    if (impact.contractDiff) {
      drawSubheading(doc, 'Contract diff');
      drawFactList(doc, impact.contractDiff.facts, FACTS);
      drawTextBlock(doc, impact.contractDiff.changes);
    }
    if (impact.rationale) {
      drawSubheading(doc, 'Rationale for editing the computed analysis');
      drawTextBlock(doc, impact.rationale);
    }
  }

  section('triage');
  await writer.table(COLUMNS.triage, model.triage, 'The change lists no release item.', 'Release-item triage (continued)');

  section('regression');
  await writer.table(COLUMNS.regression, model.regression, impact ? 'No regression proposed: no interface is reached.' : 'No regression proposed yet: the impact has not been analysed.', 'Proposed regression (continued)');

  section('runs');
  await writer.table(COLUMNS.runs, model.runs.overview, 'No regression run is linked to this change.', 'Regression runs (continued)');
  for (const [i, run] of model.runs.blocks.entries()) {
    // The run's heading, its facts and the first rows of its steps stay together.
    writer.subsection(run.title, i + 1, { listed: run.listed, keep: factListHeight(doc, run.facts, RUN_FACTS) + 50, spaced: i > 0 });
    drawFactList(doc, run.facts, RUN_FACTS);
    doc.y += 4;
    await writer.table(COLUMNS.steps, run.steps, 'No step recorded.', `${run.title} — steps (continued)`);
    drawSubheading(doc, run.evidenceTitle);
    await writer.table(COLUMNS.evidence, run.evidence, 'No evidence recorded.', `${run.title} — evidence (continued)`);
  }

  section('deviations');
  await writer.table(COLUMNS.deviations, model.deviations, 'No deviation was raised.', 'Deviations (continued)');

  section('signatures');
  drawSignatureBlocks(doc, model.signatures, 'No signature is required or given.');

  section('audit');
  await writer.table(AUDIT_EXCERPT_COLUMNS, model.audit, 'No audit event for this change.', 'Audit trail excerpt (continued)');

  writer.appendix(SECTION_TITLES.verification, model.appendix, model.intros.verification);
}
