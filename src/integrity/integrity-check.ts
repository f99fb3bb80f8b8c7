// `gxpw verify`: everything an inspector relies on, re-checked from the stored data — the audit
// trail (hashes, chain, signed checkpoints), every electronic signature (the server's seal and the
// digest of the record version it is bound to, Part 11 §11.70) and, with --evidence, every evidence
// file re-hashed on disk.
import { verifyAuditTrail, type AuditVerification } from '../audit/audit-verifier.js';
import { reconcileRecordStates, type RecordReconciliation } from '../audit/record-reconciliation.js';
import type { Services } from '../services.js';
import type { EvidenceVerification } from '../evidence/evidence-service.js';
import type { SignatureVerificationReport } from '../signatures/signature-service.js';

export interface IntegrityReport {
  ok: boolean;
  auditTrail: AuditVerification;
  /** Every live record against the state its latest audit event recorded. */
  records: RecordReconciliation;
  signatures: SignatureVerificationReport;
  /** Only when asked for: re-hashing every file takes as long as reading them all. */
  evidence?: EvidenceVerification;
}

export type ProgressReporter = <T>(title: string, work: (onProgress: (done: number, total: number) => void) => Promise<T>) => Promise<T>;

const silently: ProgressReporter = (_title, work) => work(() => undefined);

export async function checkIntegrity(services: Pick<Services, 'database' | 'keyring' | 'checkpoints' | 'signatures' | 'evidence' | 'audit'>, progress: ProgressReporter = silently, options: { evidence?: boolean } = {}): Promise<IntegrityReport> {
  const auditTrail = await progress('Verifying audit trail', (onProgress) => verifyAuditTrail(services.database, services.keyring, { onProgress, witness: services.checkpoints.witness.read() }));
  const records = await progress('Reconciling records with the audit trail', (onProgress) => reconcileRecordStates(services.database, services.audit.recordStates, { onProgress }));
  const signatures = await progress('Verifying signatures', (onProgress) => services.signatures.verifyAll({ onProgress }));
  const evidence = options.evidence ? await progress('Re-hashing evidence', (onProgress) => services.evidence.verifyAll({ onProgress })) : undefined;
  return { ok: auditTrail.ok && records.ok && signatures.ok && (evidence?.ok ?? true), auditTrail, records, signatures, ...(evidence ? { evidence } : {}) };
}

export function describeIntegrity(report: IntegrityReport): string {
  return [describeAuditTrail(report.auditTrail), describeRecords(report.records), describeSignatures(report.signatures), ...(report.evidence ? [describeEvidence(report.evidence)] : [])].join('\n');
}

function describeEvidence(report: EvidenceVerification): string {
  if (report.ok) return `Evidence intact: ${report.checked} files re-hashed.`;
  const listed = report.problems.slice(0, 50).map((p) => `  ${p.digest}: ${p.problem} (evidence items ${p.items.join(', ')})`);
  return [`EVIDENCE NOT INTACT: ${report.problems.length} of ${report.checked} files`, ...listed].join('\n');
}

function describeAuditTrail(report: AuditVerification): string {
  if (report.ok) {
    const witness = report.witnessTreeSize === null ? 'no checkpoint witness yet' : `the checkpoint witness outside the database (${report.witnessTreeSize} events) matches`;
    return `Audit trail intact: ${report.eventsChecked} events and ${report.checkpointsChecked} signed checkpoints verified, ${witness}; head ${report.headChainHash}.`;
  }
  const more = report.problems.length > 1 ? `\n${report.problems.length - 1} further problem(s):\n${report.problems.slice(1, 20).map((p) => `  seq ${p.seq}: ${p.problem}`).join('\n')}` : '';
  return `AUDIT TRAIL NOT INTACT. First bad sequence number: ${report.firstBadSeq}\n  ${report.problem}${more}`;
}

function describeRecords(report: RecordReconciliation): string {
  const baseline = report.baselineSeq === null ? '' : ` (records older than record-state digests attested at event ${report.baselineSeq})`;
  const inProgress = report.recordsInProgress ? `, ${report.recordsInProgress} run(s) still executing` : '';
  if (report.ok) return `Records match their audit trail: ${report.recordsChecked} checked${inProgress}${baseline}.`;
  const listed = report.problems.slice(0, 50).map((p) => `  ${p.recordType} ${p.recordId}: ${p.problem} — ${p.message}`);
  const more = report.problemCount > 50 ? [`  … and ${report.problemCount - 50} more`] : [];
  return [`RECORDS DO NOT MATCH THEIR AUDIT TRAIL: ${report.problemCount} of ${report.recordsChecked}${baseline}`, ...listed, ...more].join('\n');
}

function describeSignatures(report: SignatureVerificationReport): string {
  if (report.ok) return `Signatures valid: ${report.checked} verified.`;
  const listed = report.invalid.slice(0, 50).map((s) => `  signature ${s.id} (${s.recordType} ${s.recordId} v${s.recordVersion}, ${s.meaning}): ${s.problem}`);
  const more = report.invalid.length > 50 ? [`  … and ${report.invalid.length - 50} more`] : [];
  return [`SIGNATURES NOT VALID: ${report.invalid.length} of ${report.checked}`, ...listed, ...more].join('\n');
}
