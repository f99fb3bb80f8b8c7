// The run evidence PDF's layout on the documents toolkit. It only draws the model
// (run-evidence-presenter.ts): the run, plan, steps, evidence index, signatures, deviations and the
// verification section, each a numbered section with a bookmark. A dry run carries "DRY RUN — NOT
// FOR RECORD" on every page, above the content and across it.
import type { PassThrough, Readable } from 'node:stream';
import { drawFactList, type Fact } from '../documents/fact-list.js';
import { DocumentHeadings } from '../documents/headings-and-contents.js';
import { PageFrame } from '../documents/page-frame.js';
import { HASH_LABELS } from '../documents/verification-appendix.js';
import { COLOR, FONT, SIZE, PdfOutput, contentWidth, createPdfDocument, streamPdf, type Doc } from '../documents/pdf-document.js';
import { drawSignatureBlock } from '../documents/signature-block.js';
import { drawTable } from '../documents/table.js';
import { drawParagraph, drawSubheading } from '../documents/text-block.js';
import type { LabelledValue, RunEvidenceModel } from './run-evidence-presenter.js';


/** The PDF as a stream of bytes; an error while drawing destroys the stream with it. */
export function renderRunEvidencePdf(model: RunEvidenceModel): Readable {
  return streamPdf((out) => drawRunEvidence(model, out));
}

async function drawRunEvidence(model: RunEvidenceModel, out: PassThrough): Promise<void> {
  const doc = createPdfDocument({ title: model.title, author: model.author, subject: model.subtitle, createdAt: model.createdAt, keywords: `${model.documentId}, run evidence, 21 CFR Part 11` });
  const frame = new PageFrame(doc, { title: model.title, documentId: model.documentId, draft: false });
  const output = new PdfOutput(doc, out);
  const headings = new DocumentHeadings(doc, frame);
  if (model.watermark) markEveryPage(doc, model.watermark);
  doc.addPage();
  drawTitle(doc, model);

  headings.heading('Run', { level: 1, number: '1', newPage: false });
  drawFactList(doc, model.run.map((fact) => toFact(fact, fact.label === 'Status' ? (/^PASSED/.test(fact.value) ? 'good' : 'problem') : fact.label === 'For record' && model.watermark ? 'problem' : 'normal')), { labelWidth: 100 });

  headings.heading('Plan and assurance', { level: 1, number: '2', newPage: false });
  drawParagraph(doc, model.plan.reason);
  drawFactList(doc, model.plan.facts.map((fact) => toFact(fact)), { labelWidth: 120 });
  drawSubheading(doc, 'Scenarios planned');
  drawTable(
    doc,
    { columns: [{ header: 'Scenario', width: 2.2 }, { header: 'Version', width: 0.7, align: 'right' }, { header: 'Category', width: 1 }, { header: 'SHA-256 of the version run', width: 4.3, font: 'mono' }] },
    model.plan.scenarios.map((s) => ({ cells: [s.key, s.version, s.category, s.digest] })),
  );
  for (const line of model.plan.notRun) drawParagraph(doc, line, { color: COLOR.problem });

  headings.heading('Steps: expected and actual', { level: 1, number: '3' });
  drawTable(
    doc,
    { columns: [{ header: '#', width: 0.35, align: 'right' }, { header: 'Step', width: 2.1 }, { header: 'Expected', width: 2.4 }, { header: 'Actual', width: 2.9 }, { header: 'Result', width: 0.85, font: 'bold' }] },
    model.steps.map((step) => ({
      cells: [step.position, `${step.name}\n${step.scenario}\nRequirements: ${step.requirements}`, step.expected, step.message ? `${step.actual}\n\n${step.message}` : step.actual, `${step.status}\n${step.duration}`],
      tone: step.passed ? ('normal' as const) : ('problem' as const),
    })),
    'The run recorded no step.',
  );
  await flushPages(frame, output);

  headings.heading('Evidence index', { level: 1, number: '4' });
  drawParagraph(doc, 'Every item is kept content-addressed in the evidence store under its SHA-256 digest (GET /api/v1/evidence/{digest}); each file was re-hashed as this document was generated.', { color: COLOR.muted, fontSize: SIZE.small });
  drawTable(
    doc,
    { columns: [{ header: 'SHA-256', width: 3.15, font: 'mono' }, { header: 'Item', width: 1.85 }] },
    model.evidence.map((e) => ({ cells: [e.digest, `${e.what}\n${e.mediaType}, ${e.size}\n${e.captured}\nfile: ${e.check}`], tone: e.intact ? ('normal' as const) : ('problem' as const) })),
    model.noEvidence,
  );
  await flushPages(frame, output);

  headings.heading('Signatures on the run', { level: 1, number: '5', newPage: false });
  if (model.noSignatures) drawParagraph(doc, model.noSignatures, { color: COLOR.muted });
  for (const block of model.signatures) drawSignatureBlock(doc, block);

  headings.heading('Deviations', { level: 1, number: '6', newPage: false });
  if (model.noDeviations) drawParagraph(doc, model.noDeviations, { color: COLOR.muted });
  model.deviations.forEach((deviation, i) => {
    headings.heading(deviation.heading, { level: 2, number: `6.${i + 1}` });
    drawFactList(doc, deviation.fields.map((fact) => toFact(fact, fact.label === 'Status' ? (/^closed/.test(fact.value) ? 'good' : 'problem') : 'normal')), { labelWidth: 100 });
    if (deviation.noSignatures) drawParagraph(doc, deviation.noSignatures, { color: COLOR.muted });
    for (const block of deviation.signatures) drawSignatureBlock(doc, block);
  });
  await flushPages(frame, output);

  headings.heading('Verification', { level: 1, number: '7' });
  drawSubheading(doc, 'Checks when this document was generated');
  drawFactList(doc, model.verification.checks.map((check) => toFact(check, check.ok ? 'good' : 'problem')), { labelWidth: 130 });
  drawSubheading(doc, 'Audit trail of the run and its deviations');
  drawTable(
    doc,
    { columns: [{ header: 'Seq', width: 0.55, align: 'right' }, { header: 'Time (UTC)', width: 1.35 }, { header: 'Actor', width: 1.3 }, { header: 'Action', width: 1.85 }, { header: 'Record', width: 1.1 }, { header: 'Reason', width: 1.6 }] },
    model.verification.audit.map((row) => ({ cells: [row.seq, row.time, row.actor, row.action, row.record, row.reason] })),
  );
  drawParagraph(doc, model.verification.auditSummary, { color: COLOR.muted, fontSize: SIZE.small });
  drawSubheading(doc, 'Latest signed audit checkpoint');
  if (model.verification.checkpoint) drawFactList(doc, model.verification.checkpoint.map((fact) => toFact(fact)), { labelWidth: 110 });
  else drawParagraph(doc, 'No signed checkpoint exists yet: these events are proven by the hash chain alone.', { color: COLOR.problem });

  frame.finish();
  await output.finished;
}

