// `npm run bench pdf` — the package PDF of a package with 1,000 runs and 10,000 evidence entries
// (plus a 2,000-event audit excerpt) vs pdfkit alone writing the same text and tables from data
// already in memory: same strings, same embedded fonts, plain doc.text calls, pdfkit's own
// wrapping. Ours also measures every row, keeps rows whole, repeats table headers, frames every
// page ("Page N of M", DRAFT), links the contents, and streams pages out as it goes.
//
// Each side runs in a process of its own (bench/pdf-render.ts) so its peak RSS is its own;
// sides alternate for BENCH_PDF_ROUNDS rounds (default 3) and the best round of each is compared
// (the machine is shared; the best round is the least disturbed). Our peak RSS must stay under
// 300 MB (issue 13). BENCH_PDF_RUNS shrinks the work for a quick look.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ratioResult, type Benchmark, type BenchResult } from './harness.js';

const RUNS = Number(process.env.BENCH_PDF_RUNS ?? 1000);
const AUDIT_EVENTS = Number(process.env.BENCH_PDF_AUDIT_EVENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_PDF_ROUNDS ?? 3);
const CHILD = fileURLToPath(new URL('./pdf-render.js', import.meta.url));

interface RenderReport {
  ms: number;
  maxRssMb: number;
  pages: number;
  bytes: number;
  runs: number;
  evidence: number;
}

function renderInChild(mode: 'ours' | 'baseline'): Promise<RenderReport> {
  return new Promise((resolve, reject) => {
    // Default V8 heap settings, as `gxpw serve` runs: not the bench's own --max-old-space-size.
    const child = spawn(process.execPath, [CHILD, mode, String(RUNS), String(AUDIT_EVENTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`pdf-render ${mode} exited with ${code}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as RenderReport);
    });
  });
}

async function benchPdf(): Promise<BenchResult> {
  const ours: RenderReport[] = [];
  const baseline: RenderReport[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    baseline.push(await renderInChild('baseline'));
    ours.push(await renderInChild('ours'));
  }
  const bestOurs = ours.reduce((a, b) => (b.ms < a.ms ? b : a));
  const bestBaseline = baseline.reduce((a, b) => (b.ms < a.ms ? b : a));
  const peakRss = Math.max(...ours.map((r) => r.maxRssMb));
  return ratioResult(
    'package PDF',
    `${bestOurs.runs.toLocaleString('en-US')} runs, ${bestOurs.evidence.toLocaleString('en-US')} evidence, ${bestOurs.pages.toLocaleString('en-US')} pages`,
    bestOurs.ms,
    bestBaseline.ms,
    0.5,
    {
      rounds: ROUNDS,
      oursMs: ours.map((r) => Math.round(r.ms)),
      baselineMs: baseline.map((r) => Math.round(r.ms)),
      oursPeakRssMb: ours.map((r) => Math.round(r.maxRssMb)),
      baselinePeakRssMb: baseline.map((r) => Math.round(r.maxRssMb)),
      oursBytes: bestOurs.bytes,
      baselinePages: bestBaseline.pages,
    },
    [{ name: 'peak RSS of the rendering process', value: peakRss, below: 300, unit: 'MB' }],
  );
}

export const pdfBenchmark: Benchmark = {
  name: 'pdf',
  description: 'package PDF (1,000 runs, 10,000 evidence entries) vs pdfkit alone with the same text, same process run',
  run: async () => [await benchPdf()],
};
