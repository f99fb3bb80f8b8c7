// GET /api/v1/runs/:id/pdf: gathers what an auditor asks for about one run — the run, its steps,
// its evidence, the signatures on it and on its deviations (each verified now), the deviations —
// and exports it as an audited PDF.
import { publicKeyFingerprint } from '../audit/audit-export.js';
import type { AuditEvent } from '../audit/audit-models.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { AuditedExports, ExportFile } from '../audit/audited-export.js';
import type { CheckpointService } from '../audit/checkpoint-service.js';
import type { EvidenceService } from '../evidence/evidence-service.js';
import type { EvidenceItem } from '../evidence/evidence-model.js';
import { ConflictError } from '../platform/errors.js';
import type { Keyring } from '../platform/keyring.js';
import type { RequestContext } from '../platform/request-context.js';
import type { SignatureService } from '../signatures/signature-service.js';
import type { DeviationContent, DeviationService } from './deviation-service.js';
import { presentRunEvidence, type DeviationRecord, type SignatureWithVerification } from './run-evidence-presenter.js';
import { renderRunEvidencePdf } from './run-evidence-pdf.js';
import type { RunService } from './run-service.js';

export class RunEvidenceExport {
  constructor(
    private readonly runs: RunService,
    private readonly deviations: DeviationService,
    private readonly evidence: EvidenceService,
    private readonly signatures: SignatureService,
    private readonly audit: AuditTrail,
    private readonly checkpoints: CheckpointService,
    private readonly keyring: Keyring,
    private readonly exports: AuditedExports,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The run evidence PDF, written, digested and audited (`export.created` on the run); 404 for an unknown run. */
  async exportPdf(ctx: RequestContext, runId: number): Promise<ExportFile> {
    const run = await this.runs.get(runId);
    // A half-run is not evidence of anything yet: the document exists once the run has ended.
    if (run.status === 'queued' || run.status === 'running') throw new ConflictError(`Run ${runId} is ${run.status}; its evidence PDF exists once it has finished.`, 'run_not_finished');
    const deviations = await this.deviationsOf(run.id);
    const items = [...(await this.evidenceOf('run', String(run.id))), ...(await this.evidenceOfAll(deviations.map((d) => String(d.id))))];
    // Each file re-hashed now: the index says whether the bytes are still the ones captured (a
    // changed or missing file is also audited and raised as a security alert, Part 11 §11.10(a)).
    const checks = new Map<string, 'intact' | 'missing' | 'changed'>();
    for (const item of items) if (!checks.has(item.digest)) checks.set(item.digest, await this.evidence.checkForUse(ctx, item.digest));
    const checkpoint = await this.checkpoints.latest();
    const model = presentRunEvidence({
      run,
      steps: await this.runs.steps(run.id),
      evidence: items.map((item) => ({ item, check: checks.get(item.digest)! })),
      audit: await this.auditOf([{ type: 'run', id: String(run.id) }, ...deviations.map((d) => ({ type: 'deviation', id: String(d.id) }))]),
      checkpoint,
      keyFingerprint: checkpoint ? publicKeyFingerprint(this.keyring, checkpoint.keyId) : null,
      signatures: await this.signaturesOf('run', String(run.id)),
      deviations,
      generatedAt: this.now(),
      generatedBy: { name: ctx.actor.name, username: ctx.actor.username, role: ctx.actor.role },
    });
    return this.exports.create(ctx, {
      entityType: 'run',
      entityId: String(run.id),
      format: 'pdf',
      contentType: 'application/pdf',
      fileName: `run-${run.id}-evidence${run.dryRun ? '-dry-run' : ''}.pdf`,
      content: () => renderRunEvidencePdf(model),
    });
  }

  /** The audit events of these records, in order: what happened to the run and its deviations, by whom. */
  private async auditOf(records: Array<{ type: string; id: string }>): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    for (const record of records) for await (const event of this.audit.iterate({ entityType: record.type, entityId: record.id }, 'asc')) events.push(event);
    return events.sort((a, b) => a.seq - b.seq);
  }

  /** Every signature on the record, each verified now (seal, record digest) with the signer's access. */
  private async signaturesOf(recordType: string, recordId: string): Promise<SignatureWithVerification[]> {
    const list = await this.signatures.list(recordType, recordId);
    return Promise.all(list.map(async (signature) => ({ signature, verification: await this.signatures.verifyWithAccess(signature) })));
  }

  private async deviationsOf(runId: number): Promise<DeviationRecord[]> {
    const rows = (await this.deviations.list({ runId })).sort((a, b) => a.id - b.id);
    const records: DeviationRecord[] = [];
    for (const row of rows) {
      const versions = await this.deviations.versions(row.id);
      const current = versions.find((v) => v.version === row.currentVersion)!;
      records.push({
        id: row.id,
        currentVersion: row.currentVersion,
        content: JSON.parse(current.content) as DeviationContent,
        openedAt: row.openedAt,
        closed: await this.deviations.isClosed(row),
        lastChange: { at: current.changedAt, by: current.changedByName, reason: current.reason },
        signatures: await this.signaturesOf('deviation', String(row.id)),
      });
    }
    return records;
  }

  private async evidenceOfAll(deviationIds: string[]): Promise<EvidenceItem[]> {
    const items: EvidenceItem[] = [];
    for (const id of deviationIds) items.push(...(await this.evidenceOf('deviation', id)));
    return items;
  }

  /** Every catalogue row of the record, page by page (a run can hold thousands). */
  private async evidenceOf(belongsToType: string, belongsToId: string): Promise<EvidenceItem[]> {
    const items: EvidenceItem[] = [];
    for (let afterId = 0; ; ) {
      const page = await this.evidence.list({ belongsToType, belongsToId, afterId, limit: 1000 });
      items.push(...page);
      if (page.length < 1000) return items;
      afterId = page[page.length - 1]!.id;
    }
  }
}
