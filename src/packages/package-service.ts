// Validation packages: what QA signs and an auditor takes away (REGULATORY.md "What a validation
// package holds"; CSA step 4). The workflow is an explicit state machine (Part 11 §11.10(f)):
//   draft ──submit──▶ in-review ──approve──▶ approved ──(new version approved)──▶ superseded
//     ▲                   │
//     └──reject (reason)──┘
// Submitting freezes the manifest; the package's signatures bind to it (§11.70). An approved
// package never changes again: a new version supersedes it and the old one stays readable.
import { Op, type Transaction } from 'sequelize';
import { verifyAuditTrail } from '../audit/audit-verifier.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { DocumentTexts } from '../documents/document-texts.js';
import type { EvidenceService } from '../evidence/evidence-service.js';
import type { Database } from '../platform/database.js';
import { digestOf } from '../platform/canonical-json.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.js';
import type { Keyring } from '../platform/keyring.js';
import type { RequestContext } from '../platform/request-context.js';
import { numericRecordId, type SignableRecordType, type SignatureService, type SignOffStatus } from '../signatures/signature-service.js';
import type { Signature } from '../signatures/signature-model.js';
import { BASE_SIGNATURES, HIGH_RISK_SIGNATURE, sectionsOf, type ManifestBuilder } from './manifest-builder.js';
import { manifestDigest, type PackageManifest, type PlanSection } from './package-manifest.js';
import { contributorsOf, scopeOf, type PackageModels, type PackageStatus, type ScopeEntry, type ValidationPackage } from './package-model.js';

export interface NewPackage {
  title: string;
  scope: Array<{ interface: string; contractVersion?: number }>;
  plan?: PlanSection[];
}

export interface PackageChanges {
  title?: string;
  scope?: Array<{ interface: string; contractVersion?: number }>;
  plan?: PlanSection[];
}

/** One reason a package cannot be approved yet, with the check that found it. */
export interface ApprovalBlocker {
  check: 'acceptance' | 'changed_since_submission' | 'signatures' | 'evidence' | 'audit_trail' | 'status';
  message: string;
}

/** Sections of the manifest that must still be what the records hold when the package is approved. */
const FROZEN_PARTS = ['scope', 'requirements', 'assessments', 'scenarios', 'runs', 'deviations', 'evidence', 'requiredSignatures'] as const;

