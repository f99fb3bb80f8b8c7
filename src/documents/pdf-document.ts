// The PDFDocument every generated document starts from: PDF/A-2b so it archives for the record's
// retention period (Part 11 §11.10(c), Annex 11 §17), fonts embedded so it renders the same
// anywhere, text extractable, and the same record always gives the same bytes (the date and file
// ID come from the record, never the clock). Also the one place that knows the page geometry,
// fonts, sizes and colours, so every PDF of the workbench looks like one family.
//
// How a document is made (package-pdf.ts is the full example):
//   const doc = createPdfDocument({ title, author, subject, createdAt });   // no page yet
//   const output = new PdfOutput(doc, out);                  // bytes go to `out` as produced
//   const frame = new PageFrame(doc, { title, documentId, draft });
//   doc.addPage(); drawCoverPage(doc, cover);
//   const headings = new DocumentHeadings(doc, frame); headings.reserveContents(entries);
//   headings.heading('Steps', { level: 1, number: '1' }); drawTable(doc, { columns }, rows); …
//   // long documents: every few pages `frame.flush(); await output.drain();`
//   headings.fillContents(); frame.finish(); await output.finished;
import { PassThrough, type Readable } from 'node:stream';
import fs from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';

export type Doc = PDFKit.PDFDocument;

/** Registered font names; the DejaVu family covers Latin, Greek and Cyrillic, and ✓ ✗ — ≥ ≤. */
export const FONT = { regular: 'gxpw-regular', bold: 'gxpw-bold', mono: 'gxpw-mono', monoBold: 'gxpw-mono-bold' } as const;
export type FontName = (typeof FONT)[keyof typeof FONT];

const FONT_FILES: Record<FontName, string> = {
  [FONT.regular]: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  [FONT.bold]: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
  [FONT.mono]: 'dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf',
  [FONT.monoBold]: 'dejavu-fonts-ttf/ttf/DejaVuSansMono-Bold.ttf',
};

/** A4 portrait; the header and footer live in the top and bottom margins (page-frame.ts). */
export const PAGE = {
  size: 'A4' as const,
  width: 595.28,
  height: 841.89,
  margins: { top: 74, bottom: 62, left: 56, right: 56 },
};

export const SIZE = { body: 9.5, small: 8, table: 7.6, frame: 7.5, h1: 15, h2: 11.5, h3: 10, title: 22 } as const;

export const COLOR = {
  text: '#1a1a1a',
  muted: '#5b6470',
  rule: '#c5ccd6',
  accent: '#1f3a5f',
  headerFill: '#e6ecf3',
  zebraFill: '#f6f8fa',
  problemFill: '#fbe9e9',
  notedFill: '#fdf3dc',
  problem: '#a3161b',
  good: '#1b6e3a',
  warning: '#9a5b00',
  watermark: '#b0161b',
} as const;

export interface PdfDocumentOptions {
  /** Shown in viewers' title bars and in the XMP metadata. */
  title: string;
  /** Who the document is by: the generating user's printed name. */
  author: string;
  subject: string;
  /** ISO time from the record (e.g. when it was generated for that version), never `new Date()`. */
  createdAt: string;
  keywords?: string;
  /** BCP 47; PDF/A asks for the natural language of the text. */
  lang?: string;
}

/** A parsed font (fontkit's, as pdfkit returns it); opaque here. */
type ParsedFont = object;

let parsedFonts: Map<FontName, ParsedFont> | null = null;

/**
 * The fonts, read and parsed once per process: parsing DejaVu's tables costs about a second, and
 * pdfkit accepts an already parsed font. Each document still embeds its own subset.
 */
export function documentFonts(): ReadonlyMap<FontName, ParsedFont> {
  return fonts();
}

function fonts(): Map<FontName, ParsedFont> {
  if (!parsedFonts) {
    const require = createRequire(import.meta.url);
    const loader = new PDFDocument({ autoFirstPage: false });
    parsedFonts = new Map();
    for (const [name, file] of Object.entries(FONT_FILES)) {
      loader.font(fs.readFileSync(require.resolve(file)) as unknown as string);
      parsedFonts.set(name as FontName, (loader as unknown as { _font: { font: ParsedFont } })._font.font);
    }
  }
  return parsedFonts;
}

/**
 * A new PDF/A-2b document with the fonts registered and the regular font selected, and no page
 * yet: create its `PageFrame` first, then `doc.addPage()`. Pages are
 * buffered so the frame (header, footer, page N of M, DRAFT mark) is drawn after the content;
 * long documents stream their finished pages out with `PageFrame.flush()`.
 */
