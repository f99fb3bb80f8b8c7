// The frame of every page: the document title and id in the header, "Page N of M" and the id in
// the footer, and a diagonal DRAFT mark while the record is not approved (a printout must show
// what it is: Part 11 §11.10(b), Annex 11 §8). The frame is drawn after the page's content, when
// the page is done (pdfkit `bufferPages`), so content never has to leave room for it.
//
// M is not known while a long document streams its first pages out, so each footer's "Page N of
// M" is a small PDF form XObject the page paints and whose content is written at the end, when M
// is known — the "page X of Y" template of iText, in plain PDF. It is real text in the embedded
// font, so extraction and search see "Page 3 of 120".
import { COLOR, FONT, SIZE, type Doc } from './pdf-document.js';

export interface PageFrameOptions {
  /** The document title, e.g. "Validation package VP-0003 v2". */
  title: string;
  /** The record's id, printed on every page (e.g. "VP-0003 v2"). */
  documentId: string;
  /** True until the record is approved: every page carries a DRAFT mark. */
  draft: boolean;
  /** The watermark's word; "DRAFT" unless said otherwise. */
  draftText?: string;
  /** The line under the header while marked; "<draftText> — not approved" unless said otherwise. */
  markNote?: string;
}

/** What we use of pdfkit beyond its typed API (stable across 0.1x; pinned by package.json). */
interface PdfKitInternals {
  _pageBuffer: PDFKit.PDFPage[];
  _font: { id: string; encode(text: string): [string[], unknown[]]; ref(): unknown };
  ref(data?: object): { data: Record<string, unknown>; write(chunk: string): void; end(): void };
  endPageMarkings?(page: PDFKit.PDFPage): unknown;
  addContent(data: string): Doc;
  page: PDFKit.PDFPage;
}

interface FramedPage extends PDFKit.PDFPage {
  xobjects: Record<string, unknown>;
}

/**
 * pdfkit turns every content operator it writes ("BT", "1 0 0 1 56 700 Tm", …) into a Uint8Array
 * of its own, kept until the page is written out: a long document's pages then make most of its
 * memory traffic. The page's operators are gathered as strings and handed over in batches —
 * the same bytes (pdfkit ends each chunk with a newline; so does the join).
 */
function batchContentWrites(page: PDFKit.PDFPage): void {
  const target = page as unknown as { write(chunk: unknown): unknown; end(): unknown; content: { write(chunk: unknown): void } };
  const pending: string[] = [];
  const handOver = () => {
    if (pending.length === 0) return;
    target.content.write(pending.join('\n'));
    pending.length = 0;
  };
  target.write = (chunk: unknown) => {
    if (typeof chunk !== 'string') {
      handOver();
      return target.content.write(chunk);
    }
    pending.push(chunk);
    if (pending.length >= 512) handOver();
  };
  const end = target.end.bind(page);
  target.end = () => {
    handOver();
    return end();
  };
}

/** Distinct words a font keeps shaped (see forgetLayouts). */
const LAYOUT_CACHE_WORDS = 1000;

/** The widest the diagonal mark may be drawn on A4, so its letters (and their height) stay clear of the edges. */
const WATERMARK_MAX_WIDTH = 600;

const PAGE_NUMBER_XOBJECT = 'GxpwPageNumber';
const PAGE_NUMBER_WIDTH = 120;

type Ref = ReturnType<PdfKitInternals['ref']>;

export class PageFrame {
  private readonly numbers = new WeakMap<object, number>();
  private readonly pinned = new Set<object>();
  /** The footer forms still to be written, with the number of the page each belongs to. */
  private readonly pageNumberForms: Array<{ number: number; form: Ref }> = [];
  private count = 0;
  private finished = false;

  constructor(
    private readonly doc: Doc,
    private readonly options: PageFrameOptions,
  ) {
    if ((doc as unknown as PdfKitInternals)._pageBuffer.length > 0) throw new Error('PageFrame must be created before the first page');
    doc.on('pageAdded', () => {
      this.count += 1;
      this.numbers.set(doc.page, this.count);
      batchContentWrites(doc.page);
    });
  }