export class PackageService {
  constructor(
    private readonly database: Database,
    private readonly models: PackageModels,
    private readonly builder: ManifestBuilder,
    private readonly interfaces: { get(key: string, tx?: Transaction): Promise<{ key: string; currentContractVersion?: number | null }> },
    private readonly signatures: SignatureService,
    private readonly evidence: EvidenceService,
    private readonly audit: AuditTrail,
    private readonly keyring: Keyring,
    private readonly texts: DocumentTexts,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(filter: { status?: PackageStatus; key?: string } = {}): Promise<ValidationPackage[]> {
    return this.models.ValidationPackage.findAll({ where: { ...(filter.status ? { status: filter.status } : {}), ...(filter.key ? { key: filter.key } : {}) }, order: [['id', 'DESC']], limit: 1000 });
  }

  async get(id: number, tx?: Transaction): Promise<ValidationPackage> {
    const row = await this.models.ValidationPackage.findByPk(id, { transaction: tx ?? null });
    if (!row) throw new NotFoundError(`No validation package ${id}.`, 'package_not_found');
    return row;
  }

  /** Every version of the package `key`, oldest first. */
  async versionsOf(key: string): Promise<ValidationPackage[]> {
    return this.models.ValidationPackage.findAll({ where: { key }, order: [['version', 'ASC']] });
  }

  /** The manifest frozen by a submission (default: the current one), or null before the first. */
  async manifest(id: number, revision?: number, tx?: Transaction): Promise<{ manifest: PackageManifest; digest: string; revision: number } | null> {
    const row = await this.get(id, tx);
    const wanted = revision ?? row.revision;
    if (wanted === 0) return null;
    const stored = await this.models.PackageManifestRow.findOne({ where: { packageId: id, revision: wanted }, transaction: tx ?? null });
    if (!stored) return null;
    return { manifest: JSON.parse(stored.manifest) as PackageManifest, digest: stored.digest, revision: stored.revision };
  }

  async create(ctx: RequestContext, input: NewPackage): Promise<ValidationPackage> {
    const scope = await this.resolveScope(input.scope, 'body.scope');
    return this.database.write(async (tx) => {
      await this.builder.checkScope(scope, tx);
      const last = await this.models.ValidationPackage.findOne({ order: [['id', 'DESC']], transaction: tx });
      const key = `VP-${String((last?.id ?? 0) + 1).padStart(4, '0')}`;
      const title = input.title.trim();
      const row = await this.insertDraft(tx, ctx, { key, version: 1, title, scope: JSON.stringify(scope), plan: JSON.stringify(input.plan ?? (await this.draftPlan(tx, key, title, 1, scope))), supersedesId: null });
      await this.audit.record(tx, ctx, { action: 'package.created', entityType: 'package', entityId: row.id, change: 'create', after: auditView(row) });
      return row;
    });
  }

  /** Edits a draft: a new title, scope or plan text, with a reason; anything else is locked. */
  async update(ctx: RequestContext, id: number, changes: PackageChanges, reason: string): Promise<ValidationPackage> {
    const scope = changes.scope ? await this.resolveScope(changes.scope, 'body.scope') : null;
    return this.database.write(async (tx) => {
      const row = await this.locked(tx, id);
      assertEditable(row);
      const before = auditView(row);
      if (scope) {
        await this.builder.checkScope(scope, tx);
        row.scope = JSON.stringify(scope);
      }
      if (changes.title !== undefined) row.title = changes.title.trim();
      if (changes.plan) row.plan = JSON.stringify(changes.plan);
      row.contributors = JSON.stringify(withContributor(row, ctx));
      row.updatedAt = this.now().toISOString();
      await row.save({ transaction: tx });
      await this.audit.record(tx, ctx, { action: 'package.updated', entityType: 'package', entityId: row.id, change: 'update', before, after: auditView(row), reason });
      return row;
    });
  }

  /** Freezes the manifest of everything in scope and sends the package for review and signatures. */
  async submit(ctx: RequestContext, id: number, reason: string | null): Promise<ValidationPackage> {
    return this.database.write(async (tx) => {
      const row = await this.locked(tx, id);
      if (row.status !== 'draft') throw new ConflictError(`Package ${row.key} v${row.version} is ${row.status}: only a draft can be submitted.`, 'invalid_transition');
      const before = auditView(row);
      const submittedAt = this.now().toISOString();
      row.revision += 1;
      row.contributors = JSON.stringify(withContributor(row, ctx));
      const manifest = await this.builder.build(tx, row, { revision: row.revision, submittedBy: ctx.actor.name, submittedAt, createdBy: row.createdByName });
      const digest = manifestDigest(manifest);
      await this.models.PackageManifestRow.create({ packageId: row.id, revision: row.revision, manifest: JSON.stringify(manifest), digest, createdAt: submittedAt }, { transaction: tx });
      row.status = 'in-review';
      row.submittedAt = submittedAt;
      row.rejectionReason = null;
      row.updatedAt = submittedAt;
      await row.save({ transaction: tx });
      await this.audit.record(tx, ctx, {
        action: 'package.submitted',
        entityType: 'package',
        entityId: row.id,
        change: 'status',
        before,
        after: { ...auditView(row), manifestDigest: digest, openItems: manifest.summary.openItems.length },
        reason: reason ?? 'submitted for review',
      });
      return row;
    });
  }

  /** QA sends a package in review back to draft, with the reason (§11.10(f)). */
  async reject(ctx: RequestContext, id: number, reason: string): Promise<ValidationPackage> {
    return this.database.write(async (tx) => {
      const row = await this.locked(tx, id);
      if (row.status !== 'in-review') throw new ConflictError(`Package ${row.key} v${row.version} is ${row.status}: only a package in review can be rejected.`, 'invalid_transition');
      const before = auditView(row);
      row.status = 'draft';
      row.rejectionReason = reason.trim();
      row.updatedAt = this.now().toISOString();
      await row.save({ transaction: tx });
      await this.audit.record(tx, ctx, { action: 'package.rejected', entityType: 'package', entityId: row.id, change: 'status', before, after: auditView(row), reason });
      return row;
    });
  }

  /**
   * Everything that stands between a package in review and its approval, each reason listed: the
   * acceptance criteria of its frozen content, records changed since it was frozen, missing
   * signatures, evidence that no longer verifies and an audit trail that does not.
   */
  async approvalBlockers(ctx: RequestContext, id: number): Promise<ApprovalBlocker[]> {
    const row = await this.get(id);
    if (row.status !== 'in-review') return [{ check: 'status', message: `Package ${row.key} v${row.version} is ${row.status}: only a package in review can be approved.` }];
    const frozen = (await this.manifest(id))!;
    const blockers: ApprovalBlocker[] = frozen.manifest.summary.openItems.map((message) => ({ check: 'acceptance', message }));
    for (const item of frozen.manifest.evidence) {
      const check = await this.evidence.checkForUse(ctx, item.digest);
      if (check !== 'intact') blockers.push({ check: 'evidence', message: `Evidence ${item.digest} (run ${item.runId} step ${item.stepPosition}) is ${check} on disk.` });
    }
    const trail = await verifyAuditTrail(this.database, this.keyring);
    if (!trail.ok) blockers.push({ check: 'audit_trail', message: `The audit trail does not verify: ${trail.problems[0]?.problem ?? 'see gxpw verify'}.` });
    blockers.push(...(await this.database.write((tx) => this.frozenStateBlockers(tx, row, frozen))));
    return blockers;
  }

  /** QA approves a package in review once nothing blocks it; the version it replaces is superseded. */
  async approve(ctx: RequestContext, id: number, reason: string | null): Promise<ValidationPackage> {
    const blockers = await this.approvalBlockers(ctx, id);
    if (blockers.length) throw approvalRefused(blockers);
    return this.database.write(async (tx) => {
      const row = await this.locked(tx, id);
      if (contributorsOf(row).includes(ctx.actor.userId ?? -1)) {
        throw new ForbiddenError(`You created, edited or submitted package ${row.key} v${row.version}: someone else must approve it.`, 'separation_of_duties');
      }
      const frozen = (await this.manifest(id, undefined, tx))!;
      // Re-checked inside the transaction: nothing may have changed since the checks above.
      const late = row.status === 'in-review' ? await this.frozenStateBlockers(tx, row, frozen) : [{ check: 'status' as const, message: `Package ${row.key} is ${row.status}.` }];
      if (late.length) throw approvalRefused(late);
      const before = auditView(row);
      const approvedAt = this.now().toISOString();
      row.status = 'approved';
      row.approvedAt = approvedAt;
      row.updatedAt = approvedAt;
      await row.save({ transaction: tx });
      const superseded = await this.models.ValidationPackage.findAll({ where: { key: row.key, status: 'approved', id: { [Op.ne]: row.id } }, transaction: tx });
      for (const old of superseded) {
        old.status = 'superseded';
        old.updatedAt = approvedAt;
        await old.save({ transaction: tx });
      }
      await this.audit.record(tx, ctx, {
        action: 'package.approved',
        entityType: 'package',
        entityId: row.id,
        change: 'status',
        before,
        after: { ...auditView(row), manifestDigest: frozen.digest, supersedes: superseded.map((p) => p.id) },
        reason: reason ?? 'approved: every required signature given, nothing blocks it',
        states: superseded.map((p) => ({ type: 'package', id: p.id })),
      });
      return row;
    });
  }

  /** A new draft version of an approved package; the approved one stays in force until it is replaced. */
  async newVersion(ctx: RequestContext, id: number, reason: string): Promise<ValidationPackage> {
    return this.database.write(async (tx) => {
      const base = await this.locked(tx, id);
      if (base.status !== 'approved') throw new ConflictError(`Package ${base.key} v${base.version} is ${base.status}: a new version starts from the approved one.`, 'invalid_transition');
      const pending = await this.models.ValidationPackage.findOne({ where: { key: base.key, version: { [Op.gt]: base.version } }, transaction: tx });
      if (pending) throw new ConflictError(`Package ${base.key} already has version ${pending.version} (${pending.status}).`, 'version_exists');
      const row = await this.insertDraft(tx, ctx, { key: base.key, version: base.version + 1, title: base.title, scope: base.scope, plan: base.plan, supersedesId: base.id });
      await this.audit.record(tx, ctx, { action: 'package.version_created', entityType: 'package', entityId: row.id, change: 'create', after: { ...auditView(row), supersedes: base.id }, reason });
      return row;
    });
  }

  /** `package`: signatures bind to the manifest frozen by one submission (the record version). */
  signableRecordType(): SignableRecordType {
    const load = async (recordId: string, tx?: Transaction) => {
      const id = numericRecordId(recordId);
      return id === null ? null : this.models.ValidationPackage.findByPk(id, { transaction: tx ?? null });
    };
    return {
      type: 'package',
      meanings: { reviewed: ['it'], approved: ['qa'], responsible: ['qa'] },
      required: ['reviewed', 'approved'],
      additionalRequirements: async (recordId, version, tx) => {
        const row = await load(recordId, tx);
        const stored = row ? await this.models.PackageManifestRow.findOne({ where: { packageId: row.id, revision: version }, transaction: tx ?? null }) : null;
        if (!stored) return [];
        const manifest = JSON.parse(stored.manifest) as PackageManifest;
        return manifest.requiredSignatures.map((s) => ({ meaning: s.meaning, roles: s.roles as Array<'it' | 'qa'>, source: s.source }));
      },
      // Only the current submission can be signed: a version number is a submission (revision).
      currentVersion: async (recordId, tx) => {
        const row = await load(recordId, tx);
        return row && row.revision > 0 ? row.revision : row ? 0 : null;
      },
      loadVersion: async (recordId, version, tx) => {
        const row = await load(recordId, tx);
        const stored = row ? await this.models.PackageManifestRow.findOne({ where: { packageId: row.id, revision: version }, transaction: tx ?? null }) : null;
        if (!row || !stored) return null;
        return { content: JSON.parse(stored.manifest) as unknown, authorIds: contributorsOf(row) };
      },
      onSigned: async (tx, _ctx, signature) => this.checkPackageSignature(tx, signature),
    };
  }

  /**
   * A package signature is given while the package is in review, and the two QA meanings of a
   * high-risk package come from two different people (issue 13: "high risk adds a second qa").
   */
  private async checkPackageSignature(tx: Transaction, signature: Signature): Promise<void> {
    const row = await this.get(Number(signature.recordId), tx);
    if (row.status !== 'in-review') throw new ConflictError(`Package ${row.key} v${row.version} is ${row.status}: it is signed while in review.`, 'not_in_review');
    const others = await this.signatures.list('package', signature.recordId);
    const sameSigner = others.find((s) => s.id !== signature.id && s.recordVersion === signature.recordVersion && s.signerId === signature.signerId && ['approved', 'responsible'].includes(s.meaning));
    if (sameSigner && ['approved', 'responsible'].includes(signature.meaning)) {
      throw new ForbiddenError(`You already signed this package as '${sameSigner.meaning}': '${signature.meaning}' needs a second QA person.`, 'second_signer_required');
    }
  }

  private async frozenStateBlockers(tx: Transaction, row: ValidationPackage, frozen: { manifest: PackageManifest; revision: number }): Promise<ApprovalBlocker[]> {
    const blockers: ApprovalBlocker[] = [];
    const current = await this.builder.build(tx, row, { revision: frozen.revision, submittedBy: frozen.manifest.package.submittedBy, submittedAt: frozen.manifest.package.submittedAt, createdBy: frozen.manifest.package.createdBy });
    for (const part of FROZEN_PARTS) {
      if (digestOf(current[part]) !== digestOf(frozen.manifest[part])) {
        blockers.push({ check: 'changed_since_submission', message: `The ${part} in scope changed since the package was submitted; reject it and submit again to freeze what is in force now.` });
      }
    }
    blockers.push(...signatureBlockers(await this.signatures.signOffStatus('package', String(row.id), frozen.revision, tx)));
    return blockers;
  }

  /** The plan drafted from templates/documents/package/validation-plan.hbs, with the risk in force now. */
  private async draftPlan(tx: Transaction, key: string, title: string, version: number, scope: ScopeEntry[]): Promise<PlanSection[]> {
    const items = [];
    for (const entry of scope) items.push((await this.builder.scopeItem(tx, entry)).item);
    const highRisk = items.some((i) => i.testDepth === 'full');
    const requiredSignatures = [...BASE_SIGNATURES, ...(highRisk ? [HIGH_RISK_SIGNATURE] : [])];
    return sectionsOf(this.texts.render('package/validation-plan', { package: { key, title, version }, scope: items, requiredSignatures, highRisk }));
  }

  /** Scope entries with their contract version (default: the interface's current one), no duplicates. */
  private async resolveScope(scope: Array<{ interface: string; contractVersion?: number }>, field: string): Promise<ScopeEntry[]> {
    if (scope.length === 0) throw new ValidationError('A package covers at least one interface.', [{ field, rule: 'minItems', message: 'must name at least one interface' }], 'empty_scope');
    const seen = new Set<string>();
    const resolved: ScopeEntry[] = [];
    for (const [index, entry] of scope.entries()) {
      if (seen.has(entry.interface)) throw new ValidationError(`${entry.interface} is in the scope twice.`, [{ field: `${field}.${index}.interface`, rule: 'unique', message: 'named twice' }], 'invalid_scope');
      seen.add(entry.interface);
      let version = entry.contractVersion;
      if (version === undefined) {
        const iface = await this.interfaces.get(entry.interface).catch(() => null);
        if (!iface) throw new ValidationError(`No interface ${entry.interface}.`, [{ field: `${field}.${index}.interface`, rule: 'exists', message: `no interface ${entry.interface}` }], 'invalid_scope');
        if (!iface.currentContractVersion) throw new ValidationError(`${entry.interface} has no contract to validate.`, [{ field: `${field}.${index}.contractVersion`, rule: 'exists', message: 'the interface has no contract' }], 'invalid_scope');
        version = iface.currentContractVersion;
      }
      resolved.push({ interfaceKey: entry.interface, contractVersion: version });
    }
    return resolved;
  }

  /** A new draft version, its creator its first contributor. */
  private async insertDraft(tx: Transaction, ctx: RequestContext, fields: Pick<ValidationPackage, 'key' | 'version' | 'title' | 'scope' | 'plan' | 'supersedesId'>): Promise<ValidationPackage> {
    const now = this.now().toISOString();
    return this.models.ValidationPackage.create(
      {
        ...fields,
        status: 'draft',
        revision: 0,
        contributors: JSON.stringify(ctx.actor.userId === null ? [] : [ctx.actor.userId]),
        rejectionReason: null,
        createdAt: now,
        createdBy: ctx.actor.userId,
        createdByName: ctx.actor.name,
        updatedAt: now,
        submittedAt: null,
        approvedAt: null,
      },
      { transaction: tx },
    );
  }

  private async locked(tx: Transaction, id: number): Promise<ValidationPackage> {
    const row = await this.models.ValidationPackage.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!row) throw new NotFoundError(`No validation package ${id}.`, 'package_not_found');
    return row;
  }
}

