// Record states: the digest of a regulated record's state after each audited change (Part 11
// §11.10(a) and (e): altered records must be detectable, and the trail must account for every
// record). Every audit event names the records its change touched; the trail reads each one back
// inside the same transaction and stores the SHA-256 of its canonical state with the event. The
// reconciler (record-reconciliation.ts) later recomputes every live row and compares it with the
// latest event that names it, so a row edited outside the application — signed or not — is found.
//
// A feature registers each of its record types here (the columns that matter, and the rows that
// belong to it, such as a run's steps); every table must either be registered or be declared
// exempt with the reason why, and a test enforces it — a new record type is not done until the
// verifier covers it (DESIGN.md §7).
import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../platform/database.js';
import { sha256Hex } from '../platform/canonical-json.js';

/** How a column is read on both databases, so SQLite and PostgreSQL give the same digest. */
export type StateColumnKind = 'text' | 'integer' | 'boolean' | 'time';

export interface RecordStateParts {
  /** Table of the rows that belong to the record. */
  table: string;
  /** Their column naming the record (by `parentKey`). */
  parentColumn: string;
  /** The record's column that `parentColumn` refers to (default: the record's `idColumn`). */
  parentKey?: string;
  /** Order the rows are taken in: unique per record, so the digest does not depend on the database. */
  orderBy: string[];
  columns: Record<string, StateColumnKind>;
}

export interface RecordStateDefinition {
  /** The record type as audit events and verification reports name it ('user', 'interface', …). */
  type: string;
  table: string;
  /** The column that identifies the record (what `entityId` / a state reference holds). */
  idColumn: string;
  idKind: 'integer' | 'text';
  /**
   * The columns that matter (snake_case), with how to read them. Operational columns that change
   * without an audit event by design (heartbeats, counters reset at sign-in, updated_at) are left out.
   */
  columns: Record<string, StateColumnKind>;
  /** Rows of another table that are part of this record's state (a run's steps, a deviation's versions). */
  parts?: RecordStateParts;
  /**
   * A record still being written without an event per write — a run executing its steps — is not
   * compared until an event in `settledBy` names it, while `column` holds one of `values`.
   */
  inProgress?: { column: string; values: string[]; settledBy: string[] };
}

/** A record a change touched: its state is digested into the change's audit event. */
export interface RecordRef {
  type: string;
  id: string | number;
}

/** `type:id`, the key of a record in an event's `states`. */
export function recordKey(type: string, id: string | number): string {
  return `${type}:${String(id)}`;
}

const INTEGER_ID = /^[1-9]\d{0,14}$/;

export class RecordStates {
  private readonly definitions = new Map<string, RecordStateDefinition>();
  private readonly exemptTables = new Map<string, string>();

  register(...definitions: RecordStateDefinition[]): void {
    for (const definition of definitions) {
      if (this.definitions.has(definition.type)) throw new Error(`record state type '${definition.type}' is registered twice`);
      this.definitions.set(definition.type, definition);
    }
  }

  /** Declares a table that holds no regulated record of its own, and why. */
  exempt(table: string, why: string): void {
    this.exemptTables.set(table, why);
  }

  get(type: string): RecordStateDefinition | undefined {
    return this.definitions.get(type);
  }

  types(): RecordStateDefinition[] {
    return [...this.definitions.values()];
  }

  /** Every table a registration or an exemption accounts for, with how. */
  coveredTables(): Map<string, string> {
    const covered = new Map(this.exemptTables);
    for (const d of this.definitions.values()) {
      covered.set(d.table, `record type '${d.type}'`);
      if (d.parts) covered.set(d.parts.table, `part of record type '${d.type}'`);
    }
    return covered;
  }

  /** Whether `id` can name a record of `type` at all (an evidence event may name a digest, say). */
  identifies(type: string, id: string | number): boolean {
    const definition = this.definitions.get(type);
    if (!definition) return false;
    return definition.idKind === 'text' ? String(id).length > 0 : INTEGER_ID.test(String(id));
  }

