// Draws the package PDF from its document model (package-document.ts): cover, contents, the ten
// sections and the verification appendix. Streamed: finished pages are framed and written to
// `out` as the document grows, and the audit excerpt is read row by row, so a package of
// thousands of runs never sits in memory as pages (issue 13: 1,000 runs under 300 MB).
import type { Writable } from 'node:stream';
import { drawFactList, factListHeight } from '../documents/fact-list.js';
import { DocumentHeadings, drawCoverPage } from '../documents/headings-and-contents.js';
import { PageFrame } from '../documents/page-frame.js';
import { COLOR, FONT, PdfOutput, SIZE, contentWidth, createPdfDocument, ensureSpace, type Doc } from '../documents/pdf-document.js';
import { drawSignatureBlock } from '../documents/signature-block.js';
import { Table, type TableColumn, type TableRow } from '../documents/table.js';
import { drawParagraph, drawSubheading, drawTextBlock, type TextBlockPart } from '../documents/text-block.js';
import { drawVerificationAppendix } from '../documents/verification-appendix.js';
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
  audit: [
    { header: 'Seq', width: 32, align: 'right' },
    { header: 'Time', width: 100 },
    { header: 'Actor', width: 74 },
    { header: 'Action', width: 80 },
    { header: 'Record', width: 70 },
    { header: 'Reason', width: 127 },
  ],
} satisfies Record<string, TableColumn[]>;

const ASSESSMENT_FACTS = { labelWidth: 120 };
const RUN_FACTS = { labelWidth: 110, fontSize: SIZE.small + 0.5 };
const DEVIATION_FACTS = { labelWidth: 110 };

/** Finished pages kept in memory at most, before they are framed and written out. */
const PAGES_IN_MEMORY = 2;

/**
 * Renders the package PDF into `out` (ending it). Resolves when `out` has finished; on an error
 * `out` is destroyed with it, so a reader never takes a truncated file for a whole one.
 */
export async function renderPackagePdf(input: PackagePdfInput, out: Writable): Promise<{ pages: number }> {
  try {
    const model = presentPackageDocument(input);
    const doc = createPdfDocument(model.info);
    const output = new PdfOutput(doc, out);
    const frame = new PageFrame(doc, model.frame);
    const writer = new PackagePdfWriter(doc, frame, output, model);
    await writer.write();
    const pages = frame.finish();
    await output.finished;
    return { pages };
  } catch (error) {
    out.destroy(error as Error);
    throw error;
  }
}

class PackagePdfWriter {
  private readonly headings: DocumentHeadings;
  private section = 0;

  constructor(
    private readonly doc: Doc,
    private readonly frame: PageFrame,
    private readonly output: PdfOutput,
    private readonly model: PackageDocument,
  ) {
    this.headings = new DocumentHeadings(doc, frame);
  }