/** Approved and superseded packages are immutable; a package in review is frozen until rejected. */
function assertEditable(row: ValidationPackage): void {
  if (row.status === 'approved' || row.status === 'superseded') {
    throw new ConflictError(`Package ${row.key} v${row.version} is ${row.status} and can no longer change; create a new version instead.`, 'package_locked');
  }
  if (row.status === 'in-review') throw new ConflictError(`Package ${row.key} v${row.version} is in review: reject it back to draft to change it.`, 'package_in_review');
}

function withContributor(row: ValidationPackage, ctx: RequestContext): number[] {
  const ids = contributorsOf(row);
  return ctx.actor.userId === null || ids.includes(ctx.actor.userId) ? ids : [...ids, ctx.actor.userId];
}

/** A required signature not yet given by a valid signature, as a blocker. */
export function signatureBlockers(status: SignOffStatus): ApprovalBlocker[] {
  return status.requirements
    .filter((r) => r.signatureId === null)
    .map((r) => ({ check: 'signatures' as const, message: `No valid '${r.meaning}' signature by ${r.roles.join(' or ')} (${r.source}).` }));
}

/**
 * What the frozen manifest and its sign-off already say blocks approval — open items and missing
 * signatures — without the checks `approve` makes on top (records unchanged since submission,
 * evidence re-hashed on disk, the whole audit trail verified), which read far more.
 */
export function knownBlockers(manifest: PackageManifest, status: SignOffStatus): ApprovalBlocker[] {
  return [...manifest.summary.openItems.map((message) => ({ check: 'acceptance' as const, message })), ...signatureBlockers(status)];
}

function approvalRefused(blockers: ApprovalBlocker[]): ConflictError {
  return new ConflictError(
    `The package cannot be approved yet: ${blockers.length} reason${blockers.length === 1 ? '' : 's'}.`,
    'approval_refused',
    blockers.map((b) => ({ field: b.check, rule: b.check, message: b.message })),
  );
}

/** What audit events record of a package: its own fields, not the frozen manifest (that has its digest). */
export function auditView(row: ValidationPackage) {
  return {
    key: row.key,
    version: row.version,
    title: row.title,
    status: row.status,
    scope: scopeOf(row),
    plan: JSON.parse(row.plan) as unknown,
    revision: row.revision,
    supersedesId: row.supersedesId,
    rejectionReason: row.rejectionReason,
  };
}
