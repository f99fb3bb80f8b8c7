// `gxpw run`: runs an interface's scenarios at the depth its risk demands, a CI gate (exit 0 only
// when every step passed), writing JUnit XML / CTRF JSON reports when asked.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../platform/errors.js';
import { ctrfOf, junitOf, presentRun, refusedRunReports } from '../../scenarios/run-presenter.js';
import type { Run, RunStep } from '../../scenarios/scenario-models.js';
import { cliContext, jsonOption, required, UsageError, type Command } from '../command.js';
import { print, withProgress } from '../output.js';
import { withMigratedServices } from '../with-services.js';

export const command: Command = {
  name: 'run',
  summary: 'Run an interface\'s scenarios at the depth its risk demands; exit 0 only when every step passed (a CI gate)',
  usage: 'gxpw run --interface KEY [--env NAME] [--dry-run] [--junit FILE] [--ctrf FILE] [--json]\n\nShows a progress bar on a terminal, prints a summary, writes JUnit XML / CTRF JSON when asked.\nExit code 0 when the run passed, 1 when it failed or could not run, 2 when the command is wrong\n(including a report path that cannot be written, checked before the run).',
  options: { interface: { type: 'string' }, env: { type: 'string' }, 'dry-run': { type: 'boolean' }, junit: { type: 'string' }, ctrf: { type: 'string' }, ...jsonOption },
  run: async (values) => {
    const key = required(values, 'interface');
    // A report that cannot be written is found out before the run, not after minutes of it.
    for (const flag of ['junit', 'ctrf'] as const) if (typeof values[flag] === 'string') assertWritableFile(flag, values[flag]);
    const writeReports = (junit: string, ctrf: unknown) => {
      if (typeof values.junit === 'string') fs.writeFileSync(values.junit, junit);
      if (typeof values.ctrf === 'string') fs.writeFileSync(values.ctrf, `${JSON.stringify(ctrf, null, 2)}\n`);
    };
    return withMigratedServices(async (services) => {
      let run: Run;
      try {
        run = await withProgress(values, `Running ${key}`, (onProgress) =>
          services.runs.runToEnd(cliContext(), { interface: key, ...(typeof values.env === 'string' ? { environment: values.env } : {}), dryRun: values['dry-run'] === true }, onProgress),
        );
      } catch (error) {
        // Refused before it began: the reports still say why, for the CI server that reads them.
        if (error instanceof AppError) {
          const { junit, ctrf } = refusedRunReports(key, error.message, new Date());
          writeReports(junit, ctrf);
        }
        throw error;
      }
      const steps = await services.runs.steps(run.id);
      writeReports(junitOf(run, steps), ctrfOf(run, steps));
      print(values, presentRun(run, steps), describeRun(run, steps));
      return run.status === 'passed' ? 0 : 1;
    });
  },
};

/** Refuses (exit 2) a report path that is a directory or sits where this user cannot write. */
function assertWritableFile(flag: string, file: string): void {
  try {
    // Inside: stat still throws for ENOTDIR (a file used as a directory) and EACCES.
    const existing = fs.statSync(file, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw new Error('it is a directory');
    fs.accessSync(existing ? file : path.dirname(path.resolve(file)), fs.constants.W_OK);
  } catch (error) {
    throw new UsageError(`--${flag} ${file} cannot be written: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function describeRun(run: Run, steps: RunStep[]): string {
  const assurance = JSON.parse(run.assurance) as { reason: string };
  const lines = [`Run ${run.id} of ${run.interfaceKey} (${run.environment}: ${run.baseUrl})${run.dryRun ? ' — DRY RUN, not for record' : ''}: ${run.status.toUpperCase()}`, `  ${assurance.reason}`];
  lines.push(`  ${steps.length} steps: ${steps.filter((s) => s.status === 'passed').length} passed, ${steps.filter((s) => s.status === 'failed').length} failed, ${steps.filter((s) => s.status === 'error').length} errors`);
  for (const step of steps.filter((s) => s.status !== 'passed').slice(0, 20)) lines.push(`  ${step.status.toUpperCase()} ${step.scenarioKey} › ${step.position}. ${step.name}: ${step.message ?? ''}`);
  return lines.join('\n');
}
