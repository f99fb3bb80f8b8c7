// The manifestation of an electronic signature on paper (Part 11 §11.50): the signer's printed
// name, the date and time of signing with its time zone, and the meaning — plus the signer's
// role, the reason given, whether the signature is still valid (a record changed after signing
// shows its signature invalid everywhere, DESIGN §7) and the access grant behind the signer.
// A block is never split across pages: a name on one page and its meaning on the next is not a
// signature anyone can read.
import { wrapLines } from './line-wrap.js';
import { drawParagraph } from './text-block.js';
import { COLOR, FONT, SIZE, contentWidth, ensureSpace, formatDateTimeUtc, type Doc } from './pdf-document.js';

export type SignatureState = 'valid' | 'invalid' | 'not-signed';

/** Final strings, ready to draw. */
export interface SignatureManifestation {
  /** e.g. "Approved" — the meaning, as the block's title. */
  heading: string;
  state: SignatureState;
  /** "VALID", "INVALID", "NOT SIGNED". */
  stateLabel: string;
  lines: Array<{ label: string; value: string; tone?: 'problem' | 'good' }>;
}

export interface SignatureFacts {
  signerName: string;
  signerRole: string;
  meaning: string;
  /** ISO time of signing (UTC). */
  signedAt: string;
  reason: string | null;
  valid: boolean;
  problem: string | null;
  /** "signing access granted … by …", when known. */
  signerAccess: string | null;
  /** The record version signed, when a record is signed at several versions (e.g. "change record version 3"). */
  signedVersion?: string | null;
}

/** A signature the record requires (the risk model, the record type). */
export interface RequiredSignature {
  meaning: string;
  roles: string[];
  source?: string;
}

/** The manifestation of a given signature: every §11.50 element as a printed line. */
export function presentSignatureManifestation(signature: SignatureFacts): SignatureManifestation {
  const lines: SignatureManifestation['lines'] = [
    { label: 'Printed name', value: signature.signerName },
    { label: 'Role', value: signature.signerRole },
    { label: 'Date and time', value: formatDateTimeUtc(signature.signedAt) },
    { label: 'Meaning', value: signature.meaning },
  ];
  if (signature.reason) lines.push({ label: 'Reason', value: signature.reason });
  if (signature.signedVersion) lines.push({ label: 'Signed version', value: signature.signedVersion });
  lines.push(
    signature.valid
      ? { label: 'Validity', value: 'valid — bound to this exact record version', tone: 'good' }
      : { label: 'Validity', value: `invalid — ${signature.problem ?? 'the signature does not verify'}`, tone: 'problem' },
  );
  if (signature.signerAccess) lines.push({ label: 'Signing access', value: signature.signerAccess });
  return { heading: capitalize(signature.meaning), state: signature.valid ? 'valid' : 'invalid', stateLabel: signature.valid ? 'VALID' : 'INVALID', lines };
}

/** A required signature not given yet: shown, so a reader sees what is missing. */
export function presentMissingSignature(required: RequiredSignature): SignatureManifestation {
  const lines: SignatureManifestation['lines'] = [
    { label: 'Meaning', value: required.meaning },
    { label: 'Required role', value: required.roles.join(' or ') },
  ];
  if (required.source) lines.push({ label: 'Required by', value: required.source });
  lines.push({ label: 'Status', value: 'not signed', tone: 'problem' });
  return { heading: capitalize(required.meaning), state: 'not-signed', stateLabel: 'NOT SIGNED', lines };
}

/**
 * The requirements no valid signature meets yet. Each valid signature counts once, against the
 * first requirement of its meaning and the signer's role.
 */
export function unmetSignatureRequirements<R extends RequiredSignature>(given: ReadonlyArray<Pick<SignatureFacts, 'meaning' | 'signerRole' | 'valid'>>, required: readonly R[]): R[] {
  const unused = given.filter((s) => s.valid);
  const missing: R[] = [];
  for (const requirement of required) {
    const index = unused.findIndex((s) => s.meaning === requirement.meaning && requirement.roles.includes(s.signerRole));
    if (index >= 0) unused.splice(index, 1);
    else missing.push(requirement);
  }
  return missing;
}

/** A document's signature section: every signature given, then every required one not given. */
export function presentSignatureSection(given: readonly SignatureFacts[], missing: readonly RequiredSignature[]): SignatureManifestation[] {
  return [...given.map((s) => presentSignatureManifestation(s)), ...missing.map((r) => presentMissingSignature(r))];
}

/** Draws the blocks one after another, or `emptyText` when there is none. */
export function drawSignatureBlocks(doc: Doc, blocks: readonly SignatureManifestation[], emptyText: string): void {
  if (blocks.length === 0) {
    drawParagraph(doc, emptyText);
    return;
  }
  for (const block of blocks) drawSignatureBlock(doc, block);
}

const LABEL_WIDTH = 92;
const PAD = 8;

/** Draws one block at the cursor, on the next page if it does not fit whole on this one. */
export function drawSignatureBlock(doc: Doc, block: SignatureManifestation): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  const valueWidth = width - 2 * PAD - LABEL_WIDTH - 6;
  doc.font(FONT.regular).fontSize(SIZE.body);
  const lineHeight = doc.currentLineHeight(true) + 1;
  const wrapped = block.lines.map((line) => wrapLines(doc, line.value, valueWidth));
  doc.font(FONT.bold).fontSize(SIZE.h3);
  const titleHeight = doc.currentLineHeight(true) + 6;
  const height = PAD + titleHeight + wrapped.reduce((sum, l) => sum + l.length, 0) * lineHeight + PAD;
  ensureSpace(doc, height + 8);

  const top = doc.y;
  const accent = block.state === 'valid' ? COLOR.good : COLOR.problem;
  doc.rect(left, top, width, height).lineWidth(0.6).strokeColor(COLOR.rule).stroke();
  doc.rect(left, top, 3, height).fillColor(accent).fill();
  doc.font(FONT.bold).fontSize(SIZE.h3).fillColor(COLOR.accent);
  doc.text(block.heading, left + PAD + 4, top + PAD, { lineBreak: false });
  doc.font(FONT.bold).fontSize(SIZE.small).fillColor(accent);
  const labelWidth = doc.widthOfString(block.stateLabel);
  doc.text(block.stateLabel, left + width - PAD - labelWidth, top + PAD + 1.5, { lineBreak: false });

  let y = top + PAD + titleHeight;
  block.lines.forEach((line, i) => {
    doc.font(FONT.bold).fontSize(SIZE.small).fillColor(COLOR.muted);
    doc.text(line.label, left + PAD + 4, y + 1, { lineBreak: false });
    doc.font(FONT.regular).fontSize(SIZE.body).fillColor(line.tone === 'problem' ? COLOR.problem : line.tone === 'good' ? COLOR.good : COLOR.text);
    for (const text of wrapped[i]!) {
      doc.text(text, left + PAD + 4 + LABEL_WIDTH, y, { lineBreak: false });
      y += lineHeight;
    }
  });
  doc.x = left;
  doc.y = top + height + 8;
  doc.font(FONT.regular).fontSize(SIZE.body).fillColor(COLOR.text);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
