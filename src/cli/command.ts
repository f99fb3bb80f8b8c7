// The shape of a `gxpw` command and what every command shares: the --json option, the usage error
// (exit 2), required options, the CLI's audit actor, and the check that refuses a command module
// that lacks its metadata.
import os from 'node:os';
import type { ParseArgsConfig } from 'node:util';
import { systemContext } from '../platform/request-context.js';

/** The parsed options of one command line. */
export type CommandValues = Record<string, string | boolean | undefined>;

/** One `gxpw` command: `src/cli/commands/<name>.ts` exports it as `command`. */
export interface Command {
  /** The file name, and what is typed after `gxpw`. */
  name: string;
  /** One line for `gxpw --help`; a command without one is refused. */
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Returns the exit code: 0 ok, 1 failed; throw UsageError for 2. */
  run(values: CommandValues, positionals: string[]): Promise<number>;
}

/** The command line is wrong: the dispatcher prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

/** `--json`, declared once: stdout then holds one JSON document. */
export const jsonOption = { json: { type: 'boolean' } } as const;

export function required(values: CommandValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** The CLI acts as the system, named after the operating-system account that ran it. */
export function cliContext() {
  return systemContext(`gxpw CLI (${os.userInfo().username}@${os.hostname()})`);
}

/**
 * Loads a command module and checks it before anything runs: a command without a summary, or
 * whose name is not the one it is listed under, is refused (its help line would be wrong).
 */
export async function loadCommand(name: string, load: () => Promise<{ command?: Partial<Command> }>): Promise<Command> {
  const { command } = await load();
  if (!command || typeof command.run !== 'function') throw new Error(`command '${name}' exports no command`);
  if (command.name !== name) throw new Error(`command '${name}' is named '${String(command.name)}'`);
  if (typeof command.summary !== 'string' || command.summary.trim() === '') throw new Error(`command '${name}' has no summary`);
  if (typeof command.usage !== 'string' || !command.usage.startsWith(`gxpw ${name}`)) throw new Error(`command '${name}' has no usage starting 'gxpw ${name}'`);
  return { options: {}, ...command } as Command;
}
