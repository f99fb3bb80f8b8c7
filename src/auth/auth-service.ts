// Sign-in, sessions and tokens (Part 11 §11.10(d), §11.300).
//
// A login opens a server-side session and returns a short-lived JWT bound to it. The token is
// checked (algorithm pinned, issuer, audience, expiry), then its session (not ended, not idle
// too long) and its user (active, not locked): logging out or deactivating a user stops every
// token at once. Failed attempts count toward a lockout that raises a security alert, and never
// reveal whether a user name exists.
import { createHash, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Op, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, ForbiddenError, LockedError, UnauthenticatedError, ValidationError } from '../platform/errors.js';
import { ANONYMOUS, type RequestContext } from '../platform/request-context.js';
import type { AuthModels, Session, User } from './auth-models.js';
import type { PasswordHasher } from './password-hasher.js';
import type { PasswordPolicy } from './password-policy.js';
import type { SecurityAlertService } from './security-alert-service.js';
import { endSessionsOfUser } from './session-ending.js';
import { SessionLookup, touchIntervalMs, type SessionWithUser, type UserRow } from './session-lookup.js';
import { VerifiedTokens } from './verified-tokens.js';
import { presentUser } from './user-presenter.js';
import { normalizeUsername } from './user-service.js';

export interface AuthSettings {
  tokenTtlSeconds: number;
  sessionIdleSeconds: number;
  lockoutThreshold: number;
  /** Failures of a name that is not an active account are forgotten after this many days without one (default 30). */
  unknownNameRetentionDays?: number;
  /** At most this many such names are kept; the longest silent go first (default 100,000). */
  maxUnknownNames?: number;
}

export interface IssuedToken {
  token: string;
  tokenType: 'Bearer';
  expiresAt: string;
  session: { id: string; idleTimeoutSeconds: number };
  user: User;
}

export interface Authenticated {
  user: User;
  session: Session;
}

const TOKEN_ISSUER = 'gxpw';
const TOKEN_AUDIENCE = 'gxpw-api';
const TOKEN_ALGORITHM = 'HS256';
const DAY_MS = 86_400_000;
const UNKNOWN_NAME_RETENTION_DAYS = 30;
const MAX_UNKNOWN_NAMES = 100_000;

/** The key of a user name's row in login_name_failures: the SHA-256 of the normalized name. */
export function loginNameKey(normalizedName: string): string {
  return createHash('sha256').update(`gxpw-login-name\0${normalizedName}`, 'utf8').digest('hex');
}

export const LOGIN_MESSAGES = {
  invalid: 'The user name or password is incorrect.',
  locked: 'This account is locked after repeated failed sign-in attempts. Ask an administrator to unlock it.',
  mustChange: 'Your password was set by an administrator and must be changed before you sign in: use POST /api/v1/auth/password.',
  expired: 'Your password has expired and must be changed before you sign in: use POST /api/v1/auth/password.',
};

export class AuthService {
  /**
   * The HMAC key as a KeyObject, made once: given raw bytes, jsonwebtoken first tries them as a
   * PEM public key (which throws, with a stack trace) on every verification of every request.
   */
  private readonly tokenKey: KeyObject;
  /** Each request's session and user in one read; last_seen_at written once a step, not per request. */
  private readonly sessions: SessionLookup;
  /** Tokens already verified: their signature is checked once, their expiry on every use. */
  private readonly verifiedTokens = new VerifiedTokens();

  constructor(
    private readonly database: Database,
    private readonly models: AuthModels,
    private readonly audit: AuditTrail,
    private readonly alerts: SecurityAlertService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    tokenSecret: Buffer,
    private readonly settings: AuthSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.tokenKey = createSecretKey(tokenSecret);
    this.sessions = new SessionLookup(database, models);
  }

