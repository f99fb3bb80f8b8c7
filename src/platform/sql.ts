// Hand-written SQL for the hot paths (audit appends, bulk imports): one multi-row statement per
// batch instead of one round trip per row. Values go in as `replacements` (Sequelize escapes them
// into the text): node-sqlite3 looks bind parameters up by name, which grows with the square of
// their number — 20 times slower for a 500-row insert.

/** INSERT INTO table (columns) VALUES (?, …), (…) for `rows` rows; pass the values as `replacements`. */
export function insertRowsSql(table: string, columns: readonly string[], rows = 1): string {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
}

/** How a timestamp is stored in a DATE column: Sequelize's text form on SQLite, a Date on PostgreSQL. */
export function timestampValue(dialect: 'sqlite' | 'postgres', date: Date): Date | string {
  return dialect === 'postgres' ? date : date.toISOString().replace('T', ' ').replace('Z', ' +00:00');
}
