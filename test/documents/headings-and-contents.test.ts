import { expect } from 'chai';
import { DocumentHeadings, drawCoverPage } from '../../src/documents/headings-and-contents.js';
import { drawParagraph } from '../../src/documents/text-block.js';
import { readPdf, renderFramed } from '../support/pdf-reading.js';

describe('cover, headings and contents', () => {
  async function document() {
    return renderFramed((doc, frame) => {
      drawCoverPage(doc, {
        kind: 'Validation package',
        title: 'Serialization interfaces',
        subtitle: 'VP-0003 · version 2',
        status: { label: 'IN REVIEW', tone: 'draft' },
        facts: [{ label: 'Generated', value: '2026-12-06 10:00:00 UTC by Ada Auditor' }],
        lists: [{ title: 'Scope', items: ['IF-SER-TP-001 at contract version 2'] }],
        note: 'Cover note.',
      });
      const headings = new DocumentHeadings(doc, frame);
      headings.reserveContents(4);
      headings.heading('Validation plan', { level: 1, number: '1' });
      headings.heading('Purpose', { level: 2, number: '1.1' });
      drawParagraph(doc, 'Plan text.');
      headings.heading('Trace matrix', { level: 1, number: '2' });
      for (let i = 0; i < 80; i += 1) drawParagraph(doc, `Trace line ${i}.`);
      headings.heading('Signatures', { level: 1, number: '3' });
      headings.heading('A minor heading', { level: 3 });
      frame.flush();
      headings.fillContents();
    });
  }

  it('puts the contents after the cover, with the page each heading starts on', async () => {
    const { pages } = await readPdf(await document());
    expect(pages[0]).to.contain('Serialization interfaces').and.to.contain('IN REVIEW').and.to.contain('Cover note.');
    const contents = pages[1]!;
    expect(contents).to.contain('Contents');
    const pageOf = (title: string) => pages.findIndex((text, i) => i > 1 && text.includes(title)) + 1;
    expect(contents).to.match(new RegExp(`1 Validation plan\\s+${pageOf('1 Validation plan')}`));
    expect(contents).to.match(new RegExp(`1.1 Purpose\\s+${pageOf('1.1 Purpose')}`));
    expect(contents).to.match(new RegExp(`2 Trace matrix\\s+${pageOf('2 Trace matrix')}`));
    expect(contents).to.match(new RegExp(`3 Signatures\\s+${pageOf('3 Signatures')}`));
    expect(pageOf('3 Signatures')).to.be.greaterThan(pageOf('2 Trace matrix'));
    expect(contents).not.to.contain('A minor heading');
  });

  it('links each contents line to its heading and lists the sections in the outline', async () => {
    const bytes = await document();
    const raw = bytes.toString('latin1');
    expect(raw.match(/\/S \/GoTo/g)).to.have.length(4);
    const { outline } = await readPdf(bytes);
    expect(outline.map((o) => o.title)).to.deep.equal(['1  Validation plan', '2  Trace matrix', '3  Signatures']);
    expect(outline[0]!.items.map((o) => o.title)).to.deep.equal(['1.1  Purpose']);
  });
});
