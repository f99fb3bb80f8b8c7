// The words of every generated document come from Handlebars templates in `templates/documents/`
// (GXPW_TEMPLATES_DIR), which a company edits without touching code; the layout stays in code.
// Every template is compiled at start, so a broken one stops the start naming its file and line
// instead of failing the first export a QA lead asks for.
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { StartupError } from '../platform/errors.js';

/** The helpers templates may use besides Handlebars' own (if, unless, each, with). */
const HELPERS: Record<string, Handlebars.HelperDelegate> = {
  join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ', ') : ''),
  eq: (a: unknown, b: unknown) => a === b,
};

export class DocumentTexts {
  private constructor(
    readonly directory: string,
    private readonly templates: ReadonlyMap<string, HandlebarsTemplateDelegate>,
  ) {}

  /** Compiles every `*.hbs` under `directory/documents`, named by its path without the extension. */
  static load(directory: string): DocumentTexts {
    const root = path.join(directory, 'documents');
    if (!fs.existsSync(root)) throw new StartupError(`GXPW_TEMPLATES_DIR: ${root} does not exist`);
    const env = Handlebars.create();
    for (const [name, helper] of Object.entries(HELPERS)) env.registerHelper(name, helper);
    const knownHelpers = Object.fromEntries(Object.keys(HELPERS).map((name) => [name, true]));
    const templates = new Map<string, HandlebarsTemplateDelegate>();
    for (const file of templateFiles(root)) {
      const name = path.relative(root, file).replace(/\\/g, '/').replace(/\.hbs$/, '');
      const source = fs.readFileSync(file, 'utf8');
      try {
        // strict: a misspelt variable is an error, not silently empty text in a signed document.
        const template = env.compile(source, { strict: true, noEscape: true });
        // compile() is lazy: this parses now, and refuses a helper we do not have (as gscan does).
        env.precompile(source, { strict: true, knownHelpers, knownHelpersOnly: true });
        templates.set(name, template);
      } catch (error) {
        throw new StartupError(`document template ${file}${lineOf(error)}: ${firstLine((error as Error).message)}`);
      }
    }
    return new DocumentTexts(root, templates);
  }

  names(): string[] {
    return [...this.templates.keys()].sort();
  }

  has(name: string): boolean {
    return this.templates.has(name);
  }

  /** The template's text for this context, trimmed; a missing variable names the template. */
  render(name: string, context: object): string {
    const template = this.templates.get(name);
    if (!template) throw new Error(`no document template '${name}' in ${this.directory}`);
    try {
      return template(context).trim();
    } catch (error) {
      throw new Error(`document template '${name}': ${(error as Error).message}`);
    }
  }
}

function templateFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...templateFiles(full));
    else if (entry.name.endsWith('.hbs')) files.push(full);
  }
  return files;
}

/** Handlebars reports "Parse error on line N:"; other errors carry a `lineNumber`. */
function lineOf(error: unknown): string {
  const message = (error as Error).message ?? '';
  const parsed = /line (\d+)/.exec(message);
  const line = parsed ? Number(parsed[1]) : (error as { lineNumber?: number }).lineNumber;
  return line ? `:${line}` : '';
}

/** The parser's "Expecting …, got …" line, or the first line of any other error. */
function firstLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim());
  return lines.find((l) => l.startsWith('Expecting')) ?? lines[0] ?? message;
}
