// Label–value pairs ("Environment: test", "Digest: sha256…") drawn as two aligned columns: the
// header facts of a run, the cover's details, the appendix's digests. A list that fits on a page
// is kept on one page; a pair never splits.
import { wrapLines } from './line-wrap.js';
import { COLOR, FONT, SIZE, contentBottom, contentWidth, ensureSpace, type Doc } from './pdf-document.js';

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

interface LaidOutFact {
  fact: Fact;
  labelLines: string[];
  valueLines: string[];
  height: number;
}

function layOut(doc: Doc, facts: Fact[], options: FactListOptions): { items: LaidOutFact[]; lineHeight: number; size: number } {
  const size = options.fontSize ?? SIZE.body;
  const width = options.width ?? contentWidth(doc);
  const labelWidth = options.labelWidth ?? 120;
  doc.font(FONT.bold).fontSize(size);
  const lineHeight = doc.currentLineHeight(true) + 1;
  const items = facts.map((fact) => {
    doc.font(FONT.bold).fontSize(size);
    const labelLines = wrapLines(doc, fact.label, labelWidth - 8);
    doc.font(fact.mono ? FONT.mono : FONT.regular).fontSize(fact.mono ? size - 0.8 : size);
    const valueLines = wrapLines(doc, fact.value || '—', width - labelWidth);
    return { fact, labelLines, valueLines, height: Math.max(labelLines.length, valueLines.length) * lineHeight + 2 };
  });
  return { items, lineHeight, size };
}

/** The height the facts take when drawn (to keep a heading with them). */
export function factListHeight(doc: Doc, facts: Fact[], options: FactListOptions = {}): number {
  return layOut(doc, facts, options).items.reduce((sum, item) => sum + item.height, 0);
}

/** Draws the facts at the cursor; the cursor ends below them. */
export function drawFactList(doc: Doc, facts: Fact[], options: FactListOptions = {}): void {
  const left = options.x ?? doc.page.margins.left;
  const labelWidth = options.labelWidth ?? 120;
  const { items, lineHeight, size } = layOut(doc, facts, options);
  const total = items.reduce((sum, item) => sum + item.height, 0);
  if (total <= contentBottom(doc) - doc.page.margins.top) ensureSpace(doc, total);
  for (const { fact, labelLines, valueLines, height } of items) {
    ensureSpace(doc, height);
    const top = doc.y;
    doc.font(FONT.bold).fontSize(size).fillColor(COLOR.muted);
    labelLines.forEach((line, i) => doc.text(line, left, top + i * lineHeight, { lineBreak: false }));
    doc.font(fact.mono ? FONT.mono : FONT.regular).fontSize(fact.mono ? size - 0.8 : size);
    doc.fillColor(fact.tone === 'problem' ? COLOR.problem : fact.tone === 'good' ? COLOR.good : COLOR.text);
    valueLines.forEach((line, i) => {
      if (line) doc.text(line, left + labelWidth, top + i * lineHeight + (fact.mono ? 0.6 : 0), { lineBreak: false });
    });
    doc.y = top + height;
  }
  doc.x = left;
  doc.font(FONT.regular).fontSize(SIZE.body).fillColor(COLOR.text);
}
