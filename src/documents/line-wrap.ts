// Wraps text into lines that fit a width in the document's current font and size. Tables measure
// a row once with this and then draw exactly those lines, so what was measured is what is drawn,
// and a row taller than a page can be split between lines. Words longer than the width (digests,
// URLs, JSON without spaces) break between characters rather than run over the next column.
import type { Doc } from './pdf-document.js';

/** The lines `text` takes at `width` in the current font; '\n' always breaks. */
export function wrapLines(doc: Doc, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.replace(/\r\n?/g, '\n').replace(/\t/g, '  ').split('\n')) {
    if (paragraph.length === 0) {
      lines.push('');
      continue;
    }
    if (doc.widthOfString(paragraph) <= width) {
      lines.push(paragraph);
      continue;
    }
    wrapParagraph(doc, paragraph, width, lines);
  }
  return lines;
}

function wrapParagraph(doc: Doc, paragraph: string, width: number, lines: string[]): void {
  // Keep the indentation of indented text (pretty-printed JSON reads better with it).
  const indent = /^ */.exec(paragraph)![0];
  const words = paragraph.slice(indent.length).split(/ +/);
  const space = doc.widthOfString(' ');
  let line = indent;
  let lineWidth = indent ? doc.widthOfString(indent) : 0;
  for (const word of words) {
    if (!word) continue;
    const wordWidth = doc.widthOfString(word);
    const startsLine = line.trim().length === 0;
    if (!startsLine && lineWidth + space + wordWidth <= width) {
      line += ` ${word}`;
      lineWidth += space + wordWidth;
      continue;
    }
    if (startsLine && lineWidth + wordWidth <= width) {
      line += word;
      lineWidth += wordWidth;
      continue;
    }
    if (!startsLine) lines.push(line);
    if (wordWidth <= width) {
      line = word;
      lineWidth = wordWidth;
      continue;
    }
    // A word wider than the column: break it where it reaches the edge.
    let rest = word;
    let restWidth = wordWidth;
    while (restWidth > width) {
      const cut = fittingLength(doc, rest, width);
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
      restWidth = doc.widthOfString(rest);
    }
    line = rest;
    lineWidth = restWidth;
  }
  if (line.trim().length > 0) lines.push(line);
}

/**
 * How many leading characters of `word` fit `width`: up to the last hyphen, slash or dot that
 * fits when there is one (ids like IF-SER-TP-009-R03 break between their parts), else as many
 * characters as fit — at least one, so wrapping always ends.
 */
function fittingLength(doc: Doc, word: string, width: number): number {
  let used = 0;
  let index = 0;
  let lastBreak = 0;
  for (const char of word) {
    // Characters are measured one by one: the font caches them, not every prefix of the word.
    const w = doc.widthOfString(char);
    if (used + w > width && index > 0) break;
    used += w;
    index += char.length;
    if (BREAK_AFTER.has(char) && index < word.length) lastBreak = index;
  }
  return Math.max(lastBreak > index / 3 ? lastBreak : index, 1);
}

const BREAK_AFTER = new Set(['-', '/', '.', '_', ',', ';', ':', '&', '?']);
