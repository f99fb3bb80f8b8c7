// PLACEHOLDER until the documents toolkit lands.
import PDFDocument from 'pdfkit';
import type { Readable } from 'node:stream';
import type { RunEvidenceModel } from './run-evidence-presenter.js';

export function renderRunEvidencePdf(model: RunEvidenceModel): Readable {
  const doc = new PDFDocument({ size: 'A4' });
  doc.fontSize(16).text(model.title);
  if (model.watermark) doc.text(model.watermark);
  for (const f of [...model.generated, ...model.run, ...model.plan.facts]) doc.fontSize(9).text(`${f.label}: ${f.value}`);
  for (const s of model.steps) doc.text(`${s.position} ${s.name} ${s.status}\n${s.expected}\n${s.actual}\n${s.evidence}`);
  for (const e of model.evidence) doc.text(`${e.digest} ${e.what}`);
  for (const b of model.signatures) doc.text(`${b.printedName} ${b.meaning} ${b.signedAt} ${b.validity}`);
  for (const d of model.deviations) {
    doc.text(d.heading);
    for (const b of d.signatures) doc.text(`${b.printedName} ${b.meaning} ${b.signedAt} ${b.validity}`);
  }
  doc.end();
  return doc as unknown as Readable;
}