export function createPdfDocument(options: PdfDocumentOptions): Doc {
  const fontFiles = fonts();
  const doc = new PDFDocument({
    size: PAGE.size,
    margins: { ...PAGE.margins },
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    bufferPages: true,
    autoFirstPage: false,
    // The default font must be embedded too: a standard-14 font (Helvetica) breaks PDF/A.
    font: fontFiles.get(FONT.regular) as unknown as string,
    lang: options.lang ?? 'en',
    displayTitle: true,
    info: {
      Title: xmpSafe(options.title),
      Author: xmpSafe(options.author),
      Subject: xmpSafe(options.subject),
      ...(options.keywords ? { Keywords: xmpSafe(options.keywords) } : {}),
      Creator: 'GxP Integration Workbench',
      Producer: 'GxP Integration Workbench (PDFKit)',
      CreationDate: new Date(options.createdAt),
    },
  } as PDFKit.PDFDocumentOptions);
  for (const [name, font] of fontFiles) doc.registerFont(name, font as unknown as string);
  // The default font is the regular one: known under its name too, so it is not loaded twice.
  const internals = doc as unknown as { _font: unknown; _fontFamilies: Record<string, unknown> };
  internals._fontFamilies[FONT.regular] = internals._font;
  for (const mono of [FONT.mono, FONT.monoBold]) {
    doc.font(mono);
    layOutMonospaceByCharacter(internals._font as EmbeddedFont);
  }
  doc.font(FONT.regular).fontSize(SIZE.body);
  return doc;
}

/** What we touch of pdfkit's EmbeddedFont (pdfkit is pinned by package.json). */
interface EmbeddedFont {
  font: { glyphForCodePoint(codePoint: number): { advanceWidth: number; codePoints: number[] } };
  scale: number;
  layoutCache: object | null;
  layoutRun(text: string, features?: unknown): unknown;
}

/**
 * Monospace text here is digests, keys and ids: one glyph per character, no kerning, no
 * ligatures. Full OpenType shaping of every distinct 64-character digest (and pdfkit caching each
 * result for the whole document) was most of the time and memory of a package with 10,000
 * evidence files; a glyph per code point gives the same glyphs and widths at a fraction of both.
 */
function layOutMonospaceByCharacter(font: EmbeddedFont): void {
  const glyphs = new Map<number, { advanceWidth: number; codePoints: number[] }>();
  font.layoutCache = null;
  font.layoutRun = (text: string, features?: unknown) => {
    if (features) throw new Error('monospace text takes no OpenType features');
    const run = { glyphs: [] as unknown[], positions: [] as object[], advanceWidth: 0 };
    for (const char of text) {
      const codePoint = char.codePointAt(0)!;
      let glyph = glyphs.get(codePoint);
      if (!glyph) {
        glyph = font.font.glyphForCodePoint(codePoint);
        glyphs.set(codePoint, glyph);
      }
      const advance = glyph.advanceWidth * font.scale;
      run.glyphs.push(glyph);
      run.positions.push({ xAdvance: advance, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth: advance });
      run.advanceWidth += advance;
    }
    return run;
  };
}

/**
 * pdfkit writes the info fields into the XMP packet unescaped, and PDF/A wants both to agree:
 * replace the three XML-special characters with look-alikes rather than escape one copy.
 */
function xmpSafe(value: string): string {
  return value.replace(/&/g, '\uFF06').replace(/</g, '\u2039').replace(/>/g, '\u203A');
}

/**
 * Copies the document's bytes to `out` as pdfkit produces them, honouring back-pressure at the
 * points the renderer chooses (`drain()`), and ends `out` with the document.
 */
export class PdfOutput {
  private needsDrain = false;
  private failure: Error | null = null;
  readonly finished: Promise<void>;
  bytes = 0;

  constructor(
    doc: Doc,
    private readonly out: Writable,
  ) {
    this.finished = new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        this.failure ??= error;
        reject(this.failure);
      };
      out.once('finish', resolve);
      out.once('error', fail);
      // A reader that goes away (a closed download) ends the document: nothing will drain.
      out.once('close', () => {
        if (!out.writableFinished) fail(new Error('the output closed before the document was complete'));
      });
      doc.once('error', fail);
    });
    // A caller that only awaits drain() must not see an unhandled rejection.
    this.finished.catch(() => undefined);
    doc.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      if (this.failure || out.destroyed) return;
      if (!out.write(chunk)) this.needsDrain = true;
    });
    doc.once('end', () => {
      if (!out.destroyed) out.end();
    });
  }

  /** Waits until `out` has taken what was written so far (when it asked to wait). */
  async drain(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.needsDrain || !this.out.writableNeedDrain) {
      this.needsDrain = false;
      return;
    }
    await Promise.race([once(this.out, 'drain'), this.finished]);
    this.needsDrain = false;
    if (this.failure) throw this.failure;
  }
}

/** "2026-12-06 10:00:00 UTC": every printed time names its zone (Part 11 §11.50, Annex 11 §14). */
export function formatDateTimeUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "2026-12-06". */
export function formatDateUtc(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 10);
}

/** "512 B", "3.4 KiB", "1.2 MiB". */
export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 / 1024).toFixed(1)} MiB`;
}

/** The width the content may use between the left and right margins. */
export function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

/** The lowest y content may reach on this page (the footer lives below it). */
export function contentBottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `height` points still fit below the cursor. Returns true when it did. */
export function ensureSpace(doc: Doc, height: number): boolean {
  if (doc.y + height <= contentBottom(doc)) return false;
  doc.addPage();
  return true;
}

/**
 * A document drawn into a stream of PDF bytes: `draw` writes into `out` (ending it); an error
 * while drawing destroys the stream with it, so no reader takes a truncated file for a whole one.
 */
export function streamPdf(draw: (out: PassThrough) => Promise<unknown>): Readable {
  const out = new PassThrough();
  draw(out).catch((error: Error) => out.destroy(error));
  return out;
}
