// The page templates: `templates/layouts`, `templates/partials` and `templates/pages` (under
// GXPW_TEMPLATES_DIR), compiled once at start. A template that does not parse, or that calls a
// helper we do not have, stops the start naming its file and line — as the document templates do.
// Templates see view models made by presenters, never models; output is HTML-escaped unless a
// helper says otherwise.
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { StartupError } from '../platform/errors.js';
import { formatDate, formatDateTime, formatRelative, toDate } from './time-format.js';

type HelperOptions = Handlebars.HelperOptions;

/** The viewer's time zone, from the page's root context (every page has a viewer). */
function zoneOf(options: HelperOptions): string {
  return (options?.data?.root?.viewer?.timeZone as string | undefined) ?? 'UTC';
}

function isOptions(value: unknown): value is HelperOptions {
  return typeof value === 'object' && value !== null && 'hash' in value && 'data' in value;
}

const escape = Handlebars.Utils.escapeExpression;

/** Helpers the page templates may use besides Handlebars' own (if, unless, each, with, lookup). */
export const PAGE_HELPERS: Record<string, Handlebars.HelperDelegate> = {
  /** `{{time at}}` → <time datetime="…">07 Dec 2026, 03:14 CET</time>; `seconds=true` for audit detail. */
  time(value: unknown, options: HelperOptions) {
    const date = toDate(value);
    if (!date) return '—';
    const text = formatDateTime(date, zoneOf(options), options.hash?.seconds === true);
    return new Handlebars.SafeString(`<time datetime="${date.toISOString()}">${escape(text)}</time>`);
  },
  date(value: unknown, options: HelperOptions) {
    const text = formatDate(value, zoneOf(options));
    return text || '—';
  },
  /** "3 minutes ago", with the exact time as its title. */
  ago(value: unknown, options: HelperOptions) {
    const date = toDate(value);
    if (!date) return '—';
    const exact = formatDateTime(date, zoneOf(options));
    return new Handlebars.SafeString(`<time datetime="${date.toISOString()}" title="${escape(exact)}">${escape(formatRelative(date, new Date()))}</time>`);
  },
  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  not: (a: unknown) => !a,
  and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
  or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
  gt: (a: unknown, b: unknown) => Number(a) > Number(b),
  join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ', ') : ''),
  /** `{{plural count "run"}}` → "1 run" / "3 runs". */
  plural(count: unknown, word: unknown, maybePlural: unknown) {
    const n = Number(count) || 0;
    const many = typeof maybePlural === 'string' && !isOptions(maybePlural) ? maybePlural : `${String(word)}s`;
    return `${n.toLocaleString('en-GB')} ${n === 1 ? String(word) : many}`;
  },
  /** A digest shortened for reading; the whole value stays in the title and in downloads. */
  short(value: unknown) {
    const text = typeof value === 'string' ? value : '';
    return text.length > 16 ? `${text.slice(0, 12)}…` : text;
  },
  /** JSON pretty-printed (escaped as text). */
  json: (value: unknown) => JSON.stringify(value ?? null, null, 2),
  /** `selected` when the two are equal, for <option>. */
  selected: (a: unknown, b: unknown) => (String(a) === String(b) ? new Handlebars.SafeString(' selected') : ''),
  checked: (value: unknown) => (value ? new Handlebars.SafeString(' checked') : ''),
  /** Joins its arguments as text (for ids and URLs built in a template). */
  concat: (...args: unknown[]) => args.slice(0, -1).map((a) => String(a ?? '')).join(''),
  /** URL-encodes one path segment or query value. */
  encode: (value: unknown) => encodeURIComponent(String(value ?? '')),
  number: (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en-GB') : String(value ?? '')),
};

export class PageViews {
  private constructor(
    private readonly layouts: ReadonlyMap<string, HandlebarsTemplateDelegate>,
    private readonly pages: ReadonlyMap<string, HandlebarsTemplateDelegate>,
  ) {}

  static load(templatesDir: string): PageViews {
    const env = Handlebars.create();
    for (const [name, helper] of Object.entries(PAGE_HELPERS)) env.registerHelper(name, helper);
    const knownHelpers = Object.fromEntries(Object.keys(PAGE_HELPERS).map((name) => [name, true]));
    const compileAll = (folder: string, register?: (name: string, source: string) => void) => {
      const root = path.join(templatesDir, folder);
      if (!fs.existsSync(root)) throw new StartupError(`GXPW_TEMPLATES_DIR: ${root} does not exist`);
      const compiled = new Map<string, HandlebarsTemplateDelegate>();
      for (const file of templateFiles(root)) {
        const name = path.relative(root, file).replace(/\\/g, '/').replace(/\.hbs$/, '');
        const source = fs.readFileSync(file, 'utf8');
        try {
          // compile() is lazy: precompiling parses now, and refuses a helper we do not have.
          env.precompile(source, { knownHelpers, knownHelpersOnly: true });
          if (register) register(name, source);
          else compiled.set(name, env.compile(source, { preventIndent: true }));
        } catch (error) {
          throw new StartupError(`page template ${file}${lineOf(error)}: ${String((error as Error).message).split('\n')[0]}`);
        }
      }
      return compiled;
    };
    compileAll('partials', (name, source) => env.registerPartial(name, source));
    return new PageViews(compileAll('layouts'), compileAll('pages'));
  }

  has(page: string): boolean {
    return this.pages.has(page);
  }

  /** The page rendered into its layout (`main` unless the context names another). */
  render(page: string, context: Record<string, unknown>, layout = 'main'): string {
    const pageTemplate = this.pages.get(page);
    if (!pageTemplate) throw new Error(`no page template '${page}'`);
    const layoutTemplate = this.layouts.get(layout);
    if (!layoutTemplate) throw new Error(`no layout template '${layout}'`);
    const body = pageTemplate(context);
    return layoutTemplate({ ...context, body: new Handlebars.SafeString(body) });
  }
}

function templateFiles(root: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) found.push(...templateFiles(full));
    else if (entry.name.endsWith('.hbs')) found.push(full);
  }
  return found.sort();
}

function lineOf(error: unknown): string {
  const match = /line (\d+)/i.exec(String((error as Error)?.message ?? ''));
  return match ? `:${match[1]}` : '';
}