  async login(ctx: RequestContext, username: string, password: string): Promise<IssuedToken> {
    const user = await this.checkPassword(ctx, username, password);
    this.assertPasswordUsable(user);
    const rehash = this.hasher.needsRehash(user.passwordHash) ? await this.hasher.hash(password) : null;
    const session = await this.database.write(async (tx) => {
      const now = this.now();
      const fresh = await this.models.User.findByPk(user.id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!fresh || fresh.lockedAt !== null || fresh.status !== 'active') throw new UnauthenticatedError(LOGIN_MESSAGES.invalid, 'invalid_credentials');
      fresh.failedLoginCount = 0;
      if (rehash) fresh.passwordHash = rehash;
      await fresh.save({ transaction: tx });
      const created = await this.models.Session.create(
        { id: randomUUID(), userId: fresh.id, createdAt: now, lastSeenAt: now, endedAt: null, endReason: null, clientIp: ctx.clientIp, userAgent: ctx.userAgent },
        { transaction: tx },
      );
      await this.audit.record(tx, actorContext(ctx, fresh, created.id), {
        action: 'auth.login',
        entityType: 'session',
        entityId: created.id,
        change: 'event',
        after: { userId: fresh.id, clientIp: ctx.clientIp },
        // A sign-in may upgrade the stored password hash (scrypt cost): the user's new state.
        states: [{ type: 'user', id: fresh.id }],
      });
      return created;
    });
    return this.issue(user, session);
  }

  /** A new token for the caller's live session (tokens live at most 15 minutes). */
  async refresh(ctx: RequestContext): Promise<IssuedToken> {
    const { user, session } = await this.currentSession(ctx);
    // The request guard has refused such a token already; a renewal must never outlive the rule.
    this.assertPasswordUsable(user);
    return this.issue(user, session);
  }

