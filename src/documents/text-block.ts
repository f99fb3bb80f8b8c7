// Prose from the document templates, drawn as the templates write it: a "## Title" line starts a
// section, a "- " line is a bullet, anything else is a paragraph (consecutive lines join). The
// parse is separate from the drawing so presenters can hand a tested structure to the layout.
import { COLOR, FONT, SIZE, contentWidth, ensureSpace, type Doc } from './pdf-document.js';

export type TextBlockPart = { kind: 'heading'; text: string } | { kind: 'paragraph'; text: string } | { kind: 'bullet'; text: string };

/** Splits template output into headings, paragraphs and bullets. */
export function parseTextBlock(text: string): TextBlockPart[] {
  const parts: TextBlockPart[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length) parts.push({ kind: 'paragraph', text: paragraph.join(' ') });
    paragraph = [];
  };
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (!line) {
      endParagraph();
    } else if (line.startsWith('## ')) {
      endParagraph();
      parts.push({ kind: 'heading', text: line.slice(3).trim() });
    } else if (line.startsWith('- ')) {
      endParagraph();
      parts.push({ kind: 'bullet', text: line.slice(2).trim() });
    } else {
      // A bullet's continuation line (indented in the template) is not a new paragraph.
      const last = parts[parts.length - 1];
      if (!paragraph.length && last?.kind === 'bullet' && /^\s/.test(raw)) last.text += ` ${line}`;
      else paragraph.push(line);
    }
  }
  endParagraph();
  return parts;
}

/**
 * Template output of several keyed texts, as section-intros templates write them: a "## key" line
 * (one word) starts the text of `key`. Keys not in `keys` are dropped.
 */
export function parseKeyedTextBlocks<K extends string>(text: string, keys: readonly K[]): Partial<Record<K, TextBlockPart[]>> {
  const blocks: Partial<Record<K, TextBlockPart[]>> = {};
  let key: string | null = null;
  let lines: string[] = [];
  const end = () => {
    if (key !== null && (keys as readonly string[]).includes(key)) blocks[key as K] = parseTextBlock(lines.join('\n'));
    lines = [];
  };
  for (const line of text.split('\n')) {
    const heading = /^##\s+(\S+)\s*$/.exec(line.trim());
    if (heading) {
      end();
      key = heading[1]!;
    } else {
      lines.push(line);
    }
  }
  end();
  return blocks;
}

export interface TextBlockOptions {
  /** Draws a "## Title" heading; the default is a bold subheading (no contents entry). */
  heading?: (text: string) => void;
  fontSize?: number;
}

const BULLET_INDENT = 12;

/** Draws parsed parts (or raw template text) at the cursor, across pages as needed. */
export function drawTextBlock(doc: Doc, block: string | TextBlockPart[], options: TextBlockOptions = {}): void {
  const parts = typeof block === 'string' ? parseTextBlock(block) : block;
  const size = options.fontSize ?? SIZE.body;
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  for (const part of parts) {
    if (part.kind === 'heading') {
      if (options.heading) options.heading(part.text);
      else drawSubheading(doc, part.text);
      continue;
    }
    doc.font(FONT.regular).fontSize(size);
    // Start a paragraph or bullet only where it fits whole, or at least two of its lines do.
    const textWidth = part.kind === 'bullet' ? width - BULLET_INDENT : width;
    const lineHeight = doc.currentLineHeight(true) + 1.2;
    ensureSpace(doc, Math.min(doc.heightOfString(part.text, { width: textWidth, lineGap: 1.2 }), lineHeight * 2) + 1);
    doc.fillColor(COLOR.text);
    if (part.kind === 'bullet') {
      const y = doc.y;
      doc.text('•', left + 3, y, { lineBreak: false });
      doc.text(part.text, left + BULLET_INDENT, y, { width: width - BULLET_INDENT, lineGap: 1.2 });
      doc.moveDown(0.25);
    } else {
      doc.text(part.text, left, doc.y, { width, lineGap: 1.2 });
      doc.moveDown(0.5);
    }
    doc.x = left;
  }
}

/** A bold run-in heading kept with the two lines that follow it. */
export function drawSubheading(doc: Doc, text: string): void {
  doc.font(FONT.bold).fontSize(SIZE.h3);
  ensureSpace(doc, doc.currentLineHeight(true) * 4);
  doc.moveDown(0.2);
  doc.fillColor(COLOR.accent).text(text, doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  doc.moveDown(0.25);
  doc.font(FONT.regular).fontSize(SIZE.body).fillColor(COLOR.text);
}

/** One paragraph of plain text at the cursor. */
export function drawParagraph(doc: Doc, text: string, options: { color?: string; fontSize?: number; font?: 'regular' | 'bold' } = {}): void {
  doc.font(options.font === 'bold' ? FONT.bold : FONT.regular).fontSize(options.fontSize ?? SIZE.body);
  ensureSpace(doc, doc.currentLineHeight(true) * 2);
  doc.fillColor(options.color ?? COLOR.text).text(text, doc.page.margins.left, doc.y, { width: contentWidth(doc), lineGap: 1.2 });
  doc.moveDown(0.5);
  doc.x = doc.page.margins.left;
}
