import { expect } from 'chai';
import { drawParagraph } from '../../src/documents/text-block.js';
import { readPdf, renderFramed } from '../support/pdf-reading.js';

function manyPages(count: number) {
  return (doc: PDFKit.PDFDocument) => {
    for (let i = 1; i <= count; i += 1) {
      if (i > 1) doc.addPage();
      drawParagraph(doc, `Body of page ${i}.`);
    }
  };
}

describe('the page frame', () => {
  it('prints "Page N of M" and the document id on every page', async () => {
    const { pages } = await readPdf(await renderFramed(manyPages(5), { documentId: 'VP-0042 v3', title: 'Validation package VP-0042' }));
    expect(pages).to.have.length(5);
    pages.forEach((text, i) => {
      expect(text).to.contain(`Page ${i + 1} of 5`);
      expect(text.match(/VP-0042 v3/g), 'id in header and footer').to.have.length(2);
      expect(text).to.contain('Validation package VP-0042');
      expect(text).to.contain(`Body of page ${i + 1}.`);
    });
  });

  it('counts pages written out early (streamed) the same as the rest', async () => {
    const { pages } = await readPdf(
      await renderFramed((doc, frame) => {
        for (let i = 1; i <= 7; i += 1) {
          if (i > 1) doc.addPage();
          drawParagraph(doc, `Body of page ${i}.`);
          if (i % 3 === 0) frame.flush();
        }
      }),
    );
    expect(pages.map((t) => /Page (\d+) of (\d+)/.exec(t)?.slice(1).join('/'))).to.deep.equal(['1/7', '2/7', '3/7', '4/7', '5/7', '6/7', '7/7']);
  });

  it('marks every page DRAFT while the record is not approved', async () => {
    const { pages } = await readPdf(await renderFramed(manyPages(3), { draft: true }));
    for (const text of pages) expect(text).to.contain('DRAFT').and.to.contain('not approved');
  });

  it('carries no DRAFT mark once approved', async () => {
    const { text } = await readPdf(await renderFramed(manyPages(3), { draft: false }));
    expect(text).not.to.contain('DRAFT');
  });

  it('prints the mark note under every header when one is given', async () => {
    const { pages } = await readPdf(await renderFramed(manyPages(2), { draft: true, draftText: 'OPEN', markNote: 'OPEN — approved for testing' }));
    for (const text of pages) expect(text).to.contain('OPEN — approved for testing').and.not.to.contain('not approved');
  });
});
