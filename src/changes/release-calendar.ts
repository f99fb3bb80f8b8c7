// Bulk intake of a vendor release calendar (issue 14): a JSON or CSV list of platform releases —
// platform, version, date, release-note items — turned into change records to log. Pure: no
// database, no clock. The calendar is validated as a whole (Annex 11 §10: changes are made in a
// controlled way): one bad row and nothing is imported, and every problem is listed with its row, so
// the sender fixes the file once instead of once per error.
import { parse as parseCsv } from 'csv-parse/sync';
import { PayloadTooLargeError, ValidationError, type ErrorDetail } from '../platform/errors.js';
import { isWellFormedText } from '../platform/text.js';
import type { NewChange } from './change-types.js';

export const RELEASE_CALENDAR_FORMAT = 'gxpw.release-calendar.v1';

export const RELEASE_CALENDAR_LIMITS = {
  releases: 1000,
  itemsPerRelease: 500,
  /** The same default as the registry import's body limit. */
  bytes: 32 * 1024 * 1024,
  /** Problems listed in the error's details; the message counts them all. */
  listedProblems: 1000,
} as const;

/** CSV: one row per release item; the columns of the release repeat on each of its rows. */
export const RELEASE_CALENDAR_CSV_COLUMNS = {
  required: ['platform', 'version', 'date', 'item_id', 'item_title', 'item_description'],
  optional: ['version_from', 'title', 'environments', 'vendor'],
} as const;

const DEFAULT_ENVIRONMENTS = ['test', 'production'];
const DEFAULT_JUSTIFICATION = 'Vendor release on the calendar: regression per the impact analysis before implementation.';
/** As the registry names an interface's environments (registry-schemas.ts). */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const MAX_ENVIRONMENTS = 20;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// One-line fields take no control characters at all; free text keeps tab and line breaks. C1
// controls are refused too: they are invisible in print and on screen (Part 11 §11.10(b)).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_IN_PROSE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

interface TextRule {
  max: number;
  required?: boolean;
  multiline?: boolean;
}

const RULES = {
  platform: { max: 120, required: true },
  vendor: { max: 120 },
  version: { max: 64, required: true },
  versionFrom: { max: 64 },
  title: { max: 200 },
  description: { max: 4000, multiline: true },
  justification: { max: 2000, multiline: true },
  itemId: { max: 64 },
  itemTitle: { max: 500, required: true },
  itemDescription: { max: 4000, multiline: true },
} satisfies Record<string, TextRule>;

/** Where a value sits: its field path, the row (1-based) and the words that name the row. */
interface Place {
  field: string;
  row: number | null;
  label: string;
}

/** Every problem found, in order; the details list the first `listedProblems` of them. */
class Problems {
  readonly details: ErrorDetail[] = [];
  count = 0;

  add(place: Place, name: string | null, rule: string, message: string): void {
    this.count += 1;
    if (this.details.length < RELEASE_CALENDAR_LIMITS.listedProblems) {
      const field = name === null ? place.field : place.field ? `${place.field}.${name}` : name;
      this.details.push({ field, rule, message: place.label ? `${place.label}: ${message}` : message, row: place.row });
    }
  }

  throwIfAny(): void {
    if (!this.count) return;
    // In the order of the file: the checks across releases run after the field checks.
    this.details.sort((x, y) => ((x.row as number | null) ?? 0) - ((y.row as number | null) ?? 0));
    const more = this.count - this.details.length;
    const suffix = more > 0 ? ` (the first ${this.details.length} are listed)` : '';
    throw new ValidationError(`The release calendar has ${this.count} problem(s)${suffix}; nothing was imported.`, this.details, 'release_calendar_invalid');
  }
}