  /**
   * The digests of the records' current states as `tx` sees them, keyed `type:id`. A reference to
   * an unregistered type, or to no row, yields no digest.
   */
  async digestsWithin(database: Database, tx: Transaction | null, refs: RecordRef[]): Promise<Record<string, string>> {
    const byType = new Map<string, Set<string>>();
    for (const ref of refs) {
      if (!this.identifies(ref.type, ref.id)) continue;
      let ids = byType.get(ref.type);
      if (!ids) byType.set(ref.type, (ids = new Set()));
      ids.add(String(ref.id));
    }
    const digests: Record<string, string> = {};
    for (const [type, ids] of byType) {
      const definition = this.definitions.get(type)!;
      const list = [...ids];
      for (let start = 0; start < list.length; start += ID_BATCH) {
        const states = await this.statesOf(database, tx, definition, list.slice(start, start + ID_BATCH));
        for (const [id, state] of states) digests[recordKey(type, id)] = digestOfState(state);
      }
    }
    return digests;
  }

  /**
   * Every record of `definition`'s type with its state digest and in-progress marker, in pages of
   * `batchSize` ordered by id — what the reconciler compares with the trail.
   */
  async *scan(database: Database, definition: RecordStateDefinition, batchSize = 1000): AsyncGenerator<Array<{ id: string; digest: string; inProgress: boolean }>> {
    let after: string | number | null = null;
    const id = definition.idColumn;
    for (;;) {
      const rows: Array<Record<string, unknown>> = await database.sequelize.query(
        `SELECT ${id} FROM ${definition.table}${after === null ? '' : ` WHERE ${id} > :after`} ORDER BY ${id} ASC LIMIT :limit`,
        { type: QueryTypes.SELECT, replacements: { after, limit: batchSize } },
      );
      if (rows.length === 0) return;
      const ids = rows.map((row) => String(row[id]));
      const states = await this.statesOf(database, null, definition, ids);
      const progress = definition.inProgress;
      yield ids.map((recordId) => {
        const state = states.get(recordId)!;
        return { id: recordId, digest: digestOfState(state), inProgress: progress !== undefined && progress.values.includes(String(state.columns[progress.column])) };
      });
      if (rows.length < batchSize) return;
      const last = rows[rows.length - 1]![id] as string | number;
      after = definition.idKind === 'integer' ? Number(last) : String(last);
    }
  }

  /** The canonical states of the given records (ids as text), read in one query (plus one for parts). */
  private async statesOf(database: Database, tx: Transaction | null, definition: RecordStateDefinition, ids: string[]): Promise<Map<string, RecordState>> {
    const parts = definition.parts;
    const parentKey = parts?.parentKey ?? definition.idColumn;
    const selected = new Set([definition.idColumn, ...Object.keys(definition.columns), ...(parts ? [parentKey] : [])]);
    const replacements = { ids: definition.idKind === 'integer' ? ids.map(Number) : ids };
    const rows: Array<Record<string, unknown>> = await database.sequelize.query(
      `SELECT ${[...selected].join(', ')} FROM ${definition.table} WHERE ${definition.idColumn} IN (:ids)`,
      { type: QueryTypes.SELECT, replacements, transaction: tx },
    );
    const states = new Map<string, RecordState>();
    const byParent = new Map<string, RecordState>();
    for (const row of rows) {
      const state: RecordState = { type: definition.type, id: String(row[definition.idColumn]), columns: normalized(row, definition.columns) };
      if (parts) {
        state.parts = [];
        byParent.set(String(row[parentKey]), state);
      }
      states.set(state.id, state);
    }
    if (parts && byParent.size > 0) {
      const partColumns = [parts.parentColumn, ...Object.keys(parts.columns).filter((c) => c !== parts.parentColumn)];
      const parentIds = [...byParent.keys()];
      const partRows: Array<Record<string, unknown>> = await database.sequelize.query(
        `SELECT ${partColumns.join(', ')} FROM ${parts.table} WHERE ${parts.parentColumn} IN (:parents) ORDER BY ${[parts.parentColumn, ...parts.orderBy].join(', ')}`,
        { type: QueryTypes.SELECT, replacements: { parents: parentKeyValues(parentIds, rows, parentKey) }, transaction: tx },
      );
      for (const row of partRows) byParent.get(String(row[parts.parentColumn]))?.parts!.push(normalized(row, parts.columns));
    }
    return states;
  }
}

