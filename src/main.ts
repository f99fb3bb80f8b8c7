#!/usr/bin/env node
// `gxpw`: the command line. It drives the same services as the HTTP API, for administrators on
// the server and for CI pipelines. Exit code 0 only on success; --json for machine-readable output.
// This file only dispatches: it reads the command name, imports just that command (src/cli/commands/),
// builds the help from the commands' metadata, and turns what the command returns or throws into
// the exit code: 0 ok, 1 failed, 2 usage.
import { parseArgs } from 'node:util';
import { loadCommand, UsageError, type Command, type CommandValues } from './cli/command.js';
import { COMMANDS, helpOrder, isCommandName } from './cli/commands/index.js';
import { ConfigError } from './config.js';
import { AppError, StartupError } from './platform/errors.js';

async function helpText(): Promise<string> {
  const commands: Command[] = await Promise.all(helpOrder().map((name) => loadCommand(name, COMMANDS[name])));
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `gxpw — GxP Integration Workbench\n\nUsage: gxpw <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun gxpw <command> --help for a command's options. Configuration comes from the environment (see README).`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await helpText());
    return name ? 0 : 2;
  }
  if (!isCommandName(name)) {
    console.error(`gxpw: unknown command '${name}'\n\n${await helpText()}`);
    return 2;
  }
  const command = await loadCommand(name, COMMANDS[name]);
  try {
    const { values, positionals } = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (values.help) {
      console.log(`${command.summary}\n\nUsage: ${command.usage}`);
      return 0;
    }
    return await command.run(values as CommandValues, positionals);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupError) {
      console.error(`gxpw: cannot start: ${error.message}`);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`gxpw ${name}: ${(error as Error).message}\n\nUsage: ${command.usage}`);
      return 2;
    }
    if (error instanceof AppError) {
      const details = error.details.map((d) => `\n  ${d.field ?? ''} ${d.message}`).join('');
      console.error(`gxpw ${name}: ${error.message}${details}`);
      return 1;
    }
    console.error(`gxpw ${name}: unexpected error:`, error);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