/** A release as read from either format, its fields checked one by one, before the checks across releases. */
interface ReleaseDraft {
  place: Place;
  /** CSV: every row of the release. */
  rows: number[];
  platform?: string | undefined;
  vendor?: string | undefined;
  version?: string | undefined;
  versionFrom?: string | undefined;
  date?: string | undefined;
  title?: string | undefined;
  description?: string | undefined;
  justification?: string | undefined;
  environments?: string[] | undefined;
  items: Array<{ id?: string | undefined; title: string; description: string | null; place: Place }>;
  /** How many items the release lists (counted before they are checked). */
  itemCount: number;
}

/**
 * Reads a vendor release calendar into the changes to log, one `vendor-release` change per release,
 * in calendar order. Throws `ValidationError` (code `release_calendar_invalid`) listing every
 * problem: `details[].field` is `releases.<index>.<property>` (JSON, index from 0) or
 * `rows.<line>.<column>` (CSV, the line the row starts on, the header being line 1), and
 * `details[].row` the release's number (JSON, from 1) or that line. A platform missing from
 * `knownPlatforms` (when given: the registry's platform names) is a problem of its release.
 */
export function parseReleaseCalendar(content: string | Buffer, format: 'json' | 'csv', knownPlatforms?: Set<string>): { changes: NewChange[] } {
  const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  if (bytes > RELEASE_CALENDAR_LIMITS.bytes) throw new PayloadTooLargeError(`The release calendar is ${bytes} bytes; at most ${RELEASE_CALENDAR_LIMITS.bytes} are accepted.`);
  const problems = new Problems();
  const text = decode(content, problems);
  problems.throwIfAny();
  // The checks across releases run on whatever was readable, so their problems are listed too.
  const drafts = format === 'json' ? readJson(text, problems) : readCsv(text, problems);
  const changes = finish(drafts, problems, knownPlatforms);
  problems.throwIfAny();
  return { changes };
}

function decode(content: string | Buffer, problems: Problems): string {
  let text: string;
  if (typeof content === 'string') text = content;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(content);
    } catch {
      problems.add(WHOLE, null, 'encoding', 'The calendar is not UTF-8 text.');
      return '';
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The calendar as a whole: its problems are sentences of their own. */
const WHOLE: Place = { field: 'calendar', row: null, label: '' };

/** A text field: trimmed, bounded, free of control characters; undefined when absent or empty. */
function readText(value: unknown, place: Place, name: string, rule: TextRule, problems: Problems, shownName = name): string | undefined {
  if (value === undefined || value === null) {
    if (rule.required) problems.add(place, name, 'required', `${shownName} is required`);
    return undefined;
  }
  if (typeof value !== 'string') {
    const hint = typeof value === 'number' ? ` (write it in quotes, "${String(value)}": as a number 4.10 would read as 4.1)` : '';
    problems.add(place, name, 'type', `${shownName} must be text${hint}`);
    return undefined;
  }
  const trimmed = value.trim();
  if (!trimmed) {
    if (rule.required) problems.add(place, name, 'required', `${shownName} is required and must not be blank`);
    return undefined;
  }
  if (trimmed.length > rule.max) problems.add(place, name, 'maxLength', `${shownName} is ${trimmed.length} characters long; at most ${rule.max} are allowed`);
  else if ((rule.multiline ? CONTROL_IN_PROSE : CONTROL).test(trimmed)) {
    problems.add(place, name, 'control_characters', `${shownName} contains control characters${rule.multiline ? '' : ' (line breaks included)'}; they are not accepted`);
  } else if (!isWellFormedText(trimmed)) problems.add(place, name, 'text', `${shownName} is not well-formed Unicode text`);
  else return trimmed;
  return undefined;
}

/** A real calendar date, YYYY-MM-DD: 2027-02-30 is refused. */
function readDate(value: unknown, place: Place, name: string, problems: Problems): string | undefined {
  const text = readText(value, place, name, { max: 40, required: true }, problems, 'date');
  if (text === undefined) return undefined;
  const match = DATE.exec(text);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (!match || year < 1900 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    problems.add(place, name, 'date', `date '${text}' is not a calendar date in the form YYYY-MM-DD`);
    return undefined;
  }
  return text;
}

function readEnvironments(value: unknown, place: Place, name: string, problems: Problems): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    problems.add(place, name, 'type', 'environments must be a list of environment names');
    return undefined;
  }
  const names = value.map((v: string) => v.trim());
  const bad = names.filter((n) => !ENVIRONMENT_NAME.test(n));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (names.length === 0) problems.add(place, name, 'minItems', 'environments must name at least one environment (or be left out for test and production)');
  else if (names.length > MAX_ENVIRONMENTS) problems.add(place, name, 'maxItems', `environments lists ${names.length}; at most ${MAX_ENVIRONMENTS} are allowed`);
  else if (bad.length) problems.add(place, name, 'pattern', `environment name(s) ${bad.map((n) => JSON.stringify(n.slice(0, 40))).join(', ')} must be lower-case letters, digits and hyphens, starting with a letter (at most 32)`);
  else if (repeated.length) problems.add(place, name, 'unique', `environment '${repeated[0]}' is listed twice`);
  else return names;
  return undefined;
}