  async logout(ctx: RequestContext): Promise<void> {
    await this.database.write(async (tx) => {
      const session = await this.models.Session.findByPk(ctx.sessionId ?? '', { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!session || session.endedAt !== null) throw new UnauthenticatedError('This session has already ended.', 'session_ended');
      session.endedAt = this.now();
      session.endReason = 'logout';
      await session.save({ transaction: tx });
      await this.audit.record(tx, ctx, { action: 'auth.logout', entityType: 'session', entityId: session.id, change: 'event' });
    });
  }

  /**
   * Resolves a bearer token to its user and live session, or throws a 401 saying why. The token of
   * a user whose password must be changed (set by an administrator) or has expired is refused like
   * such a sign-in is — 403 password_change_required / password_expired, pointing at
   * POST /api/v1/auth/password, which needs no token — and its session is ended (audited), so
   * neither the token nor a refresh of it works any more (Part 11 §11.300(b)).
   */
  async authenticate(token: string, ctx: Omit<RequestContext, 'actor' | 'sessionId'> | null = null): Promise<SessionWithUser & { user: UserRow }> {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    let claims = this.verifiedTokens.get(token);
    // The same test jsonwebtoken makes: expired from the second of `exp` on.
    if (claims && nowSeconds >= claims.exp) throw new UnauthenticatedError('The token has expired: refresh it or sign in again.', 'token_expired');
    if (!claims) {
      try {
        const verified = jwt.verify(token, this.tokenKey, { algorithms: [TOKEN_ALGORITHM], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, clockTimestamp: nowSeconds }) as jwt.JwtPayload;
        // jsonwebtoken only checks exp when present; a token without one would never expire.
        if (typeof verified.exp !== 'number') throw new Error('token has no expiry');
        claims = verified as jwt.JwtPayload & { exp: number };
      } catch (error) {
        if (error instanceof jwt.TokenExpiredError) throw new UnauthenticatedError('The token has expired: refresh it or sign in again.', 'token_expired');
        throw new UnauthenticatedError('The token is not valid.', 'invalid_token');
      }
      this.verifiedTokens.remember(token, claims);
    }
    const found = typeof claims.sid === 'string' ? await this.sessions.find(claims.sid) : null;
    if (!found || String(found.session.userId) !== claims.sub) throw new UnauthenticatedError('The token is not valid.', 'invalid_token');
    return this.checkSession(found, ctx);
  }

  /**
   * The web pages' check: the session a signed cookie names (src/web/web-session.ts), held to the
   * same rules as a token's session — ended, idle, inactive account, password to change.
   */
  async authenticateSession(sessionId: string, ctx: Omit<RequestContext, 'actor' | 'sessionId'> | null = null): Promise<SessionWithUser & { user: UserRow }> {
    const found = await this.sessions.find(sessionId);
    if (!found) throw new UnauthenticatedError('This session has ended: sign in again.', 'session_ended');
    return this.checkSession(found, ctx);
  }

  /** The idle timeout of a session, in seconds (the pages warn before it). */
  get sessionIdleSeconds(): number {
    return this.settings.sessionIdleSeconds;
  }

  private async checkSession(found: SessionWithUser, ctx: Omit<RequestContext, 'actor' | 'sessionId'> | null): Promise<SessionWithUser & { user: UserRow }> {
    const session = found.session;
    if (session.endedAt !== null) throw new UnauthenticatedError('This session has ended: sign in again.', 'session_ended');
    const now = this.now();
    const idleMs = now.getTime() - new Date(session.lastSeenAt).getTime();
    if (idleMs > this.settings.sessionIdleSeconds * 1000) {
      await this.endSession(session.id, 'idle_timeout');
      throw new UnauthenticatedError(
        `The session ended after ${Math.round(this.settings.sessionIdleSeconds / 60)} minutes without activity: sign in again.`,
        'session_expired',
      );
    }
    const user = found.user;
    if (!user || user.status !== 'active' || user.lockedAt !== null) {
      await this.endSession(session.id, 'account_inactive');
      throw new UnauthenticatedError('This account is no longer active: sign in again or ask an administrator.', 'account_inactive');
    }
    const passwordProblem = this.passwordProblem(user);
    if (passwordProblem) {
      const requestCtx: RequestContext = { correlationId: randomUUID(), clientIp: null, userAgent: null, ...(ctx ?? {}), actor: ANONYMOUS, sessionId: null };
      await this.database.write((tx) =>
        endSessionsOfUser(tx, this.models, this.audit, actorContext(requestCtx, user, session.id), { userId: user.id, reason: passwordProblem.reason, at: now, onlySessionId: session.id }),
      );
      throw passwordProblem.error;
    }
    if (idleMs > touchIntervalMs(this.settings.sessionIdleSeconds)) {
      await this.sessions.touch(session.id, now);
      session.lastSeenAt = now;
    }
    return { user, session };
  }

  /**
   * The user changes their own password, proving the current one (counts toward lockout). Every
   * other open session of the user ends (audited); the session of `keepSessionId` — the caller's,
   * when the change was sent with its bearer token — stays open if it is this user's.
   */
  async changePassword(ctx: RequestContext, username: string, currentPassword: string, newPassword: string, keepSessionId: string | null = null): Promise<User> {
    const user = await this.checkPassword(ctx, username, currentPassword);
    this.policy.assertAcceptable(newPassword, user.username, 'body.newPassword');
    if (await this.hasher.verify(newPassword, user.passwordHash)) {
      throw new ValidationError('The new password must differ from the current one.', [{ field: 'body.newPassword', rule: 'notCurrent', message: 'must differ from the current password' }], 'password_reused');
    }
    const passwordHash = await this.hasher.hash(newPassword);
    return this.database.write(async (tx) => {
      const fresh = await this.models.User.findByPk(user.id, { transaction: tx, lock: tx.LOCK.UPDATE });
      // The password proven above must still be the current one: an administrator's reset (or
      // another change) that committed while this one was hashing wins, never silently undone.
      if (!fresh || fresh.passwordHash !== user.passwordHash) throw new ConflictError('The password was changed or reset meanwhile; sign in again with the current one.', 'password_changed_meanwhile');
      const before = presentUser(fresh);
      const now = this.now();
      fresh.passwordHash = passwordHash;
      fresh.passwordChangedAt = now;
      fresh.mustChangePassword = false;
      // The first password the user chose after an administrator set one: its cooling-off before
      // signing starts now (Part 11 §11.100; see AccessGrantService.signingRefusal).
      if (fresh.passwordSetByAdminAt !== null && (fresh.passwordChosenAt === null || new Date(fresh.passwordChosenAt) < new Date(fresh.passwordSetByAdminAt))) fresh.passwordChosenAt = now;
      fresh.failedLoginCount = 0;
      await fresh.save({ transaction: tx });
      const kept = keepSessionId ? await this.models.Session.findOne({ where: { id: keepSessionId, userId: fresh.id, endedAt: null }, transaction: tx }) : null;
      const userCtx = actorContext(ctx, fresh, kept?.id ?? null);
      await endSessionsOfUser(tx, this.models, this.audit, userCtx, { userId: fresh.id, reason: 'password_changed', at: now, keepSessionId: kept?.id ?? null });
      await this.audit.record(tx, userCtx, {
        action: 'user.password_changed',
        entityType: 'user',
        entityId: fresh.id,
        change: 'update',
        before,
        after: presentUser(fresh),
        reason: 'password changed by its owner',
      });
      return fresh;
    });
  }

  /**
   * Re-authentication at signing (Part 11 §11.200(a)): the first signature in a continuous session
   * needs user id and password, later ones at least the password; after the idle timeout the
   * session is gone and both are needed again. Only the session's own user can sign, and a wrong
   * password counts toward the lockout like a failed sign-in (§11.300(d)).
   */
  async reauthenticateForSigning(ctx: RequestContext, username: string | null, password: string): Promise<Authenticated & { method: 'password' | 'username+password' }> {
    const { user, session } = await this.currentSession(ctx);
    const firstInSession = session.firstSignatureAt === null || session.firstSignatureAt === undefined;
    if (firstInSession && !username) {
      throw new ValidationError(
        'The first signature in a session needs your user name as well as your password.',
        [{ field: 'body.username', rule: 'required', message: 'is required for the first signature of a session' }],
        'username_required',
      );
    }
    if (username && normalizeUsername(username) !== user.username) {
      throw new ForbiddenError('You can only sign as yourself: the user name is not the signed-in user.', 'identity_mismatch');
    }
    await this.confirmPassword(ctx, user, password, 'signature.authentication_failed', 'The password is incorrect: the signature was not made.');
    return { user, session, method: firstInSession ? 'username+password' : 'password' };
  }

  /**
   * Re-checks the signed-in user's password before a consequential act. A wrong one counts toward
   * the lockout and is audited as `failureAction` (Part 11 §11.300(d)).
   */
  async confirmPassword(ctx: RequestContext, user: User, password: string, failureAction: string, failureMessage: string): Promise<void> {
    if (user.lockedAt !== null) throw new LockedError(LOGIN_MESSAGES.locked);
    if (await this.hasher.verify(password, user.passwordHash)) {
      // A success ends the run of failures, as a successful sign-in does: only consecutive failures lock.
      await this.resetFailures(user);
      return;
    }
    if (await this.recordFailure(ctx, user, failureAction)) throw new LockedError(LOGIN_MESSAGES.locked);
    throw new UnauthenticatedError(failureMessage, 'invalid_credentials');
  }

  async currentSession(ctx: RequestContext): Promise<Authenticated> {
    const session = await this.models.Session.findByPk(ctx.sessionId ?? '');
    const user = ctx.actor.userId === null ? null : await this.models.User.findByPk(ctx.actor.userId);
    if (!session || !user || session.endedAt !== null) throw new UnauthenticatedError('This session has ended: sign in again.', 'session_ended');
    return { user, session };
  }

  /** The session id a bearer token names, when the token is one this server signed and unexpired; else null. */
  sessionIdOfToken(token: string): string | null {
    try {
      const claims = jwt.verify(token, this.tokenKey, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        clockTimestamp: Math.floor(this.now().getTime() / 1000),
      }) as jwt.JwtPayload;
      return typeof claims.exp === 'number' && typeof claims.sid === 'string' ? claims.sid : null;
    } catch {
      return null;
    }
  }

