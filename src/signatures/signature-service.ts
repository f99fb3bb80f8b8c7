// Part 11 electronic signatures, for every signable record type.
//
// A record type registers how to load one version of a record and which meanings which roles may
// sign it with. Signing re-authenticates (§11.200(a)), checks authority and separation of duties
// (§11.10(g)), binds the signature to the SHA-256 of the RFC 8785 canonical JSON of that exact
// record version (§11.70), seals every field with the server's Ed25519 key, and writes an
// insert-only row and its audit event in one transaction.
import { UniqueConstraintError, type ModelStatic, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { AuthModels } from '../auth/auth-models.js';
import type { AuthService } from '../auth/auth-service.js';
import type { Role } from '../auth/roles.js';
import { canonicalJson, digestOf } from '../platform/canonical-json.js';
import type { Database } from '../platform/database.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.js';
import type { Keyring } from '../platform/keyring.js';
import type { RequestContext } from '../platform/request-context.js';
import { signedFieldsOf, type Signature } from './signature-model.js';

export const DEFAULT_MEANINGS = ['authored', 'reviewed', 'approved', 'verified', 'executed', 'responsible'] as const;

/** Meanings that attest to someone else's work: never given by its author or executor. */
const INDEPENDENT_MEANINGS: ReadonlySet<string> = new Set(['reviewed', 'approved', 'verified']);
/** Roles that never sign regulated records, whatever a record type declares. */
const NEVER_SIGN: ReadonlySet<Role> = new Set(['admin', 'auditor']);

export interface RecordVersion {
  /** Exactly what the signature binds: the record's content at this version. */
  content: unknown;
  /** Users who authored or executed this version: they cannot review, approve or verify it. */
  authorIds: number[];
}

export interface SignableRecordType {
  type: string;
  /** meaning → roles that may sign with it. */
  meanings: Partial<Record<string, Role[]>>;
  /** The record's current version number, or null when there is no such record. */
  currentVersion(recordId: string, tx?: Transaction): Promise<number | null>;
  /** One version of the record, or null when it does not exist (any more). */
  loadVersion(recordId: string, version: number, tx?: Transaction): Promise<RecordVersion | null>;
}

export interface SignRequest {
  recordType: string;
  recordId: string;
  version: number;
  meaning: string;
  reason: string;
  username?: string;
  password: string;
}

export interface SignatureValidity {
  valid: boolean;
  problem: string | null;
}

export class SignatureService {
  private readonly types = new Map<string, SignableRecordType>();

  constructor(
    private readonly database: Database,
    private readonly model: ModelStatic<Signature>,
    private readonly authModels: AuthModels,
    private readonly auth: AuthService,
    private readonly audit: AuditTrail,
    private readonly keyring: Keyring,
    private readonly now: () => Date = () => new Date(),
    private readonly meanings: readonly string[] = DEFAULT_MEANINGS,
  ) {}

  /** Makes a record type signable; each feature registers its own at the composition root. */
  register(recordType: SignableRecordType): void {
    if (this.types.has(recordType.type)) throw new Error(`record type '${recordType.type}' is already registered`);
    const unknown = Object.keys(recordType.meanings).filter((m) => !this.meanings.includes(m));
    if (unknown.length) throw new Error(`record type '${recordType.type}' uses unknown meanings: ${unknown.join(', ')}`);
    this.types.set(recordType.type, recordType);
  }

  registeredTypes(): string[] {
    return [...this.types.keys()];
  }

  async sign(ctx: RequestContext, request: SignRequest): Promise<Signature> {
    const recordType = this.typeOf(request.recordType);
    const allowedRoles = recordType.meanings[request.meaning];
    if (!allowedRoles) {
      throw new ValidationError(
        `A ${request.recordType} cannot be signed as '${request.meaning}'; allowed: ${Object.keys(recordType.meanings).join(', ')}.`,
        [{ field: 'body.meaning', rule: 'enum', message: `must be one of ${Object.keys(recordType.meanings).join(', ')}` }],
        'meaning_not_allowed',
      );
    }
    // Identity first: nothing about the record is revealed to a caller who cannot re-authenticate.
    const { user, method } = await this.auth.reauthenticateForSigning(ctx, request.username ?? null, request.password);
    if (NEVER_SIGN.has(user.role)) throw new ForbiddenError(`The ${user.role} role cannot sign regulated records.`, 'role_cannot_sign');
    if (!allowedRoles.includes(user.role)) {
      throw new ForbiddenError(`'${request.meaning}' on a ${request.recordType} is signed by ${allowedRoles.join(' or ')}, not by ${user.role}.`, 'role_cannot_sign');
    }
    // Part 11 §11.10(i)(j): trained signers who have acknowledged the signature policy.
    if (user.signaturePolicyAcknowledgedAt === null) throw new ForbiddenError('You have not acknowledged the electronic signature policy.', 'signature_policy_not_acknowledged');
    if (user.trainingCompletedAt === null) throw new ForbiddenError('Your training record is not complete.', 'training_missing');

    return this.database.write(async (tx) => {
      const current = await recordType.currentVersion(request.recordId, tx);
      if (current === null) throw new NotFoundError(`No ${request.recordType} '${request.recordId}'.`, 'record_not_found');
      if (current !== request.version) {
        throw new ConflictError(`Version ${request.version} of ${request.recordType} '${request.recordId}' is not the current version (${current}); review and sign the current one.`, 'not_current_version');
      }
      const version = await recordType.loadVersion(request.recordId, request.version, tx);
      if (!version) throw new NotFoundError(`Version ${request.version} of ${request.recordType} '${request.recordId}' does not exist.`, 'record_version_not_found');
      if (INDEPENDENT_MEANINGS.has(request.meaning) && version.authorIds.includes(user.id)) {
        throw new ForbiddenError(`You authored or executed this ${request.recordType}: someone else must sign it as '${request.meaning}'.`, 'separation_of_duties');
      }
      const existing = await this.model.findOne({
        where: { recordType: request.recordType, recordId: request.recordId, recordVersion: request.version, meaning: request.meaning },
        transaction: tx,
      });
      if (existing) throw new ConflictError(`This version is already signed as '${request.meaning}' (signature ${existing.id}).`, 'already_signed');

      const unsigned = {
        recordType: request.recordType,
        recordId: request.recordId,
        recordVersion: request.version,
        recordDigest: recordDigest(request.recordType, request.recordId, request.version, version.content),
        meaning: request.meaning,
        reason: request.reason.trim(),
        signerId: user.id,
        signerUsername: user.username,
        signerName: user.fullName,
        signerRole: user.role,
        signedAt: this.now().toISOString(),
        authMethod: method,
        sessionId: ctx.sessionId!,
        keyId: this.keyring.activeKeyId,
      };
      const { signature: serverSignature } = this.keyring.sign(canonicalJson(signedFieldsOf(unsigned)));
      const signature = await this.model.create({ ...unsigned, serverSignature }, { transaction: tx }).catch((error: unknown) => {
        // A concurrent signer won the race the check above could not see (PostgreSQL, READ COMMITTED).
        if (error instanceof UniqueConstraintError) throw new ConflictError(`This version is already signed as '${request.meaning}'.`, 'already_signed');
        throw error;
      });
      await this.authModels.Session.update({ firstSignatureAt: this.now() }, { where: { id: ctx.sessionId!, firstSignatureAt: null }, transaction: tx });
      await this.audit.record(tx, ctx, {
        action: 'signature.created',
        entityType: request.recordType,
        entityId: request.recordId,
        change: 'event',
        after: { signatureId: signature.id, version: request.version, meaning: request.meaning, recordDigest: unsigned.recordDigest },
        reason: unsigned.reason,
      });
      return signature;
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

  /**
   * Re-checks a signature: the server's seal over its fields (a forged, altered or moved row
   * fails), then the digest of the record version it names (a record changed after signing fails).
   */
  async verify(signature: Signature): Promise<SignatureValidity> {
    if (!this.keyring.verify(signature.keyId, canonicalJson(signedFieldsOf(signature)), signature.serverSignature)) {
      return { valid: false, problem: 'invalid — the signature record was altered or forged' };
    }
    const recordType = this.types.get(signature.recordType);
    if (!recordType) return { valid: false, problem: `invalid — record type '${signature.recordType}' is unknown to this server` };
    const version = await recordType.loadVersion(signature.recordId, signature.recordVersion);
    if (!version) return { valid: false, problem: 'invalid — the signed record version no longer exists' };
    if (recordDigest(signature.recordType, signature.recordId, signature.recordVersion, version.content) !== signature.recordDigest) {
      return { valid: false, problem: 'invalid — record changed after signing' };
    }
    return { valid: true, problem: null };
  }

  private typeOf(type: string): SignableRecordType {
    const recordType = this.types.get(type);
    if (!recordType) {
      throw new ValidationError(`'${type}' is not a signable record type.`, [{ field: 'body.recordType', rule: 'enum', message: `must be one of ${this.registeredTypes().join(', ') || '(none registered)'}` }], 'unknown_record_type');
    }
    return recordType;
  }
}

/** SHA-256 over the canonical JSON of exactly this record version (Part 11 §11.70). */
export function recordDigest(recordType: string, recordId: string, version: number, content: unknown): string {
  return digestOf({ recordType, recordId, version, content });
}