const JSON_TOP_KEYS = new Set(['format', 'releases']);
const JSON_RELEASE_KEYS = new Set(['platform', 'vendor', 'version', 'versionFrom', 'date', 'title', 'description', 'justification', 'environments', 'items']);
const JSON_ITEM_KEYS = new Set(['id', 'title', 'description']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(value: Record<string, unknown>, allowed: Set<string>, place: Place, problems: Problems): void {
  for (const key of Object.keys(value)) if (!allowed.has(key)) problems.add(place, key, 'additionalProperties', `'${key.slice(0, 60)}' is not a field of the release calendar format (allowed: ${[...allowed].join(', ')})`);
}

function readJson(text: string, problems: Problems): ReleaseDraft[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    problems.add(WHOLE, null, 'json', `The calendar is not valid JSON: ${(error as Error).message}`);
    return [];
  }
  if (!isObject(document)) {
    problems.add(WHOLE, null, 'type', `The calendar must be a JSON object {"format": "${RELEASE_CALENDAR_FORMAT}", "releases": [...]}`);
    return [];
  }
  const top: Place = { field: '', row: null, label: '' };
  unknownKeys(document, JSON_TOP_KEYS, { ...top, field: '' }, problems);
  if (document.format !== RELEASE_CALENDAR_FORMAT) problems.add({ ...top, field: 'format' }, null, 'format', `format must be "${RELEASE_CALENDAR_FORMAT}"`);
  const releases = document.releases;
  if (!Array.isArray(releases) || releases.length === 0) {
    problems.add({ ...top, field: 'releases' }, null, Array.isArray(releases) ? 'minItems' : 'required', 'releases must be a list of at least one release');
    return [];
  }
  if (releases.length > RELEASE_CALENDAR_LIMITS.releases) {
    problems.add({ ...top, field: 'releases' }, null, 'maxItems', `releases lists ${releases.length} releases; at most ${RELEASE_CALENDAR_LIMITS.releases} are accepted in one calendar`);
    return [];
  }
  return releases.map((release, index) => {
    const place: Place = { field: `releases.${index}`, row: index + 1, label: `release ${index + 1}` };
    const draft: ReleaseDraft = { place, rows: [index + 1], items: [], itemCount: 0 };
    if (!isObject(release)) {
      problems.add(place, null, 'type', 'must be an object with platform, version, date and items');
      return draft;
    }
    unknownKeys(release, JSON_RELEASE_KEYS, place, problems);
    draft.platform = readText(release.platform, place, 'platform', RULES.platform, problems);
    draft.vendor = readText(release.vendor, place, 'vendor', RULES.vendor, problems);
    draft.version = readText(release.version, place, 'version', RULES.version, problems);
    draft.versionFrom = readText(release.versionFrom, place, 'versionFrom', RULES.versionFrom, problems);
    draft.date = readDate(release.date, place, 'date', problems);
    draft.title = readText(release.title, place, 'title', RULES.title, problems);
    draft.description = readText(release.description, place, 'description', RULES.description, problems);
    draft.justification = readText(release.justification, place, 'justification', RULES.justification, problems);
    draft.environments = readEnvironments(release.environments, place, 'environments', problems);
    if (!Array.isArray(release.items)) {
      problems.add(place, 'items', 'required', 'items must be a list of the release-note items (it may be empty)');
      return draft;
    }
    draft.itemCount = release.items.length;
    if (draft.itemCount > RELEASE_CALENDAR_LIMITS.itemsPerRelease) return draft;
    release.items.forEach((item: unknown, i: number) => {
      const at: Place = { field: `${place.field}.items.${i}`, row: place.row, label: `${place.label}, item ${i + 1}` };
      if (!isObject(item)) return problems.add(at, null, 'type', 'must be an object with a title');
      unknownKeys(item, JSON_ITEM_KEYS, at, problems);
      const id = readText(item.id, at, 'id', RULES.itemId, problems);
      const title = readText(item.title, at, 'title', RULES.itemTitle, problems);
      const description = readText(item.description, at, 'description', RULES.itemDescription, problems) ?? null;
      // Kept without a title too (already a problem), so its id still counts for uniqueness.
      draft.items.push({ id, title: title ?? '', description, place: at });
    });
    return draft;
  });
}

