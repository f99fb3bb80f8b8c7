// The appendix that lets a reader check a printed document against its electronic record
// without trusting our server (Part 11 §11.10(a)/(b)): the digests the signatures bind to, the
// signed audit checkpoint (size and root) the audit excerpt is proven against, the public key
// fingerprints, the results of the checks run when the document was made, and how to verify
// the export bundle offline (`gxpw verify-bundle FILE`; the words come from a template).
import type { DocumentTexts } from './document-texts.js';
import { drawFactList, type Fact } from './fact-list.js';
import { drawTable } from './table.js';
import { drawSubheading, drawTextBlock, parseTextBlock, type TextBlockPart } from './text-block.js';
import { formatDateTimeUtc, type Doc } from './pdf-document.js';

export const VERIFICATION_TEMPLATE = 'shared/verification';

/** Verification facts a reader compares character by character: drawn in monospace in every document. */
export const HASH_LABELS: ReadonlySet<string> = new Set(['Merkle root', 'Chain hash', 'Key id', 'Key fingerprint']);

export interface VerificationAppendixInput {
  /** e.g. "validation package", "run". */
  documentKind: string;
  documentId: string;
  /** The file name suggested for the export bundle, e.g. "VP-0003-v2.zip"; null for a record without one. */
  bundleFile: string | null;
  digests: Array<{ label: string; value: string }>;
  checkpoint: { treeSize: number; rootHash: string; keyId: string; createdAt: string } | null;
  keyFingerprints: Array<{ keyId: string; fingerprint: string }>;
  checks: Array<{ label: string; passed: boolean }>;
  /** The digest a reader compares with what `gxpw verify-bundle` reports, if the record has one. */
  manifestDigest: string | null;
  /** The template of the how-to-verify text; the shared one (export bundle) unless said otherwise. */
  template?: string;
  /** More fields for that template. */
  context?: Record<string, unknown>;
}

/** Final strings and structure of the appendix (tested without a PDF). */
export interface VerificationAppendix {
  digests: Fact[];
  checkpoint: Fact[];
  keys: Array<{ keyId: string; fingerprint: string }>;
  checks: Fact[];
  instructions: TextBlockPart[];
}

export function presentVerificationAppendix(input: VerificationAppendixInput, texts: DocumentTexts): VerificationAppendix {
  const checkpoint: Fact[] = input.checkpoint
    ? [
        { label: 'Checkpoint size', value: `${input.checkpoint.treeSize.toLocaleString('en-US')} audit events` },
        { label: 'Checkpoint root', value: input.checkpoint.rootHash, mono: true },
        { label: 'Signed with key', value: input.checkpoint.keyId, mono: true },
        { label: 'Checkpoint time', value: formatDateTimeUtc(input.checkpoint.createdAt) },
      ]
    : [{ label: 'Checkpoint', value: 'no signed checkpoint covers these audit events yet', tone: 'problem' }];
  return {
    digests: input.digests.map((d) => ({ label: d.label, value: d.value, mono: true })),
    checkpoint,
    keys: input.keyFingerprints,
    checks: input.checks.map((c) => ({ label: c.label, value: c.passed ? 'verified — no error found' : 'FAILED — see the workbench verifier for the first bad entry', tone: c.passed ? 'good' : 'problem' })),
    instructions: parseTextBlock(
      texts.render(input.template ?? VERIFICATION_TEMPLATE, {
        ...input.context,
        documentKind: input.documentKind,
        documentId: input.documentId,
        bundleFile: input.bundleFile,
        manifestDigest: input.manifestDigest,
      }),
    ),
  };
}

/** Draws the appendix at the cursor (the caller draws its heading). */
export function drawVerificationAppendix(doc: Doc, appendix: VerificationAppendix): void {
  drawSubheading(doc, 'Digests');
  drawFactList(doc, appendix.digests, { labelWidth: 130 });
  drawSubheading(doc, 'Signed audit checkpoint');
  drawFactList(doc, appendix.checkpoint, { labelWidth: 130 });
  drawSubheading(doc, 'Public keys');
  drawTable(
    doc,
    {
      columns: [
        { header: 'Key id', width: 1, font: 'mono' },
        { header: 'SHA-256 fingerprint of the public key', width: 3, font: 'mono' },
      ],
    },
    appendix.keys.map((k) => ({ cells: [k.keyId, k.fingerprint] })),
    'No public key on record.',
  );
  drawSubheading(doc, 'Checks when this document was generated');
  drawFactList(doc, appendix.checks, { labelWidth: 130 });
  drawTextBlock(doc, appendix.instructions);
}
