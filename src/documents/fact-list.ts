// Label–value pairs ("Environment: test", "Digest: sha256…") drawn as two aligned columns: the
// header facts of a run, the cover's details, the appendix's digests. A pair never splits.
import { wrapLines } from './line-wrap.js';
import { COLOR, FONT, SIZE, contentWidth, ensureSpace, type Doc } from './pdf-document.js';

export interface Fact {
  label: string;
  value: string;
  /** Digests, keys and ids: monospace, so a reader can compare them character by character. */
  mono?: boolean;
  tone?: 'normal' | 'problem' | 'good';
}

export interface FactListOptions {
  labelWidth?: number;
  fontSize?: number;
  /** Left edge; the margin by default. */
  x?: number;
  width?: number;
}

/** Draws the facts at the cursor; the cursor ends below them. */
export function drawFactList(doc: Doc, facts: Fact[], options: FactListOptions = {}): void {
  const size = options.fontSize ?? SIZE.body;
  const left = options.x ?? doc.page.margins.left;
  const width = options.width ?? contentWidth(doc);
  const labelWidth = options.labelWidth ?? 120;
  const valueWidth = width - labelWidth;
  for (const fact of facts) {
    doc.font(FONT.bold).fontSize(size);
    const lineHeight = doc.currentLineHeight(true) + 1;
    const labelLines = wrapLines(doc, fact.label, labelWidth - 8);
    doc.font(fact.mono ? FONT.mono : FONT.regular).fontSize(fact.mono ? size - 0.8 : size);
    const lines = wrapLines(doc, fact.value || '—', valueWidth);
    const count = Math.max(lines.length, labelLines.length);
    ensureSpace(doc, count * lineHeight + 2);
    const top = doc.y;
    doc.font(FONT.bold).fontSize(size).fillColor(COLOR.muted);
    labelLines.forEach((line, i) => doc.text(line, left, top + i * lineHeight, { lineBreak: false }));
    doc.font(fact.mono ? FONT.mono : FONT.regular).fontSize(fact.mono ? size - 0.8 : size);
    doc.fillColor(fact.tone === 'problem' ? COLOR.problem : fact.tone === 'good' ? COLOR.good : COLOR.text);
    lines.forEach((line, i) => {
      if (line) doc.text(line, left + labelWidth, top + i * lineHeight + (fact.mono ? 0.6 : 0), { lineBreak: false });
    });
    doc.y = top + count * lineHeight + 2;
  }
  doc.x = left;
  doc.font(FONT.regular).fontSize(SIZE.body).fillColor(COLOR.text);
}
