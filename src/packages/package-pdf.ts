// Draws the package PDF from its document model (package-document.ts): cover, contents, the ten
// sections and the verification appendix. Streamed: finished pages are framed and written to
// `out` as the document grows, and the audit excerpt is read row by row, so a package of
// thousands of runs never sits in memory as pages (issue 13: 1,000 runs under 300 MB).
import type { Writable } from 'node:stream';
import { AUDIT_EXCERPT_COLUMNS } from '../documents/audit-excerpt.js';
import { drawFactList, factListHeight } from '../documents/fact-list.js';
import { COLOR, FONT, SIZE, contentWidth, ensureSpace, type Doc } from '../documents/pdf-document.js';
import { renderSectionedPdf, type SectionedPdfWriter } from '../documents/sectioned-document.js';
import { drawSignatureBlocks } from '../documents/signature-block.js';
import type { TableColumn } from '../documents/table.js';
import { drawParagraph, drawSubheading, drawTextBlock } from '../documents/text-block.js';
import { SECTION_TITLES, presentPackageDocument, type PackageDocument, type PackagePdfInput, type SectionKey } from './package-document.js';

// Widths are in points of the 483-point text column; a 64-character SHA-256 in the monospace
// font at 6.8 pt takes 262 points, so every digest stays on one line a reader can compare.
const COLUMNS = {
  scope: [
    { header: 'Interface', width: 130, details: true },
    { header: 'Contract (SHA-256)', width: 269, font: 'mono', fontSize: 6.8, details: true },
    { header: 'Assurance', width: 84, details: true },
  ],
  requirements: [
    { header: 'Requirement', width: 92, font: 'bold', details: true },
    { header: 'Type', width: 56 },
    { header: 'Risk', width: 40 },
    { header: 'Text', width: 203 },
    { header: 'Verified by', width: 92 },
  ],
  traceMatrix: [
    { header: 'Requirement → scenario', width: 96, details: true },
    { header: 'Run / step', width: 42, details: true },
    { header: 'Result', width: 76 },
    { header: 'Evidence (SHA-256)', width: 269, font: 'mono', fontSize: 6.8 },
  ],
  steps: [
    { header: '#', width: 18, align: 'right' },
    { header: 'Step', width: 112, details: true },
    { header: 'Expected', width: 140 },
    { header: 'Actual', width: 140, details: true },
    { header: 'Result', width: 53, details: true },
  ],
  evidence: [
    { header: 'SHA-256', width: 269, font: 'mono', fontSize: 6.8 },
    { header: 'Size', width: 46, align: 'right' },
    { header: 'Media type', width: 82 },
    { header: 'Recorded by', width: 86, details: true },
  ],
} satisfies Record<string, TableColumn[]>;

const ASSESSMENT_FACTS = { labelWidth: 120 };
const RUN_FACTS = { labelWidth: 110, fontSize: SIZE.small + 0.5 };
const DEVIATION_FACTS = { labelWidth: 110 };

/**
 * Renders the package PDF into `out` (ending it). Resolves when `out` has finished; on an error
 * `out` is destroyed with it, so a reader never takes a truncated file for a whole one.
 */
export async function renderPackagePdf(input: PackagePdfInput, out: Writable): Promise<{ pages: number }> {
  return renderSectionedPdf(out, () => presentPackageDocument(input), (writer, model) => writePackage(writer, model));
}

