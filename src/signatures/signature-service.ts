// Part 11 electronic signatures, for every signable record type.
//
// A record type registers how to load one version of a record and which meanings which roles may
// sign it with. Signing re-authenticates (§11.200(a)), checks authority and separation of duties
// (§11.10(g)), binds the signature to the SHA-256 of the RFC 8785 canonical JSON of that exact
// record version (§11.70), seals every field with the server's Ed25519 key, and writes an
// insert-only row and its audit event in one transaction.
import { randomUUID } from 'node:crypto';
import { Op, UniqueConstraintError, type ModelStatic, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { AccessGrantService, SigningAccess } from '../auth/access-grant-service.js';
import type { AuthModels, User } from '../auth/auth-models.js';
import type { AuthService } from '../auth/auth-service.js';
import type { Role } from '../auth/roles.js';
import { canonicalJson, digestOf } from '../platform/canonical-json.js';
import type { Database } from '../platform/database.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError, type ErrorDetail } from '../platform/errors.js';
import type { Keyring } from '../platform/keyring.js';
import type { RequestContext } from '../platform/request-context.js';
import { signedFieldsOf, type Signature } from './signature-model.js';
import { SIGNATURE_POLICY, SIGNATURE_POLICY_DIGEST } from './signature-policy.js';

/** Meanings that attest to someone else's work: never given by its author or executor. */
const INDEPENDENT_MEANINGS: ReadonlySet<string> = new Set(['reviewed', 'approved', 'verified']);
/** Meanings that attest to one's own work: only an author or executor of the version gives them. */
const OWN_WORK_MEANINGS: ReadonlySet<string> = new Set(['authored', 'executed']);
/** Roles that never sign regulated records, whatever a record type declares. */
const NEVER_SIGN: ReadonlySet<Role> = new Set(['admin', 'auditor']);

export interface RecordVersion {
  /** Exactly what the signature binds: the record's content at this version. */
  content: unknown;
  /** Users who authored or executed this version: they cannot review, approve or verify it. */
  authorIds: number[];
}

/** One signature a record version needs before it counts as signed off. */
export interface SignatureRequirement {
  meaning: string;
  /** Roles whose signature satisfies it. */
  roles: Role[];
  /** Why it is needed: the record type itself, or e.g. "assurance level high (fda-csa 1.0)". */
  source: string;
}

/**
 * A record id as signatures name it: a positive integer written without leading zeros, or null. One
 * spelling per record, so "01" can never pass for record 1 and escape its lock or the one-signature-
 * per-meaning rule.
 */
export function numericRecordId(recordId: string): number | null {
  return /^[1-9]\d{0,9}$/.test(recordId) ? Number(recordId) : null;
}

export interface SignableRecordType {
  type: string;
  /** meaning → roles that may sign with it. */
  meanings: Partial<Record<string, Role[]>>;
  /** Meanings every version needs (roles as in `meanings`). */
  required: string[];
  /**
   * Signatures a particular record needs on top of `required`, e.g. from the risk model's assurance
   * level. A requirement also decides who may give its meaning on that record.
   */
  additionalRequirements?(recordId: string, version: number, tx?: Transaction): Promise<SignatureRequirement[]>;
  /** The record's current version number, or null when there is no such record. */
  currentVersion(recordId: string, tx?: Transaction): Promise<number | null>;
  /** One version of the record, or null when it does not exist (any more). */
  loadVersion(recordId: string, version: number, tx?: Transaction): Promise<RecordVersion | null>;
  /** Why this version cannot take this meaning yet (e.g. approving an unresolved deviation), or null. */
  refusal?(content: unknown, meaning: string): string | null;
  /**
   * What a signature does to the record, in the signature's own transaction (e.g. an approved
   * `user-access` grant takes effect). Throwing an AppError refuses the signature: nothing is kept.
   */
  onSigned?(tx: Transaction, ctx: RequestContext, signature: Signature): Promise<void>;
}

/** Which record version to sign, and with which meaning. */
export interface SignTarget {
  recordType: string;
  recordId: string;
  version: number;
  meaning: string;
}

/** Signature components (Part 11 §11.200(a)): the user name only where the session needs it. */
export interface SignatureCredentials {
  reason: string;
  username?: string;
  password: string;
}

export type SignRequest = SignTarget & SignatureCredentials;

export interface BatchSignRequest extends SignatureCredentials {
  /** Each item must carry the signer's confirmation that this record was reviewed. */
  items: Array<SignTarget & { reviewed: boolean }>;
}

export interface SignatureValidity {
  valid: boolean;
  problem: string | null;
}

/** A signature's verification, with when and by whom its signer's signing access was last granted. */
export interface SignatureVerification extends SignatureValidity {
  signerAccess: SigningAccess | null;
}

export interface RequirementStatus extends SignatureRequirement {
  /** The valid signature that satisfies it, or null. */
  signatureId: number | null;
  signedBy: string | null;
}

export interface SignOffStatus {
  recordType: string;
  recordId: string;
  version: number;
  /** Every requirement satisfied by a valid signature of an allowed role. */
  complete: boolean;
  requirements: RequirementStatus[];
}

export interface SignatureVerificationReport {
  ok: boolean;
  checked: number;
  invalid: Array<{ id: number; recordType: string; recordId: string; recordVersion: number; meaning: string; problem: string }>;
}

type Signer = Awaited<ReturnType<AuthService['reauthenticateForSigning']>>;

export class SignatureService {
  private readonly types = new Map<string, SignableRecordType>();

  constructor(
    private readonly database: Database,
    private readonly model: ModelStatic<Signature>,
    private readonly authModels: AuthModels,
    private readonly auth: AuthService,
    private readonly access: AccessGrantService,
    private readonly audit: AuditTrail,
    private readonly keyring: Keyring,
    private readonly now: () => Date = () => new Date(),
    readonly meanings: readonly string[],
  ) {}

  /** Makes a record type signable; each feature registers its own at the composition root. */
  register(recordType: SignableRecordType): void {
    if (this.types.has(recordType.type)) throw new Error(`record type '${recordType.type}' is already registered`);
    const unknown = [...Object.keys(recordType.meanings), ...recordType.required].filter((m) => !this.meanings.includes(m));
    if (unknown.length) throw new Error(`record type '${recordType.type}' uses meanings not configured in GXPW_SIGNATURE_MEANINGS: ${unknown.join(', ')}`);
    const undeclared = recordType.required.filter((m) => !recordType.meanings[m]);
    if (undeclared.length) throw new Error(`record type '${recordType.type}' requires meanings it gives no role: ${undeclared.join(', ')}`);
    this.types.set(recordType.type, recordType);
  }

  registeredTypes(): string[] {
    return [...this.types.keys()];
  }

  async sign(ctx: RequestContext, request: SignRequest): Promise<Signature> {
    this.typeOf(request.recordType, 'body.recordType');
    // Identity first: nothing about the record is revealed to a caller who cannot re-authenticate.
    const signer = await this.authenticateSigner(ctx, request);
    return this.database.write(async (tx) => {
      const signature = await this.signInTransaction(tx, ctx, signer, request, request.reason.trim(), 'body');
      await this.markSessionSigned(tx, ctx);
      return signature;
    });
  }

  /**
   * Signs several record versions in one action, one signature row and audit event each. All or
   * nothing: when any item cannot be signed, none is, and every refused item is listed.
   */
  async signBatch(ctx: RequestContext, request: BatchSignRequest): Promise<Signature[]> {
    const notReviewed = request.items.flatMap((item, index) => (item.reviewed === true ? [] : [index]));
    if (notReviewed.length) {
      throw new ValidationError(
        'Confirm that you reviewed each record before signing them together.',
        notReviewed.map((index) => ({ field: `body.items.${index}.reviewed`, rule: 'const', message: 'must be true: confirm this record was reviewed' })),
        'review_not_confirmed',
      );
    }
    const duplicates = request.items.flatMap((item, index) =>
      request.items.findIndex((other) => sameTarget(other, item)) < index ? [{ field: `body.items.${index}`, rule: 'uniqueItems', message: 'names the same record version and meaning as an earlier item' }] : [],
    );
    if (duplicates.length) throw new ValidationError('Each record version and meaning may appear once in a batch.', duplicates, 'duplicate_items');
    request.items.forEach((item, index) => this.typeOf(item.recordType, `body.items.${index}.recordType`));

    const signer = await this.authenticateSigner(ctx, request);
    const batchId = randomUUID();
    const reason = request.reason.trim();
    return this.database.write(async (tx) => {
      const signed: Signature[] = [];
      const refused: ErrorDetail[] = [];
      for (const [index, item] of request.items.entries()) {
        try {
          signed.push(await this.signInTransaction(tx, ctx, signer, item, reason, `body.items.${index}`, batchId));
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          refused.push({ field: `body.items.${index}`, rule: error.code, status: error.status, message: error.message });
          // A failed INSERT aborts a PostgreSQL transaction: nothing more can be checked in it.
          if (error instanceof SignatureRaceLost) break;
        }
      }
      // Throwing rolls back the signatures already written in this transaction.
      if (refused.length) throw new ConflictError(`${refused.length} of ${request.items.length} records cannot be signed; nothing was signed.`, 'batch_refused', refused);
      await this.markSessionSigned(tx, ctx);
      return signed;
    });
  }

  /**
   * The signed-in user acknowledges the signature policy, confirming with their password; without
   * it they cannot sign (Part 11 §11.100(c)). Acknowledging again refreshes the date.
   */
  async acknowledgePolicy(ctx: RequestContext, password: string): Promise<User> {
    const { user } = await this.auth.currentSession(ctx);
    await this.auth.confirmPassword(ctx, user, password, 'signature_policy.authentication_failed', 'The password is incorrect: the policy was not acknowledged.');
    return this.database.write(async (tx) => {
      const fresh = (await this.authModels.User.findByPk(user.id, { transaction: tx, lock: tx.LOCK.UPDATE }))!;
      const before = { signaturePolicyAcknowledgedAt: fresh.signaturePolicyAcknowledgedAt?.toISOString() ?? null };
      fresh.signaturePolicyAcknowledgedAt = this.now();
      await fresh.save({ transaction: tx });
      await this.audit.record(tx, ctx, {
        action: 'user.signature_policy_acknowledged',
        entityType: 'user',
        entityId: fresh.id,
        change: 'update',
        before,
        after: { signaturePolicyAcknowledgedAt: fresh.signaturePolicyAcknowledgedAt.toISOString(), policyVersion: SIGNATURE_POLICY.version, policyDigest: SIGNATURE_POLICY_DIGEST },
        reason: `acknowledged ${SIGNATURE_POLICY.title} version ${SIGNATURE_POLICY.version}`,
      });
      return fresh;
    });
  }

  async list(recordType: string, recordId: string): Promise<Signature[]> {
    return this.model.findAll({ where: { recordType, recordId }, order: [['id', 'ASC']] });
  }

  async get(id: number): Promise<Signature> {
    const signature = await this.model.findByPk(id);
    if (!signature) throw new NotFoundError(`No signature with id ${id}.`, 'signature_not_found');
    return signature;
  }

  /** True when a signature (with one of `meanings`, if given) names this record version. */
  async isSigned(recordType: string, recordId: string, version: number, tx?: Transaction, meanings?: string[]): Promise<boolean> {
    return (await this.model.count({ where: { recordType, recordId, recordVersion: version, ...(meanings ? { meaning: meanings } : {}) }, transaction: tx })) > 0;
  }

  /**
   * For record owners before a change: a version signed (with one of `meanings`, if given) is locked
   * (Part 11 §11.70). Records that change by new versions lock only on their final meaning.
   */
  async assertUnsigned(recordType: string, recordId: string, version: number, tx?: Transaction, meanings?: string[]): Promise<void> {
    if (await this.isSigned(recordType, recordId, version, tx, meanings)) {
      throw new ConflictError(`Version ${version} of ${recordType} '${recordId}' is signed${meanings ? ` ${meanings.join(' or ')}` : ''} and locked.`, 'record_locked');
    }
  }

  /** The signatures a record version needs and which valid signature satisfies each. */
  async signOffStatus(recordType: string, recordId: string, version: number, tx?: Transaction): Promise<SignOffStatus> {
    const type = this.typeOf(recordType, 'query.recordType');
    if ((await type.loadVersion(recordId, version, tx)) === null) throw new NotFoundError(`Version ${version} of ${recordType} '${recordId}' does not exist.`, 'record_version_not_found');
    const requirements = await this.requirementsOf(type, recordId, version, tx);
    const signatures = await this.model.findAll({ where: { recordType, recordId, recordVersion: version }, order: [['id', 'ASC']], transaction: tx });
    const statuses: RequirementStatus[] = [];
    for (const requirement of requirements) {
      let match: Signature | null = null;
      for (const s of signatures) {
        if (s.meaning === requirement.meaning && requirement.roles.includes(s.signerRole as Role) && (await this.verify(s, tx)).valid) {
          match = s;
          break;
        }
      }
      statuses.push({ ...requirement, signatureId: match?.id ?? null, signedBy: match?.signerName ?? null });
    }
    return { recordType, recordId, version, complete: statuses.every((s) => s.signatureId !== null), requirements: statuses };
  }

  /**
   * Re-checks a signature: the server's seal over its fields (a forged, altered or moved row
   * fails), then the digest of the record version it names (a record changed after signing fails).
   */
  async verify(signature: Signature, tx?: Transaction): Promise<SignatureValidity> {
    if (!this.keyring.verify(signature.keyId, canonicalJson(signedFieldsOf(signature)), signature.serverSignature)) {
      return { valid: false, problem: 'invalid — the signature record was altered or forged' };
    }
    const recordType = this.types.get(signature.recordType);
    if (!recordType) return { valid: false, problem: `invalid — record type '${signature.recordType}' is unknown to this server` };
    const version = await recordType.loadVersion(signature.recordId, signature.recordVersion, tx);
    if (!version) return { valid: false, problem: 'invalid — the signed record version no longer exists' };
    if (recordDigest(signature.recordType, signature.recordId, signature.recordVersion, version.content) !== signature.recordDigest) {
      return { valid: false, problem: 'invalid — record changed after signing' };
    }
    return { valid: true, problem: null };
  }

  /** When and by whom the signer's signing access was last granted, as of the signature (Part 11 §11.10(g)). */
  async signerAccess(signature: Signature): Promise<SigningAccess | null> {
    return this.access.signingAccessAt(signature.signerId, new Date(signature.signedAt));
  }

  /** `verify`, plus who granted the signer's access: what GET /api/v1/signatures/:id/verify answers. */
  async verifyWithAccess(signature: Signature): Promise<SignatureVerification> {
    return { ...(await this.verify(signature)), signerAccess: await this.signerAccess(signature) };
  }

  /** Verifies every signature in the database, page by page (`gxpw verify`). */
  async verifyAll(options: { onProgress?: (done: number, total: number) => void } = {}): Promise<SignatureVerificationReport> {
    const total = await this.model.count();
    const report: SignatureVerificationReport = { ok: true, checked: 0, invalid: [] };
    const pageSize = 500;
    for (let afterId = 0; ; ) {
      const page = await this.model.findAll({ where: { id: { [Op.gt]: afterId } }, order: [['id', 'ASC']], limit: pageSize });
      if (!page.length) break;
      for (const s of page) {
        const { valid, problem } = await this.verify(s);
        if (!valid) report.invalid.push({ id: s.id, recordType: s.recordType, recordId: s.recordId, recordVersion: s.recordVersion, meaning: s.meaning, problem: problem! });
      }
      report.checked += page.length;
      afterId = page[page.length - 1]!.id;
      options.onProgress?.(report.checked, total);
    }
    report.ok = report.invalid.length === 0;
    return report;
  }

  private async authenticateSigner(ctx: RequestContext, credentials: SignatureCredentials): Promise<Signer> {
    const signer = await this.auth.reauthenticateForSigning(ctx, credentials.username ?? null, credentials.password);
    const { user } = signer;
    if (NEVER_SIGN.has(user.role)) throw new ForbiddenError(`The ${user.role} role cannot sign regulated records.`, 'role_cannot_sign');
    // Part 11 §11.10(i)(j), §11.100(c): trained signers who have acknowledged the signature policy.
    if (user.signaturePolicyAcknowledgedAt === null) throw new ForbiddenError('You have not acknowledged the electronic signature policy (POST /api/v1/signatures/policy/acknowledge).', 'signature_policy_not_acknowledged');
    // §11.10(g), §11.100(a): signing rights, training and the password itself, each granted or
    // attested by a second person (or, for the password, chosen by the user and cooled off).
    const refusal = await this.access.signingRefusal(user, signer.session);
    if (refusal) throw refusal;
    return signer;
  }

  private async signInTransaction(tx: Transaction, ctx: RequestContext, { user, method }: Signer, target: SignTarget, reason: string, field: string, batchId?: string): Promise<Signature> {
    const recordType = this.typeOf(target.recordType, `${field}.recordType`);
    const { recordId, meaning } = target;
    const current = await recordType.currentVersion(recordId, tx);
    if (current === null) throw new NotFoundError(`No ${target.recordType} '${recordId}'.`, 'record_not_found');
    if (current !== target.version) {
      throw new ConflictError(`Version ${target.version} of ${target.recordType} '${recordId}' is not the current version (${current}); review and sign the current one.`, 'not_current_version');
    }
    const version = await recordType.loadVersion(recordId, target.version, tx);
    if (!version) throw new NotFoundError(`Version ${target.version} of ${target.recordType} '${recordId}' does not exist.`, 'record_version_not_found');

    const refusal = recordType.refusal?.(version.content, meaning);
    if (refusal) throw new ConflictError(refusal, 'not_signable');
    const allowedRoles = await this.rolesFor(recordType, recordId, target.version, meaning, tx);
    if (!allowedRoles) {
      const allowed = Object.keys(recordType.meanings).join(', ');
      throw new ValidationError(`A ${target.recordType} cannot be signed as '${meaning}'; allowed: ${allowed}.`, [{ field: `${field}.meaning`, rule: 'enum', message: `must be one of ${allowed}` }], 'meaning_not_allowed');
    }
    if (!allowedRoles.includes(user.role)) {
      throw new ForbiddenError(`'${meaning}' on this ${target.recordType} is signed by ${allowedRoles.join(' or ')}, not by ${user.role}.`, 'role_cannot_sign');
    }
    if (INDEPENDENT_MEANINGS.has(meaning) && version.authorIds.includes(user.id)) {
      throw new ForbiddenError(`You authored or executed this ${target.recordType}: someone else must sign it as '${meaning}'.`, 'separation_of_duties');
    }
    if (OWN_WORK_MEANINGS.has(meaning) && !version.authorIds.includes(user.id)) {
      throw new ForbiddenError(`Only who authored or executed this ${target.recordType} can sign it as '${meaning}'.`, 'not_author');
    }
    const existing = await this.model.findOne({ where: { recordType: target.recordType, recordId, recordVersion: target.version, meaning }, transaction: tx });
    if (existing) throw new ConflictError(`Version ${target.version} of ${target.recordType} '${recordId}' is already signed as '${meaning}' (signature ${existing.id}).`, 'already_signed');

    const unsigned = {
      recordType: target.recordType,
      recordId,
      recordVersion: target.version,
      recordDigest: recordDigest(target.recordType, recordId, target.version, version.content),
      meaning,
      reason,
      signerId: user.id,
      signerUsername: user.username,
      signerName: user.fullName,
      signerRole: user.role,
      // Server time only: a client's or another instance's clock never reaches a signature.
      signedAt: this.now().toISOString(),
      authMethod: method,
      sessionId: ctx.sessionId!,
    };
    // Sealed by the key active now, also when another process (`gxpw keys rotate`) rotated it.
    const { keyId, signature: serverSignature } = this.keyring.signWith((activeKeyId) => canonicalJson(signedFieldsOf({ ...unsigned, keyId: activeKeyId })));
    const signature = await this.model.create({ ...unsigned, keyId, serverSignature }, { transaction: tx }).catch((error: unknown) => {
      // A concurrent signer won the race the check above could not see (PostgreSQL, READ COMMITTED).
      if (error instanceof UniqueConstraintError) throw new SignatureRaceLost(meaning);
      throw error;
    });
    await this.audit.record(tx, ctx, {
      action: 'signature.created',
      entityType: target.recordType,
      entityId: recordId,
      change: 'event',
      after: { signatureId: signature.id, version: target.version, meaning, recordDigest: unsigned.recordDigest, ...(batchId ? { batchId } : {}) },
      reason,
      states: [{ type: 'signature', id: signature.id }],
    });
    await recordType.onSigned?.(tx, ctx, signature);
    return signature;
  }

  /** Later signings in this session need the password alone (§11.200(a)(1)(i)). */
  private async markSessionSigned(tx: Transaction, ctx: RequestContext): Promise<void> {
    await this.authModels.Session.update({ firstSignatureAt: this.now() }, { where: { id: ctx.sessionId!, firstSignatureAt: null }, transaction: tx });
  }

  private async requirementsOf(type: SignableRecordType, recordId: string, version: number, tx?: Transaction): Promise<SignatureRequirement[]> {
    const additional = (await type.additionalRequirements?.(recordId, version, tx)) ?? [];
    const base = type.required
      .filter((meaning) => !additional.some((a) => a.meaning === meaning))
      .map((meaning) => ({ meaning, roles: type.meanings[meaning]!, source: `required for every ${type.type}` }));
    return [...base, ...additional];
  }

  /** Who may give a meaning on this record: an additional requirement decides over the type. */
  private async rolesFor(type: SignableRecordType, recordId: string, version: number, meaning: string, tx: Transaction): Promise<Role[] | null> {
    const additional = (await type.additionalRequirements?.(recordId, version, tx)) ?? [];
    return additional.find((a) => a.meaning === meaning)?.roles ?? type.meanings[meaning] ?? null;
  }

  private typeOf(type: string, field: string): SignableRecordType {
    const recordType = this.types.get(type);
    if (!recordType) {
      throw new ValidationError(`'${type}' is not a signable record type.`, [{ field, rule: 'enum', message: `must be one of ${this.registeredTypes().join(', ') || '(none registered)'}` }], 'unknown_record_type');
    }
    return recordType;
  }
}

/** The unique index refused a signature a concurrent signer made first. */
class SignatureRaceLost extends ConflictError {
  constructor(meaning: string) {
    super(`This version is already signed as '${meaning}'.`, 'already_signed');
  }
}

function sameTarget(a: SignTarget, b: SignTarget): boolean {
  return a.recordType === b.recordType && a.recordId === b.recordId && a.version === b.version && a.meaning === b.meaning;
}

/** SHA-256 over the canonical JSON of exactly this record version (Part 11 §11.70). */
export function recordDigest(recordType: string, recordId: string, version: number, content: unknown): string {
  return digestOf({ recordType, recordId, version, content });
}
