// The export bundle of a validation package: one zip an auditor takes away and checks offline,
// without our server or database (Part 11 §11.10(b): accurate and complete copies in human readable
// and electronic form for inspection; §11.70: signatures linked to their records; Annex 11 §8).
// This module is the format: file names, JSON shapes and the two digests a verifier recomputes. The
// README's "Export bundle format" section describes the same for third parties; keep them in step.
//
// Layout (every path inside the zip):
//   bundle.json            the index: format, package, exportedAt/By, manifestDigest, and every other
//                          file with its SHA-256 and size (it does not list itself)
//   manifest.json          the package manifest, RFC 8785 canonical JSON (so its SHA-256 is the
//                          manifest digest the signatures bind)
//   package.pdf            the package PDF
//   evidence/<sha256>      each evidence file the manifest lists, named by the SHA-256 of its bytes
//   signatures.json        {"signatures": [...]} every package signature, whole, with the server's seal
//   audit/checkpoint.json  the signed checkpoint the proofs lead to
//   audit/events.json      {"records": [...], "events": [{index, leafHash, proof, event}]}
//   keys/public-keys.json  {"keys": [{keyId, algorithm, publicKeyPem, fingerprint, createdAt}]}
//   README.txt             how to verify
//
// Imports: node built-ins and canonical-json only (types aside), so the offline verifier can use it.
import { createPublicKey } from 'node:crypto';
import type { Readable } from 'node:stream';
import { sealedFieldsOf, type SealedSignatureFields } from '../signatures/signature-seal.js';
import { canonicalJson, digestOf, sha256Hex } from '../platform/canonical-json.js';
import type { AuditExcerpt, ExcerptCheckpoint, ExcerptEvent } from '../audit/audit-excerpt.js';
import type { PackageManifest } from './package-manifest.js';

export const BUNDLE_FORMAT = 'gxpw-export-bundle/1';

export const BUNDLE_FILES = {
  index: 'bundle.json',
  manifest: 'manifest.json',
  pdf: 'package.pdf',
  signatures: 'signatures.json',
  checkpoint: 'audit/checkpoint.json',
  events: 'audit/events.json',
  keys: 'keys/public-keys.json',
  readme: 'README.txt',
} as const;

/** Evidence files live under this folder, each named by its lowercase hex SHA-256. */
export const EVIDENCE_FOLDER = 'evidence/';

export function evidencePath(digest: string): string {
  return `${EVIDENCE_FOLDER}${digest}`;
}

export interface BundleFileEntry {
  path: string;
  /** SHA-256 of the file's bytes, lowercase hex. */
  sha256: string;
  size: number;
}

/** bundle.json. */
export interface BundleIndex {
  format: typeof BUNDLE_FORMAT;
  package: { id: number; key: string; version: number; revision: number; title: string };
  exportedAt: string;
  /** The printed name of who exported it. */
  exportedBy: string;
  /** SHA-256 of the manifest's RFC 8785 canonical JSON. */
  manifestDigest: string;
  /** Every file in the zip but bundle.json itself, in the order written. */
  files: BundleFileEntry[];
}

/** One package signature as signatures.json holds it: the row id, the sealed fields and the seal. */
export interface BundleSignature extends SealedSignatureFields {
  id: number;
  /** Ed25519 over `signatureSealPayload(signature)`, base64. */
  serverSignature: string;
}

/** keys/public-keys.json entries. */
export interface BundleKey {
  keyId: string;
  algorithm: 'Ed25519';
  publicKeyPem: string;
  /** SHA-256 of the key's DER SubjectPublicKeyInfo, lowercase hex; keyId is its first 16 characters. */
  fingerprint: string;
  createdAt: string | null;
}

/** audit/events.json. */
export interface BundleEvents {
  records: string[];
  events: ExcerptEvent[];
}

export type BundleCheckpoint = ExcerptCheckpoint;

/** An evidence file to export, read from wherever it is kept (the evidence store). */
export interface BundleEvidenceSource {
  digest: string;
  size: number;
  /** Whether the file is there to export at all; checked for every file before anything is written. */
  exists(): Promise<boolean>;
  open(): Promise<Readable>;
}

/** What `writeBundle` needs: everything already frozen or signed; nothing is read from the database. */
export interface BundleInput {
  manifest: PackageManifest;
  /** `manifestDigest(manifest)`: the export refuses a manifest that does not match it. */
  manifestDigest: string;
  /** Path of the rendered package PDF. */
  pdf: string;
  /** One source per distinct digest in `manifest.evidence` (extra ones are not exported). */
  evidence: BundleEvidenceSource[];
  /** The package's signatures (Signature rows or their plain fields). */
  signatures: BundleSignature[];
  excerpt: AuditExcerpt;
  /** The server's public keys (keyring.publicKeys()); those the checkpoint and signatures name are bundled. */
  keys: Array<{ keyId: string; publicKeyPem: string; createdAt?: string | null }>;
  exportedAt: string;
  exportedBy: string;
}

export interface BundleWritten {
  bytes: number;
  /** SHA-256 of the zip file: what the export's audit event records. */
  sha256: string;
}

/**
 * What the server's Ed25519 seal of a signature covers: RFC 8785 canonical JSON of its sealed
 * fields, built by the very function the signature service seals with (signature-seal.ts).
 */
export function signatureSealPayload(s: Omit<BundleSignature, 'id' | 'serverSignature'>): string {
  return canonicalJson(sealedFieldsOf(s));
}

/** The plain signature fields of a Signature row (or anything carrying them). */
export function bundleSignatureOf(s: BundleSignature): BundleSignature {
  return {
    id: Number(s.id),
    recordType: s.recordType,
    recordId: s.recordId,
    recordVersion: Number(s.recordVersion),
    recordDigest: s.recordDigest,
    meaning: s.meaning,
    reason: s.reason,
    signerId: Number(s.signerId),
    signerUsername: s.signerUsername,
    signerName: s.signerName,
    signerRole: s.signerRole,
    signedAt: s.signedAt,
    authMethod: s.authMethod,
    sessionId: s.sessionId,
    keyId: s.keyId,
    serverSignature: s.serverSignature,
  };
}

/**
 * The record digest a package signature binds: SHA-256 of the canonical JSON of
 * {recordType: 'package', recordId: String(package id), version: revision, content: manifest} —
 * `recordDigest` of signature-service.ts for the `package` record type (a test holds them equal).
 */
export function packageRecordDigest(manifest: PackageManifest): string {
  return digestOf({ recordType: 'package', recordId: String(manifest.package.id), version: manifest.package.revision, content: manifest });
}

/** SHA-256 (hex) of the DER SubjectPublicKeyInfo of a PEM public key: what `--expect-key` names. */
export function keyFingerprint(publicKeyPem: string): string {
  return sha256Hex(createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }));
}

/** A fingerprint as a person may type it (any case, with colons or spaces), or null when it is none. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/[\s:]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}