async function writePackage(writer: SectionedPdfWriter, model: PackageDocument): Promise<void> {
  const { doc } = writer;
  const section = (key: SectionKey) => writer.section(SECTION_TITLES[key], model.intros[key]);
  writer.cover(model.cover, model.contentsEntries);

  section('plan');
  model.plan.forEach((part, i) => {
    writer.subsection(part.title, i + 1, { listed: part.listed });
    drawTextBlock(doc, part.parts, { heading: (text) => drawSubheading(doc, text) });
  });

  section('scope');
  await writer.table(COLUMNS.scope, model.scope.rows, 'No interface in scope.');
  for (const [i, assessment] of model.scope.assessments.entries()) {
    writer.subsection(assessment.title, i + 1, { listed: assessment.listed, keep: factListHeight(doc, assessment.facts, ASSESSMENT_FACTS) });
    drawFactList(doc, assessment.facts, ASSESSMENT_FACTS);
    if (assessment.rationale.length) {
      drawSubheading(doc, 'Rationale');
      drawTextBlock(
        doc,
        assessment.rationale.map((text) => ({ kind: 'bullet', text })),
      );
    }
    await writer.breathe();
  }

  section('requirements');
  await writer.table(COLUMNS.requirements, model.requirements, 'No requirement in scope.', 'Requirements (continued)');

  section('trace-matrix');
  await writer.table(COLUMNS.traceMatrix, model.traceMatrix.rows, 'No requirement to trace.', 'Trace matrix (continued)');

  section('runs');
  if (model.runs.length === 0) drawParagraph(doc, 'No run for record.', { color: COLOR.problem });
  let i = 0;
  for (const run of model.runs) {
    i += 1;
    // The run's heading, its facts and the first rows of its steps stay together.
    writer.subsection(run.title, i, { listed: run.listed, keep: factListHeight(doc, run.facts, RUN_FACTS) + 50, spaced: i > 1 });
    drawFactList(doc, run.facts, RUN_FACTS);
    doc.y += 4;
    await writer.table(COLUMNS.steps, run.steps, 'No step recorded.', `${run.title} — steps (continued)`);
  }

  section('deviations');
  if (model.deviations.length === 0) drawParagraph(doc, 'No deviation was raised.');
  for (const [i, deviation] of model.deviations.entries()) {
    writer.subsection(deviation.title, i + 1, { listed: deviation.listed, keep: factListHeight(doc, deviation.facts, DEVIATION_FACTS) });
    drawFactList(doc, deviation.facts, DEVIATION_FACTS);
    await writer.breathe();
  }

  section('evidence');
  await writer.table(COLUMNS.evidence, model.evidence, 'No evidence recorded.', 'Evidence index (continued)');

  section('summary');
  for (const part of model.summary.sections) {
    drawSubheading(doc, part.title);
    drawTextBlock(doc, part.parts);
  }
  doc.y += 4;
  drawFactList(doc, model.summary.acceptance, { labelWidth: 120 });
  drawReleaseStatement(doc, model.summary.releaseStatement);

  section('signatures');
  drawSignatureBlocks(doc, model.signatures, 'No signature is required or given.');

  section('audit');
  await writer.table(AUDIT_EXCERPT_COLUMNS, model.audit, 'No audit event for the records in scope.', 'Audit trail excerpt (continued)');

  writer.appendix(SECTION_TITLES.verification, model.appendix, model.intros.verification);
}

/** The release-for-use statement, boxed: the sentence QA signs for. */
function drawReleaseStatement(doc: Doc, text: string): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.font(FONT.bold).fontSize(SIZE.h3);
  const titleHeight = doc.currentLineHeight(true);
  doc.font(FONT.regular).fontSize(SIZE.body + 0.5);
  const textHeight = doc.heightOfString(text, { width: width - 24, lineGap: 1.5 });
  const height = 12 + titleHeight + 4 + textHeight + 12;
  doc.y += 8;
  ensureSpace(doc, height);
  const top = doc.y;
  doc.rect(left, top, width, height).lineWidth(1).strokeColor(COLOR.accent).stroke();
  doc.font(FONT.bold).fontSize(SIZE.h3).fillColor(COLOR.accent).text('Release for use', left + 12, top + 12, { lineBreak: false });
  doc.font(FONT.regular).fontSize(SIZE.body + 0.5).fillColor(COLOR.text);
  doc.text(text, left + 12, top + 12 + titleHeight + 4, { width: width - 24, lineGap: 1.5 });
  doc.x = left;
  doc.y = top + height + 10;
}
