// What export-bundle tests build on: a synthetic package manifest (factory), package signatures
// sealed exactly as the signature service seals them, and a way to take a bundle apart and put it
// back together (the tamper cases).
//
// `sealPackageSignature` stands in for signing through POST /api/v1/signatures until the `package`
// signable record type exists: it writes the same row (the same fields, record digest and Ed25519
// seal from the workbench keyring) and the same `signature.created` audit event, in one
// transaction. Replace its body with `wb.services.signatures.sign(…)` once packages are signable.
import { randomUUID } from 'node:crypto';
import yauzl from 'yauzl';
import yazl from 'yazl';
import fs from 'node:fs';
import { QueryTypes } from 'sequelize';
import { canonicalJson, sha256Hex } from '../../src/platform/canonical-json.js';
import type { RequestContext } from '../../src/platform/request-context.js';
import { MANIFEST_FORMAT, type ManifestEvidence, type PackageManifest } from '../../src/packages/package-manifest.js';
import type { BundleSignature } from '../../src/packages/bundle-format.js';
import { signedFieldsOf } from '../../src/signatures/signature-model.js';
import { recordDigest } from '../../src/signatures/signature-service.js';
import type { TestWorkbench } from './test-workbench.js';

/** A small but complete manifest of package `id`; evidence as given. */
export function buildManifest(overrides: { id?: number; key?: string; revision?: number; title?: string; evidence?: ManifestEvidence[]; auditRecords?: string[] } = {}): PackageManifest {
  const id = overrides.id ?? 3;
  const key = overrides.key ?? `VP-${String(id).padStart(4, '0')}`;
  const evidence = overrides.evidence ?? [];
  return {
    format: MANIFEST_FORMAT,
    package: {
      id,
      key,
      version: 1,
      revision: overrides.revision ?? 1,
      title: overrides.title ?? `Sales order release — validation package ${key}`,
      supersedes: null,
      createdBy: 'Ingrid Integration',
      submittedBy: 'Ingrid Integration',
      submittedAt: '2026-02-03T10:00:00.000Z',
    },
    scope: [],
    plan: [{ id: 'scope', title: 'Scope', text: 'The sales order interface between ERP and WMS.' }],
    requirements: [],
    assessments: [],
    scenarios: [],
    runs: [],
    deviations: [],
    evidence,
    traceMatrix: [],
    summary: { sections: [], acceptanceMet: true, openItems: [], releaseStatement: 'Released for use.' },
    requiredSignatures: [
      { meaning: 'reviewed', roles: ['it'], source: 'required for every package' },
      { meaning: 'approved', roles: ['qa'], source: 'required for every package' },
    ],
    auditRecords: overrides.auditRecords ?? [`package:${id}`],
  };
}

/** One manifest evidence entry for a stored digest. */
export function manifestEvidence(digest: string, size: number, runId = 1, stepPosition = 1, role: 'request' | 'response' = 'request'): ManifestEvidence {
  return { digest, size, mediaType: 'application/json', runId, stepPosition, role };
}

/**
 * Signs `manifest` as `username` with `meaning`, the way SignatureService.signInTransaction does:
 * record digest of the package at its revision, every field sealed by the active key, the row, then
 * its `signature.created` audit event naming the signature's state.
 */
export async function sealPackageSignature(wb: TestWorkbench, manifest: PackageManifest, username: string, meaning: string, reason = `${meaning} for release`): Promise<BundleSignature> {
  const { services } = wb;
  const user = (await services.models.User.findOne({ where: { username } }))!;
  const recordId = String(manifest.package.id);
  const unsigned = {
    recordType: 'package',
    recordId,
    recordVersion: manifest.package.revision,
    recordDigest: recordDigest('package', recordId, manifest.package.revision, manifest),
    meaning,
    reason,
    signerId: user.id,
    signerUsername: user.username,
    signerName: user.fullName,
    signerRole: user.role,
    signedAt: wb.clock.now().toISOString(),
    authMethod: 'password' as const,
    sessionId: randomUUID(),
  };
  const { keyId, signature: serverSignature } = services.keyring.signWith((activeKeyId) => canonicalJson(signedFieldsOf({ ...unsigned, keyId: activeKeyId })));
  const ctx: RequestContext = { actor: { userId: user.id, username: user.username, name: user.fullName, role: user.role }, correlationId: randomUUID(), sessionId: unsigned.sessionId, clientIp: null, userAgent: null };
  return services.database.write(async (tx) => {
    const { sequelize } = services.database;
    await sequelize.query(
      `INSERT INTO signatures (record_type, record_id, record_version, record_digest, meaning, reason, signer_id, signer_username, signer_name, signer_role, signed_at, auth_method, session_id, key_id, server_signature)
       VALUES (:recordType, :recordId, :recordVersion, :recordDigest, :meaning, :reason, :signerId, :signerUsername, :signerName, :signerRole, :signedAt, :authMethod, :sessionId, :keyId, :serverSignature)`,
      { replacements: { ...unsigned, keyId, serverSignature }, transaction: tx },
    );
    const [row] = await sequelize.query<{ id: number }>('SELECT id FROM signatures WHERE record_type = :recordType AND record_id = :recordId AND record_version = :recordVersion AND meaning = :meaning', {
      replacements: unsigned,
      type: QueryTypes.SELECT,
      transaction: tx,
    });
    const id = Number(row!.id);
    await services.audit.record(tx, ctx, {
      action: 'signature.created',
      entityType: 'package',
      entityId: recordId,
      change: 'event',
      after: { signatureId: id, version: unsigned.recordVersion, meaning, recordDigest: unsigned.recordDigest },
      reason,
      states: [{ type: 'signature', id }],
    });
    return { id, ...unsigned, keyId, serverSignature };
  });
}

/** Every file of a zip, in order. */
export async function readZip(file: string): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  const files = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    files.set(entry.fileName, Buffer.concat(chunks));
  }
  return files;
}

export async function writeZip(file: string, files: Map<string, Buffer>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of files) zip.addBuffer(content, name);
  zip.end();
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(file)).on('finish', resolve).on('error', reject);
  });
}

export interface Tampering {
  /** Change files: return the new bytes, or null to remove the file. */
  edit?: Record<string, (content: Buffer) => Buffer | null>;
  add?: Record<string, Buffer>;
  /**
   * Rewrite bundle.json's file list to match (a careful forger's move), so that only the check
   * the tampering is about can catch it.
   */
  relist?: boolean;
  /** Change bundle.json itself (after relisting). */
  index?: (index: Record<string, unknown>) => void;
}

export const json = (content: Buffer): Record<string, any> => JSON.parse(content.toString('utf8'));
export const asJson = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

/** A copy of the bundle at `source`, tampered with as asked, written to `target`. */
export async function tamper(source: string, target: string, tampering: Tampering): Promise<void> {
  const files = await readZip(source);
  for (const [name, edit] of Object.entries(tampering.edit ?? {})) {
    if (!files.has(name)) throw new Error(`the bundle has no ${name} to edit`);
    const edited = edit(files.get(name)!);
    if (edited === null) files.delete(name);
    else files.set(name, edited);
  }
  for (const [name, content] of Object.entries(tampering.add ?? {})) files.set(name, content);
  const index = json(files.get('bundle.json')!);
  if (tampering.relist) {
    index.files = [...files].filter(([name]) => name !== 'bundle.json').map(([path, content]) => ({ path, sha256: sha256Hex(content), size: content.length }));
  }
  tampering.index?.(index);
  files.set('bundle.json', asJson(index));
  await writeZip(target, files);
}
