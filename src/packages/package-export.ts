// The two things an auditor takes away from a package: its PDF, and the export bundle that can be
// checked without our server (Part 11 §11.10(b): accurate and complete copies, human-readable and
// electronic). Both are audited exports (audited-export.ts): written, digested, recorded as
// `export.created` with their SHA-256, then sent. The PDF of a submitted package is rendered from
// its frozen manifest; a draft's PDF is a preview built from the records in force, marked DRAFT.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { buildAuditExcerpt, type AuditExcerpt } from '../audit/audit-excerpt.js';
import type { AuditedExports, ExportFile } from '../audit/audited-export.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { DocumentTexts } from '../documents/document-texts.js';
import type { EvidenceStore } from '../evidence/evidence-store.js';
import type { Database } from '../platform/database.js';
import { ConflictError } from '../platform/errors.js';
import type { Keyring } from '../platform/keyring.js';
import type { RequestContext } from '../platform/request-context.js';
import { documentSignatureOf } from '../signatures/signature-presenter.js';
import type { SignatureService } from '../signatures/signature-service.js';
import { bundleSignatureOf } from './bundle-format.js';
import { evidenceFromStore, writeBundle } from './bundle-writer.js';
import type { ManifestBuilder } from './manifest-builder.js';
import type { PackageAuditEntry, PackagePdfInput, PackageSignatureInput } from './package-document.js';
import { manifestDigest, type PackageManifest } from './package-manifest.js';
import { renderPackagePdf } from './package-pdf.js';
import type { PackageService } from './package-service.js';

export interface PackageExportProgress {
  /** What is being done: reading the audit trail, drawing the PDF, writing the bundle. */
  stage: 'audit-excerpt' | 'pdf' | 'bundle';
  done: number;
  total: number;
}

export type ExportProgressListener = (progress: PackageExportProgress) => void;

