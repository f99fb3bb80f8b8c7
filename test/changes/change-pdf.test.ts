import { expect } from 'chai';
import { Writable } from 'node:stream';
import { CHANGE_STATE_LABELS, presentChangeDocument, type ChangeAuditEntry } from '../../src/changes/change-document.js';
import { renderChangePdf } from '../../src/changes/change-pdf.js';
import { CHANGE_STATES, type ChangeState } from '../../src/changes/change-types.js';
import { formatDateTimeUtc } from '../../src/documents/pdf-document.js';
import { buildChangeDocumentInput, buildChangeRun, RELEASE_ITEMS } from '../support/change-fixtures.js';
import { sha256 } from '../support/package-fixtures.js';
import { collect, readPdf, type PdfText } from '../support/pdf-reading.js';

/** pdf.js puts a table row's cells on one line; compare text with runs of white space as one. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/**
 * True when the words of `phrase` appear in order in `text`, each within a short distance of the
 * previous one: a cell wrapped over several lines is read interleaved with its row's other cells.
 */
function containsWrapped(text: string, phrase: string, maxGap = 160): boolean {
  const [first, ...rest] = phrase.split(/\s+/).filter(Boolean);
  for (let start = text.indexOf(first!); start >= 0; start = text.indexOf(first!, start + 1)) {
    let at = start;
    const found = rest.every((word) => {
      const next = text.indexOf(word, at + 1);
      if (next < 0 || next - at > maxGap) return false;
      at = next;
      return true;
    });
    if (found) return true;
  }
  return false;
}

async function render(state: ChangeState, overrides: Parameters<typeof buildChangeDocumentInput>[0] = {}): Promise<{ pdf: PdfText; pages: number }> {
  let result = { pages: 0 };
  const bytes = await collect(async (out) => (result = await renderChangePdf(buildChangeDocumentInput({ state, ...overrides }), out)));
  return { pdf: await readPdf(bytes), pages: result.pages };
}

const OPEN_STATES = CHANGE_STATES.filter((s) => !['closed', 'rejected', 'cancelled'].includes(s));

