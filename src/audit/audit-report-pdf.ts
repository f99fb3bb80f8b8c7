// The audit-trail report's layout on the documents toolkit: title and filters, the events as a table
// that streams (rows are drawn as they are read, finished pages written out as they fill, so a
// report of 100,000s of events holds a few pages in memory), then the verification appendix.
import type { PassThrough, Readable } from 'node:stream';
import { drawFactList, type Fact } from '../documents/fact-list.js';
import { DocumentHeadings } from '../documents/headings-and-contents.js';
import { PageFrame } from '../documents/page-frame.js';
import { HASH_LABELS } from '../documents/verification-appendix.js';
import { COLOR, FONT, SIZE, PdfOutput, contentWidth, createPdfDocument, streamPdf, type Doc } from '../documents/pdf-document.js';
import { Table, type TableColumn } from '../documents/table.js';
import { drawParagraph, drawSubheading, drawTextBlock } from '../documents/text-block.js';
import type { AuditReportModel, LabelledValue } from './audit-report-presenter.js';

/** Rows drawn between writing finished pages out (and waiting for the reader of the file). */
const ROWS_PER_FLUSH = 250;

const COLUMN_LAYOUT: Record<string, Omit<TableColumn, 'header'>> = {
  seq: { width: 0.5, align: 'right' },
  time: { width: 1.3 },
  actor: { width: 1.2 },
  action: { width: 1.8 },
  record: { width: 1.1 },
  reason: { width: 1.6 },
  change: { width: 2.5 },
};


/** The report as a stream of PDF bytes; an error while drawing destroys the stream with it. */
export function renderAuditReportPdf(model: AuditReportModel): Readable {
  return streamPdf((out) => drawReport(model, out));
}

async function drawReport(model: AuditReportModel, out: PassThrough): Promise<void> {
  const doc = createPdfDocument({ title: `${model.title} ${model.documentId}`, author: model.author, subject: model.subtitle, createdAt: model.createdAt, keywords: 'audit trail, 21 CFR Part 11, Annex 11' });
  const frame = new PageFrame(doc, { title: model.title, documentId: model.documentId, draft: false });
  const output = new PdfOutput(doc, out);
  const headings = new DocumentHeadings(doc, frame);
  doc.addPage();
  drawTitle(doc, model);

  headings.heading('Events', { level: 1, number: '1', newPage: false });
  const table = new Table(doc, { columns: model.columns.map((c) => ({ header: c.header, ...COLUMN_LAYOUT[c.key]! })) });
  const listed = { count: 0, firstSeq: null as number | null, lastSeq: null as number | null };
  for await (const row of model.rows) {
    table.addRow(model.columns.map((c) => row[c.key]));
    listed.count += 1;
    listed.firstSeq ??= Number(row.seq);
    listed.lastSeq = Number(row.seq);
    if (listed.count % ROWS_PER_FLUSH === 0) {
      frame.flush();
      await output.drain();
    }
  }
  table.end(model.noRows);
  drawParagraph(doc, model.summaryOf(listed), { color: COLOR.muted });

  headings.heading('Verification', { level: 1, number: '2' });
  const { verification } = model;
  drawSubheading(doc, 'Hash chain');
  drawParagraph(doc, verification.chain, { color: verification.ok ? COLOR.good : COLOR.problem, font: verification.ok ? 'regular' : 'bold' });
  for (const problem of verification.problems) drawParagraph(doc, problem, { color: COLOR.problem, fontSize: SIZE.small });
  drawSubheading(doc, 'Latest signed checkpoint');
  if (verification.checkpoint) drawFactList(doc, verification.checkpoint.map(toFact), { labelWidth: 110 });
  else drawParagraph(doc, 'No signed checkpoint exists yet: the events are proven by the hash chain alone.', { color: COLOR.problem });
  drawSubheading(doc, 'How to verify');
  drawTextBlock(doc, verification.howToVerify.map((text) => ({ kind: 'bullet' as const, text })));

  frame.finish();
  await output.finished;
}

function drawTitle(doc: Doc, model: AuditReportModel): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.font(FONT.bold).fontSize(SIZE.small).fillColor(COLOR.muted).text(model.documentId, left, doc.y, { width });
  doc.moveDown(0.3);
  doc.font(FONT.bold).fontSize(SIZE.title).fillColor(COLOR.accent).text(model.title, left, doc.y, { width });
  doc.moveDown(0.2);
  doc.font(FONT.regular).fontSize(SIZE.body).fillColor(COLOR.muted).text(model.subtitle, left, doc.y, { width, lineGap: 1.2 });
  doc.moveDown(0.6);
  doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.8).strokeColor(COLOR.accent).stroke();
  doc.y += 8;
  drawSubheading(doc, 'Filters');
  drawFactList(doc, model.filters.map(toFact), { labelWidth: 110 });
  drawSubheading(doc, 'Generated');
  drawFactList(doc, model.generated.map(toFact), { labelWidth: 110 });
  doc.y += 6;
}

function toFact(value: LabelledValue): Fact {
  return { label: value.label, value: value.value, mono: HASH_LABELS.has(value.label) };
}