  /** What keeps this user's password from being used now — the same refusal as at sign-in — or null. */
  private passwordProblem(user: Pick<User, 'mustChangePassword' | 'passwordChangedAt'>): { reason: 'password_change_required' | 'password_expired'; error: ForbiddenError } | null {
    if (user.mustChangePassword) return { reason: 'password_change_required', error: new ForbiddenError(LOGIN_MESSAGES.mustChange, 'password_change_required') };
    if (this.policy.isExpired(user.passwordChangedAt, this.now())) return { reason: 'password_expired', error: new ForbiddenError(LOGIN_MESSAGES.expired, 'password_expired') };
    return null;
  }

  private assertPasswordUsable(user: User): void {
    const problem = this.passwordProblem(user);
    if (problem) throw problem.error;
  }

  private async resetFailures(user: User): Promise<void> {
    if (user.failedLoginCount === 0) return;
    await this.database.write((tx) => this.models.User.update({ failedLoginCount: 0 }, { where: { id: user.id, lockedAt: null }, transaction: tx }));
    user.failedLoginCount = 0;
  }

  /**
   * Checks a user name and password. Wrong, unknown and deactivated all answer the same 401 after
   * the same amount of work; failures count toward the lockout, which answers 423.
   */
  private async checkPassword(ctx: RequestContext, username: string, password: string): Promise<User> {
    const name = normalizeUsername(username);
    const user = await this.models.User.findOne({ where: { username: name } });
    if (!user || user.status !== 'active') {
      // A locked account is refused before its password is checked; a locked name is too.
      const counted = await this.models.LoginNameFailure.findByPk(loginNameKey(name));
      if (!counted || counted.lockedAt === null || this.nameFailuresExpired(counted.lastFailedAt)) await this.hasher.verifyAgainstNothing(password);
      return this.refuseUnknownName(ctx, name, user);
    }
    if (user.lockedAt !== null) {
      await this.recordRefusal(ctx, user, 'account locked');
      throw new LockedError(LOGIN_MESSAGES.locked);
    }
    if (await this.hasher.verify(password, user.passwordHash)) return user;
    const lockedNow = await this.recordFailure(ctx, user);
    if (lockedNow) throw new LockedError(LOGIN_MESSAGES.locked);
    throw new UnauthenticatedError(LOGIN_MESSAGES.invalid, 'invalid_credentials');
  }