function drawTitle(doc: Doc, model: RunEvidenceModel): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.font(FONT.bold).fontSize(SIZE.small).fillColor(COLOR.muted).text(model.documentId, left, doc.y, { width });
  doc.moveDown(0.3);
  doc.font(FONT.bold).fontSize(SIZE.title - 2).fillColor(COLOR.accent).text(model.title, left, doc.y, { width });
  doc.moveDown(0.2);
  doc.font(FONT.regular).fontSize(SIZE.body).fillColor(COLOR.muted).text(model.subtitle, left, doc.y, { width, lineGap: 1.2 });
  doc.moveDown(0.4);
  drawFactList(doc, model.generated.map((fact) => toFact(fact)), { labelWidth: 100, fontSize: SIZE.small });
  doc.moveTo(left, doc.y + 2).lineTo(left + width, doc.y + 2).lineWidth(0.8).strokeColor(COLOR.accent).stroke();
  doc.y += 10;
}

/**
 * Puts the mark on every page as it is added: a line in the band between the header and the content,
 * and the words large and faint across the page, under what is drawn on it.
 */
function markEveryPage(doc: Doc, text: string): void {
  doc.on('pageAdded', () => {
    const { x, y } = doc;
    const page = doc.page;
    doc.save();
    doc.font(FONT.bold).fontSize(SIZE.small).fillColor(COLOR.watermark);
    doc.text(text, page.width / 2 - doc.widthOfString(text) / 2, page.margins.top - 13, { lineBreak: false });
    doc.fontSize(40);
    const width = doc.widthOfString(text);
    const cx = page.width / 2;
    const cy = page.height / 2;
    doc.rotate(-50, { origin: [cx, cy] });
    doc.fillColor(COLOR.watermark).fillOpacity(0.08);
    doc.text(text, cx - width / 2, cy - 20, { lineBreak: false });
    doc.restore();
    doc.font(FONT.regular).fontSize(SIZE.body).fillColor(COLOR.text);
    doc.x = x;
    doc.y = y;
  });
}

/** Writes the finished pages out and lets the file catch up (a run can have thousands of steps). */
async function flushPages(frame: PageFrame, output: PdfOutput): Promise<void> {
  frame.flush();
  await output.drain();
}

function toFact(value: LabelledValue, tone: 'normal' | 'problem' | 'good' = 'normal'): Fact {
  return { label: value.label, value: value.value, mono: HASH_LABELS.has(value.label), tone };
}
