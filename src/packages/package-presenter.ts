// Packages as the API shows them: the package's own fields, the digest of its current manifest
// and the state of its sign-off (every required signature and who gave it, Part 11 §11.50).
import type { SignOffStatus } from '../signatures/signature-service.js';
import type { ApprovalBlocker } from './package-service.js';
import { planOf, scopeOf, type ValidationPackage } from './package-model.js';

export function presentPackage(row: ValidationPackage, extra: { manifestDigest: string | null; signOff: SignOffStatus | null }) {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    title: row.title,
    status: row.status,
    scope: scopeOf(row).map((s) => ({ interface: s.interfaceKey, contractVersion: s.contractVersion })),
    plan: planOf(row),
    revision: row.revision,
    manifestDigest: extra.manifestDigest,
    supersedes: row.supersedesId,
    rejectionReason: row.rejectionReason,
    createdAt: row.createdAt,
    createdBy: { id: row.createdBy, name: row.createdByName },
    submittedAt: row.submittedAt,
    approvedAt: row.approvedAt,
    signOff: extra.signOff && {
      complete: extra.signOff.complete,
      requirements: extra.signOff.requirements.map((r) => ({ meaning: r.meaning, roles: r.roles, source: r.source, signatureId: r.signatureId, signedBy: r.signedBy })),
    },
  };
}

/** A package in a list: no plan text. */
export function presentPackageSummary(row: ValidationPackage) {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    title: row.title,
    status: row.status,
    scope: scopeOf(row).map((s) => ({ interface: s.interfaceKey, contractVersion: s.contractVersion })),
    revision: row.revision,
    createdAt: row.createdAt,
    submittedAt: row.submittedAt,
    approvedAt: row.approvedAt,
  };
}

export function presentApprovalCheck(blockers: ApprovalBlocker[]) {
  return { ready: blockers.length === 0, blockers };
}
