// Every `gxpw` command, alphabetically: the name is the file name in this folder. Each entry loads
// its module on demand, so `gxpw <name>` imports only the command it runs.
import type { Command } from '../command.js';

export const COMMANDS = {
  change: () => import('./change.js'),
  checkpoint: () => import('./checkpoint.js'),
  demo: () => import('./demo.js'),
  export: () => import('./export.js'),
  keys: () => import('./keys.js'),
  migrate: () => import('./migrate.js'),
  run: () => import('./run.js'),
  serve: () => import('./serve.js'),
  simulate: () => import('./simulate.js'),
  user: () => import('./user.js'),
  verify: () => import('./verify.js'),
  'verify-bundle': () => import('./verify-bundle.js'),
} satisfies Record<string, () => Promise<{ command: Command }>>;

export type CommandName = keyof typeof COMMANDS;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/**
 * The order `gxpw --help` lists them in: the way an administrator meets them (start, set up, check,
 * test, operate). A command missing here is still listed, after these.
 */
const HELP_ORDER: readonly CommandName[] = ['serve', 'migrate', 'demo', 'user', 'verify', 'export', 'verify-bundle', 'run', 'change', 'simulate', 'checkpoint', 'keys'];

export function helpOrder(): CommandName[] {
  return [...HELP_ORDER, ...(Object.keys(COMMANDS) as CommandName[]).filter((name) => !HELP_ORDER.includes(name))];
}
