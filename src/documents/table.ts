// Tables that break across pages the way a reviewer expects (pdfmake's TableProcessor habits;
// pdfkit's own doc.table() repeats no header): every row is measured before it is drawn; a row
// that would cross the footer moves whole to the next page, under the header rows repeated; a
// header never ends a page; a row taller than a whole page is split between lines, the header
// repeated above each part. Rows arrive one at a time, so a table can stream from an iterator
// (an audit excerpt of any length) without holding its rows.
import { wrapLines } from './line-wrap.js';
import { COLOR, FONT, SIZE, contentBottom, contentWidth, type Doc, type FontName } from './pdf-document.js';

export interface TableColumn {
  header: string;
  /** Relative width: columns share the content width in proportion. */
  width: number;
  /** `mono` for digests and ids a reader compares character by character. */
  font?: 'regular' | 'bold' | 'mono';
  align?: 'left' | 'right';
  /** A smaller size for this column (e.g. to keep a 64-character digest on one line). */
  fontSize?: number;
  /** Lines after a cell's first line ('\n') are details: drawn in the muted colour. */
  details?: boolean;
  /**
   * A cell whose first line is one of these words is drawn as a badge: the word in white bold on
   * a rounded fill of the colour given (e.g. a triage rating). Other cells are drawn as text.
   */
  badges?: Readonly<Record<string, string>>;
}

/** `problem`: a gap, failure or invalid item, tinted so it cannot be missed. */
/** `problem`: a failure or a gap that blocks (red); `noted`: written out, not blocking (amber). */
export type RowTone = 'normal' | 'problem' | 'noted' | 'muted';

/** One row's final cell strings, in column order, and its tone. */
export interface TableRow {
  cells: string[];
  tone?: RowTone;
}

export interface TableOptions {
  columns: TableColumn[];
  fontSize?: number;
  /** Alternate rows lightly shaded (long tables read more easily). Default true. */
  zebra?: boolean;
  /** Printed above the repeated header on each later page, e.g. "Run 1042, steps (continued)". */
  continued?: string;
}

const PAD_X = 3.5;
const PAD_Y = 2.6;
const LINE_GAP = 0.6;
const CAPTION_HEIGHT = 12;

interface MeasuredRow {
  lines: string[][];
  /** Per cell, how many of its lines belong to its first paragraph (the rest are details). */
  leading: number[];
  lineCount: number;
  tone: RowTone;
  /** One cell across the whole table (the "none" line of an empty table). */
  span?: boolean;
}

export class Table {
  private readonly widths: number[];
  private readonly left: number;
  private readonly fontSize: number;
  private readonly lineHeight: number;
  private readonly header: MeasuredRow;
  private readonly headerHeight: number;
  private headerOnPage: PDFKit.PDFPage | null = null;
  private rows = 0;

  constructor(
    private readonly doc: Doc,
    private readonly options: TableOptions,
  ) {
    if (options.columns.length === 0) throw new Error('a table needs at least one column');
    this.fontSize = options.fontSize ?? SIZE.table;
    const total = options.columns.reduce((sum, c) => sum + c.width, 0);
    const width = contentWidth(doc);
    this.left = doc.page.margins.left;
    this.widths = options.columns.map((c) => (c.width / total) * width);
    doc.font(FONT.regular).fontSize(this.fontSize);
    this.lineHeight = doc.currentLineHeight(true) + LINE_GAP;
    this.header = this.measure(
      options.columns.map((c) => c.header),
      'normal',
      true,
    );
    this.headerHeight = this.heightOf(this.header.lineCount);
  }

  /** Adds one row; `cells` in column order (missing cells are empty). */
  addRow(cells: string[], tone: RowTone = 'normal'): void {
    this.place(this.measure(cells, tone, false));
  }