  /** Counts a wrong password; at the threshold locks the account and raises an alert. */
  private async recordFailure(ctx: RequestContext, user: User, action = 'auth.login_failed'): Promise<boolean> {
    return this.database.write(async (tx) => {
      const fresh = await this.models.User.findByPk(user.id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!fresh) return false;
      const before = presentUser(fresh);
      fresh.failedLoginCount += 1;
      const locks = fresh.failedLoginCount >= this.settings.lockoutThreshold && fresh.lockedAt === null;
      if (locks) fresh.lockedAt = this.now();
      await fresh.save({ transaction: tx });
      await this.audit.record(tx, ctx, {
        action,
        entityType: 'user',
        entityId: fresh.id,
        change: 'event',
        after: { username: fresh.username, failedAttempts: fresh.failedLoginCount, clientIp: ctx.clientIp },
      });
      if (locks) {
        const reason = `locked after ${fresh.failedLoginCount} failed sign-in attempts`;
        await this.audit.record(tx, ctx, { action: 'user.locked', entityType: 'user', entityId: fresh.id, change: 'status', before, after: presentUser(fresh), reason });
        await this.alerts.raise(tx, ctx, {
          kind: 'account_locked',
          severity: 'high',
          username: fresh.username,
          userId: fresh.id,
          message: `Account '${fresh.username}' was ${reason}.`,
          details: { failedAttempts: fresh.failedLoginCount, clientIp: ctx.clientIp, userAgent: ctx.userAgent },
        });
      }
      return fresh.lockedAt !== null;
    });
  }

  /**
   * Counts a failure for a name that is not an active account in login_name_failures — in the
   * database, like a real account's counter and lock, so all instances and restarts agree — and
   * answers exactly as a real account would: 401, then 423 from the threshold on.
   */
  private async refuseUnknownName(ctx: RequestContext, name: string, deactivated: User | null): Promise<never> {
    const failures = await this.database.write(async (tx) => {
      const counted = await this.countNameFailure(tx, loginNameKey(name));
      await this.audit.record(tx, ctx, {
        action: 'auth.login_failed',
        entityType: deactivated ? 'user' : 'login',
        entityId: deactivated ? deactivated.id : name.slice(0, 128),
        change: 'event',
        after: { username: name.slice(0, 128), failedAttempts: counted.failedCount, clientIp: ctx.clientIp, knownUser: deactivated !== null },
      });
      if (counted.lockedNow) {
        await this.alerts.raise(tx, ctx, {
          kind: 'repeated_failed_logins',
          severity: 'high',
          username: name.slice(0, 64),
          userId: deactivated?.id ?? null,
          message: `${counted.failedCount} failed sign-in attempts for ${deactivated ? 'deactivated' : 'unknown'} user name '${name.slice(0, 64)}'.`,
          details: { failedAttempts: counted.failedCount, clientIp: ctx.clientIp, userAgent: ctx.userAgent },
        });
      }
      return counted;
    });
    // Behave exactly like a real account, lockout included, so the answer reveals nothing.
    if (failures.locked) throw new LockedError(LOGIN_MESSAGES.locked);
    throw new UnauthenticatedError(LOGIN_MESSAGES.invalid, 'invalid_credentials');
  }

