// PLACEHOLDER until the documents toolkit lands: draws the audit report model as plain text.
import PDFDocument from 'pdfkit';
import type { Readable } from 'node:stream';
import type { AuditReportModel } from './audit-report-presenter.js';

export function renderAuditReportPdf(model: AuditReportModel): Readable {
  const doc = new PDFDocument({ size: 'A4' });
  const draw = async () => {
    doc.fontSize(16).text(model.title);
    for (const f of [...model.filters, ...model.generated]) doc.fontSize(9).text(`${f.label}: ${f.value}`);
    let count = 0;
    let firstSeq: number | null = null;
    let lastSeq: number | null = null;
    for await (const row of model.rows) {
      count += 1;
      firstSeq ??= Number(row.seq);
      lastSeq = Number(row.seq);
      doc.text(model.columns.map((c) => row[c.key]).join(' | '));
    }
    doc.text(model.summaryOf({ count, firstSeq, lastSeq }));
    doc.text(model.verification.chain);
    for (const f of model.verification.checkpoint ?? []) doc.text(`${f.label}: ${f.value}`);
  };
  draw().then(() => doc.end(), (error: Error) => doc.destroy(error));
  return doc as unknown as Readable;
}