  private place(row: MeasuredRow): void {
    this.rows += 1;
    let from = 0;
    while (from < row.lineCount) {
      const onFreshPage = this.doc.y <= this.doc.page.margins.top + 0.5;
      const needsHeader = this.headerOnPage !== this.doc.page;
      const caption = needsHeader && this.headerOnPage !== null && this.options.continued ? this.options.continued : null;
      const room = contentBottom(this.doc) - this.doc.y - (needsHeader ? this.headerHeight : 0) - (caption ? CAPTION_HEIGHT : 0);
      const linesLeft = row.lineCount - from;
      const fitsWhole = this.heightOf(linesLeft) <= room;
      // A row that fits on an empty page moves there whole; only a taller one is split.
      const fitsAnEmptyPage = this.heightOf(linesLeft) <= this.pageRoom();
      const linesThatFit = Math.floor((room - 2 * PAD_Y) / this.lineHeight);
      if (!fitsWhole && (fitsAnEmptyPage || linesThatFit < 2) && !onFreshPage) {
        this.doc.addPage();
        continue;
      }
      if (needsHeader) {
        if (caption) {
          this.doc.font(FONT.regular).fontSize(SIZE.small).fillColor(COLOR.muted);
          this.doc.text(caption, this.left, this.doc.y, { lineBreak: false });
          this.doc.y += CAPTION_HEIGHT;
        }
        this.drawRow(this.header, 0, this.header.lineCount, true);
        this.headerOnPage = this.doc.page;
      }
      const count = fitsWhole ? linesLeft : Math.max(1, linesThatFit);
      this.drawRow(row, from, from + count, false);
      from += count;
      if (from < row.lineCount) this.doc.addPage();
    }
  }

  /** Closes the table: a table without rows still shows its header and says so; the cursor moves below. */
  end(emptyText = 'None.'): void {
    if (this.rows === 0) {
      const width = this.widths.reduce((a, b) => a + b, 0);
      this.doc.font(FONT.regular).fontSize(this.fontSize);
      const lines = wrapLines(this.doc, emptyText, width - 2 * PAD_X);
      this.place({ lines: [lines], leading: [lines.length], lineCount: lines.length, tone: 'muted', span: true });
    }
    this.doc.font(FONT.regular).fontSize(SIZE.body).fillColor(COLOR.text);
    this.doc.x = this.left;
    this.doc.y += 8;
  }

  /** The height a row needs when it starts a page under the header. */
  private pageRoom(): number {
    return contentBottom(this.doc) - this.doc.page.margins.top - this.headerHeight;
  }

  private heightOf(lines: number): number {
    return lines * this.lineHeight + 2 * PAD_Y;
  }

  private fontOf(column: TableColumn | undefined, header: boolean): FontName {
    if (header || column?.font === 'bold') return FONT.bold;
    return column?.font === 'mono' ? FONT.mono : FONT.regular;
  }

  private measure(cells: string[], tone: RowTone, header: boolean): MeasuredRow {
    const doc = this.doc;
    const lines: string[][] = [];
    const leading: number[] = [];
    let lineCount = 1;
    for (let i = 0; i < this.widths.length; i += 1) {
      const text = cells[i] ?? '';
      const column = this.options.columns[i];
      // A problem row's first cell is drawn bold: measure it so.
      doc.font(tone === 'problem' && i === 0 && !header ? FONT.bold : this.fontOf(column, header)).fontSize(this.sizeOf(column, header));
      const width = this.widths[i]! - 2 * PAD_X;
      let cellLines: string[];
      if (!text) {
        cellLines = [];
        leading.push(0);
      } else if (column?.details && !header && text.includes('\n')) {
        const split = text.indexOf('\n');
        const first = wrapLines(doc, text.slice(0, split), width);
        cellLines = [...first, ...wrapLines(doc, text.slice(split + 1), width)];
        leading.push(first.length);
      } else {
        cellLines = wrapLines(doc, text, width);
        leading.push(cellLines.length);
      }
      lines.push(cellLines);
      lineCount = Math.max(lineCount, cellLines.length);
    }
    return { lines, leading, lineCount, tone };
  }

