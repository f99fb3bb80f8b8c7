import { expect } from 'chai';
import { parseKeyedTextBlocks, parseTextBlock } from '../../src/documents/text-block.js';
import { presentVerificationAppendix } from '../../src/documents/verification-appendix.js';
import { shippedTexts } from '../support/package-fixtures.js';

describe('template text in documents', () => {
  it('reads "## " lines as headings, "- " lines as bullets and joins the lines of a paragraph', () => {
    expect(parseTextBlock('## Purpose\nFirst line\nsecond line.\n\n- one\n- two\n  continued\nAfter.')).to.deep.equal([
      { kind: 'heading', text: 'Purpose' },
      { kind: 'paragraph', text: 'First line second line.' },
      { kind: 'bullet', text: 'one' },
      { kind: 'bullet', text: 'two continued' },
      { kind: 'paragraph', text: 'After.' },
    ]);
  });

  it('tells a reader how to verify offline with gxpw verify-bundle, from the shared template', () => {
    const appendix = presentVerificationAppendix(
      {
        documentKind: 'run',
        documentId: 'RUN-12',
        bundleFile: 'run-12.zip',
        digests: [{ label: 'Run record', value: 'a'.repeat(64) }],
        checkpoint: null,
        keyFingerprints: [{ keyId: 'k1', fingerprint: 'b'.repeat(64) }],
        checks: [{ label: 'Audit trail', passed: false }],
        manifestDigest: null,
      },
      shippedTexts(),
    );
    const words = appendix.instructions.map((p) => p.text).join('\n');
    expect(words).to.contain('gxpw verify-bundle run-12.zip');
    expect(words).not.to.contain('manifest digest it reports');
    expect(appendix.checkpoint[0]).to.include({ tone: 'problem' });
    expect(appendix.checks[0]).to.include({ label: 'Audit trail', tone: 'problem' });
    expect(appendix.digests[0]).to.include({ mono: true });
  });

  it('splits a section-intros text at its "## key" lines, keeping the keys asked for', () => {
    expect(parseKeyedTextBlocks('## summary\nWhat changes.\n\n## unknown\nDropped.\n## runs\n- one run', ['summary', 'runs', 'audit'])).to.deep.equal({
      summary: [{ kind: 'paragraph', text: 'What changes.' }],
      runs: [{ kind: 'bullet', text: 'one run' }],
    });
  });
});
