// The cover page, numbered headings and the table of contents. Every heading gets a named
// destination and an outline (bookmark) entry; the contents pages are reserved right after the
// cover and filled in last, when every heading's page is known, each line a link to its heading
// (pdfkit docs/destinations.md, docs/outline.md).
import { drawFactList, type Fact } from './fact-list.js';
import type { PageFrame } from './page-frame.js';
import { COLOR, FONT, SIZE, contentBottom, contentWidth, ensureSpace, type Doc } from './pdf-document.js';

export interface CoverPage {
  /** Small line above the title, e.g. "Validation package". */
  kind: string;
  title: string;
  /** e.g. "VP-0003 · version 2". */
  subtitle: string;
  /** e.g. "DRAFT", "APPROVED"; `tone` colours it. */
  status: { label: string; tone: 'draft' | 'final' | 'problem' };
  facts: Fact[];
  /** Titled bullet lists below the facts, e.g. the scope. */
  lists: Array<{ title: string; items: string[] }>;
  /** A closing note at the foot of the cover (e.g. what the document is for). */
  note: string | null;
}

/** Draws the cover on the current (first) page. */
export function drawCoverPage(doc: Doc, cover: CoverPage): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.y = doc.page.margins.top + 60;
  doc.font(FONT.bold).fontSize(SIZE.small).fillColor(COLOR.muted).text(cover.kind.toUpperCase(), left, doc.y, { width });
  doc.moveDown(0.6);
  doc.font(FONT.bold).fontSize(SIZE.title).fillColor(COLOR.accent).text(cover.title, left, doc.y, { width, lineGap: 2 });
  doc.moveDown(0.3);
  doc.font(FONT.regular).fontSize(SIZE.h2).fillColor(COLOR.text).text(cover.subtitle, left, doc.y, { width });
  doc.moveDown(0.9);

  const badgeColor = cover.status.tone === 'final' ? COLOR.good : cover.status.tone === 'problem' ? COLOR.problem : COLOR.watermark;
  doc.font(FONT.bold).fontSize(SIZE.body);
  const badgeWidth = doc.widthOfString(cover.status.label) + 16;
  const badgeTop = doc.y;
  doc.roundedRect(left, badgeTop, badgeWidth, 18, 3).lineWidth(1).strokeColor(badgeColor).stroke();
  doc.fillColor(badgeColor).text(cover.status.label, left + 8, badgeTop + 4.5, { lineBreak: false });
  doc.y = badgeTop + 34;

  doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.8).strokeColor(COLOR.accent).stroke();
  doc.y += 12;
  drawFactList(doc, cover.facts, { labelWidth: 130 });
  for (const list of cover.lists) {
    doc.y += 10;
    ensureSpace(doc, 40);
    doc.font(FONT.bold).fontSize(SIZE.h3).fillColor(COLOR.accent).text(list.title, left, doc.y, { width });
    doc.moveDown(0.3);
    doc.font(FONT.regular).fontSize(SIZE.body);
    for (const item of list.items) {
      ensureSpace(doc, doc.currentLineHeight(true) * 2);
      const y = doc.y;
      doc.fillColor(COLOR.text).text('•', left + 3, y, { lineBreak: false });
      doc.text(item, left + 14, y, { width: width - 14, lineGap: 1 });
      doc.moveDown(0.15);
    }
  }
  if (cover.note) {
    doc.font(FONT.regular).fontSize(SIZE.small);
    const height = doc.heightOfString(cover.note, { width, lineGap: 1 });
    const y = Math.max(doc.y + 16, contentBottom(doc) - height);
    if (y + height <= contentBottom(doc)) {
      doc.fillColor(COLOR.muted).text(cover.note, left, y, { width, lineGap: 1 });
    } else {
      doc.y += 16;
      doc.fillColor(COLOR.muted).text(cover.note, left, doc.y, { width, lineGap: 1 });
    }
  }
  doc.x = left;
}

export interface HeadingOptions {
  /** 1: a section; 2: a subsection; 3: a minor heading (never in the contents). */
  level: 1 | 2 | 3;
  /** Printed before the title, e.g. "4" or "5.12". */
  number?: string;
  /** Listed in the table of contents (default: levels 1 and 2). */
  inContents?: boolean;
  /** Listed in the viewer's outline/bookmarks (default: true). */
  inOutline?: boolean;
  /** Start on a new page unless already at the top of one (default: level 1). */
  newPage?: boolean;
  /** Points of what follows to keep on the heading's page (default 60; capped at a page). */
  keepWithNext?: number;
}

interface ContentsEntry {
  text: string;
  level: 1 | 2;
  destination: string;
  page: number;
}

interface OutlineItem {
  addItem(title: string, options?: object): OutlineItem;
  outlineData: Record<string, unknown>;
}

const CONTENTS_LINE = 15;
const CONTENTS_TITLE = 40;

/** Headings, their destinations and outline entries, and the contents pages that list them. */
export class DocumentHeadings {
  private readonly entries: ContentsEntry[] = [];
  private readonly reserved: PDFKit.PDFPage[] = [];
  private lastSection: OutlineItem | null = null;
  private count = 0;

  constructor(
    private readonly doc: Doc,
    private readonly frame: PageFrame,
  ) {}

  /** How many contents lines fit on one page. */
  static linesPerPage(doc: Doc): number {
    return Math.floor((contentBottom(doc) - doc.page.margins.top - CONTENTS_TITLE) / CONTENTS_LINE);
  }

