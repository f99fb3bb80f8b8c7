// The two reads every authenticated request makes — the token's session and its user — as one
// query, and the session's last-seen time written only when it has moved on by a noticeable step.
// This is the hot path of every API call and page (`npm run bench http`): one `Database.read()`
// of the few columns the check needs, instead of two findByPk round trips and model instances.
import { Op, type InferAttributes, type Model, type ModelStatic } from 'sequelize';
import type { Database } from '../platform/database.js';
import type { AuthModels, Session, User } from './auth-models.js';

/**
 * What a request's check needs of its session and user — and no more: not the password hash, which
 * has no business being read on every request — as plain data (no model instances).
 */
const SESSION_FIELDS = ['id', 'userId', 'lastSeenAt', 'endedAt'] as const;
const USER_FIELDS = ['id', 'username', 'fullName', 'role', 'status', 'lockedAt', 'mustChangePassword', 'passwordChangedAt'] as const;
export type SessionRow = Pick<InferAttributes<Session>, (typeof SESSION_FIELDS)[number]>;
export type UserRow = Pick<InferAttributes<User>, (typeof USER_FIELDS)[number]>;

export interface SessionWithUser {
  session: SessionRow;
  /** Null when the session's user row is gone (never expected: users are not deleted). */
  user: UserRow | null;
}

/** Column prefixes of the joined row: the session's attributes, then the user's. */
const SESSION = 's_';
const USER = 'u_';

/**
 * How often a session's last_seen_at is written: at most once a minute, and at most a tenth of the
 * idle timeout apart when that is shorter. The recorded time then lags the last request by less
 * than this step, so a session idle for the timeout ends at most one step early, never late
 * (Part 11 §11.10(d): an unattended session must not stay open).
 */
export function touchIntervalMs(sessionIdleSeconds: number): number {
  return Math.min(60_000, (sessionIdleSeconds * 1000) / 10);
}

export class SessionLookup {
  private sql: string | null = null;
  /** Touches in flight, by session: concurrent requests of one session share one write. */
  private readonly touching = new Map<string, Promise<void>>();

  constructor(
    private readonly database: Database,
    private readonly models: AuthModels,
  ) {}

  /** The session and its user, read in one statement; null when there is no such session. */
  async find(sessionId: string): Promise<SessionWithUser | null> {
    const rows = await this.database.read<Record<string, unknown>>((this.sql ??= this.selectSql()), [sessionId]);
    const row = rows[0];
    if (!row) return null;
    const sessionValues: Record<string, unknown> = {};
    const userValues: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row)) {
      if (column.startsWith(SESSION)) sessionValues[column.slice(SESSION.length)] = value;
      else userValues[column.slice(USER.length)] = value;
    }
    const session = typed(this.models.Session, sessionValues) as SessionRow;
    const user = userValues.id === null || userValues.id === undefined ? null : (typed(this.models.User, userValues) as UserRow);
    return { session, user };
  }

  /**
   * Records activity at `now`. The UPDATE only moves last_seen_at forward, so a touch from another
   * instance (or a late one from this) never takes it back.
   */
  touch(sessionId: string, now: Date): Promise<void> {
    const pending = this.touching.get(sessionId);
    if (pending) return pending;
    const { Session } = this.models;
    const write = this.database
      .write(async (tx) => {
        await Session.update({ lastSeenAt: now }, { where: { id: sessionId, lastSeenAt: { [Op.lt]: now } }, transaction: tx });
      })
      .finally(() => this.touching.delete(sessionId));
    this.touching.set(sessionId, write);
    return write;
  }

  private selectSql(): string {
    const quote = (name: string) => this.database.sequelize.getQueryInterface().quoteIdentifier(name);
    const columns = (model: ModelStatic<Model>, fields: readonly string[], alias: string, prefix: string) =>
      fields.map((name) => `${alias}.${quote(model.getAttributes()[name]!.field ?? name)} AS ${quote(prefix + name)}`);
    const { Session, User } = this.models;
    return `SELECT ${[...columns(Session, SESSION_FIELDS, 's', SESSION), ...columns(User, USER_FIELDS, 'u', USER)].join(', ')} FROM ${quote(Session.tableName)} s LEFT JOIN ${quote(User.tableName)} u ON u.${quote(User.getAttributes().id!.field ?? 'id')} = s.${quote(Session.getAttributes().userId!.field ?? 'user_id')} WHERE s.${quote(Session.getAttributes().id!.field ?? 'id')} = ?`;
  }
}

/**
 * A stored row's values typed as a findByPk would give them: dates as Date and booleans as boolean
 * whatever the driver returned (SQLite gives text and 0/1).
 */
function typed(model: ModelStatic<Model>, values: Record<string, unknown>): Record<string, unknown> {
  const attributes = model.getAttributes();
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    const type = (attributes[name]!.type as { key?: string }).key;
    if (type === 'DATE' && !(value instanceof Date)) values[name] = new Date(value as string);
    else if (type === 'BOOLEAN' && typeof value !== 'boolean') values[name] = Boolean(Number(value));
  }
  return values;
}