  /** One more failure for the name's row (created when missing, restarted when silent too long). */
  private async countNameFailure(tx: Transaction, keyHash: string): Promise<{ failedCount: number; locked: boolean; lockedNow: boolean }> {
    const { LoginNameFailure } = this.models;
    const now = this.now();
    // Insert-if-missing, then lock the row: concurrent failures on any instance count one by one.
    await LoginNameFailure.bulkCreate([{ keyHash, failedCount: 0, lockedAt: null, firstFailedAt: now, lastFailedAt: now }], { ignoreDuplicates: true, transaction: tx });
    const row = (await LoginNameFailure.findByPk(keyHash, { transaction: tx, lock: tx.LOCK.UPDATE }))!;
    const isNew = row.failedCount === 0;
    if (this.nameFailuresExpired(row.lastFailedAt)) {
      row.failedCount = 0;
      row.lockedAt = null;
      row.firstFailedAt = now;
    }
    row.failedCount += 1;
    row.lastFailedAt = now;
    const lockedNow = row.lockedAt === null && row.failedCount >= this.settings.lockoutThreshold;
    if (lockedNow) row.lockedAt = now;
    await row.save({ transaction: tx });
    if (isNew) await this.pruneNameFailures(tx, now);
    return { failedCount: row.failedCount, locked: row.lockedAt !== null, lockedNow };
  }

  private nameFailuresExpired(lastFailedAt: Date): boolean {
    return new Date(lastFailedAt).getTime() < this.now().getTime() - this.retentionMs();
  }

  private retentionMs(): number {
    return (this.settings.unknownNameRetentionDays ?? UNKNOWN_NAME_RETENTION_DAYS) * DAY_MS;
  }

  /** Keeps login_name_failures bounded: rows silent past the retention go, then the oldest beyond the cap. */
  private async pruneNameFailures(tx: Transaction, now: Date): Promise<void> {
    const { LoginNameFailure } = this.models;
    await LoginNameFailure.destroy({ where: { lastFailedAt: { [Op.lt]: new Date(now.getTime() - this.retentionMs()) } }, transaction: tx });
    await this.database.sequelize.query(
      'DELETE FROM login_name_failures WHERE last_failed_at <= (SELECT last_failed_at FROM login_name_failures ORDER BY last_failed_at DESC LIMIT 1 OFFSET :cap)',
      { replacements: { cap: this.settings.maxUnknownNames ?? MAX_UNKNOWN_NAMES }, transaction: tx },
    );
  }

  private async recordRefusal(ctx: RequestContext, user: User, why: string): Promise<void> {
    await this.database.write((tx) =>
      this.audit.record(tx, ctx, { action: 'auth.login_refused', entityType: 'user', entityId: user.id, change: 'event', after: { username: user.username, why, clientIp: ctx.clientIp } }),
    );
  }

  private async endSession(id: string, reason: string): Promise<void> {
    await this.database.write((tx) => this.models.Session.update({ endedAt: this.now(), endReason: reason }, { where: { id, endedAt: null }, transaction: tx }));
  }

  private issue(user: User, session: Session): IssuedToken {
    // Whole seconds, as in the token: expiresAt is exactly the token's exp, never later.
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const expiresAt = new Date((issuedAt + this.settings.tokenTtlSeconds) * 1000);
    const token = jwt.sign({ sid: session.id, role: user.role, iat: issuedAt }, this.tokenKey, {
      algorithm: TOKEN_ALGORITHM,
      expiresIn: this.settings.tokenTtlSeconds,
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      subject: String(user.id),
      jwtid: randomUUID(),
    });
    return { token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), session: { id: session.id, idleTimeoutSeconds: this.settings.sessionIdleSeconds }, user };
  }
}

/** The request context with the signed-in user as actor (login has no actor until it succeeds). */
function actorContext(ctx: RequestContext, user: Pick<User, 'id' | 'username' | 'fullName' | 'role'>, sessionId: string | null): RequestContext {
  return { ...ctx, actor: { userId: user.id, username: user.username, name: user.fullName, role: user.role }, sessionId };
}
