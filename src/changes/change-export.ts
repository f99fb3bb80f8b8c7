// The change record PDF as an audited export (audited-export.ts): the record's content, history,
// impact, triage, regression runs and results, deviations, the signatures of every version with
// their manifestation, the audit excerpt with a signed checkpoint and the verification appendix.
import { PassThrough } from 'node:stream';
import { buildAuditExcerpt } from '../audit/audit-excerpt.js';
import type { AuditedExports, ExportFile } from '../audit/audited-export.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { DocumentTexts } from '../documents/document-texts.js';
import type { EvidenceService } from '../evidence/evidence-service.js';
import type { Database } from '../platform/database.js';
import type { Keyring } from '../platform/keyring.js';
import type { RequestContext } from '../platform/request-context.js';
import type { DeviationService } from '../scenarios/deviation-service.js';
import type { RunService } from '../scenarios/run-service.js';
import { documentSignatureOf } from '../signatures/signature-presenter.js';
import { recordDigest, type SignatureService } from '../signatures/signature-service.js';
import type { ChangeDocumentInput } from './change-document.js';
import { contentOf } from './change-model.js';
import { renderChangePdf } from './change-pdf.js';
import type { ChangeService } from './change-service.js';

export class ChangeExporter {
  constructor(
    private readonly database: Database,
    private readonly changes: ChangeService,
    private readonly runs: RunService,
    private readonly deviations: DeviationService,
    private readonly evidence: EvidenceService,
    private readonly signatures: SignatureService,
    private readonly audit: AuditTrail,
    private readonly keyring: Keyring,
    private readonly exports: AuditedExports,
    private readonly texts: DocumentTexts,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async pdf(ctx: RequestContext, id: number): Promise<ExportFile> {
    const { input, version } = await this.documentInput(ctx, id);
    return this.exports.create(ctx, {
      entityType: 'change',
      entityId: String(id),
      format: 'pdf',
      contentType: 'application/pdf',
      fileName: `${input.change.key}-v${version}.pdf`,
      filters: { state: input.change.state, recordDigest: input.verification.recordDigest },
      content: () => {
        const out = new PassThrough();
        renderChangePdf(input, out).catch((error: unknown) => out.destroy(error as Error));
        return out;
      },
    });
  }

  private async documentInput(ctx: RequestContext, id: number): Promise<{ input: ChangeDocumentInput; version: number }> {
    const row = await this.changes.get(id);
    const content = contentOf(row);
    const versions = await this.changes.versions(id);
    const history = versions.map((v) => ({ state: (JSON.parse(v.content) as { state: ChangeDocumentInput['change']['state'] }).state, at: v.changedAt, by: v.changedByName, reason: v.reason }));
    const stateChanges = history.filter((h, i) => i === 0 || h.state !== history[i - 1]!.state);
    const runs: ChangeDocumentInput['runs'] = [];
    for (const runId of content.runs) {
      const run = await this.runs.get(runId);
      const steps = await this.runs.steps(runId);
      const assurance = JSON.parse(run.assurance) as { reason: string };
      runs.push({
        id: run.id,
        interfaceKey: run.interfaceKey,
        environment: run.environment,
        status: run.status,
        assurance: assurance.reason,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        passed: steps.filter((s) => s.status === 'passed').length,
        failed: steps.filter((s) => s.status === 'failed').length,
        errors: steps.filter((s) => s.status === 'error').length,
        steps: steps.map((s) => ({ position: s.position, name: s.name, status: s.status, expected: s.expected, actual: s.actual, evidence: [s.requestEvidence, s.responseEvidence].filter((d): d is string => d !== null) })),
      });
    }
    const deviations: ChangeDocumentInput['deviations'] = [];
    for (const runId of content.runs) {
      for (const d of await this.deviations.list({ runId })) {
        const current = (await this.deviations.versions(d.id)).at(-1)!;
        const body = JSON.parse(current.content) as { title: string; resolution: string | null };
        deviations.push({ id: d.id, runId, stepPosition: d.stepPosition, title: body.title, status: (await this.deviations.isClosed(d)) ? 'closed' : d.status, resolution: body.resolution });
      }
    }
    const signatureRows = await this.signatures.list('change', String(id));
    const signatures: ChangeDocumentInput['signatures'] = [];
    for (const s of signatureRows) signatures.push(documentSignatureOf(s, await this.signatures.verifyWithAccess(s)));
    const status = await this.signatures.signOffStatus('change', String(id), row.currentVersion);
    const requiredSignatures = status.requirements.map((r) => ({ meaning: r.meaning, roles: [...r.roles], source: r.source, given: r.signatureId !== null }));
    const notes = [];
    for (const digest of content.releaseNotes) {
      const [item] = await this.evidence.itemsOf(digest);
      notes.push({ digest, name: item?.originalName ?? null, size: item?.size ?? 0 });
    }
    const refs = [`change:${id}`, ...content.runs.map((r) => `run:${r}`), ...deviations.map((d) => `deviation:${d.id}`), ...signatureRows.map((s) => `signature:${s.id}`)];
    const excerpt = await buildAuditExcerpt({ database: this.database, audit: this.audit }, refs);
    const requestedBy = versions[0]?.changedByName ?? 'unknown';
    const input: ChangeDocumentInput = {
      change: {
        id,
        key: content.key,
        type: content.type,
        title: content.title,
        state: content.state,
        platform: content.platform,
        system: content.system,
        interface: content.interface,
        product: content.product,
        versionFrom: content.versionFrom,
        versionTo: content.versionTo,
        description: content.description,
        justification: content.justification,
        plannedDate: content.plannedDate,
        environments: content.environments,
        requestedBy,
        requestedAt: row.requestedAt,
        implementedAt: content.implementedAt,
        implementedVersion: content.implementedVersion,
        closedAt: content.closedAt,
        stateReason: content.stateReason,
        releaseNotes: notes,
      },
      history: stateChanges,
      impact: content.impact,
      releaseItems: content.releaseItems,
      runs,
      deviations,
      signatures,
      requiredSignatures,
      auditExcerpt: (async function* () {
        for (const { event } of excerpt.events) yield { seq: event.seq, occurredAt: event.occurredAt, actorName: event.actorName, action: event.action, entityType: event.entityType, entityId: event.entityId, reason: event.reason };
      })(),
      verification: {
        checkpoint: { treeSize: excerpt.checkpoint.treeSize, rootHash: excerpt.checkpoint.rootHash, keyId: excerpt.checkpoint.keyId, createdAt: excerpt.checkpoint.createdAt },
        keyFingerprints: this.keyring.publicKeys().map((k) => ({ keyId: k.keyId, fingerprint: k.fingerprint })),
        recordDigest: recordDigest('change', String(id), row.currentVersion, content),
        auditVerified: true,
      },
      generatedAt: this.now().toISOString(),
      generatedBy: `${ctx.actor.name}${ctx.actor.role ? ` (${ctx.actor.role})` : ''}`,
      texts: this.texts,
    };
    return { input, version: row.currentVersion };
  }
}