export class PackageExporter {
  constructor(
    private readonly database: Database,
    private readonly packages: PackageService,
    private readonly builder: ManifestBuilder,
    private readonly signatures: SignatureService,
    private readonly store: EvidenceStore,
    private readonly audit: AuditTrail,
    private readonly keyring: Keyring,
    private readonly exports: AuditedExports,
    private readonly texts: DocumentTexts,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The package PDF as an audited export (the caller sends it and disposes of it). */
  async pdf(ctx: RequestContext, id: number, onProgress?: ExportProgressListener): Promise<ExportFile> {
    const { input, row } = await this.pdfInput(ctx, id, onProgress);
    return this.exports.create(ctx, {
      entityType: 'package',
      entityId: String(id),
      format: 'pdf',
      contentType: 'application/pdf',
      fileName: `${row.key}-v${row.version}${row.revision ? `-r${row.revision}` : ''}.pdf`,
      filters: { manifestDigest: input.manifestDigest, status: row.status },
      content: () => renderTo(input, onProgress),
    });
  }

  /**
   * The export bundle (bundle-format.ts) of a submitted package as an audited export: its frozen
   * manifest, the PDF, every evidence file, the signatures, the audit excerpt with inclusion proofs
   * against a signed checkpoint, and the public keys. Refused, naming it, when an evidence file is
   * missing: nothing is written and nothing recorded.
   */
  async bundle(ctx: RequestContext, id: number, onProgress?: ExportProgressListener): Promise<ExportFile> {
    const row = await this.packages.get(id);
    if (row.revision === 0) throw new ConflictError(`Package ${row.key} v${row.version} was never submitted: a bundle carries a frozen manifest.`, 'package_not_submitted');
    const { input, excerpt, signatures } = await this.pdfInput(ctx, id, onProgress);
    const directory = await fsp.mkdtemp(path.join(os.tmpdir(), 'gxpw-bundle-'));
    const pdfPath = path.join(directory, 'package.pdf');
    try {
      await new Promise<void>((resolve, reject) => {
        const out = fs.createWriteStream(pdfPath, { mode: 0o600 });
        out.once('error', reject).once('finish', resolve);
        renderPackagePdf(input, out).catch((error: unknown) => out.destroy(error as Error));
      });
      const bundleInput = {
        manifest: input.manifest,
        manifestDigest: input.manifestDigest,
        pdf: pdfPath,
        evidence: evidenceFromStore(this.store, input.manifest.evidence),
        signatures: signatures.map(bundleSignatureOf),
        excerpt,
        keys: this.keyring.publicKeys(),
        exportedAt: input.generatedAt,
        exportedBy: ctx.actor.name,
      };
      return await this.exports.create(ctx, {
        entityType: 'package',
        entityId: String(id),
        format: 'zip',
        contentType: 'application/zip',
        fileName: `${row.key}-v${row.version}-r${row.revision}-bundle.zip`,
        filters: { manifestDigest: input.manifestDigest, evidence: input.manifest.evidence.length, auditEvents: excerpt.events.length, checkpoint: excerpt.checkpoint.treeSize },
        content: () => {
          const out = new PassThrough();
          writeBundle(bundleInput, out, { onProgress: (done, total) => onProgress?.({ stage: 'bundle', done, total }) }).catch((error: unknown) => out.destroy(error as Error));
          return out;
        },
      });
    } finally {
      await fsp.rm(directory, { recursive: true, force: true });
    }
  }

  private async pdfInput(ctx: RequestContext, id: number, onProgress?: ExportProgressListener) {
    const row = await this.packages.get(id);
    const generatedAt = this.now().toISOString();
    let manifest: PackageManifest;
    let digest: string;
    if (row.revision > 0) {
      const frozen = (await this.packages.manifest(id))!;
      manifest = frozen.manifest;
      digest = frozen.digest;
    } else {
      // A draft: what submitting now would freeze, shown as a preview.
      manifest = await this.database.write((tx) => this.builder.build(tx, row, { revision: 0, submittedBy: '(not submitted)', submittedAt: generatedAt, createdBy: row.createdByName }));
      digest = manifestDigest(manifest);
    }
    const signatureRows = row.revision > 0 ? (await this.signatures.list('package', String(id))).filter((s) => s.recordVersion === row.revision) : [];
    const signatures: PackageSignatureInput[] = [];
    for (const s of signatureRows) signatures.push(documentSignatureOf(s, await this.signatures.verifyWithAccess(s)));
    // Every record the manifest names, the package itself and its signatures.
    const refs = [...manifest.auditRecords, `package:${id}`, ...signatureRows.map((s) => `signature:${s.id}`)];
    const excerpt = await buildAuditExcerpt({ database: this.database, audit: this.audit }, refs, { onProgress: (done, total) => onProgress?.({ stage: 'audit-excerpt', done, total }) });
    let evidenceVerified = true;
    for (const item of manifest.evidence) if ((await this.store.check(item.digest)) !== 'intact') evidenceVerified = false;
    const keys = this.keyring.publicKeys();
    const input: PackagePdfInput = {
      manifest,
      manifestDigest: digest,
      status: row.status,
      generatedAt,
      generatedBy: `${ctx.actor.name}${ctx.actor.role ? ` (${ctx.actor.role})` : ''}`,
      signatures,
      auditExcerpt: entriesOf(excerpt),
      verification: {
        checkpoint: { treeSize: excerpt.checkpoint.treeSize, rootHash: excerpt.checkpoint.rootHash, keyId: excerpt.checkpoint.keyId, createdAt: excerpt.checkpoint.createdAt },
        keyFingerprints: keys.map((k) => ({ keyId: k.keyId, fingerprint: k.fingerprint })),
        evidenceVerified,
        auditVerified: true,
      },
      texts: this.texts,
    };
    return { input, row, excerpt, signatures: signatureRows };
  }
}

async function* entriesOf(excerpt: AuditExcerpt): AsyncIterable<PackageAuditEntry> {
  for (const { event } of excerpt.events) {
    yield { seq: event.seq, occurredAt: event.occurredAt, actorName: event.actorName, action: event.action, entityType: event.entityType, entityId: event.entityId, reason: event.reason };
  }
}

function renderTo(input: PackagePdfInput, onProgress?: ExportProgressListener): Readable {
  const out = new PassThrough();
  renderPackagePdf(input, out)
    .then(({ pages }) => onProgress?.({ stage: 'pdf', done: pages, total: pages }))
    .catch((error: unknown) => out.destroy(error as Error));
  return out;
}
