// Sign-in, sessions and tokens (Part 11 §11.10(d), §11.300).
//
// A login opens a server-side session and returns a short-lived JWT bound to it. The token is
// checked (algorithm pinned, issuer, audience, expiry), then its session (not ended, not idle
// too long) and its user (active, not locked): logging out or deactivating a user stops every
// token at once. Failed attempts count toward a lockout that raises a security alert, and never
// reveal whether a user name exists.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, ForbiddenError, LockedError, UnauthenticatedError, ValidationError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { AuthModels, Session, User } from './auth-models.js';
import type { PasswordHasher } from './password-hasher.js';
import type { PasswordPolicy } from './password-policy.js';
import type { SecurityAlertService } from './security-alert-service.js';
import { presentUser } from './user-presenter.js';
import { normalizeUsername } from './user-service.js';

export interface AuthSettings {
  tokenTtlSeconds: number;
  sessionIdleSeconds: number;
  lockoutThreshold: number;
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
/** last_seen_at is written at most this often per session, not on every request. */
const TOUCH_INTERVAL_MS = 15_000;
/** Failure counters kept for user names that do not exist (oldest dropped first). */
const MAX_UNKNOWN_NAMES = 10_000;

export const LOGIN_MESSAGES = {
  invalid: 'The user name or password is incorrect.',
  locked: 'This account is locked after repeated failed sign-in attempts. Ask an administrator to unlock it.',
  mustChange: 'Your password was set by an administrator and must be changed before you sign in: use POST /api/v1/auth/password.',
  expired: 'Your password has expired and must be changed before you sign in: use POST /api/v1/auth/password.',
};

export class AuthService {
  private readonly unknownNameFailures = new Map<string, number>();

