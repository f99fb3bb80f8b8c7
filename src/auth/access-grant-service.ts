// Signing rights are a two-person change (Part 11 §11.10(g), §11.100(a), §11.300; Annex 11 §12).
//
// No single person may both administer accounts and produce a signature in someone else's name. So
// whatever gives an account a signing capability — a role that can sign, a new user with such a
// role, a training attestation, signing with a password an administrator set — is recorded here as
// a *grant*: requested (audited, and raised as a high security alert), and in effect only once a
// second person, a `qa` user who neither requested it nor receives it, approves it with an
// electronic signature (record type `user-access`, meaning `approved`); the approval applies the
// grant in the signature's transaction. Until then the account cannot sign, and this service says
// why (`signingRefusal`). Rejection (QA) and cancellation (administrators) are audited with a reason.
import { Op, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import { canonicalJson } from '../platform/canonical-json.js';
import type { Database } from '../platform/database.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { AccessGrant, AccessGrantKind, AccessGrantStatus, AuthModels, Session, User } from './auth-models.js';
import { isSigningRole, type Role } from './roles.js';
import type { SecurityAlertService } from './security-alert-service.js';
import { presentUser } from './user-presenter.js';

/** Grants that give the current role its signing right. */
const ROLE_GRANTS: AccessGrantKind[] = ['role', 'new-user', 'bootstrap'];
const HOUR_MS = 3_600_000;
/** The printed name a bootstrap grant names as its decider: whoever ran the command on the server. */
export const BOOTSTRAP_DECIDER = 'server operator (bootstrap from the server shell)';

/** What a grant asks for, by kind: the part of the signed content that changes the account. */
export type GrantRequest =
  | { kind: 'role'; fromRole: Role; toRole: Role }
  | { kind: 'new-user'; role: Role }
  | { kind: 'training'; trainingCompletedAt: string }
  | { kind: 'password'; passwordSetByAdminAt: string }
  | { kind: 'bootstrap'; role: Role; trainingCompletedAt: string };

/** The content a `user-access` signature binds (Part 11 §11.70). */
export interface GrantContent {
  type: 'gxpw.user-access.v1';
  kind: AccessGrantKind;
  user: { id: number; username: string; printedName: string; role: Role };
  requested: Omit<GrantRequest, 'kind'>;
  requestedBy: { id: number | null; printedName: string };
  requestedAt: string;
  reason: string;
}

/** Who last gave a signer their signing right, as of a moment (the signature manifestation shows it). */
export interface SigningAccess {
  grantId: number;
  kind: AccessGrantKind;
  grantedAt: string;
  grantedBy: { id: number | null; printedName: string };
  signatureId: number | null;
}

export interface AccessGrantSettings {
  /** Hours a password the user chose after an administrator's must age before it signs (0: none). */
  signingCooloffHours: number;
}

export function grantContent(grant: AccessGrant): GrantContent {
  return JSON.parse(grant.content) as GrantContent;
}

export class AccessGrantService {
  constructor(
    private readonly database: Database,
    private readonly models: AuthModels,
    private readonly audit: AuditTrail,
    private readonly alerts: SecurityAlertService,
    private readonly settings: AccessGrantSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Records a pending grant for `user` in the caller's transaction, audits it and raises a high
   * security alert: every request for signing rights is seen by administrators at once.
   */
  async request(tx: Transaction, ctx: RequestContext, user: User, request: GrantRequest, reason: string): Promise<AccessGrant> {
    await this.assertNonePending(tx, user.id, request.kind === 'new-user' || request.kind === 'role' ? ['role', 'new-user'] : [request.kind]);
    const grant = await this.insert(tx, ctx, user, request, reason, 'pending');
    await this.audit.record(tx, ctx, { action: 'access_grant.requested', entityType: 'access-grant', entityId: grant.id, change: 'create', after: this.auditView(grant), reason });
    await this.alerts.raise(tx, ctx, {
      kind: 'access_grant_requested',
      severity: 'high',
      username: user.username,
      userId: user.id,
      message: `${ctx.actor.name} requested ${describeRequest(request)} for '${user.username}' (access grant ${grant.id}); it takes effect once a second QA person approves it.`,
      details: { grantId: grant.id, kind: request.kind, requested: withoutKind(request), requestedBy: ctx.actor.userId },
    });
    return grant;
  }

  /**
   * An administrator asks a second person to approve signing with the password the user chose
   * after the administrator set theirs, instead of waiting for the cooling-off.
   */
  async requestPasswordApproval(ctx: RequestContext, userId: number, reason: string): Promise<AccessGrant> {
    return this.database.write(async (tx) => {
      const user = await this.lockUser(tx, userId);
      if (user.passwordSetByAdminAt === null || this.passwordApproved(user)) {
        throw new ConflictError(`The password of '${user.username}' was not set by an administrator since its last approval: there is nothing to approve.`, 'password_not_set_by_administrator');
      }
      return this.request(tx, ctx, user, { kind: 'password', passwordSetByAdminAt: new Date(user.passwordSetByAdminAt).toISOString() }, reason);
    });
  }

  /**
   * The first signer of a fresh install, from the server's shell (`gxpw user add --bootstrap-signer`):
   * there is nobody yet to approve anyone. Allowed only to the system itself and only while no
   * signing grant has ever been approved; audited and raised as a high security alert. The bootstrap
   * stands in for the approval of the role, the training attestation and the cooling-off — the user
   * must still choose their own password before signing.
   */
  async bootstrap(tx: Transaction, ctx: RequestContext, user: User, trainingCompletedAt: Date, reason: string): Promise<AccessGrant> {
    if (ctx.actor.userId !== null) throw new ForbiddenError('A bootstrap signer is created from the server shell only (gxpw user add --bootstrap-signer).', 'bootstrap_from_shell_only');
    if (!isSigningRole(user.role)) throw new ConflictError(`A bootstrap signer needs a role that signs (it or qa), not ${user.role}.`, 'role_cannot_sign');
    const approved = await this.models.AccessGrant.count({ where: { status: 'approved', kind: ROLE_GRANTS }, transaction: tx });
    if (approved > 0) throw new ConflictError('Signers exist already: new signers are approved by a second QA person, not bootstrapped.', 'bootstrap_closed');
    const request: GrantRequest = { kind: 'bootstrap', role: user.role, trainingCompletedAt: trainingCompletedAt.toISOString() };
    const grant = await this.insert(tx, ctx, user, request, reason, 'approved');
    const before = presentUser(user);
    user.signingGrantId = grant.id;
    user.trainingCompletedAt = trainingCompletedAt;
    user.passwordApprovedAt = grant.requestedAt;
    await user.save({ transaction: tx });
    await this.audit.record(tx, ctx, { action: 'access_grant.bootstrapped', entityType: 'access-grant', entityId: grant.id, change: 'create', after: this.auditView(grant), reason });
    await this.audit.record(tx, ctx, { action: 'user.access_granted', entityType: 'user', entityId: user.id, change: 'update', before, after: presentUser(user), reason: `bootstrap signer (access grant ${grant.id}): ${reason}` });
    await this.alerts.raise(tx, ctx, {
      kind: 'signing_bootstrapped',
      severity: 'high',
      username: user.username,
      userId: user.id,
      message: `'${user.username}' was made the first signer (${user.role}) from the server shell, without a second person's approval (access grant ${grant.id}).`,
      details: { grantId: grant.id, role: user.role },
    });
    return grant;
  }

  /**
   * Applies a grant that a `user-access` signature has just approved, in the signature's
   * transaction: throwing rolls the signature back. Only a pending grant, still current, is applied.
   */
  async approveBySignature(tx: Transaction, ctx: RequestContext, grantId: number, signature: { id: number; signerId: number; signerName: string; reason: string }): Promise<AccessGrant> {
    const grant = await this.models.AccessGrant.findByPk(grantId, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!grant) throw new NotFoundError(`No access grant ${grantId}.`, 'access_grant_not_found');
    if (grant.status !== 'pending') throw new ConflictError(`Access grant ${grantId} is ${grant.status}: only a pending grant can be approved.`, 'grant_not_pending');
    const user = await this.lockUser(tx, grant.userId);
    if (user.status !== 'active') throw new ConflictError(`'${user.username}' is deactivated: the grant cannot take effect.`, 'user_not_active');
    const content = grantContent(grant);
    const before = presentUser(user);
    const requested = content.requested as Record<string, string>;
    switch (grant.kind) {
      case 'role':
        if (user.role !== requested.fromRole) throw new ConflictError(`'${user.username}' is no longer ${requested.fromRole}: cancel this grant and request again.`, 'grant_outdated');
        user.role = requested.toRole as Role;
        user.signingGrantId = grant.id;
        break;
      case 'new-user':
        if (user.role !== requested.role) throw new ConflictError(`'${user.username}' is no longer ${requested.role}: cancel this grant and request again.`, 'grant_outdated');
        user.signingGrantId = grant.id;
        break;
      case 'training':
        user.trainingCompletedAt = new Date(requested.trainingCompletedAt!);
        break;
      case 'password': {
        const setAt = user.passwordSetByAdminAt === null ? null : new Date(user.passwordSetByAdminAt).toISOString();
        if (setAt !== requested.passwordSetByAdminAt) throw new ConflictError(`The password of '${user.username}' was set again since this request: request a new approval.`, 'grant_outdated');
        if (!this.passwordChosen(user)) throw new ConflictError(`'${user.username}' has not chosen their own password yet: approve once they have.`, 'password_not_chosen');
        user.passwordApprovedAt = this.now();
        break;
      }
      default:
        throw new ConflictError(`A ${grant.kind} grant is not approved by signature.`, 'grant_not_pending');
    }
    await user.save({ transaction: tx });
    const grantBefore = this.auditView(grant);
    grant.status = 'approved';
    grant.decidedBy = signature.signerId;
    grant.decidedByName = signature.signerName;
    grant.decidedAt = this.now();
    grant.decisionReason = signature.reason;
    grant.signatureId = signature.id;
    await grant.save({ transaction: tx });
    await this.audit.record(tx, ctx, { action: 'access_grant.approved', entityType: 'access-grant', entityId: grant.id, change: 'status', before: grantBefore, after: this.auditView(grant), reason: signature.reason });
    await this.audit.record(tx, ctx, { action: 'user.access_granted', entityType: 'user', entityId: user.id, change: 'update', before, after: presentUser(user), reason: `access grant ${grant.id} (${grant.kind}) approved by signature ${signature.id}` });
    await this.alerts.raise(tx, ctx, {
      kind: 'access_grant_approved',
      severity: 'high',
      username: user.username,
      userId: user.id,
      message: `${signature.signerName} approved ${describeRequest({ kind: grant.kind, ...requested } as GrantRequest)} for '${user.username}' (access grant ${grant.id}).`,
      details: { grantId: grant.id, kind: grant.kind, requested, approvedBy: signature.signerId, signatureId: signature.id },
    });
    return grant;
  }

  /** QA turns a request down, with a reason; neither its requester nor its subject may. */
  async reject(ctx: RequestContext, id: number, reason: string): Promise<AccessGrant> {
    return this.decide(ctx, id, 'rejected', reason, (grant) => {
      if (ctx.actor.userId !== null && (ctx.actor.userId === grant.requestedBy || ctx.actor.userId === grant.userId)) {
        throw new ForbiddenError('You requested this grant or would receive it: someone else must decide it.', 'separation_of_duties');
      }
    });
  }

  /** An administrator withdraws a request, with a reason. */
  async cancel(ctx: RequestContext, id: number, reason: string): Promise<AccessGrant> {
    return this.decide(ctx, id, 'cancelled', reason, () => undefined);
  }

  async get(id: number, tx?: Transaction): Promise<AccessGrant> {
    const grant = await this.models.AccessGrant.findByPk(id, { transaction: tx });
    if (!grant) throw new NotFoundError(`No access grant ${id}.`, 'access_grant_not_found');
    return grant;
  }

  async find(id: number, tx?: Transaction): Promise<AccessGrant | null> {
    return this.models.AccessGrant.findByPk(id, { transaction: tx });
  }

  async list(filter: { status?: AccessGrantStatus; userId?: number; kind?: AccessGrantKind }, tx?: Transaction): Promise<AccessGrant[]> {
    const where: Record<string, unknown> = {};
    if (filter.status) where.status = filter.status;
    if (filter.userId) where.userId = filter.userId;
    if (filter.kind) where.kind = filter.kind;
    return this.models.AccessGrant.findAll({ where, order: [['id', 'DESC']], limit: 1000, transaction: tx });
  }

  /** Pending role grants block a direct role change: one change of role at a time, decided in order. */
  async assertNonePending(tx: Transaction, userId: number, kinds: AccessGrantKind[]): Promise<void> {
    const pending = await this.models.AccessGrant.findOne({ where: { userId, status: 'pending', kind: kinds }, transaction: tx });
    if (pending) throw new ConflictError(`Access grant ${pending.id} (${pending.kind}) for this user is still pending: have it approved, rejected or cancelled first.`, 'grant_pending');
  }

  /**
   * Withdraws the user's pending grants of `kinds` in the caller's transaction (audited): a role
   * change to one that cannot sign supersedes a pending request for a signing role.
   */
  async cancelPending(tx: Transaction, ctx: RequestContext, userId: number, kinds: AccessGrantKind[], reason: string): Promise<void> {
    const pending = await this.models.AccessGrant.findAll({ where: { userId, status: 'pending', kind: kinds }, transaction: tx, lock: tx.LOCK.UPDATE });
    for (const grant of pending) await this.close(tx, ctx, grant, 'cancelled', reason);
  }

  /** True when the user holds (or is being granted) signing rights: their password reset is an alert. */
  async holdsOrAwaitsSigningRights(tx: Transaction, user: User): Promise<boolean> {
    if (user.signingGrantId !== null && isSigningRole(user.role)) return true;
    return (await this.models.AccessGrant.count({ where: { userId: user.id, status: 'pending', kind: ROLE_GRANTS }, transaction: tx })) > 0;
  }

  /**
   * Why this user cannot sign in this session, as a 403 naming the reason — or null. Checked at
   * every signature, after re-authentication (Part 11 §11.10(g), §11.100(a)).
   */
  async signingRefusal(user: User, session: Session): Promise<ForbiddenError | null> {
    const pending = async (kinds: AccessGrantKind[]) => this.models.AccessGrant.findOne({ where: { userId: user.id, status: 'pending', kind: kinds } });
    if (user.signingGrantId === null) {
      const waiting = await pending(['role', 'new-user']);
      if (waiting) return new ForbiddenError(`Your signing access (access grant ${waiting.id}) awaits a second person's approval.`, 'signing_access_pending');
      return new ForbiddenError('Your signing access has not been granted: an administrator requests it and a second QA person approves it.', 'signing_access_not_granted');
    }
    if (user.trainingCompletedAt === null) {
      const waiting = await pending(['training']);
      if (waiting) return new ForbiddenError(`Your training attestation (access grant ${waiting.id}) awaits a second person's approval.`, 'training_pending_approval');
      return new ForbiddenError('Your training record is not complete.', 'training_missing');
    }
    if (user.passwordSetByAdminAt === null) return null;
    // Part 11 §11.100, §11.300: a password someone else knew never signs.
    if (!this.passwordChosen(user) || new Date(session.createdAt) < new Date(user.passwordChosenAt!)) {
      return new ForbiddenError('Your password was set by an administrator: change it (POST /api/v1/auth/password) and sign in with the password you chose before signing.', 'password_not_chosen');
    }
    if (this.passwordApproved(user)) return null;
    const until = new Date(new Date(user.passwordChosenAt!).getTime() + this.settings.signingCooloffHours * HOUR_MS);
    if (this.now() < until) {
      return new ForbiddenError(
        `Your password replaced one an administrator set: it signs from ${until.toISOString()} (cooling-off of ${this.settings.signingCooloffHours} h), or earlier once a second QA person approves it (an access grant of kind password).`,
        'password_cooling_off',
      );
    }
    return null;
  }

  /** The grant that gave `userId` their signing right as of `at` (the newest approved before it), or null. */
  async signingAccessAt(userId: number, at: Date): Promise<SigningAccess | null> {
    const grant = await this.models.AccessGrant.findOne({
      where: { userId, status: 'approved', kind: ROLE_GRANTS, decidedAt: { [Op.lte]: at } },
      order: [['decidedAt', 'DESC'], ['id', 'DESC']],
    });
    if (!grant) return null;
    return {
      grantId: grant.id,
      kind: grant.kind,
      grantedAt: new Date(grant.decidedAt!).toISOString(),
      grantedBy: { id: grant.decidedBy, printedName: grant.decidedByName ?? BOOTSTRAP_DECIDER },
      signatureId: grant.signatureId,
    };
  }

  private passwordChosen(user: User): boolean {
    return user.passwordSetByAdminAt === null || (user.passwordChosenAt !== null && new Date(user.passwordChosenAt) >= new Date(user.passwordSetByAdminAt));
  }

  private passwordApproved(user: User): boolean {
    return user.passwordSetByAdminAt !== null && user.passwordApprovedAt !== null && new Date(user.passwordApprovedAt) >= new Date(user.passwordSetByAdminAt);
  }

  private async decide(ctx: RequestContext, id: number, status: 'rejected' | 'cancelled', reason: string, check: (grant: AccessGrant) => void): Promise<AccessGrant> {
    return this.database.write(async (tx) => {
      const grant = await this.models.AccessGrant.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!grant) throw new NotFoundError(`No access grant ${id}.`, 'access_grant_not_found');
      if (grant.status !== 'pending') throw new ConflictError(`Access grant ${id} is ${grant.status} already.`, 'grant_not_pending');
      check(grant);
      return this.close(tx, ctx, grant, status, reason);
    });
  }

  private async close(tx: Transaction, ctx: RequestContext, grant: AccessGrant, status: 'rejected' | 'cancelled', reason: string): Promise<AccessGrant> {
    const before = this.auditView(grant);
    grant.status = status;
    grant.decidedBy = ctx.actor.userId;
    grant.decidedByName = ctx.actor.name;
    grant.decidedAt = this.now();
    grant.decisionReason = reason.trim();
    await grant.save({ transaction: tx });
    await this.audit.record(tx, ctx, { action: `access_grant.${status}`, entityType: 'access-grant', entityId: grant.id, change: 'status', before, after: this.auditView(grant), reason: reason.trim() });
    return grant;
  }

  private async insert(tx: Transaction, ctx: RequestContext, user: User, request: GrantRequest, reason: string, status: AccessGrantStatus): Promise<AccessGrant> {
    const now = this.now();
    const content: GrantContent = {
      type: 'gxpw.user-access.v1',
      kind: request.kind,
      user: { id: user.id, username: user.username, printedName: user.fullName, role: user.role },
      requested: withoutKind(request),
      requestedBy: { id: ctx.actor.userId, printedName: ctx.actor.name },
      requestedAt: now.toISOString(),
      reason: reason.trim(),
    };
    const decided = status === 'approved';
    return this.models.AccessGrant.create(
      {
        userId: user.id,
        kind: request.kind,
        content: canonicalJson(content),
        status,
        requestedBy: ctx.actor.userId,
        requestedByName: ctx.actor.name,
        requestedAt: now,
        reason: reason.trim(),
        decidedBy: null,
        decidedByName: decided ? BOOTSTRAP_DECIDER : null,
        decidedAt: decided ? now : null,
        decisionReason: decided ? reason.trim() : null,
        signatureId: null,
      },
      { transaction: tx },
    );
  }

  private async lockUser(tx: Transaction, id: number): Promise<User> {
    const user = await this.models.User.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!user) throw new NotFoundError(`No user with id ${id}.`, 'user_not_found');
    return user;
  }

  private auditView(grant: AccessGrant) {
    return {
      id: grant.id,
      userId: grant.userId,
      kind: grant.kind,
      requested: grantContent(grant).requested,
      status: grant.status,
      requestedBy: grant.requestedBy,
      decidedBy: grant.decidedBy,
      decidedAt: grant.decidedAt === null ? null : new Date(grant.decidedAt).toISOString(),
      signatureId: grant.signatureId,
    };
  }
}

function withoutKind(request: GrantRequest): Omit<GrantRequest, 'kind'> {
  const { kind: _kind, ...rest } = request;
  return rest;
}

function describeRequest(request: GrantRequest): string {
  switch (request.kind) {
    case 'role':
      return `a role change ${request.fromRole} → ${request.toRole} (signing rights)`;
    case 'new-user':
      return `signing rights for a new ${request.role} account`;
    case 'training':
      return `a training attestation (${request.trainingCompletedAt})`;
    case 'password':
      return 'signing with a password chosen after an administrator set one';
    case 'bootstrap':
      return `bootstrap signing rights (${request.role})`;
  }
}
