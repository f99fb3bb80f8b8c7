// User administration: create, edit, deactivate, unlock, reset passwords. Every change is audited
// with before/after values and, for changes to an existing user, a reason (Part 11 §11.10(e)).
import type { Transaction } from 'sequelize';
import type { AuditTrail, ChangeKind } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import { compileValidator, validateInput } from '../platform/validation.js';
import type { AuthModels, User, UserStatus } from './auth-models.js';
import type { PasswordHasher } from './password-hasher.js';
import type { PasswordPolicy } from './password-policy.js';
import type { Role } from './roles.js';
import { createUserBody } from './auth-schemas.js';
import { endSessionsOfUser } from './session-ending.js';
import { presentUser } from './user-presenter.js';

export interface NewUser {
  username: string;
  fullName: string;
  role: Role;
  password: string;
  email?: string | null;
  trainingCompletedAt?: string | null;
  qualification?: string | null;
  /** An initial password set by someone else must be changed at first login (default true). */
  mustChangePassword?: boolean;
  signaturePolicyAcknowledgedAt?: string | null;
}

export interface UserChanges {
  fullName?: string;
  email?: string | null;
  role?: Role;
  trainingCompletedAt?: string | null;
  qualification?: string | null;
}

export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

export class UserService {
  constructor(
    private readonly database: Database,
    private readonly models: AuthModels,
    private readonly audit: AuditTrail,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Creates a user. The input is checked here, against the same schema as POST /api/v1/users, so
   * every way in (API, `gxpw user add`, seeding) gets the same checks and the same 400 naming
   * the field (`body.username`, …); then the password policy.
   */
  async create(ctx: RequestContext, input: NewUser): Promise<User> {
    assertValidNewUser(input);
    const username = normalizeUsername(input.username);
    this.policy.assertAcceptable(input.password, username);
    const passwordHash = await this.hasher.hash(input.password);
    return this.database.write(async (tx) => {
      if (await this.models.User.findOne({ where: { username }, transaction: tx })) {
        throw new ConflictError(`A user named '${username}' already exists (user names are never reused).`, 'username_taken');
      }
      const now = this.now();
      const user = await this.models.User.create(
        {
          username,
          fullName: input.fullName.trim(),
          email: input.email ?? null,
          role: input.role,
          passwordHash,
          passwordChangedAt: now,
          mustChangePassword: input.mustChangePassword ?? true,
          lockedAt: null,
          trainingCompletedAt: input.trainingCompletedAt ? new Date(input.trainingCompletedAt) : null,
          qualification: input.qualification ?? null,
          signaturePolicyAcknowledgedAt: input.signaturePolicyAcknowledgedAt ? new Date(input.signaturePolicyAcknowledgedAt) : null,
          deactivatedAt: null,
        },
        { transaction: tx },
      );
      await this.audit.record(tx, ctx, { action: 'user.created', entityType: 'user', entityId: user.id, change: 'create', after: presentUser(user) });
      return user;
    });
  }

  async update(ctx: RequestContext, id: number, changes: UserChanges, reason: string): Promise<User> {
    if (changes.role !== undefined && ctx.actor.userId === id) {
      throw new ForbiddenError('You cannot change your own role.', 'own_access_change');
    }
    return this.change(ctx, id, { action: 'user.updated', change: 'update', reason }, (user) => {
      if (changes.fullName !== undefined) user.fullName = changes.fullName.trim();
      if (changes.email !== undefined) user.email = changes.email;
      if (changes.role !== undefined) user.role = changes.role;
      if (changes.qualification !== undefined) user.qualification = changes.qualification;
      if (changes.trainingCompletedAt !== undefined) {
        user.trainingCompletedAt = changes.trainingCompletedAt === null ? null : new Date(changes.trainingCompletedAt);
      }
    });
  }

  async deactivate(ctx: RequestContext, id: number, reason: string): Promise<User> {
    if (ctx.actor.userId === id) throw new ForbiddenError('You cannot deactivate your own account.', 'own_access_change');
    return this.setStatus(ctx, id, 'deactivated', reason);
  }

  async reactivate(ctx: RequestContext, id: number, reason: string): Promise<User> {
    return this.setStatus(ctx, id, 'active', reason);
  }

  async unlock(ctx: RequestContext, id: number, reason: string): Promise<User> {
    return this.change(ctx, id, { action: 'user.unlocked', change: 'status', reason }, (user) => {
      if (user.lockedAt === null) throw new ConflictError(`User '${user.username}' is not locked.`, 'not_locked');
      user.lockedAt = null;
      user.failedLoginCount = 0;
    });
  }

  /**
   * Sets a password chosen by an administrator; the user must change it at next login. The reset
   * also lifts a lockout (the administrator has just dealt with the account: Part 11 §11.300(c)),
   * and ends every open session of the user, each audited as `auth.session_ended`: whoever held
   * the old password holds no session either.
   */
  async resetPassword(ctx: RequestContext, id: number, password: string, reason: string): Promise<User> {
    const user = await this.get(id);
    this.policy.assertAcceptable(password, user.username);
    const passwordHash = await this.hasher.hash(password);
    return this.change(
      ctx,
      id,
      { action: 'user.password_reset', change: 'update', reason },
      (u) => {
        u.passwordHash = passwordHash;
        u.passwordChangedAt = this.now();
        u.mustChangePassword = true;
        u.failedLoginCount = 0;
        u.lockedAt = null;
      },
      (tx, u) => endSessionsOfUser(tx, this.models, this.audit, ctx, { userId: u.id, reason: 'password_reset', at: this.now() }),
    );
  }

  async get(id: number): Promise<User> {
    const user = await this.models.User.findByPk(id);
    if (!user) throw new NotFoundError(`No user with id ${id}.`, 'user_not_found');
    return user;
  }

  async findByUsername(username: string): Promise<User | null> {
    return this.models.User.findOne({ where: { username: normalizeUsername(username) } });
  }

  async list(filter: { role?: Role; status?: UserStatus }): Promise<User[]> {
    const where: Record<string, string> = {};
    if (filter.role) where.role = filter.role;
    if (filter.status) where.status = filter.status;
    return this.models.User.findAll({ where, order: [['id', 'ASC']] });
  }

  async count(): Promise<number> {
    return this.models.User.count();
  }

  private async setStatus(ctx: RequestContext, id: number, status: UserStatus, reason: string): Promise<User> {
    const action = status === 'active' ? 'user.reactivated' : 'user.deactivated';
    return this.change(ctx, id, { action, change: 'status', reason }, (user) => {
      if (user.status === status) throw new ConflictError(`User '${user.username}' is already ${status}.`, `already_${status}`);
      user.status = status;
      user.deactivatedAt = status === 'deactivated' ? this.now() : null;
    });
  }

  /** Loads the user in a write transaction, applies `mutate`, saves, and audits before/after. */
  private async change(
    ctx: RequestContext,
    id: number,
    event: { action: string; change: ChangeKind; reason: string },
    mutate: (user: User) => void,
    afterwards?: (tx: Transaction, user: User) => Promise<unknown>,
  ): Promise<User> {
    return this.database.write(async (tx: Transaction) => {
      const user = await this.models.User.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!user) throw new NotFoundError(`No user with id ${id}.`, 'user_not_found');
      const before = presentUser(user);
      mutate(user);
      await user.save({ transaction: tx });
      await this.audit.record(tx, ctx, { ...event, entityType: 'user', entityId: user.id, before, after: presentUser(user) });
      if (afterwards) await afterwards(tx, user);
      return user;
    });
  }
}

/** The fields of a new user that POST /api/v1/users takes, checked against its schema (400 naming each field). */
function assertValidNewUser(input: NewUser): void {
  const fields: Record<string, unknown> = {
    username: input.username,
    fullName: input.fullName,
    role: input.role,
    password: input.password,
    email: input.email,
    trainingCompletedAt: input.trainingCompletedAt,
    qualification: input.qualification,
  };
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  validateInput(compileValidator(createUserBody, 'body'), fields, 'body');
}