describe('the change record PDF', () => {
  describe('its document model', () => {
    it('marks every page "OPEN — <state>" while open, REJECTED or CANCELLED when ended so, and nothing once closed', () => {
      for (const state of OPEN_STATES) {
        expect(presentChangeDocument(buildChangeDocumentInput({ state })).frame, state).to.include({ draft: true, draftText: 'OPEN', markNote: `OPEN — ${CHANGE_STATE_LABELS[state]}` });
      }
      expect(presentChangeDocument(buildChangeDocumentInput({ state: 'rejected' })).frame).to.include({ draft: true, draftText: 'REJECTED' });
      expect(presentChangeDocument(buildChangeDocumentInput({ state: 'cancelled' })).frame).to.include({ draft: true, draftText: 'CANCELLED' });
      expect(presentChangeDocument(buildChangeDocumentInput({ state: 'closed' })).frame).to.include({ draft: false });
    });

    it('rates every release item, and flags an untriaged one', () => {
      const { triage } = presentChangeDocument(buildChangeDocumentInput());
      expect(triage.map((row) => row.cells[1])).to.deep.equal(['High', 'Medium', 'Low', 'N/A', 'NOT TRIAGED']);
      expect(triage.map((row) => row.tone ?? 'normal')).to.deep.equal(['normal', 'normal', 'normal', 'normal', 'problem']);
      expect(triage[0]!.cells[3]).to.equal('IF-ERP-WMS-001\nIF-WMS-SER-002');
    });

    it('flags an interface without a risk assessment, and names the triaged items that reach each interface', () => {
      const { impact } = presentChangeDocument(buildChangeDocumentInput());
      const unassessed = impact!.interfaces.find((row) => row.cells[0]!.startsWith('IF-SER-TP-003'))!;
      expect(unassessed).to.include({ tone: 'problem' });
      expect(unassessed.cells[1]).to.equal('NOT ASSESSED');
      expect(impact!.interfaces[0]!.cells[3]).to.equal('MULE-10211 (High)\nMULE-10388 (Medium)');
    });

    it('shows each required signature not given as not signed, and an invalid one as invalid', () => {
      const input = buildChangeDocumentInput({ state: 'tested' });
      input.signatures[0] = { ...input.signatures[0]!, valid: false, problem: 'the change record changed after signing' };
      const { signatures } = presentChangeDocument(input);
      expect(signatures.map((s) => `${s.heading} ${s.stateLabel}`)).to.deep.equal(['Approved INVALID', 'Approved NOT SIGNED', 'Verified NOT SIGNED']);
      expect(signatures[0]!.lines).to.deep.include({ label: 'Signed version', value: 'change record version 3' });
    });

    it('names the deviation of each failed step, and flags a failure without one', () => {
      const input = buildChangeDocumentInput({ state: 'tested' });
      input.runs.push(buildChangeRun(9200, 'IF-ERP-WMS-001', { fail: true }));
      const { runs } = presentChangeDocument(input);
      const results = runs.blocks.flatMap((b) => b.steps.filter((s) => s.tone === 'problem').map((s) => s.cells[4]));
      expect(results).to.deep.equal(['FAILED\ndeviation 300, open', 'FAILED\nno deviation']);
    });

    it('shows the contract diff of a contract change and says when it breaks consumers', () => {
      const input = buildChangeDocumentInput({ state: 'assessed' });
      input.change.type = 'contract';
      input.impact = { ...input.impact!, contractDiff: { from: 2, to: 3, breaking: true, changes: ['removed required property lotNumber', 'added optional property expiry'] } };
      const { impact } = presentChangeDocument(input);
      expect(impact!.contractDiff!.facts).to.deep.include({ label: 'Classification', value: 'BREAKING — consumers must change', tone: 'problem' });
      expect(impact!.contractDiff!.changes.map((p) => p.text)).to.deep.equal(['removed required property lotNumber', 'added optional property expiry']);
    });
  });

  describe('rendered, while tested', () => {
    let input: ReturnType<typeof buildChangeDocumentInput>;
    let pdf: PdfText;
    let pages: number;
    let text: string;

    before(async () => {
      input = buildChangeDocumentInput({ state: 'tested', auditEvents: 60 });
      let result = { pages: 0 };
      const bytes = await collect(async (out) => (result = await renderChangePdf(input, out)));
      pages = result.pages;
      pdf = await readPdf(bytes);
      text = flat(pdf.text);
    });

    it('has a cover naming the change, its type, state, platform, versions, plan, requester and who generated it when', () => {
      const cover = flat(pdf.pages[0]!);
      expect(cover).to.contain('CR-0007').and.to.contain(input.change.title).and.to.contain('Vendor platform release');
      expect(cover).to.contain('OPEN — TESTED').and.to.contain('State tested');
      expect(cover).to.contain('Platform MuleSoft Runtime').and.to.contain('System Manhattan Active WMS');
      expect(cover).to.contain('Version 4.6.3 → 4.9.0').and.to.contain('Planned date 2026-12-15');
      expect(cover).to.contain(`Requested ${formatDateTimeUtc(input.change.requestedAt)} by Marco Alvarez`);
      expect(cover).to.contain('Generated 2026-12-06 10:00:00 UTC by Ada Auditor');
      expect(cover).to.contain(input.verification.recordDigest);
    });

    it('lists the sections in its contents, in order', () => {
      const contents = flat(pdf.pages[1]!);
      const titles = ['1 Summary', '2 State history', '3 Impact analysis', '4 Release-item triage', '5 Proposed regression', '6 Regression runs and results', '7 Deviations', '8 Signatures', '9 Audit trail excerpt', 'Appendix Verification'];
      let last = -1;
      for (const title of titles) {
        const at = contents.indexOf(title);
        expect(at, title).to.be.greaterThan(last);
        last = at;
      }
    });

    it('prints "Page N of M", the change key and "OPEN — tested" on every page', () => {
      expect(pdf.pages).to.have.length(pages);
      pdf.pages.forEach((page, i) => {
        expect(page).to.contain(`Page ${i + 1} of ${pages}`);
        expect(page).to.contain('CR-0007');
        expect(page).to.contain('OPEN — tested');
      });
    });

    it('shows the description, justification and the release notes by digest', () => {
      expect(text).to.contain(input.change.description).and.to.contain(input.change.justification);
      for (const note of input.change.releaseNotes) expect(text).to.contain(note.digest);
      expect(text).to.contain('mule-runtime-4.9.0-release-notes.pdf 470.8 KiB');
    });

    it('lists every state the change passed through, with who and when', () => {
      for (const h of input.history) expect(text).to.contain(`${CHANGE_STATE_LABELS[h.state]} ${formatDateTimeUtc(h.at)} ${h.by}`);
    });

    it('shows each impacted interface with its risk level and how the change reaches it, and the rationale of the edit', () => {
      expect(text).to.contain('IF-ERP-WMS-001 Outbound deliveries high runs on the platform MULE-10211 (High) MULE-10388 (Medium)');
      expect(text).to.contain('IF-WMS-SER-002 Shipping events to serialization medium runs on the platform touches the system MULE-10211 (High)');
      expect(text).to.contain('IF-SER-TP-003 EPCIS commissioning to TraceLink NOT ASSESSED runs on the platform');
      expect(text).to.contain(input.impact!.rationale!);
    });

    it('shows every triage rating with its rationale, and flags the untriaged item', () => {
      for (const item of RELEASE_ITEMS) {
        expect(containsWrapped(text, `${item.id} · ${item.title}`), item.id).to.equal(true);
        if (item.rationale) expect(containsWrapped(text, item.rationale), item.rationale).to.equal(true);
      }
      for (const rating of ['High', 'Medium', 'Low', 'N/A', 'NOT TRIAGED not yet triaged']) expect(text).to.contain(rating);
      expect(text).to.contain('1 High, 1 Medium, 1 Low, 1 N/A; 1 not yet triaged');
    });

    it('shows the proposed regression per interface with depth, scenarios and reason', () => {
      for (const r of input.impact!.regression) {
        expect(text).to.contain(r.interfaceKey);
        for (const scenario of r.scenarios) expect(text).to.contain(scenario);
        expect(containsWrapped(text, r.reason), r.reason).to.equal(true);
      }
    });

    it("shows each run's results, every step's expected and actual, and every evidence digest", () => {
      for (const run of input.runs) {
        expect(text).to.contain(`Run ${run.id} — ${run.interfaceKey}, ${run.status}`);
        expect(text).to.contain(`${run.passed} passed, ${run.failed} failed, ${run.errors} errors`);
        for (const step of run.steps) {
          expect(containsWrapped(text, step.actual), step.actual).to.equal(true);
          for (const digest of step.evidence) expect(text).to.contain(digest);
        }
      }
      expect(containsWrapped(text, 'expected status 202, got 500 FAILED deviation 300, open')).to.equal(true);
    });

    it('lists the deviations with their status', () => {
      expect(text).to.contain('300 run 9101, step 3').and.to.contain('not yet resolved');
    });

    it("shows every signature's printed name, date and time with zone, and meaning (§11.50), and those not given", () => {
      const [signature] = input.signatures;
      expect(text).to.contain(`Printed name ${signature!.signerName}`).and.to.contain(`Date and time ${formatDateTimeUtc(signature!.signedAt)}`).and.to.contain('Meaning approved');
      expect(text).to.contain('Signed version change record version 3');
      expect(text.match(/NOT SIGNED/g)).to.have.length(2);
      expect(text).to.contain('Required by change: approval for implementation').and.to.contain('Required by change: closure');
    });

    it('carries the audit excerpt and the verification appendix', () => {
      expect(text).to.contain('5001 2026-11-10 08:00:01 UTC Marco Alvarez change.transition change 7 Moved on after QA review');
      expect(text).to.contain('5060 2026-11-10 08:01:00 UTC');
      expect(text).to.contain('gxpw verify').and.to.contain(input.verification.recordDigest);
      expect(text).to.contain(input.verification.checkpoint!.rootHash).and.to.contain(input.verification.keyFingerprints[0]!.fingerprint);
      expect(text).to.contain('Audit trail verified — no error found');
    });

    it('has an outline entry per section and per run', () => {
      const titles = pdf.outline.map((o) => o.title);
      expect(titles).to.include.members(['1  Summary', '4  Release-item triage', '8  Signatures', 'Appendix  Verification']);
      expect(pdf.outline.find((o) => o.title === '6  Regression runs and results')!.items.map((i) => i.title)).to.deep.equal(input.runs.map((r, i) => `6.${i + 1}  Run ${r.id} — ${r.interfaceKey}, ${r.status}`));
    });
  });

  describe('its mark per state', () => {
    for (const state of ['logged', 'approved-for-implementation'] as const) {
      it(`carries "OPEN — ${CHANGE_STATE_LABELS[state]}" on every page while ${state}`, async () => {
        const { pdf } = await render(state);
        for (const page of pdf.pages) expect(page).to.contain(`OPEN — ${CHANGE_STATE_LABELS[state]}`);
      });
    }

    for (const state of ['rejected', 'cancelled'] as const) {
      it(`carries ${state.toUpperCase()} on every page, and the reason on the cover, once ${state}`, async () => {
        const { pdf } = await render(state);
        for (const page of pdf.pages) expect(page).to.contain(state.toUpperCase()).and.not.to.contain('OPEN');
        const reason = buildChangeDocumentInput({ state }).change.stateReason!;
        expect(flat(pdf.pages[0]!)).to.contain(`Reason ${reason}`);
      });
    }

    it('carries no mark once closed, and shows the closing signature', async () => {
      const { pdf } = await render('closed');
      const { change } = buildChangeDocumentInput({ state: 'closed' });
      expect(pdf.text).not.to.contain('OPEN').and.not.to.contain('DRAFT').and.not.to.contain('NOT SIGNED');
      expect(flat(pdf.pages[0]!)).to.contain('CLOSED').and.to.contain(`Implemented ${formatDateTimeUtc(change.implementedAt!)}, version 4.9.0`).and.to.contain(`Closed ${formatDateTimeUtc(change.closedAt!)}`);
      expect(flat(pdf.text)).to.contain('Meaning verified');
    });

    it('says the impact is not analysed yet while logged', async () => {
      const { pdf } = await render('logged');
      expect(flat(pdf.text)).to.contain('The impact of the change has not been analysed yet').and.to.contain('No regression run is linked to this change.');
    });
  });

  it('gives the same bytes for the same change', async () => {
    const once = () => collect((out) => renderChangePdf(buildChangeDocumentInput({ state: 'tested' }), out));
    expect((await once()).equals(await once())).to.equal(true);
  });

  it('writes a long change out as it goes (pages leave memory before the end)', async function () {
    this.timeout(120_000);
    let written = 0;
    let writtenBeforeAudit = 0;
    const input = buildChangeDocumentInput({ state: 'tested', runCount: 40, stepsPerRun: 6, auditEvents: 200 });
    const audit = input.auditExcerpt;
    input.auditExcerpt = (async function* () {
      writtenBeforeAudit = written;
      yield* audit;
    })();
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        callback();
      },
    });
    const { pages } = await renderChangePdf(input, out);
    expect(pages).to.be.greaterThan(25);
    expect(writtenBeforeAudit / written).to.be.greaterThan(0.5);
  });

  it('fails, and destroys the output, when the audit excerpt cannot be read', async () => {
    const input = buildChangeDocumentInput();
    input.auditExcerpt = (async function* (): AsyncIterable<ChangeAuditEntry> {
      throw new Error('database went away');
    })();
    const out = new Writable({ write: (_c, _e, cb) => cb() });
    out.on('error', () => undefined);
    let failure: Error | null = null;
    await renderChangePdf(input, out).catch((error: Error) => (failure = error));
    expect(failure).to.have.property('message', 'database went away');
    expect(out.destroyed).to.equal(true);
  });

  it('keeps every digest it prints on one line (a reader compares them character by character)', async () => {
    const { pdf } = await render('tested');
    const lines = pdf.text.split('\n');
    expect(lines.some((line) => line.includes(sha256('evidence 9100 1 request')))).to.equal(true);
  });
});