  /** Pages added so far. */
  get pageCount(): number {
    return this.count;
  }

  /** Pages drawn but not yet written out (the current and pinned ones included). */
  get bufferedPages(): number {
    return (this.doc as unknown as PdfKitInternals)._pageBuffer.length;
  }

  /** The 1-based number of the page being drawn. */
  get pageNumber(): number {
    return this.numbers.get(this.doc.page) ?? 0;
  }

  /** Keeps the current page in memory after `flush()`, to draw on it later (a contents page). */
  pin(): PDFKit.PDFPage {
    this.pinned.add(this.doc.page);
    return this.doc.page;
  }

  /** Draws on a page still in memory (pinned or not yet flushed), then returns to where we were. */
  onPage(page: PDFKit.PDFPage, draw: () => void): void {
    const internals = this.doc as unknown as PdfKitInternals;
    if (!internals._pageBuffer.includes(page)) throw new Error('that page was already written out');
    const { x, y } = this.doc;
    const current = internals.page;
    // pdfkit's notion of the current font and colour is per document, the PDF's per page: put it
    // back so drawing elsewhere does not change what the next text on this page looks like.
    const state = internals as unknown as { _font: unknown; _fontSize: number; _fillColor: unknown };
    const { _font, _fontSize, _fillColor } = state;
    internals.page = page;
    try {
      draw();
    } finally {
      internals.page = current;
      Object.assign(state, { _font, _fontSize, _fillColor });
      this.doc.x = x;
      this.doc.y = y;
    }
  }

  /**
   * Frames every finished page (all but the current and the pinned ones) and writes it out, so a
   * document of thousands of pages never holds more than a few. After this, use `onPage()`
   * rather than `doc.switchToPage()`, whose numbering assumes nothing was written yet.
   */
  flush(): void {
    const internals = this.doc as unknown as PdfKitInternals;
    const keep: PDFKit.PDFPage[] = [];
    for (const page of internals._pageBuffer) {
      if (page === internals.page || this.pinned.has(page)) {
        keep.push(page);
        continue;
      }
      this.onPage(page, () => this.drawFrame());
      internals.endPageMarkings?.(page);
      page.end();
    }
    internals._pageBuffer = keep;
    this.forgetLayouts();
  }

  /**
   * pdfkit caches the shaped glyphs of every distinct word it ever measured or drew, for the life
   * of the document; with thousands of ids and numbers that cache, not the pages, becomes the
   * memory of a long document. Emptied when it grows past a bound: frequent words come back at once.
   */
  private forgetLayouts(): void {
    const families = (this.doc as unknown as { _fontFamilies: Record<string, { layoutCache?: Record<string, unknown> | null }> })._fontFamilies;
    for (const font of Object.values(families)) {
      if (font.layoutCache && Object.keys(font.layoutCache).length > LAYOUT_CACHE_WORDS) font.layoutCache = Object.create(null) as Record<string, unknown>;
    }
  }

  /** Frames the pages still in memory, writes the page count and ends the document. */
  finish(): number {
    if (this.finished) throw new Error('the document is already finished');
    this.finished = true;
    const internals = this.doc as unknown as PdfKitInternals;
    for (const page of internals._pageBuffer) this.onPage(page, () => this.drawFrame());
    this.writePageNumbers();
    this.doc.end();
    return this.count;
  }

