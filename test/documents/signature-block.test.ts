import { expect } from 'chai';
import { contentBottom } from '../../src/documents/pdf-document.js';
import { drawSignatureBlock, presentMissingSignature, presentSignatureManifestation, unmetSignatureRequirements } from '../../src/documents/signature-block.js';
import { readPdf, renderFramed } from '../support/pdf-reading.js';

const SIGNED = {
  signerName: 'Dana Whitfield',
  signerRole: 'qa',
  meaning: 'approved',
  signedAt: '2026-12-06T10:00:00.000Z',
  reason: 'Released for use.',
  valid: true,
  problem: null,
  signerAccess: 'signing access granted 2026-01-05 08:00:00 UTC by Marco Alvarez (access grant 4)',
};

describe('signature manifestation blocks (Part 11 §11.50)', () => {
  it('print the name, the date and time with its zone, the meaning, the role and the validity', () => {
    const block = presentSignatureManifestation(SIGNED);
    expect(block.heading).to.equal('Approved');
    expect(block.lines).to.deep.include({ label: 'Printed name', value: 'Dana Whitfield' });
    expect(block.lines).to.deep.include({ label: 'Date and time', value: '2026-12-06 10:00:00 UTC' });
    expect(block.lines).to.deep.include({ label: 'Meaning', value: 'approved' });
    expect(block.lines).to.deep.include({ label: 'Role', value: 'qa' });
    expect(block.lines).to.deep.include({ label: 'Signing access', value: SIGNED.signerAccess });
    expect(block.stateLabel).to.equal('VALID');
  });

  it('show an invalid signature as invalid, naming the problem', () => {
    const block = presentSignatureManifestation({ ...SIGNED, valid: false, problem: 'the record changed after it was signed' });
    expect(block.state).to.equal('invalid');
    expect(block.lines).to.deep.include({ label: 'Validity', value: 'invalid — the record changed after it was signed', tone: 'problem' });
  });

  it('show a required signature not yet given as not signed', () => {
    const block = presentMissingSignature({ meaning: 'approved', roles: ['qa'], source: 'assurance level high' });
    expect(block.stateLabel).to.equal('NOT SIGNED');
    expect(block.lines).to.deep.include({ label: 'Status', value: 'not signed', tone: 'problem' });
  });

  it('never split across pages', async () => {
    const { pages } = await readPdf(
      await renderFramed((doc) => {
        doc.y = contentBottom(doc) - 40;
        drawSignatureBlock(doc, presentSignatureManifestation(SIGNED));
      }),
    );
    expect(pages).to.have.length(2);
    expect(pages[0]).not.to.contain('Dana Whitfield');
    expect(pages[1]).to.contain('Dana Whitfield').and.to.contain('2026-12-06 10:00:00 UTC').and.to.contain('approved').and.to.contain('VALID');
  });

  it('counts each valid signature once, against a requirement of its meaning and the signer\'s role', () => {
    const required = [
      { meaning: 'approved', roles: ['qa'], source: 'first approval' },
      { meaning: 'approved', roles: ['qa'], source: 'second approval' },
      { meaning: 'reviewed', roles: ['it'], source: 'review' },
    ];
    const given = [
      { ...SIGNED },
      { ...SIGNED, signerRole: 'it' },
      { ...SIGNED, meaning: 'reviewed', signerRole: 'it', valid: false },
    ];
    expect(unmetSignatureRequirements(given, required).map((r) => r.source)).to.deep.equal(['second approval', 'review']);
  });

  it('names the record version a signature binds to, when given', () => {
    expect(presentSignatureManifestation({ ...SIGNED, signedVersion: 'change record version 3' }).lines).to.deep.include({ label: 'Signed version', value: 'change record version 3' });
  });
});
