// One side of `npm run bench pdf`, in a process of its own so its peak RSS is its own:
//   node dist/bench/pdf-render.js ours|baseline RUNS EVIDENCE_PER_STEP
// Builds the synthetic package (not timed), warms up on a small one, then times the big one and
// prints {"ms", "maxRssMb", "pages", "bytes"} on stdout.
import { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { FONT, PAGE, documentFonts } from '../src/documents/pdf-document.js';
import type { TableRow } from '../src/documents/table.js';
import { presentPackageDocument, type PackageDocument, type PackagePdfInput, type RunBlock } from '../src/packages/package-document.js';
import { renderPackagePdf } from '../src/packages/package-pdf.js';
import { buildPackagePdfInput } from '../test/support/package-fixtures.js';

function packageInput(runs: number, auditEvents: number): PackagePdfInput {
  // 5 steps a run, a request and a response each: 10 evidence entries a run.
  return buildPackagePdfInput({ fixture: { interfaces: 10, requirementsPerInterface: 8, runs, stepsPerRun: 5, failEvery: 50, withGaps: true }, auditEvents });
}

class Discard extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.bytes += chunk.length;
    callback();
  }
}

async function renderOurs(input: PackagePdfInput): Promise<{ pages: number; bytes: number }> {
  const out = new Discard();
  const { pages } = await renderPackagePdf(input, out);
  return { pages, bytes: out.bytes };
}

/**
 * What a developer would write with pdfkit alone: the same strings (already presented, in
 * memory), same fonts and page size, plain doc.text calls with pdfkit's own wrapping and page
 * breaks; tables as rows of cells side by side. No frame, contents, links or row keeping.
 */
interface BaselineData {
  model: PackageDocument;
  runs: RunBlock[];
  traceRows: TableRow[];
  evidence: TableRow[];
  audit: TableRow[];
}

async function renderBaseline({ model, runs, traceRows, evidence, audit }: BaselineData): Promise<{ pages: number; bytes: number }> {
  const fonts = documentFonts();
  const doc = new PDFDocument({ size: PAGE.size, margins: PAGE.margins, font: fonts.get(FONT.regular) as unknown as string });
  for (const [name, font] of fonts) doc.registerFont(name, font as unknown as string);
  const out = new Discard();
  doc.pipe(out);
  let pages = 1;
  doc.on('pageAdded', () => (pages += 1));
  const left = PAGE.margins.left;
  const width = PAGE.width - PAGE.margins.left - PAGE.margins.right;
  const bottom = PAGE.height - PAGE.margins.bottom;
  const heading = (text: string, size: number) => doc.font(FONT.bold).fontSize(size).text(text, left, doc.y, { width }).font(FONT.regular).fontSize(9.5);
  const paragraph = (text: string) => doc.font(FONT.regular).fontSize(9.5).text(text, left, doc.y, { width });
  const facts = (list: Array<{ label: string; value: string; mono?: boolean }>) =>
    list.forEach((f) => {
      doc.font(FONT.bold).fontSize(9.5).text(`${f.label}: `, left, doc.y, { width, continued: true });
      doc.font(f.mono ? FONT.mono : FONT.regular).text(f.value);
    });
  /** Rows of cells side by side; digests in the monospace font, as ours. */
  const table = (headers: string[], rows: TableRow[], monoColumn = -1) => {
    const w = width / headers.length;
    for (const row of [{ cells: headers }, ...rows]) {
      if (doc.y > bottom - 40) doc.addPage();
      const top = doc.y;
      let max = top;
      row.cells.forEach((cell, i) => {
        doc.font(i === monoColumn ? FONT.mono : FONT.regular).fontSize(7.6).text(cell, left + i * w, top, { width: w - 4 });
        max = Math.max(max, doc.y);
      });
      doc.y = max + 2;
    }
  };

  heading(model.cover.title, 22);
  facts(model.cover.facts);
  for (const list of model.cover.lists) list.items.forEach(paragraph);
  doc.addPage();
  for (const part of model.plan) {
    heading(part.title, 11.5);
    part.parts.forEach((p) => paragraph(p.text));
  }
  heading('Scope', 15);
  table(['Interface', 'Route', 'Contract', 'Assurance'], model.scope.rows, 2);
  for (const a of model.scope.assessments) {
    heading(a.title, 11.5);
    facts(a.facts);
    a.rationale.forEach(paragraph);
  }
  heading('Requirements', 15);
  table(['Requirement', 'Type', 'Risk', 'Text', 'Verified by'], model.requirements);
  heading('Trace matrix', 15);
  table(['Requirement', 'Scenario', 'Run', 'Result', 'Evidence'], traceRows, 4);
  for (const run of runs) {
    heading(run.title, 11.5);
    facts(run.facts);
    table(['#', 'Step', 'Expected', 'Actual', 'Result'], run.steps);
  }
  for (const d of model.deviations) {
    heading(d.title, 11.5);
    facts(d.facts);
  }
  heading('Evidence index', 15);
  table(['SHA-256', 'Size', 'Media type', 'Recorded by'], evidence, 0);
  for (const s of model.summary.sections) s.parts.forEach((p) => paragraph(p.text));
  paragraph(model.summary.releaseStatement);
  for (const s of model.signatures) s.lines.forEach((l) => paragraph(`${l.label}: ${l.value}`));
  heading('Audit trail excerpt', 15);
  table(['Seq', 'Time', 'Actor', 'Action', 'Record', 'Reason'], audit);
  facts(model.appendix.digests);
  facts(model.appendix.checkpoint);
  model.appendix.instructions.forEach((p) => paragraph(p.text));
  const finished = new Promise((resolve) => out.on('finish', resolve));
  doc.end();
  await finished;
  return { pages, bytes: out.bytes };
}

/** The baseline's data, presented and in memory before its clock starts. */
async function prepare(input: PackagePdfInput): Promise<BaselineData> {
  const model = presentPackageDocument(input);
  const audit: TableRow[] = [];
  for await (const row of model.audit) audit.push(row);
  return { model, runs: [...model.runs], traceRows: [...model.traceMatrix.rows], evidence: [...model.evidence], audit };
}

async function main(): Promise<void> {
  const [mode, runsArg, auditArg] = process.argv.slice(2);
  if (mode !== 'ours' && mode !== 'baseline') throw new Error('usage: pdf-render.js ours|baseline RUNS AUDIT_EVENTS');
  const runs = Number(runsArg ?? 1000);
  const auditEvents = Number(auditArg ?? 2000);
  // Warm-up on a small package, for both sides alike: fonts parsed, code compiled.
  const small = packageInput(10, 20);
  if (mode === 'ours') await renderOurs(small);
  else await prepare(small).then(renderBaseline);

  const input = packageInput(runs, auditEvents);
  const prepared = mode === 'baseline' ? await prepare(input) : null;
  const start = performance.now();
  const result = prepared ? await renderBaseline(prepared) : await renderOurs(input);
  const ms = performance.now() - start;
  const report = { ms, maxRssMb: process.resourceUsage().maxRSS / 1024, ...result, runs: input.manifest.runs.length, evidence: input.manifest.evidence.length };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