/**
 * The state digest of one record from its raw row (and its parts' rows, in order): the same value
 * the trail stores, for code that holds the rows already (the benchmark baseline, imports).
 */
export function stateDigestOfRow(definition: RecordStateDefinition, row: Record<string, unknown>, partRows: Array<Record<string, unknown>> = []): string {
  const state: RecordState = { type: definition.type, id: String(row[definition.idColumn]), columns: normalized(row, definition.columns) };
  if (definition.parts) state.parts = partRows.map((part) => normalized(part, definition.parts!.columns));
  return digestOfState(state);
}

/**
 * SHA-256 of the RFC 8785 canonical JSON of a record state. A state is flat — its columns and parts
 * hold only strings, finite numbers, booleans and null — so its canonical form is built directly:
 * keys in UTF-16 code-unit order, values as JSON.stringify writes them (what RFC 8785 prescribes for
 * these types). A bulk import digests thousands of states; the general canonicalizer took most of
 * that time. A test holds this equal to `canonicalJson` for any such state.
 */
export function digestOfState(state: RecordState): string {
  return sha256Hex(canonicalStateJson(state));
}

export function canonicalStateJson(state: RecordState): string {
  const parts = state.parts ? `,"parts":[${state.parts.map(flatCanonicalJson).join(',')}]` : '';
  return `{"columns":${flatCanonicalJson(state.columns)},"id":${JSON.stringify(state.id)}${parts},"type":${JSON.stringify(state.type)}}`;
}

function flatCanonicalJson(values: Record<string, unknown>): string {
  const keys = Object.keys(values).sort();
  let text = '{';
  for (let i = 0; i < keys.length; i += 1) text += `${i ? ',' : ''}${JSON.stringify(keys[i])}:${JSON.stringify(values[keys[i]!])}`;
  return `${text}}`;
}

export interface RecordState {
  type: string;
  id: string;
  columns: Record<string, unknown>;
  parts?: Array<Record<string, unknown>>;
}

/** Ids per query: under SQLite's and PostgreSQL's parameter limits with room to spare. */
const ID_BATCH = 500;

/** The parent key values in the type the column holds (numbers stay numbers for PostgreSQL). */
function parentKeyValues(keys: string[], rows: Array<Record<string, unknown>>, parentKey: string): unknown[] {
  const numeric = rows.length > 0 && typeof rows[0]![parentKey] !== 'string';
  return numeric ? keys.map(Number) : keys;
}

const TRUE_VALUES: ReadonlySet<unknown> = new Set([true, 1, '1', 't', 'true']);
const FALSE_VALUES: ReadonlySet<unknown> = new Set([false, 0, '0', 'f', 'false']);

/**
 * Column values as both databases agree on them: SQLite gives booleans as 0/1 and dates as text,
 * PostgreSQL gives BIGINT as text and timestamps as Date objects.
 */
function normalized(row: Record<string, unknown>, columns: Record<string, StateColumnKind>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, kind] of Object.entries(columns)) {
    const value = row[column];
    if (value === null || value === undefined) {
      out[column] = null;
      continue;
    }
    // A value a column should not hold (text in an integer column, written outside the application)
    // is kept as its text, so it never digests like another value.
    switch (kind) {
      case 'integer': {
        const number = Number(value);
        out[column] = typeof value !== 'boolean' && String(value).trim() !== '' && Number.isFinite(number) ? number : String(value);
        break;
      }
      case 'boolean':
        out[column] = TRUE_VALUES.has(value as never) ? true : FALSE_VALUES.has(value as never) ? false : String(value);
        break;
      case 'time': {
        const time = value instanceof Date ? value : new Date(String(value));
        out[column] = Number.isNaN(time.getTime()) ? String(value) : time.toISOString();
        break;
      }
      default:
        out[column] = String(value);
    }
  }
  return out;
}
