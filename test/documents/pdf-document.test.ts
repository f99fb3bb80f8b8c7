import { expect } from 'chai';
import { formatDateTimeUtc } from '../../src/documents/pdf-document.js';
import { drawParagraph } from '../../src/documents/text-block.js';
import { Table } from '../../src/documents/table.js';
import { readPdf, renderFramed } from '../support/pdf-reading.js';

const STANDARD_14 = ['Helvetica', 'Times-Roman', 'Times-Bold', 'Courier', 'Symbol', 'ZapfDingbats'];

function sample(doc: PDFKit.PDFDocument): void {
  drawParagraph(doc, 'Zürich — 1.5 ≥ 1 ✓ Ελληνικά кириллица', { font: 'bold' });
  const table = new Table(doc, { columns: [{ header: 'Digest', width: 1, font: 'mono' }] });
  table.addRow(['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08']);
  table.end();
}

describe('PDF documents', () => {
  it('embeds its fonts (no standard-14 font is referenced) and keeps the text extractable', async () => {
    const bytes = await renderFramed(sample);
    const raw = bytes.toString('latin1');
    for (const name of STANDARD_14) expect(raw).not.to.match(new RegExp(`/BaseFont /${name}\\b`));
    expect(raw).to.contain('/FontFile2');
    expect(raw).to.match(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
    expect(raw).to.match(/\/BaseFont \/[A-Z]{6}\+DejaVuSansMono\b/);
    const { text } = await readPdf(bytes);
    expect(text).to.contain('Zürich — 1.5 ≥ 1 ✓ Ελληνικά кириллица');
    expect(text).to.contain('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
  });

  it('identifies itself as PDF/A-2b, with an sRGB output intent and its metadata', async () => {
    const bytes = await renderFramed(sample, {}, { title: 'Validation package VP-0003 v2 — R&D <test>', author: 'Ada Auditor' });
    const raw = bytes.toString('latin1');
    expect(raw.startsWith('%PDF-1.7')).to.equal(true);
    expect(raw).to.contain('<pdfaid:part>2</pdfaid:part>').and.to.contain('<pdfaid:conformance>B</pdfaid:conformance>');
    expect(raw).to.contain('/S /GTS_PDFA1').and.to.contain('/DestOutputProfile');
    expect(raw).to.contain('<xmp:CreateDate>2026-12-06T10:00:00Z</xmp:CreateDate>');
    // XML-special characters in the title would break the XMP packet: they are replaced by look-alikes.
    expect(raw).not.to.contain('R&D <test>');
    const { info } = await readPdf(bytes);
    expect(info).to.include({ Title: 'Validation package VP-0003 v2 — R＆D ‹test›', Author: 'Ada Auditor' });
  });

  it('gives the same bytes for the same input: no clock, no random id', async () => {
    const first = await renderFramed(sample, { draft: true });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await renderFramed(sample, { draft: true });
    expect(second.equals(first)).to.equal(true);
    const other = await renderFramed(sample, { draft: true }, { createdAt: '2026-12-07T10:00:00.000Z' });
    expect(other.equals(first)).to.equal(false);
  });

  it('prints times in UTC with the zone named', () => {
    expect(formatDateTimeUtc('2026-12-06T11:00:00+01:00')).to.equal('2026-12-06 10:00:00 UTC');
  });
});