  private sizeOf(column: TableColumn | undefined, header: boolean): number {
    return header ? this.fontSize : (column?.fontSize ?? this.fontSize);
  }

  /** The word on a rounded fill, in the cell's first line (measured bold, so it fits as measured). */
  private drawBadge(word: string, x: number, y: number, fill: string, textColor: string): void {
    const doc = this.doc;
    doc.font(FONT.bold);
    const width = doc.widthOfString(word);
    doc.roundedRect(x - 2, y - 1.2, width + 4, this.lineHeight + 0.4, 2).fillColor(fill).fill();
    doc.fillColor('#ffffff').text(word, x, y, { lineBreak: false });
    doc.fillColor(textColor);
  }

  private drawRow(row: MeasuredRow, from: number, to: number, header: boolean): void {
    const doc = this.doc;
    const top = doc.y;
    const height = this.heightOf(to - from);
    const width = this.widths.reduce((a, b) => a + b, 0);
    const fill = header ? COLOR.headerFill : row.tone === 'problem' ? COLOR.problemFill : row.tone === 'noted' ? COLOR.notedFill : this.options.zebra !== false && this.rows % 2 === 0 ? COLOR.zebraFill : null;
    if (fill) doc.rect(this.left, top, width, height).fillColor(fill).fill();
    const color = row.tone === 'problem' ? COLOR.problem : row.tone === 'muted' ? COLOR.muted : header ? COLOR.accent : COLOR.text;
    doc.fillColor(color);
    let x = this.left;
    for (let i = 0; i < this.widths.length; i += 1) {
      const column = this.options.columns[i];
      const cellLines = row.lines[i] ?? [];
      if (cellLines.length > from) {
        const size = row.span ? this.fontSize : this.sizeOf(column, header);
        doc.font(row.span ? FONT.regular : row.tone === 'problem' && i === 0 && !header ? FONT.bold : this.fontOf(column, header)).fontSize(size);
        // A smaller font sits on the same baseline grid as the rest of the row.
        const shift = (this.fontSize - size) * 0.8;
        const end = Math.min(to, cellLines.length);
        let muted = false;
        for (let l = from; l < end; l += 1) {
          const line = cellLines[l]!;
          if (!line) continue;
          if (!muted && l >= row.leading[i]!) {
            // Details: muted, and never bold (a bold key column's details are plain).
            if (row.tone !== 'problem') doc.fillColor(COLOR.muted);
            if (column?.font === 'bold' || (row.tone === 'problem' && i === 0)) doc.font(FONT.regular);
            muted = true;
          }
          const y = top + PAD_Y + shift + (l - from) * this.lineHeight;
          const lineX = column?.align === 'right' && !row.span ? x + this.widths[i]! - PAD_X - doc.widthOfString(line) : x + PAD_X;
          const badge = l === 0 && !header && !row.span ? column?.badges?.[line] : undefined;
          if (badge) this.drawBadge(line, lineX, y, badge, color);
          else doc.text(line, lineX, y, { lineBreak: false });
        }
        if (muted) doc.fillColor(color);
      }
      x += this.widths[i]!;
    }
    const bottom = top + height;
    doc
      .moveTo(this.left, bottom)
      .lineTo(this.left + width, bottom)
      .lineWidth(header ? 0.8 : 0.3)
      .strokeColor(header ? COLOR.accent : COLOR.rule)
      .stroke();
    doc.x = this.left;
    doc.y = bottom;
  }
}

/** Draws a whole table from rows already in memory. */
export function drawTable(doc: Doc, options: TableOptions, rows: Iterable<TableRow>, emptyText?: string): void {
  const table = new Table(doc, options);
  for (const row of rows) table.addRow(row.cells, row.tone);
  table.end(emptyText);
}
