import { expect } from 'chai';
import { gapWeight } from '../../src/packages/trace-matrix.js';
import { Writable } from 'node:stream';
import { presentPackageDocument, type PackageAuditEntry } from '../../src/packages/package-document.js';
import { renderPackagePdf } from '../../src/packages/package-pdf.js';
import { buildPackageManifest, buildPackagePdfInput, buildSignature } from '../support/package-fixtures.js';
import { collect, readPdf, type PdfText } from '../support/pdf-reading.js';

const FIXTURE = { interfaces: 2, requirementsPerInterface: 3, runs: 6, stepsPerRun: 3, failEvery: 3, withGaps: true };

/** pdf.js puts a table row's cells on one line; compare text with runs of white space as one. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

describe('the package PDF', () => {
  describe('its document model', () => {
    it('marks every status but approved as a draft, and a superseded package as superseded', () => {
      const manifest = buildPackageManifest(FIXTURE);
      const frame = (status: 'draft' | 'in-review' | 'approved' | 'superseded' | 'rejected') => presentPackageDocument(buildPackagePdfInput({ manifest, status })).frame;
      for (const status of ['draft', 'in-review', 'rejected'] as const) expect(frame(status)).to.include({ draft: true, draftText: 'DRAFT' });
      expect(frame('approved')).to.include({ draft: false });
      expect(frame('superseded')).to.include({ draft: true, draftText: 'SUPERSEDED' });
    });

    it('shows each required signature not given as not signed, and an invalid one as invalid', () => {
      const input = buildPackagePdfInput({
        fixture: FIXTURE,
        signatures: [buildSignature(), buildSignature({ id: 2, signerName: 'Dana Whitfield', signerRole: 'qa', meaning: 'approved', valid: false, problem: 'signed a different manifest' })],
      });
      const { signatures } = presentPackageDocument(input);
      expect(signatures.map((s) => `${s.heading} ${s.stateLabel}`)).to.deep.equal(['Reviewed VALID', 'Approved INVALID', 'Approved NOT SIGNED', 'Approved NOT SIGNED']);
    });

    it('words every trace gap and tints its row: red when it blocks approval, amber when only noted', () => {
      const input = buildPackagePdfInput({ fixture: FIXTURE });
      const { traceMatrix } = presentPackageDocument(input);
      const blocking = [...traceMatrix.rows].filter((r) => r.tone === 'problem').map((r) => r.cells[2]);
      const noted = [...traceMatrix.rows].filter((r) => r.tone === 'noted').map((r) => r.cells[2]);
      expect(noted).to.include('no result\nGAP: no scenario verifies it\nnoted: verified outside the workbench (plan)');
      expect([...blocking, ...noted].some((c) => c!.startsWith('no result\nGAP: not run for record'))).to.equal(true);
      expect(blocking).to.include('failed\nGAP: failed, no closed deviation');
      expect(traceMatrix.gaps).to.equal(blocking.length + noted.length);
      // The split is the trace matrix's own (the page shows the same): every blocking row is one gapWeight calls blocking.
      const weights = input.manifest.traceMatrix.filter((r) => r.gap).map((r) => gapWeight(r, input.manifest));
      expect(weights.filter((w) => w === 'blocking')).to.have.length(blocking.length);
    });
  });

  describe('rendered', () => {
    let input: ReturnType<typeof buildPackagePdfInput>;
    let pdf: PdfText;
    let pages: number;

    before(async () => {
      input = buildPackagePdfInput({ fixture: FIXTURE, auditEvents: 30 });
      let result = { pages: 0 };
      const bytes = await collect(async (out) => (result = await renderPackagePdf(input, out)));
      pages = result.pages;
      pdf = await readPdf(bytes);
    });

    it('has a cover naming the package, version, status, scope and who generated it when', () => {
      const cover = flat(pdf.pages[0]!);
      expect(cover).to.contain('VP-0003').and.to.contain('version 2').and.to.contain('IN REVIEW');
      expect(cover).to.contain('2026-12-06 10:00:00 UTC by Ada Auditor');
      for (const scope of input.manifest.scope) expect(cover).to.contain(scope.interfaceKey);
      expect(cover).to.contain(input.manifestDigest);
    });

    it('lists the sections in its contents, in order', () => {
      const contents = flat(pdf.pages[1]!);
      const titles = ['1 Validation plan', '2 Scope and risk assessments', '3 Requirements', '4 Trace matrix', '5 Executed runs', '6 Deviations', '7 Evidence index', '8 Summary report', '9 Signatures', '10 Audit trail excerpt', 'Appendix Verification'];
      let last = -1;
      for (const title of titles) {
        const at = contents.indexOf(title);
        expect(at, title).to.be.greaterThan(last);
        last = at;
      }
    });

    it('prints "Page N of M" and the package id on every page, and DRAFT while not approved', () => {
      expect(pdf.pages).to.have.length(pages);
      pdf.pages.forEach((text, i) => {
        expect(text).to.contain(`Page ${i + 1} of ${pages}`);
        expect(text).to.contain('VP-0003 v2');
        expect(text).to.contain('DRAFT');
      });
    });

    it("shows every signature's printed name, date and time with zone, and meaning (§11.50)", () => {
      const text = flat(pdf.text);
      expect(text).to.contain('Printed name Marco Alvarez').and.to.contain('Date and time 2026-11-21 09:05:00 UTC').and.to.contain('Meaning reviewed');
      expect(text).to.contain('Printed name Dana Whitfield').and.to.contain('Date and time 2026-11-22 15:45:30 UTC').and.to.contain('Meaning approved');
      expect(text).to.contain('NOT SIGNED');
    });

    it('shows the trace matrix rows and flags its gaps', () => {
      const text = flat(pdf.text);
      for (const row of input.manifest.traceMatrix) {
        expect(text).to.contain(`${row.requirementKey} → ${row.scenarioKey ?? 'no scenario'}`);
        for (const digest of row.evidence) expect(text).to.contain(digest);
      }
      expect(text).to.contain('GAP: no scenario verifies it').and.to.contain('GAP: not run for record').and.to.contain('GAP: failed, no closed deviation');
    });

    it('lists every evidence digest, and each run step with expected and actual', () => {
      const text = flat(pdf.text);
      for (const e of input.manifest.evidence) expect(text).to.contain(e.digest);
      for (const run of input.manifest.runs) {
        expect(text).to.contain(`Run ${run.id} — ${run.interfaceKey}, ${run.status}`);
        for (const step of run.steps) expect(text).to.contain(step.actual);
      }
      expect(text).to.contain('expected status 202, got 500');
    });

    it('carries the deviations, the summary, the release statement, the audit excerpt and the verification appendix', () => {
      const text = flat(pdf.text);
      for (const d of input.manifest.deviations) expect(text).to.contain(`Deviation ${d.id} v${d.version} — ${d.title}`);
      expect(text).to.contain('Release for use').and.to.contain(flat(input.manifest.summary.releaseStatement));
      expect(text).to.contain(`acceptance criteria NOT met — ${input.manifest.summary.openItems.length} open item(s)`);
      expect(text).to.contain('2026-11-10 08:00:30 UTC');
      expect(text).to.contain('gxpw verify-bundle VP-0003-v2.zip');
      expect(text).to.contain(input.verification.checkpoint!.rootHash).and.to.contain(input.verification.keyFingerprints[0]!.fingerprint);
      expect(text).to.contain('48,213 audit events');
    });

    it('has an outline entry per section', () => {
      expect(pdf.outline.map((o) => o.title)).to.include.members(['1  Validation plan', '4  Trace matrix', '9  Signatures', 'Appendix  Verification']);
    });
  });

  it('carries no DRAFT mark once approved', async () => {
    const bytes = await collect((out) => renderPackagePdf(buildPackagePdfInput({ fixture: FIXTURE, status: 'approved' }), out));
    const { text } = await readPdf(bytes);
    expect(text).not.to.contain('DRAFT');
    expect(text).to.contain('APPROVED');
  });

  it('gives the same bytes for the same package', async () => {
    const manifest = buildPackageManifest(FIXTURE);
    const render = () => collect((out) => renderPackagePdf(buildPackagePdfInput({ manifest }), out));
    expect((await render()).equals(await render())).to.equal(true);
  });

  it('writes a long package out as it goes (pages leave memory before the end)', async function () {
    this.timeout(120_000);
    let written = 0;
    let writtenBeforeSignatures = 0;
    const input = buildPackagePdfInput({ fixture: { interfaces: 4, runs: 120, stepsPerRun: 5 }, auditEvents: 300 });
    // The audit excerpt is read last but one: by then most of the file must have left.
    const audit = input.auditExcerpt;
    input.auditExcerpt = (async function* () {
      writtenBeforeSignatures = written;
      yield* audit;
    })();
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        callback();
      },
    });
    const { pages } = await renderPackagePdf(input, out);
    expect(pages).to.be.greaterThan(60);
    expect(writtenBeforeSignatures / written).to.be.greaterThan(0.6);
  });

  it('waits for a slow reader (back-pressure) and still writes the same bytes', async () => {
    const manifest = buildPackageManifest({ ...FIXTURE, runs: 40 });
    const fast = await collect((out) => renderPackagePdf(buildPackagePdfInput({ manifest }), out));
    const chunks: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        setImmediate(callback);
      },
    });
    await renderPackagePdf(buildPackagePdfInput({ manifest }), slow);
    expect(Buffer.concat(chunks).equals(fast)).to.equal(true);
  });

  it('stops when the reader goes away mid-document', async () => {
    const input = buildPackagePdfInput({ fixture: { ...FIXTURE, runs: 60 } });
    let written = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        if (written > 20_000) out.destroy();
        setImmediate(callback);
      },
    });
    let failure: Error | null = null;
    await renderPackagePdf(input, out).catch((error: Error) => (failure = error));
    expect(failure).to.have.property('message', 'the output closed before the document was complete');
  });

  it('fails, and destroys the output, when the audit excerpt cannot be read', async () => {
    const input = buildPackagePdfInput({ fixture: FIXTURE });
    input.auditExcerpt = (async function* (): AsyncIterable<PackageAuditEntry> {
      throw new Error('database went away');
    })();
    const out = new Writable({ write: (_c, _e, cb) => cb() });
    out.on('error', () => undefined);
    let failure: Error | null = null;
    await renderPackagePdf(input, out).catch((error: Error) => (failure = error));
    expect(failure).to.have.property('message', 'database went away');
    expect(out.destroyed).to.equal(true);
  });
});
