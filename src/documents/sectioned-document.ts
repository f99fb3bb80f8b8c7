// The skeleton every record document shares (the package PDF, the change record PDF): a cover,
// the contents, numbered sections with an intro from a template, tables, and the verification
// appendix — written as a stream. Finished pages are framed and handed to `out` as the document
// grows and tables read their rows one at a time, so a record of thousands of runs or audit events
// never sits in memory as pages. The feature's writer only says what goes in which section.
import type { Writable } from 'node:stream';
import { DocumentHeadings, drawCoverPage, type CoverPage } from './headings-and-contents.js';
import { PageFrame, type PageFrameOptions } from './page-frame.js';
import { PdfOutput, SIZE, createPdfDocument, type Doc, type PdfDocumentOptions } from './pdf-document.js';
import { Table, type TableColumn, type TableRow } from './table.js';
import { drawTextBlock, type TextBlockPart } from './text-block.js';
import { drawVerificationAppendix, type VerificationAppendix } from './verification-appendix.js';

/** What a sectioned document's model must carry besides its content. */
export interface SectionedDocumentModel {
  info: PdfDocumentOptions;
  frame: PageFrameOptions;
}

/** Finished pages kept in memory at most, before they are framed and written out. */
const PAGES_IN_MEMORY = 2;
/** Table rows drawn between two chances to write pages out. */
const ROWS_PER_BREATH = 50;

/**
 * Presents the model, draws it into `out` and ends `out`. Resolves when `out` has finished; on
 * an error (in the presenter too) `out` is destroyed with it, so a reader never takes a truncated
 * file for a whole one.
 */
export async function renderSectionedPdf<M extends SectionedDocumentModel>(out: Writable, present: () => M, write: (writer: SectionedPdfWriter, model: M) => Promise<void>): Promise<{ pages: number }> {
  try {
    const model = present();
    const doc = createPdfDocument(model.info);
    const output = new PdfOutput(doc, out);
    const frame = new PageFrame(doc, model.frame);
    const writer = new SectionedPdfWriter(doc, frame, output);
    await write(writer, model);
    writer.headings.fillContents();
    const pages = frame.finish();
    await output.finished;
    return { pages };
  } catch (error) {
    out.destroy(error as Error);
    throw error;
  }
}

export class SectionedPdfWriter {
  readonly headings: DocumentHeadings;
  private sectionCount = 0;

  constructor(
    readonly doc: Doc,
    private readonly frame: PageFrame,
    private readonly output: PdfOutput,
  ) {
    this.headings = new DocumentHeadings(doc, frame);
  }

  /** The number of the section being written. */
  get sectionNumber(): number {
    return this.sectionCount;
  }

  /** The first page, then the contents pages for `contentsEntries` lines; the cursor ends on a fresh page. */
  cover(cover: CoverPage, contentsEntries: number): void {
    this.doc.addPage();
    drawCoverPage(this.doc, cover);
    this.headings.reserveContents(contentsEntries);
  }

  /**
   * The next numbered section and its intro: on a new page, or (`newPage: false`, for a short
   * record whose sections would each leave most of a page blank) below what came before.
   */
  section(title: string, intro?: TextBlockPart[], options: { newPage?: boolean } = {}): void {
    this.sectionCount += 1;
    this.heading(title, String(this.sectionCount), intro, options.newPage ?? true);
  }

  /** An unnumbered section, e.g. "Appendix". */
  labelledSection(label: string, title: string, intro?: TextBlockPart[]): void {
    this.heading(title, label, intro, true);
  }

  /**
   * Subsection `index` of the current section, kept on one page with `keep` points of what
   * follows it; `listed` puts it in the contents (it is always in the outline).
   */
  subsection(title: string, index: number, options: { listed: boolean; keep?: number; spaced?: boolean }): void {
    if (options.spaced) this.doc.y += 6;
    this.headings.heading(title, { level: 2, number: `${this.sectionCount}.${index}`, inContents: options.listed, ...(options.keep ? { keepWithNext: options.keep } : {}) });
  }

  /** Draws a table from rows in memory or read from a stream, writing finished pages out as it goes. */
  async table(columns: TableColumn[], rows: Iterable<TableRow> | AsyncIterable<TableRow>, emptyText: string, continued?: string): Promise<void> {
    const table = new Table(this.doc, { columns, ...(continued ? { continued } : {}) });
    let count = 0;
    // Rows in memory are drawn without a microtask per row (a trace matrix has tens of thousands).
    if (Symbol.asyncIterator in rows) {
      for await (const row of rows) {
        table.addRow(row.cells, row.tone);
        if (++count % ROWS_PER_BREATH === 0) await this.breathe();
      }
    } else {
      for (const row of rows) {
        table.addRow(row.cells, row.tone);
        if (++count % ROWS_PER_BREATH === 0) await this.breathe();
      }
    }
    table.end(emptyText);
    await this.breathe();
  }

  /** The verification appendix as the last, unnumbered section. */
  appendix(title: string, appendix: VerificationAppendix, intro?: TextBlockPart[]): void {
    this.labelledSection('Appendix', title, intro);
    drawVerificationAppendix(this.doc, appendix);
  }

  /** Frames and writes out finished pages when enough have piled up, and lets `out` catch up. */
  async breathe(): Promise<void> {
    if (this.frame.bufferedPages <= PAGES_IN_MEMORY) return;
    this.frame.flush();
    await this.output.drain();
  }

  private heading(title: string, number: string, intro: TextBlockPart[] | undefined, newPage: boolean): void {
    if (!newPage && this.doc.y > this.doc.page.margins.top + 1) this.doc.y += 14;
    // Kept with its intro and the first lines of what follows.
    this.headings.heading(title, { level: 1, number, newPage, keepWithNext: 110 });
    if (intro?.length) {
      drawTextBlock(this.doc, intro, { fontSize: SIZE.body });
      this.doc.y += 2;
    }
  }
}