/** The release columns of a CSV row, read the same way as the JSON fields. */
interface CsvReleaseCells {
  platform?: string | undefined;
  version?: string | undefined;
  date?: string | undefined;
  versionFrom?: string | undefined;
  title?: string | undefined;
  environments?: string[] | undefined;
  vendor?: string | undefined;
}

/** Columns that must hold the same value on every row of one release (a blank cell takes the release's value). */
const SHARED_COLUMNS = [
  ['date', 'date'],
  ['versionFrom', 'version_from'],
  ['title', 'title'],
  ['environments', 'environments'],
  ['vendor', 'vendor'],
] as const;

function readCsv(text: string, problems: Problems): ReleaseDraft[] {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (error) {
    const lines = (error as { lines?: number }).lines;
    problems.add(lines ? { field: `rows.${lines}`, row: lines, label: `row ${lines}` } : WHOLE, null, 'csv', `the calendar is not readable CSV: ${(error as Error).message}`);
    return [];
  }
  // A row starts on the line it ends on, less the line breaks inside its quoted cells.
  const lineOf = ({ record, info }: (typeof records)[number]) => info.lines - record.reduce((n, cell) => n + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
  const [header, ...rows] = records;
  if (!header) {
    problems.add(WHOLE, null, 'required', `The calendar is empty; the first row must name the columns (${RELEASE_CALENDAR_CSV_COLUMNS.required.join(',')})`);
    return [];
  }
  const headerPlace: Place = { field: `rows.${lineOf(header)}`, row: lineOf(header), label: `row ${lineOf(header)} (the header)` };
  const columns = header.record.map((name) => name.trim().toLowerCase());
  const known = new Set<string>([...RELEASE_CALENDAR_CSV_COLUMNS.required, ...RELEASE_CALENDAR_CSV_COLUMNS.optional]);
  const unknown = columns.filter((c) => !known.has(c));
  const missing = RELEASE_CALENDAR_CSV_COLUMNS.required.filter((c) => !columns.includes(c));
  const twice = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (unknown.length) problems.add(headerPlace, null, 'columns', `unknown column(s) ${unknown.slice(0, 10).map((c) => JSON.stringify(c.slice(0, 60))).join(', ')}${unknown.length > 10 ? ` and ${unknown.length - 10} more` : ''}; the columns are ${[...known].join(', ')}`);
  if (missing.length) problems.add(headerPlace, null, 'columns', `missing column(s) ${missing.join(', ')}`);
  if (twice.length) problems.add(headerPlace, null, 'columns', `column(s) ${[...new Set(twice)].join(', ')} appear more than once`);
  if (unknown.length || missing.length || twice.length) return [];

  const releases = new Map<string, ReleaseDraft & { shared: CsvReleaseCells; sharedRow: Partial<Record<keyof CsvReleaseCells, number>> }>();
  for (const row of rows) {
    const line = lineOf(row);
    const place: Place = { field: `rows.${line}`, row: line, label: `row ${line}` };
    const cell = (column: string) => row.record[columns.indexOf(column)];
    if (row.record.every((value) => !value.trim())) continue; // a spreadsheet's trailing blank row
    if (row.record.length > columns.length) {
      problems.add(place, null, 'columns', `has ${row.record.length} cells; the header names ${columns.length} columns`);
      continue;
    }
    const envCell = cell('environments')?.trim();
    const cells: CsvReleaseCells = {
      platform: readText(cell('platform'), place, 'platform', RULES.platform, problems),
      version: readText(cell('version'), place, 'version', RULES.version, problems),
      date: readDate(cell('date'), place, 'date', problems),
      versionFrom: readText(cell('version_from'), place, 'version_from', RULES.versionFrom, problems),
      title: readText(cell('title'), place, 'title', RULES.title, problems),
      environments: envCell ? readEnvironments(envCell.split(/[;|]/), place, 'environments', problems) : undefined,
      vendor: readText(cell('vendor'), place, 'vendor', RULES.vendor, problems),
    };
    const id = readText(cell('item_id'), place, 'item_id', RULES.itemId, problems);
    const description = readText(cell('item_description'), place, 'item_description', RULES.itemDescription, problems);
    const hasItem = [cell('item_id'), cell('item_title'), cell('item_description')].some((v) => v?.trim());
    const title = hasItem ? readText(cell('item_title'), place, 'item_title', RULES.itemTitle, problems) : undefined;
    if (cells.platform === undefined || cells.version === undefined) continue;

    const key = releaseKey(cells.platform, cells.version);
    let release = releases.get(key);
    if (!release) {
      release = { place, rows: [], platform: cells.platform, version: cells.version, items: [], itemCount: 0, shared: {}, sharedRow: {} };
      releases.set(key, release);
    } else if (release.platform !== cells.platform) {
      problems.add(place, 'platform', 'conflict', `platform '${cells.platform}' is spelled '${release.platform}' on row ${release.place.row}; rows of one release must agree`);
    }
    release.rows.push(line);
    for (const [field, column] of SHARED_COLUMNS) {
      const value = cells[field];
      if (value === undefined) continue;
      const earlier = release.shared[field];
      if (earlier === undefined) {
        (release.shared as Record<string, unknown>)[field] = value;
        release.sharedRow[field] = line;
      } else if (JSON.stringify(earlier) !== JSON.stringify(value)) {
        const shown = (v: unknown) => (Array.isArray(v) ? v.join(';') : String(v));
        problems.add(place, column, 'conflict', `${column} '${shown(value)}' differs from '${shown(earlier)}' on row ${release.sharedRow[field]} for ${cells.platform} ${cells.version}; rows of one release must agree`);
      }
    }
    if (hasItem) {
      release.itemCount += 1;
      release.items.push({ id, title: title ?? '', description: description ?? null, place });
    }
  }
  if (releases.size > RELEASE_CALENDAR_LIMITS.releases) {
    problems.add(WHOLE, null, 'maxItems', `The calendar lists ${releases.size} releases; at most ${RELEASE_CALENDAR_LIMITS.releases} are accepted in one calendar`);
  }
  if (!releases.size && !problems.count) problems.add(WHOLE, null, 'required', 'The calendar lists no release: add one row per release item below the header');
  return [...releases.values()].map(({ shared, sharedRow: _sharedRow, ...draft }) => ({ ...draft, ...shared }));
}

function releaseKey(platform: string, version: string): string {
  return `${platform.toLowerCase()}\u0000${version.toLowerCase()}`;
}

/** The checks across releases, then each release as the change to log. */
function finish(drafts: ReleaseDraft[], problems: Problems, knownPlatforms: Set<string> | undefined): NewChange[] {
  const seen = new Map<string, ReleaseDraft>();
  const knownByLowerCase = new Map([...(knownPlatforms ?? [])].map((name) => [name.toLowerCase(), name]));
  const changes: NewChange[] = [];
  for (const draft of drafts) {
    const { place, platform, version } = draft;
    // Fields are named as the sender wrote them: JSON properties, CSV columns.
    const csv = place.field.startsWith('rows.');
    const release = `${platform ?? '(no platform)'} ${version ?? '(no version)'}`;
    if (platform !== undefined && knownPlatforms && !knownPlatforms.has(platform)) {
      const near = knownByLowerCase.get(platform.toLowerCase());
      const rows = draft.rows.length > 1 ? ` (rows ${listed(draft.rows)})` : '';
      problems.add(place, 'platform', 'exists', `platform '${platform}' is not registered${near ? ` (did you mean '${near}'?)` : ''}${rows}`);
    }
    if (platform !== undefined && version !== undefined) {
      const first = seen.get(releaseKey(platform, version));
      if (first) problems.add(place, 'version', 'unique', `${release} is also ${first.place.label}; a release is listed once`);
      else seen.set(releaseKey(platform, version), draft);
    }
    if (draft.versionFrom !== undefined && draft.versionFrom === version) {
      const name = csv ? 'version_from' : 'versionFrom';
      problems.add(place, name, 'distinct', `${name} and version are both '${version}': a release changes the version`);
    }
    if (draft.itemCount > RELEASE_CALENDAR_LIMITS.itemsPerRelease) {
      problems.add(place, csv ? null : 'items', 'maxItems', `${release} lists ${draft.itemCount} items; at most ${RELEASE_CALENDAR_LIMITS.itemsPerRelease} are accepted per release`);
    }
    const ids = new Map<string, Place>();
    for (const item of draft.items) {
      if (item.id === undefined) continue;
      const earlier = ids.get(item.id);
      if (earlier) problems.add(item.place, csv ? 'item_id' : 'id', 'unique', `item id '${item.id}' is also used by ${earlier.label} of ${release}`);
      else ids.set(item.id, item.place);
    }
    if (platform !== undefined && version !== undefined && draft.date !== undefined) changes.push(changeOf({ ...draft, platform, version, date: draft.date }));
  }
  return changes;
}

function changeOf(draft: ReleaseDraft & { platform: string; version: string; date: string }): NewChange {
  const n = draft.items.length;
  const from = draft.vendor ? ` from ${draft.vendor}` : '';
  return {
    type: 'vendor-release',
    title: draft.title ?? `${draft.platform} ${draft.version} release`,
    platform: draft.platform,
    versionFrom: draft.versionFrom ?? null,
    versionTo: draft.version,
    plannedDate: draft.date,
    description: draft.description ?? `Vendor release ${draft.platform} ${draft.version}${from} (${n} ${n === 1 ? 'item' : 'items'}), imported from the release calendar.`,
    justification: draft.justification ?? DEFAULT_JUSTIFICATION,
    environments: draft.environments ?? [...DEFAULT_ENVIRONMENTS],
    releaseItems: draft.items.map((item) => ({ ...(item.id !== undefined ? { id: item.id } : {}), title: item.title, description: item.description })),
  };
}

function listed(rows: number[]): string {
  return rows.length > 6 ? `${rows.slice(0, 5).join(', ')} … ${rows[rows.length - 1]}` : rows.join(', ');
}