  constructor(
    private readonly database: Database,
    private readonly models: AuthModels,
    private readonly audit: AuditTrail,
    private readonly alerts: SecurityAlertService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly tokenSecret: Buffer,
    private readonly settings: AuthSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async login(ctx: RequestContext, username: string, password: string): Promise<IssuedToken> {
    const user = await this.checkPassword(ctx, username, password);
    if (user.mustChangePassword) throw new ForbiddenError(LOGIN_MESSAGES.mustChange, 'password_change_required');
    if (this.policy.isExpired(user.passwordChangedAt, this.now())) throw new ForbiddenError(LOGIN_MESSAGES.expired, 'password_expired');
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
      });
      return created;
    });
    return this.issue(user, session);
  }

  /** A new token for the caller's live session (tokens live at most 15 minutes). */
  async refresh(ctx: RequestContext): Promise<IssuedToken> {
    const { user, session } = await this.currentSession(ctx);
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

  /** Resolves a bearer token to its user and live session, or throws a 401 saying why. */
  async authenticate(token: string): Promise<Authenticated> {
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, this.tokenSecret, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        clockTimestamp: Math.floor(this.now().getTime() / 1000),
      }) as jwt.JwtPayload;
      // jsonwebtoken only checks exp when present; a token without one would never expire.
      if (typeof claims.exp !== 'number') throw new Error('token has no expiry');
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new UnauthenticatedError('The token has expired: refresh it or sign in again.', 'token_expired');
      throw new UnauthenticatedError('The token is not valid.', 'invalid_token');
    }
    const session = typeof claims.sid === 'string' ? await this.models.Session.findByPk(claims.sid) : null;
    if (!session || String(session.userId) !== claims.sub) throw new UnauthenticatedError('The token is not valid.', 'invalid_token');
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
    const user = await this.models.User.findByPk(session.userId);
    if (!user || user.status !== 'active' || user.lockedAt !== null) {
      await this.endSession(session.id, 'account_inactive');
      throw new UnauthenticatedError('This account is no longer active: sign in again or ask an administrator.', 'account_inactive');
    }
    if (idleMs > TOUCH_INTERVAL_MS) {
      await this.database.write((tx) => this.models.Session.update({ lastSeenAt: now }, { where: { id: session.id }, transaction: tx }));
      session.lastSeenAt = now;
    }
    return { user, session };
  }

  /** The user changes their own password, proving the current one (counts toward lockout). */
  async changePassword(ctx: RequestContext, username: string, currentPassword: string, newPassword: string): Promise<User> {
    const user = await this.checkPassword(ctx, username, currentPassword);
    this.policy.assertAcceptable(newPassword, user.username, 'body.newPassword');
    if (await this.hasher.verify(newPassword, user.passwordHash)) {
      throw new ValidationError('The new password must differ from the current one.', [{ field: 'body.newPassword', rule: 'notCurrent', message: 'must differ from the current password' }], 'password_reused');
    }
    const passwordHash = await this.hasher.hash(newPassword);
    return this.database.write(async (tx) => {
      const fresh = await this.models.User.findByPk(user.id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!fresh) throw new ConflictError('The user changed meanwhile; try again.');
      const before = presentUser(fresh);
      fresh.passwordHash = passwordHash;
      fresh.passwordChangedAt = this.now();
      fresh.mustChangePassword = false;
      fresh.failedLoginCount = 0;
      await fresh.save({ transaction: tx });
      await this.audit.record(tx, actorContext(ctx, fresh, null), {
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
    if (await this.hasher.verify(password, user.passwordHash)) return;
    if (await this.recordFailure(ctx, user, failureAction)) throw new LockedError(LOGIN_MESSAGES.locked);
    throw new UnauthenticatedError(failureMessage, 'invalid_credentials');
  }

  async currentSession(ctx: RequestContext): Promise<Authenticated> {
    const session = await this.models.Session.findByPk(ctx.sessionId ?? '');
    const user = ctx.actor.userId === null ? null : await this.models.User.findByPk(ctx.actor.userId);
    if (!session || !user || session.endedAt !== null) throw new UnauthenticatedError('This session has ended: sign in again.', 'session_ended');
    return { user, session };
  }

  /**
   * Checks a user name and password. Wrong, unknown and deactivated all answer the same 401 after
   * the same amount of work; failures count toward the lockout, which answers 423.
   */
  private async checkPassword(ctx: RequestContext, username: string, password: string): Promise<User> {
    const name = normalizeUsername(username);
    const user = await this.models.User.findOne({ where: { username: name } });
    if (!user || user.status !== 'active') {
      await this.hasher.verifyAgainstNothing(password);
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

  private async refuseUnknownName(ctx: RequestContext, name: string, deactivated: User | null): Promise<never> {
    const failures = (this.unknownNameFailures.get(name) ?? 0) + 1;
    this.unknownNameFailures.delete(name);
    this.unknownNameFailures.set(name, failures);
    if (this.unknownNameFailures.size > MAX_UNKNOWN_NAMES) this.unknownNameFailures.delete(this.unknownNameFailures.keys().next().value!);
    await this.database.write(async (tx) => {
      await this.audit.record(tx, ctx, {
        action: 'auth.login_failed',
        entityType: deactivated ? 'user' : 'login',
        entityId: deactivated ? deactivated.id : name.slice(0, 128),
        change: 'event',
        after: { username: name.slice(0, 128), failedAttempts: failures, clientIp: ctx.clientIp, knownUser: deactivated !== null },
      });
      if (failures === this.settings.lockoutThreshold) {
        await this.alerts.raise(tx, ctx, {
          kind: 'repeated_failed_logins',
          severity: 'high',
          username: name.slice(0, 64),
          userId: deactivated?.id ?? null,
          message: `${failures} failed sign-in attempts for ${deactivated ? 'deactivated' : 'unknown'} user name '${name.slice(0, 64)}'.`,
          details: { failedAttempts: failures, clientIp: ctx.clientIp, userAgent: ctx.userAgent },
        });
      }
    });
    // Behave exactly like a real account, lockout included, so the answer reveals nothing.
    if (failures >= this.settings.lockoutThreshold) throw new LockedError(LOGIN_MESSAGES.locked);
    throw new UnauthenticatedError(LOGIN_MESSAGES.invalid, 'invalid_credentials');
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
    const token = jwt.sign({ sid: session.id, role: user.role, iat: issuedAt }, this.tokenSecret, {
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
function actorContext(ctx: RequestContext, user: User, sessionId: string | null): RequestContext {
  return { ...ctx, actor: { userId: user.id, username: user.username, name: user.fullName, role: user.role }, sessionId };
}
