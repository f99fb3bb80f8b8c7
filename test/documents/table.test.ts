import { expect } from 'chai';
import { contentBottom } from '../../src/documents/pdf-document.js';
import { Table } from '../../src/documents/table.js';
import { readPdf, renderFramed } from '../support/pdf-reading.js';

const COLUMNS = [
  { header: 'Row key', width: 1 },
  { header: 'Digest column', width: 4, font: 'mono' as const },
  { header: 'Remarks', width: 3 },
];

/** Each row's first and last words are unique, so a row split between pages is visible. */
function row(i: number): string[] {
  return [`ROW${i}`, `digest${i} ${'ab'.repeat(32)}`, `start${i} ${'words that wrap onto a second line '.repeat(2)}end${i}`];
}

describe('tables in documents', () => {
  it('breaks across pages between rows, repeating the header on every page, never splitting a row', async () => {
    const bytes = await renderFramed((doc) => {
      const table = new Table(doc, { columns: COLUMNS, continued: 'Test table (continued)' });
      for (let i = 1; i <= 150; i += 1) table.addRow(row(i), i % 10 === 0 ? 'problem' : 'normal');
      table.end();
    });
    const { pages } = await readPdf(bytes);
    expect(pages.length).to.be.greaterThan(3);
    const seen: number[] = [];
    pages.forEach((text, page) => {
      // Later pages say whose rows they continue.
      if (page === 0) expect(text).not.to.contain('(continued)');
      else expect(text).to.match(/^Test table \(continued\)/);
      // The header comes first on each page, above its rows.
      expect(text).to.match(/Row key\s+Digest column\s+Remarks/);
      const onPage = [...text.matchAll(/\bROW(\d+)\b/g)].map((m) => Number(m[1]));
      expect(onPage.length, 'rows on a page').to.be.greaterThan(0);
      for (const i of onPage) {
        expect(text, `row ${i} whole on one page`).to.contain(`start${i}`).and.to.contain(`end${i}`).and.to.contain(`digest${i}`);
      }
      seen.push(...onPage);
    });
    expect(seen).to.deep.equal(Array.from({ length: 150 }, (_, i) => i + 1));
  });

  it('never leaves a header alone at the foot of a page', async () => {
    const bytes = await renderFramed((doc) => {
      doc.text('Filler before the table.', 56, contentBottom(doc) - 40);
      doc.y = contentBottom(doc) - 25;
      const table = new Table(doc, { columns: COLUMNS });
      table.addRow(row(1));
      table.end();
    });
    const { pages } = await readPdf(bytes);
    expect(pages).to.have.length(2);
    expect(pages[0]).to.contain('Filler before the table.').and.not.to.contain('Row key');
    expect(pages[1]).to.contain('Row key').and.to.contain('ROW1');
  });

  it('splits a row taller than a page between lines, with the header above each part', async () => {
    const lines = Array.from({ length: 160 }, (_, i) => `line-${i + 1}`).join('\n');
    const bytes = await renderFramed((doc) => {
      const table = new Table(doc, { columns: COLUMNS });
      table.addRow(['LONG', 'digest', lines]);
      table.addRow(row(2));
      table.end();
    });
    const { pages } = await readPdf(bytes);
    expect(pages.length).to.be.greaterThan(1);
    for (const text of pages) expect(text).to.contain('Row key');
    const all = pages.join('\n');
    for (let i = 1; i <= 160; i += 1) expect(all).to.match(new RegExp(`\\bline-${i}\\b`));
    expect(pages[pages.length - 1]).to.contain('ROW2');
  });

  it('wraps long cell text inside its column and shows an empty table as such', async () => {
    const bytes = await renderFramed((doc) => {
      const table = new Table(doc, { columns: COLUMNS });
      table.addRow(['K', 'x'.repeat(200), 'IF-SER-TP-009-R03-and-a-very-long-identifier-without-spaces']);
      table.end();
      new Table(doc, { columns: COLUMNS }).end('No rows at all.');
    });
    const { text } = await readPdf(bytes);
    expect(text.replace(/\s+/g, '')).to.contain('x'.repeat(200));
    expect(text).to.contain('No rows at all.');
    // Identifiers break at their hyphens, not in the middle of a part.
    expect(text).to.match(/IF-SER-TP-009-/);
  });

  it('draws a badge column\'s known words as badges, still as text a reader extracts', async () => {
    const { text } = await readPdf(
      await renderFramed((doc) => {
        const table = new Table(doc, { columns: [{ header: 'Item', width: 2 }, { header: 'Rating', width: 1, font: 'bold', badges: { High: '#a3161b' } }] });
        table.addRow(['MULE-1', 'High']);
        table.addRow(['MULE-2', 'Unrated']);
        table.end();
      }),
    );
    expect(text.replace(/\s+/g, ' ')).to.contain('MULE-1 High').and.to.contain('MULE-2 Unrated');
  });
});