  /**
   * Adds (and keeps in memory) the pages the contents will take: call right after the cover,
   * with the number of entries the document will list. The cursor ends on a fresh page after them.
   */
  reserveContents(entries: number): void {
    const pages = Math.max(1, Math.ceil(entries / DocumentHeadings.linesPerPage(this.doc)));
    for (let i = 0; i < pages; i += 1) {
      this.doc.addPage();
      this.reserved.push(this.frame.pin());
    }
    this.doc.addPage();
  }

  /** Draws a heading with its destination; returns the destination name (for links to it). */
  heading(text: string, options: HeadingOptions): string {
    const doc = this.doc;
    const newPage = options.newPage ?? options.level === 1;
    const atTop = doc.y <= doc.page.margins.top + 1;
    if (newPage && !atTop) doc.addPage();
    const size = options.level === 1 ? SIZE.h1 : options.level === 2 ? SIZE.h2 : SIZE.h3;
    doc.font(FONT.bold).fontSize(size);
    // Keep a heading with what follows it: never the last thing on a page.
    const page = contentBottom(doc) - doc.page.margins.top;
    if (!newPage) ensureSpace(doc, Math.min(doc.currentLineHeight(true) * 2 + (options.keepWithNext ?? 60), page));
    if (doc.y > doc.page.margins.top + 1) doc.y += options.level === 1 ? 6 : 8;
    const title = options.number ? `${options.number}  ${text}` : text;
    this.count += 1;
    const destination = `h${this.count}`;
    doc.addNamedDestination(destination, 'XYZ', null, Math.max(doc.y - 8, 0), null);
    doc.fillColor(COLOR.accent).text(title, doc.page.margins.left, doc.y, { width: contentWidth(doc) });
    if (options.level === 1) {
      const y = doc.y + 2;
      doc.moveTo(doc.page.margins.left, y).lineTo(doc.page.margins.left + contentWidth(doc), y).lineWidth(0.8).strokeColor(COLOR.accent).stroke();
      doc.y = y + 8;
    } else {
      doc.y += 3;
    }
    if (options.inOutline !== false && options.level < 3) this.addOutline(title, destination, options.level as 1 | 2);
    if (options.level < 3 && (options.inContents ?? true)) {
      this.entries.push({ text: title, level: options.level as 1 | 2, destination, page: this.frame.pageNumber });
    }
    doc.font(FONT.regular).fontSize(SIZE.body).fillColor(COLOR.text);
    return destination;
  }

  /** Writes the contents onto the reserved pages, each line linking to its heading. */
  fillContents(title = 'Contents'): void {
    if (this.reserved.length === 0) return;
    const perPage = DocumentHeadings.linesPerPage(this.doc);
    const capacity = perPage * this.reserved.length;
    const shown = this.entries.length > capacity ? this.entries.filter((e) => e.level === 1).slice(0, capacity) : this.entries;
    this.reserved.forEach((page, index) => {
      this.frame.onPage(page, () => {
        const doc = this.doc;
        const left = page.margins.left;
        const width = page.width - page.margins.left - page.margins.right;
        let y = page.margins.top;
        if (index === 0) {
          doc.font(FONT.bold).fontSize(SIZE.h1).fillColor(COLOR.accent).text(title, left, y, { lineBreak: false });
          doc.moveTo(left, y + 22).lineTo(left + width, y + 22).lineWidth(0.8).strokeColor(COLOR.accent).stroke();
        }
        y += CONTENTS_TITLE;
        for (const entry of shown.slice(index * perPage, (index + 1) * perPage)) {
          const indent = entry.level === 1 ? 0 : 22;
          if (entry.level === 1 && y > page.margins.top + CONTENTS_TITLE) y += 3;
          doc.font(entry.level === 1 ? FONT.bold : FONT.regular).fontSize(entry.level === 1 ? SIZE.body + 0.5 : SIZE.body);
          doc.fillColor(entry.level === 1 ? COLOR.accent : COLOR.text);
          const pageText = String(entry.page);
          const pageWidth = doc.widthOfString(pageText);
          let text = entry.text;
          const room = width - indent - pageWidth - 24;
          while (doc.widthOfString(text) > room && text.length > 4) text = `${text.slice(0, -2)}…`;
          doc.text(text, left + indent, y, { lineBreak: false });
          const textEnd = left + indent + doc.widthOfString(text) + 4;
          const dotsStart = textEnd;
          const dotsEnd = left + width - pageWidth - 4;
          if (dotsEnd > dotsStart) {
            doc.save().moveTo(dotsStart, y + 8).lineTo(dotsEnd, y + 8).lineWidth(0.5).dash(1, { space: 2.5 }).strokeColor(COLOR.rule).stroke().restore();
          }
          doc.text(pageText, left + width - pageWidth, y, { lineBreak: false });
          doc.goTo(left, y - 2, width, CONTENTS_LINE, entry.destination);
          y += CONTENTS_LINE;
        }
      });
    });
  }

  private addOutline(title: string, destination: string, level: 1 | 2): void {
    const root = this.doc.outline as unknown as OutlineItem;
    const parent = level === 2 && this.lastSection ? this.lastSection : root;
    const item = parent.addItem(title);
    // Point at the named destination (the heading itself), not pdfkit's page-corner default.
    item.outlineData.Dest = new String(destination);
    if (level === 1) this.lastSection = item;
  }
}
