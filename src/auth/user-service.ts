// User administration: create, edit, deactivate, unlock, reset passwords. Every change is audited
// with before/after values and, for changes to an existing user, a reason (Part 11 §11.10(e)).
// What would give an account a signing capability — a role that signs, a new user with such a
// role, a training attestation — is not applied here but requested as an access grant, in effect
// once a second person approves it (Part 11 §11.10(g): see access-grant-service.ts).
import type { Transaction } from 'sequelize';
import type { AuditTrail, ChangeKind } from '../audit/audit-trail.js';
import type { Database } from '../platform/database.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import { compileValidator, validateInput } from '../platform/validation.js';
import type { AuthModels, User, UserStatus } from './auth-models.js';
import type { AccessGrantService } from './access-grant-service.js';
import type { PasswordHasher } from './password-hasher.js';
import type { PasswordPolicy } from './password-policy.js';
import { isSigningRole, type Role } from './roles.js';
import type { SecurityAlertService } from './security-alert-service.js';
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
    private readonly grants: AccessGrantService,
    private readonly alerts: SecurityAlertService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Creates a user. The input is checked here, against the same schema as POST /api/v1/users, so
   * every way in (API, `gxpw user add`, seeding) gets the same checks and the same 400 naming
   * the field (`body.username`, …); then the password policy. The password counts as set by an
   * administrator. A signing role and a training date become pending access grants — or, with
   * `bootstrapSigner` (the server shell, while no signer exists), the first signer's approved one.
   */
  async create(ctx: RequestContext, input: NewUser, options: { bootstrapSigner?: boolean } = {}): Promise<User> {
    assertValidNewUser(input);
    if (options.bootstrapSigner && !isSigningRole(input.role)) {
      throw new ValidationError(`A bootstrap signer needs a role that signs (it or qa), not ${input.role}.`, [{ field: 'body.role', rule: 'enum', message: 'must be it or qa for a bootstrap signer' }], 'role_cannot_sign');
    }
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
          // Attested only by an approved grant (below).
          trainingCompletedAt: null,
          qualification: input.qualification ?? null,
          signaturePolicyAcknowledgedAt: input.signaturePolicyAcknowledgedAt ? new Date(input.signaturePolicyAcknowledgedAt) : null,
          deactivatedAt: null,
          signingGrantId: null,
          // Part 11 §11.100: a password someone else chose never signs (see signingRefusal).
          passwordSetByAdminAt: now,
          passwordChosenAt: null,
          passwordApprovedAt: null,
        },
        { transaction: tx },
      );
      await this.audit.record(tx, ctx, { action: 'user.created', entityType: 'user', entityId: user.id, change: 'create', after: presentUser(user) });
      const training = input.trainingCompletedAt ? new Date(input.trainingCompletedAt) : null;
      if (options.bootstrapSigner) {
        await this.grants.bootstrap(tx, ctx, user, training ?? now, `first signer of this installation, created by ${ctx.actor.name}`);
        return user;
      }
      if (isSigningRole(user.role)) await this.grants.request(tx, ctx, user, { kind: 'new-user', role: user.role }, `new ${user.role} account`);
      if (training) await this.grants.request(tx, ctx, user, { kind: 'training', trainingCompletedAt: training.toISOString() }, 'training attested at account creation');
      return user;
    });
  }

  /**
   * Edits a user. A role that can sign (other than the current one) and a training date are not
   * applied: each becomes a pending access grant — the user keeps the old role, and no training,
   * until a second QA person approves it. A role that cannot sign, and clearing a training date,
   * take away and apply at once (withdrawing a pending request for a signing role); another signing
   * role while one is pending is refused (409 grant_pending).
   */
  async update(ctx: RequestContext, id: number, changes: UserChanges, reason: string): Promise<User> {
    if ((changes.role !== undefined || changes.trainingCompletedAt !== undefined) && ctx.actor.userId === id) {
      throw new ForbiddenError('You cannot change your own role or training record.', 'own_access_change');
    }
    return this.database.write(async (tx: Transaction) => {
      const user = await this.lock(tx, id);
      const requests: Array<Parameters<AccessGrantService['request']>[3]> = [];
      if (changes.role !== undefined && changes.role !== user.role) {
        if (isSigningRole(changes.role)) {
          await this.grants.assertNonePending(tx, id, ['role', 'new-user']);
          requests.push({ kind: 'role', fromRole: user.role, toRole: changes.role });
        } else {
          await this.grants.cancelPending(tx, ctx, id, ['role', 'new-user'], `superseded by the role change to ${changes.role}: ${reason}`);
        }
      }
      if (changes.trainingCompletedAt) requests.push({ kind: 'training', trainingCompletedAt: new Date(changes.trainingCompletedAt).toISOString() });
      const before = presentUser(user);
      if (changes.fullName !== undefined) user.fullName = changes.fullName.trim();
      if (changes.email !== undefined) user.email = changes.email;
      if (changes.qualification !== undefined) user.qualification = changes.qualification;
      if (changes.role !== undefined && changes.role !== user.role && !isSigningRole(changes.role)) {
        // Leaving the signing roles ends the signing right that came with the old role.
        user.role = changes.role;
        user.signingGrantId = null;
      }
      if (changes.trainingCompletedAt === null) user.trainingCompletedAt = null;
      // A request alone changes nothing on the user (the grant's own event records it).
      if (user.changed() || requests.length === 0) {
        await user.save({ transaction: tx });
        await this.audit.record(tx, ctx, { action: 'user.updated', entityType: 'user', entityId: user.id, change: 'update', reason, before, after: presentUser(user) });
      }
      for (const request of requests) await this.grants.request(tx, ctx, user, request, reason);
      return user;
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
        u.passwordSetByAdminAt = u.passwordChangedAt;
        u.mustChangePassword = true;
        u.failedLoginCount = 0;
        u.lockedAt = null;
      },
      async (tx, u) => {
        await endSessionsOfUser(tx, this.models, this.audit, ctx, { userId: u.id, reason: 'password_reset', at: this.now() });
        // Part 11 §11.300(d): the first step of signing in someone else's name is to take over their
        // password; administrators see every reset of a signer's at once.
        if (await this.grants.holdsOrAwaitsSigningRights(tx, u)) {
          await this.alerts.raise(tx, ctx, {
            kind: 'signer_password_reset',
            severity: 'high',
            username: u.username,
            userId: u.id,
            message: `${ctx.actor.name} reset the password of '${u.username}', who holds or awaits signing rights; a password chosen after this reset signs only after the cooling-off or a second QA person's approval.`,
            details: { resetBy: ctx.actor.userId, reason },
          });
        }
      },
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

  /**
   * Deactivates or reactivates. Reactivating a signer grants their signing right anew: it waits,
   * as a role grant for the same role, for a second person's approval — no one who left comes back
   * able to sign on one administrator's word (Part 11 §11.10(g)).
   */
  private async setStatus(ctx: RequestContext, id: number, status: UserStatus, reason: string): Promise<User> {
    const action = status === 'active' ? 'user.reactivated' : 'user.deactivated';
    let signedBefore = false;
    return this.change(
      ctx,
      id,
      { action, change: 'status', reason },
      (user) => {
        if (user.status === status) throw new ConflictError(`User '${user.username}' is already ${status}.`, `already_${status}`);
        user.status = status;
        user.deactivatedAt = status === 'deactivated' ? this.now() : null;
        signedBefore = status === 'active' && user.signingGrantId !== null && isSigningRole(user.role);
        if (signedBefore) user.signingGrantId = null;
      },
      async (tx, user) => {
        if (!signedBefore) return;
        await this.grants.assertNonePending(tx, user.id, ['role', 'new-user']);
        await this.grants.request(tx, ctx, user, { kind: 'role', fromRole: user.role, toRole: user.role }, `reactivated: ${reason}`);
      },
    );
  }

  private async lock(tx: Transaction, id: number): Promise<User> {
    const user = await this.models.User.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!user) throw new NotFoundError(`No user with id ${id}.`, 'user_not_found');
    return user;
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
      const user = await this.lock(tx, id);
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
