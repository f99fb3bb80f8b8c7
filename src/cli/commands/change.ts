// `gxpw change log|import|show|regression|gate|transition`: change control from a release pipeline.
// `gxpw change gate` exits 1 while the change may not be implemented — the gate Pact users know
// as can-i-deploy — so a pipeline logs the change, runs its regression and stops until QA approves.
import fs from 'node:fs';
import { AppError } from '../../platform/errors.js';
import { CHANGE_STATES, CHANGE_TYPES, type ChangeState, type ChangeType } from '../../changes/change-types.js';
import { presentChange } from '../../changes/change-presenter.js';
import { parseReleaseCalendar } from '../../changes/release-calendar.js';
import type { Services } from '../../services.js';
import { cliContext, jsonOption, required, UsageError, type Command, type CommandValues } from '../command.js';
import { print, withProgress } from '../output.js';
import { withMigratedServices } from '../with-services.js';

export const command: Command = {
  name: 'change',
  summary: 'Change control for pipelines: log a change or a release calendar, run its regression, gate the implementation',
  usage: [
    'gxpw change log --type TYPE --title T (--platform NAME | --system NAME | --interface KEY) [--from V] [--to V] --date YYYY-MM-DD',
    '                [--env test,production] [--description D] [--justification J] [--json]',
    'gxpw change import FILE [--format json|csv] [--json]   log every release of a vendor release calendar, or none',
    'gxpw change show CHANGE [--json]',
    'gxpw change transition CHANGE --to STATE --reason "why" [--version V --implemented-at YYYY-MM-DD] [--json]',
    'gxpw change regression CHANGE [--env NAME] [--json]    run the proposed regression now and link the runs',
    'gxpw change gate CHANGE [--json]                        exit 0 only when the change may be implemented',
    '',
    `CHANGE is the id or key (CR-0001). TYPE: ${CHANGE_TYPES.join(', ')}.`,
    'QA approvals are electronic signatures (POST /api/v1/signatures, record type change).',
  ].join('\n'),
  options: {
    type: { type: 'string' }, title: { type: 'string' }, platform: { type: 'string' }, system: { type: 'string' }, interface: { type: 'string' },
    from: { type: 'string' }, to: { type: 'string' }, date: { type: 'string' }, env: { type: 'string' }, description: { type: 'string' }, justification: { type: 'string' },
    format: { type: 'string' }, reason: { type: 'string' }, version: { type: 'string' }, 'implemented-at': { type: 'string' },
    ...jsonOption,
  },
  run: (values, [action, target, ...rest]) => {
    if (rest.length) throw new UsageError(`unexpected ${rest.join(' ')}`);
    if (!action || !['log', 'import', 'show', 'transition', 'regression', 'gate'].includes(action)) throw new UsageError('give an action: log, import, show, transition, regression or gate');
    if (action !== 'log' && !target) throw new UsageError(action === 'import' ? 'give the release calendar FILE' : 'give the change id or key (CR-0001)');
    return withMigratedServices((services) => change(services, values, action, target));
  },
};

async function change(services: Services, values: CommandValues, action: string, target: string | undefined): Promise<number> {
  const ctx = cliContext();
  if (action === 'log') {
    const type = required(values, 'type');
    if (!(CHANGE_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${CHANGE_TYPES.join(', ')}`);
    const title = required(values, 'title');
    const logged = await asUsage(() =>
      services.changes.log(ctx, {
        type: type as ChangeType,
        title,
        platform: str(values.platform),
        system: str(values.system),
        interface: str(values.interface),
        versionFrom: str(values.from),
        versionTo: str(values.to),
        plannedDate: required(values, 'date'),
        environments: (str(values.env) ?? 'test,production').split(',').map((e) => e.trim()).filter(Boolean),
        description: str(values.description) ?? title,
        justification: str(values.justification) ?? 'Logged by the release pipeline.',
      }),
    );
    print(values, presentChange(logged), `Logged ${logged.key} (id ${logged.id}): ${logged.state}`);
    return 0;
  }
  if (action === 'import') {
    const format = str(values.format) ?? (target!.toLowerCase().endsWith('.csv') ? 'csv' : 'json');
    if (format !== 'json' && format !== 'csv') throw new UsageError('--format must be json or csv');
    let content: string;
    try {
      content = fs.readFileSync(target!, 'utf8');
    } catch (error) {
      throw new UsageError(`${target} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const parsed = await asUsage(async () => parseReleaseCalendar(content, format, await services.changes.platformNames()));
    const logged = await asUsage(() => services.changes.logMany(ctx, parsed.changes));
    print(values, { changes: logged.map((c) => ({ id: c.id, key: c.key, state: c.state })) }, logged.map((c) => `Logged ${c.key} (id ${c.id})`).join('\n') || 'The calendar holds no release.');
    return 0;
  }
  const row = await services.changes.byIdOrKey(target!);
  if (action === 'show') {
    const blockers = await services.changes.implementationBlockers(row.id);
    print(values, presentChange(row, { versions: await services.changes.versions(row.id), implementationBlockers: blockers }), `${row.key} ${row.state} (version ${row.currentVersion})${blockers.length ? `\n  ${blockers.join('\n  ')}` : ''}`);
    return 0;
  }
  if (action === 'transition') {
    const to = required(values, 'to');
    if (!(CHANGE_STATES as readonly string[]).includes(to)) throw new UsageError(`--to must be one of ${CHANGE_STATES.join(', ')}`);
    const moved = await services.changes.transition(ctx, row.id, { to: to as ChangeState, reason: required(values, 'reason'), ...(str(values.version) ? { implementedVersion: str(values.version)! } : {}), ...(str(values['implemented-at']) ? { implementedAt: str(values['implemented-at'])! } : {}) });
    print(values, presentChange(moved), `${moved.key} is ${moved.state}`);
    return 0;
  }
  if (action === 'regression') {
    const runs = await withProgress(values, `Regression of ${row.key}`, (onProgress) => services.changes.runRegression(ctx, row.id, { ...(str(values.env) ? { environment: str(values.env)! } : {}), wait: true, onProgress }));
    print(values, { change: row.key, runs: runs.map((r) => ({ id: r.id, interface: r.interfaceKey, status: r.status })) }, runs.map((r) => `run ${r.id} ${r.interfaceKey}: ${r.status.toUpperCase()}`).join('\n'));
    return runs.every((r) => r.status === 'passed') ? 0 : 1;
  }
  // gate
  const blockers = await services.changes.implementationBlockers(row.id);
  print(values, { change: row.key, state: row.state, mayImplement: blockers.length === 0, blockers }, blockers.length ? `${row.key} may NOT be implemented:\n  ${blockers.join('\n  ')}` : `${row.key} may be implemented (${row.state}).`);
  return blockers.length ? 1 : 0;
}

function str(value: string | boolean | undefined): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Input the API would refuse (400) is a usage error here (exit 2), its details listed. */
async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && error.status === 400) {
      const details = (error as AppError & { details?: Array<{ field: string; message: string }> }).details ?? [];
      throw new UsageError([error.message, ...details.map((d) => `  ${d.field}: ${d.message}`)].join('\n'));
    }
    throw error;
  }
}