  async write(): Promise<void> {
    const { doc, model } = this;
    doc.addPage();
    drawCoverPage(doc, model.cover);
    this.headings.reserveContents(model.contentsEntries);

    this.sectionHeading('plan');
    model.plan.forEach((part, i) => {
      this.subheading(part.title, `${this.section}.${i + 1}`, part.listed);
      drawTextBlock(doc, part.parts, { heading: (text) => drawSubheading(doc, text) });
    });

    this.sectionHeading('scope');
    await this.table(COLUMNS.scope, model.scope.rows, 'No interface in scope.');
    for (const [i, assessment] of model.scope.assessments.entries()) {
      this.subheading(assessment.title, `${this.section}.${i + 1}`, assessment.listed, factListHeight(doc, assessment.facts, ASSESSMENT_FACTS));
      drawFactList(doc, assessment.facts, ASSESSMENT_FACTS);
      if (assessment.rationale.length) {
        drawSubheading(doc, 'Rationale');
        drawTextBlock(
          doc,
          assessment.rationale.map((text) => ({ kind: 'bullet', text })),
        );
      }
      await this.breathe();
    }

    this.sectionHeading('requirements');
    await this.table(COLUMNS.requirements, model.requirements, 'No requirement in scope.', 'Requirements (continued)');

    this.sectionHeading('trace-matrix');
    await this.table(COLUMNS.traceMatrix, model.traceMatrix.rows, 'No requirement to trace.', 'Trace matrix (continued)');

    this.sectionHeading('runs');
    if (model.runs.length === 0) drawParagraph(doc, 'No run for record.', { color: COLOR.problem });
    let i = 0;
    for (const run of model.runs) {
      i += 1;
      // The run's heading, its facts and the first rows of its steps stay together.
      this.subheading(run.title, `${this.section}.${i}`, run.listed, factListHeight(doc, run.facts, RUN_FACTS) + 50, i > 1);
      drawFactList(doc, run.facts, RUN_FACTS);
      doc.y += 4;
      await this.table(COLUMNS.steps, run.steps, 'No step recorded.', `${run.title} — steps (continued)`);
    }

    this.sectionHeading('deviations');
    if (model.deviations.length === 0) drawParagraph(doc, 'No deviation was raised.');
    for (const [i, deviation] of model.deviations.entries()) {
      this.subheading(deviation.title, `${this.section}.${i + 1}`, deviation.listed, factListHeight(doc, deviation.facts, DEVIATION_FACTS));
      drawFactList(doc, deviation.facts, DEVIATION_FACTS);
      await this.breathe();
    }

    this.sectionHeading('evidence');
    await this.table(COLUMNS.evidence, model.evidence, 'No evidence recorded.', 'Evidence index (continued)');

    this.sectionHeading('summary');
    for (const section of model.summary.sections) {
      drawSubheading(doc, section.title);
      drawTextBlock(doc, section.parts);
    }
    doc.y += 4;
    drawFactList(doc, model.summary.acceptance, { labelWidth: 120 });
    this.releaseStatement(model.summary.releaseStatement);

    this.sectionHeading('signatures');
    if (model.signatures.length === 0) drawParagraph(doc, 'No signature is required or given.');
    for (const block of model.signatures) drawSignatureBlock(doc, block);

    this.sectionHeading('audit');
    const audit = new Table(doc, { columns: COLUMNS.audit, continued: 'Audit trail excerpt (continued)' });
    let rows = 0;
    for await (const row of model.audit) {
      audit.addRow(row.cells, row.tone);
      if (++rows % 50 === 0) await this.breathe();
    }
    audit.end('No audit event for the records in scope.');

    this.sectionHeading('verification', 'Appendix');
    drawVerificationAppendix(doc, model.appendix);
    this.headings.fillContents();
  }

  private sectionHeading(key: SectionKey, number?: string): void {
    if (!number) this.section += 1;
    this.headings.heading(SECTION_TITLES[key], { level: 1, number: number ?? String(this.section) });
    const intro: TextBlockPart[] | undefined = this.model.intros[key];
    if (intro?.length) {
      drawTextBlock(this.doc, intro, { fontSize: SIZE.body });
      this.doc.y += 2;
    }
  }

  /** A subsection heading, kept on one page with `keep` points of what follows it. */
  private subheading(title: string, number: string, listed: boolean, keep?: number, spaced = false): void {
    if (spaced) this.doc.y += 6;
    this.headings.heading(title, { level: 2, number, inContents: listed, ...(keep ? { keepWithNext: keep } : {}) });
  }

  /** Draws a table from rows in memory, writing finished pages out as it goes. */
  private async table(columns: TableColumn[], rows: Iterable<TableRow>, emptyText: string, continued?: string): Promise<void> {
    const table = new Table(this.doc, { columns, ...(continued ? { continued } : {}) });
    let count = 0;
    for (const row of rows) {
      table.addRow(row.cells, row.tone);
      if (++count % 50 === 0) await this.breathe();
    }
    table.end(emptyText);
    await this.breathe();
  }

  /** The release-for-use statement, boxed: the sentence QA signs for. */
  private releaseStatement(text: string): void {
    const doc = this.doc;
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

  /** Frames and writes out finished pages when enough have piled up, and lets `out` catch up. */
  private async breathe(): Promise<void> {
    if (this.frame.bufferedPages <= PAGES_IN_MEMORY) return;
    this.frame.flush();
    await this.output.drain();
  }
}
