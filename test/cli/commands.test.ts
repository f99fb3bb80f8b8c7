import { expect } from 'chai';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCommand, type Command } from '../../src/cli/command.js';
import { COMMANDS, helpOrder, type CommandName } from '../../src/cli/commands/index.js';
import { gxpw } from './cli-helpers.js';

const COMMANDS_DIR = fileURLToPath(new URL('../../src/cli/commands/', import.meta.url));
const SRC_DIR = fileURLToPath(new URL('../../../src/', import.meta.url));

/** The message a load was refused with, or null when it loaded. */
async function refusal(loading: Promise<unknown>): Promise<string | null> {
  try {
    await loading;
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('gxpw commands (src/cli/commands)', () => {
  it('lists every command file once, alphabetically, under its file name', () => {
    const files = fs.readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.js') && f !== 'index.js').map((f) => f.replace(/\.js$/, ''));
    const names = Object.keys(COMMANDS);
    expect(names).to.deep.equal([...names].sort());
    expect(names).to.deep.equal([...files].sort());
  });

  it('loads each command with its name, a summary and a usage, and lists each in the help once', async () => {
    for (const name of Object.keys(COMMANDS) as CommandName[]) {
      const command = await loadCommand(name, COMMANDS[name]);
      expect(command.name).to.equal(name);
      expect(command.summary, name).to.be.a('string').and.not.equal('');
    }
    expect([...helpOrder()].sort()).to.deep.equal(Object.keys(COMMANDS));
  });

  it('refuses a command without a summary, or named other than its file', async () => {
    const base: Omit<Command, 'summary'> = { name: 'probe', usage: 'gxpw probe', options: {}, run: async () => 0 };
    expect(await refusal(loadCommand('probe', async () => ({ command: base })))).to.equal("command 'probe' has no summary");
    expect(await refusal(loadCommand('probe', async () => ({ command: { ...base, summary: '  ' } })))).to.equal("command 'probe' has no summary");
    expect(await refusal(loadCommand('other', async () => ({ command: { ...base, summary: 'Probe' } })))).to.equal("command 'other' is named 'probe'");
    expect(await refusal(loadCommand('probe', async () => ({})))).to.equal("command 'probe' exports no command");
    expect(await refusal(loadCommand('probe', async () => ({ command: { ...base, summary: 'Probe' } })))).to.equal(null);
  });

  it('keeps the command line out of the rest of src/: only main.ts and src/cli import src/cli', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (entry.name !== 'cli') walk(file);
        } else if (entry.name.endsWith('.ts') && file !== `${SRC_DIR}main.ts` && /from '(\.\.?\/)+(\.\.\/)*cli\//.test(fs.readFileSync(file, 'utf8'))) offenders.push(file);
      }
    };
    walk(SRC_DIR.replace(/\/$/, ''));
    expect(offenders).to.deep.equal([]);
  });

  it('refuses a name that is only inherited from Object (exit 2, unknown command)', () => {
    const result = gxpw(['toString']);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include("gxpw: unknown command 'toString'");
  });
});
