// `npm run bench [name …]`: runs the named benchmarks (all when none is named), prints a table and
// writes bench/results/<name>.json. Exit code 1 when a ratio misses its target.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditBenchmark } from './audit.bench.js';
import { changesBenchmark } from './changes.bench.js';
import { passed, type Benchmark, type BenchResult } from './harness.js';
import { httpBenchmark } from './http.bench.js';
import { pagesBenchmark } from './pages.bench.js';
import { pdfBenchmark } from './pdf.bench.js';
import { registryBenchmark } from './registry.bench.js';
import { runnerBenchmark } from './runner.bench.js';
import { signBenchmark } from './sign.bench.js';

const BENCHMARKS: Benchmark[] = [auditBenchmark, signBenchmark, registryBenchmark, runnerBenchmark, httpBenchmark, pdfBenchmark, changesBenchmark, pagesBenchmark];
const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/results');

async function main(names: string[]): Promise<number> {
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const selected = names.length ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  let failed = false;
  for (const benchmark of selected) {
    console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
    const results = await benchmark.run();
    printTable(results);
    failed ||= results.some((r) => !passed(r));
    const file = path.join(RESULTS_DIR, `${benchmark.name}.json`);
    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
    fs.writeFileSync(file, `${JSON.stringify({ benchmark: benchmark.name, ranAt: new Date().toISOString(), machine, results }, null, 2)}\n`);
    console.log(`results written to ${path.relative(process.cwd(), file)}`);
  }
  return failed ? 1 : 0;
}

function printTable(results: BenchResult[]): void {
  const rows = results.map((r) => [r.name, r.work, `${(r.measuredMs / 1000).toFixed(2)} s`, `${(r.baselineMs / 1000).toFixed(2)} s`, r.ratio.toFixed(2), `≥ ${r.target}`, passed(r) ? 'ok' : 'MISSED']);
  const header = ['benchmark', 'work', 'measured', 'baseline', 'ratio', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  for (const r of results) {
    for (const c of r.checks ?? []) console.log(`  ${r.name}: ${c.name} ${c.value.toFixed(1)} ${c.unit} (must stay below ${c.below} ${c.unit}) ${c.value < c.below ? 'ok' : 'MISSED'}`);
    if (r.notes) console.log(`  ${r.name}: ${JSON.stringify(r.notes)}`);
  }
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