  private drawFrame(): void {
    const doc = this.doc;
    const page = doc.page;
    const left = page.margins.left;
    const right = page.width - page.margins.right;
    const width = right - left;
    const number = this.numbers.get(page) ?? 0;
    // Text below the bottom margin makes pdfkit add a page: no wrapping, no margin while we draw.
    const bottomMargin = page.margins.bottom;
    page.margins.bottom = 0;
    doc.save();
    if (this.options.draft) this.drawDraftMark();

    const headerY = 34;
    doc.font(FONT.bold).fontSize(SIZE.frame).fillColor(COLOR.muted);
    const idWidth = doc.widthOfString(this.options.documentId);
    doc.text(this.options.documentId, right - idWidth, headerY, { lineBreak: false });
    const titleWidth = width - idWidth - 16;
    doc.font(FONT.regular);
    doc.text(this.truncate(this.options.title, titleWidth), left, headerY, { lineBreak: false });
    if (this.options.draft) {
      const mark = this.options.markNote ?? `${this.options.draftText ?? 'DRAFT'} — not approved`;
      doc.font(FONT.bold).fillColor(COLOR.watermark);
      doc.text(mark, left + width / 2 - doc.widthOfString(mark) / 2, headerY + 12, { lineBreak: false });
    }
    doc.moveTo(left, headerY + 24).lineTo(right, headerY + 24).lineWidth(0.5).strokeColor(COLOR.rule).stroke();

    const footerY = page.height - 44;
    doc.moveTo(left, footerY - 6).lineTo(right, footerY - 6).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
    doc.font(FONT.regular).fontSize(SIZE.frame).fillColor(COLOR.muted);
    doc.text(this.options.documentId, left, footerY, { lineBreak: false });
    this.paintPageNumber(number, right - PAGE_NUMBER_WIDTH, footerY);
    doc.restore();
    page.margins.bottom = bottomMargin;
  }

  /** Large, light, diagonal: visible on every page, content still readable through it. */
  private drawDraftMark(): void {
    const doc = this.doc;
    const page = doc.page;
    const text = this.options.draftText ?? 'DRAFT';
    doc.save();
    // 120 points, smaller for a longer word so it stays inside the page's diagonal.
    doc.font(FONT.bold).fontSize(120);
    const size = Math.min(120, (120 * WATERMARK_MAX_WIDTH) / doc.widthOfString(text));
    doc.fontSize(size);
    const width = doc.widthOfString(text);
    const cx = page.width / 2;
    const cy = page.height / 2;
    doc.rotate(-50, { origin: [cx, cy] });
    doc.fillColor(COLOR.watermark).fillOpacity(0.1);
    doc.text(text, cx - width / 2, cy - size / 2, { lineBreak: false });
    doc.restore();
  }

  /** Paints this page's "Page N of M" form, right-aligned to `x + PAGE_NUMBER_WIDTH`, its text top at `y`. */
  private paintPageNumber(number: number, x: number, y: number): void {
    const internals = this.doc as unknown as PdfKitInternals;
    const form = internals.ref({ Type: 'XObject', Subtype: 'Form', BBox: [0, -4, PAGE_NUMBER_WIDTH, 12], Resources: {} });
    this.pageNumberForms.push({ number, form });
    (this.doc.page as FramedPage).xobjects[PAGE_NUMBER_XOBJECT] = form;
    const font = this.doc as unknown as { _font: { ascender: number } };
    const baseline = y + (font._font.ascender / 1000) * SIZE.frame;
    // The page's space is pdfkit's y-down; flip back so the form's text stands upright.
    internals.addContent(`q 1 0 0 -1 ${x.toFixed(2)} ${baseline.toFixed(2)} cm /${PAGE_NUMBER_XOBJECT} Do Q`);
  }

  /** Now that M is known: the content of every footer's "Page N of M". */
  private writePageNumbers(): void {
    const internals = this.doc as unknown as PdfKitInternals;
    this.doc.font(FONT.regular).fontSize(SIZE.frame);
    const font = internals._font;
    for (const { number, form } of this.pageNumberForms) {
      const text = `Page ${number} of ${this.count}`;
      const [glyphs] = font.encode(text);
      const x = PAGE_NUMBER_WIDTH - this.doc.widthOfString(text);
      form.data.Resources = { Font: { [font.id]: font.ref() } };
      form.write(`BT /${font.id} ${SIZE.frame} Tf ${x.toFixed(2)} 0 Td <${glyphs.join('')}> Tj ET`);
      form.end();
    }
    this.pageNumberForms.length = 0;
  }

  private truncate(text: string, width: number): string {
    if (this.doc.widthOfString(text) <= width) return text;
    let end = text.length;
    while (end > 1 && this.doc.widthOfString(`${text.slice(0, end)}…`) > width) end -= 1;
    return `${text.slice(0, end)}…`;
  }
}
