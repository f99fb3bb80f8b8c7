// Verifies a package's export bundle offline: no server, no database, no configuration — node
// built-ins, yauzl, RFC 8785 canonical JSON and the pure audit hashing and proof functions only (a
// test holds this module's imports to that). It names every file, proof and signature that does not
// match, all of them, not just the first (Part 11 §11.10(a): the ability to discern invalid or
// altered records; §11.70: signatures that cannot be moved to another record).
//
// Trust: the keys inside a bundle could be replaced by a forger who re-signed everything with keys
// of their own. The verifier therefore reports each key's fingerprint, and with `expectKeys` fails
// unless the checkpoint and every signature were made with a key the user trusts (the server
// publishes its fingerprints at GET /api/v1/keys).
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import yauzl from 'yauzl';
import { digestOf } from '../platform/canonical-json.js';
import { checkpointPayload, leafHashOf, type AuditEventContent } from '../audit/audit-hashing.js';
import { verifyInclusion } from '../audit/inclusion-proof.js';
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  EVIDENCE_FOLDER,
  evidencePath,
  keyFingerprint,
  packageRecordDigest,
  signatureSealPayload,
  type BundleIndex,
  type BundleSignature,
} from './bundle-format.js';
import type { PackageManifest } from './package-manifest.js';

export interface BundleProblem {
  /** The file of the bundle the problem is in, when it is in one. */
  file?: string;
  code: string;
  message: string;
}

export interface BundleKeyReport {
  keyId: string;
  /** SHA-256 of the key's DER SubjectPublicKeyInfo, recomputed from its PEM. */
  fingerprint: string;
  /** What it signed in this bundle: `checkpoint`, `signature 12`, … */
  usedBy: string[];
  /** Whether it is one of the expected keys; null when none were given. */
  trusted: boolean | null;
}

export interface BundleVerification {
  ok: boolean;
  file: string;
  package: BundleIndex['package'] | null;
  manifestDigest: string | null;
  exportedAt: string | null;
  exportedBy: string | null;
  checkpoint: { treeSize: number; rootHash: string; keyId: string } | null;
  checked: { files: number; evidence: number; signatures: number; events: number; checkpoints: number };
  keyFingerprints: BundleKeyReport[];
  problems: BundleProblem[];
}

export interface VerifyBundleOptions {
  /** Fingerprints (normalized lowercase hex) of the keys the user trusts; empty: trust the bundled keys. */
  expectKeys?: string[];
}

/** JSON files larger than this are refused rather than read into memory. */
const MAX_JSON_BYTES = 256 * 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;
const JSON_FILES: ReadonlySet<string> = new Set([BUNDLE_FILES.index, BUNDLE_FILES.manifest, BUNDLE_FILES.signatures, BUNDLE_FILES.checkpoint, BUNDLE_FILES.events, BUNDLE_FILES.keys]);
const REQUIRED_FILES: readonly string[] = Object.values(BUNDLE_FILES);

interface ZipEntry {
  sha256: string;
  size: number;
  /** How many entries of the zip carry this name. */
  copies: number;
  /** Content of the JSON files of the format, null when unreadable or too large. */
  content?: Buffer | null;
}

type Json = Record<string, unknown>;

/** Checks the bundle at `file`; never throws for what is in the file: every finding is a problem. */
export async function verifyBundleFile(file: string, options: VerifyBundleOptions = {}): Promise<BundleVerification> {
  const result: BundleVerification = {
    ok: false,
    file,
    package: null,
    manifestDigest: null,
    exportedAt: null,
    exportedBy: null,
    checkpoint: null,
    checked: { files: 0, evidence: 0, signatures: 0, events: 0, checkpoints: 0 },
    keyFingerprints: [],
    problems: [],
  };
  const problem = (code: string, message: string, inFile?: string) => result.problems.push(inFile === undefined ? { code, message } : { file: inFile, code, message });
  const entries = await readEntries(file, problem);
  if (!entries) return result;
  result.checked.files = entries.size;
  new BundleCheck(entries, result, problem, options.expectKeys ?? []).run();
  result.ok = result.problems.length === 0;
  return result;
}

/** Every file in the zip with its SHA-256 and size, and the content of the format's JSON files. */
async function readEntries(file: string, problem: (code: string, message: string, file?: string) => void): Promise<Map<string, ZipEntry> | null> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true });
  } catch (error) {
    problem('unreadable_bundle', `${file} cannot be read as a zip file: ${(error as Error).message}`);
    return null;
  }
  const entries = new Map<string, ZipEntry>();
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      // Directory entries (a bundle re-zipped by hand may have them) hold no data.
      if (name.endsWith('/')) continue;
      const known = entries.get(name);
      if (known) {
        known.copies += 1;
        continue;
      }
      const keep = JSON_FILES.has(name);
      const record: ZipEntry = { sha256: '', size: 0, copies: 1 };
      entries.set(name, record);
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      try {
        const stream = await zip.openReadStreamPromise(entry);
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk);
          record.size += chunk.length;
          if (keep && record.size <= MAX_JSON_BYTES) chunks.push(chunk);
        }
        record.sha256 = hash.digest('hex');
        if (keep) record.content = record.size <= MAX_JSON_BYTES ? Buffer.concat(chunks) : null;
        if (keep && record.size > MAX_JSON_BYTES) problem('file_too_large', `${name} is larger than ${MAX_JSON_BYTES} bytes and was not read`, name);
      } catch (error) {
        record.sha256 = 'unreadable';
        if (keep) record.content = null;
        problem('unreadable_file', `${name} cannot be read from the zip: ${(error as Error).message}`, name);
      }
    }
  } catch (error) {
    problem('unreadable_bundle', `${file} is not a readable zip file: ${(error as Error).message}`);
    zip.close();
    return null;
  }
  return entries;
}

/** The checks, in the order the README gives them. */
class BundleCheck {
  private readonly keys = new Map<string, { key: KeyObject; report: BundleKeyReport }>();
  private manifest: PackageManifest | null = null;
  private index: BundleIndex | null = null;
  /** The events whose leaf and proof check out (against the checkpoint's root), for the signatures' audit events. */
  private readonly events: AuditEventContent[] = [];

  constructor(
    private readonly entries: Map<string, ZipEntry>,
    private readonly result: BundleVerification,
    private readonly problem: (code: string, message: string, file?: string) => void,
    private readonly expectKeys: string[],
  ) {}

  run(): void {
    const steps: Array<[string, () => void]> = [
      [BUNDLE_FILES.index, () => this.checkIndex()],
      [BUNDLE_FILES.index, () => this.checkFiles()],
      [BUNDLE_FILES.keys, () => this.checkKeys()],
      [BUNDLE_FILES.manifest, () => this.checkManifest()],
      [EVIDENCE_FOLDER, () => this.checkEvidence()],
      [BUNDLE_FILES.checkpoint, () => this.checkCheckpoint()],
      [BUNDLE_FILES.events, () => this.checkEvents()],
      [BUNDLE_FILES.signatures, () => this.checkSignatures()],
      [BUNDLE_FILES.keys, () => this.checkTrust()],
    ];
    for (const [file, step] of steps) {
      try {
        step();
      } catch (error) {
        // A shape no check foresaw: named, never thrown.
        this.problem('invalid_format', `${file} could not be checked: ${(error as Error).message}`, file);
      }
    }
    this.result.keyFingerprints = [...this.keys.values()].map(({ report }) => report);
  }

  /** bundle.json: present, JSON, this format. */
  private checkIndex(): void {
    const index = this.json(BUNDLE_FILES.index);
    if (!index) return;
    if (index.format !== BUNDLE_FORMAT) {
      this.problem('unsupported_format', `bundle.json names format ${JSON.stringify(index.format)}, not ${BUNDLE_FORMAT}`, BUNDLE_FILES.index);
      return;
    }
    const files = index.files;
    if (!Array.isArray(files) || !files.every((f) => isObject(f) && typeof f.path === 'string' && typeof f.sha256 === 'string' && Number.isSafeInteger(f.size))) {
      this.problem('invalid_format', 'bundle.json has no valid "files" list of {path, sha256, size}', BUNDLE_FILES.index);
      return;
    }
    const pkg = index.package;
    if (!isObject(pkg) || !Number.isSafeInteger(pkg.id) || typeof pkg.key !== 'string' || !Number.isSafeInteger(pkg.version) || !Number.isSafeInteger(pkg.revision)) {
      this.problem('invalid_format', 'bundle.json has no valid "package" {id, key, version, revision}', BUNDLE_FILES.index);
      return;
    }
    this.index = index as unknown as BundleIndex;
    this.result.package = { id: pkg.id as number, key: pkg.key, version: pkg.version as number, revision: pkg.revision as number, title: typeof pkg.title === 'string' ? pkg.title : '' };
    this.result.manifestDigest = typeof index.manifestDigest === 'string' ? index.manifestDigest : null;
    this.result.exportedAt = typeof index.exportedAt === 'string' ? index.exportedAt : null;
    this.result.exportedBy = typeof index.exportedBy === 'string' ? index.exportedBy : null;
  }

  /** Every listed file present with its SHA-256 and size; nothing unlisted; the format's files all there. */
  private checkFiles(): void {
    for (const [name, entry] of this.entries) {
      if (entry.copies > 1) this.problem('duplicate_file', `${name} is in the zip ${entry.copies} times`, name);
    }
    const listed = new Set<string>();
    for (const { path, sha256, size } of this.index?.files ?? []) {
      if (listed.has(path)) this.problem('duplicate_listing', `${path} is listed twice in bundle.json`, BUNDLE_FILES.index);
      listed.add(path);
      const entry = this.entries.get(path);
      if (!entry) {
        this.problem('file_missing', `${path} is listed in bundle.json but is not in the bundle`, path);
        continue;
      }
      if (entry.sha256 !== sha256) this.problem('file_digest_mismatch', `${path} has SHA-256 ${entry.sha256}, bundle.json lists ${sha256}`, path);
      if (entry.size !== size) this.problem('file_size_mismatch', `${path} has ${entry.size} bytes, bundle.json lists ${size}`, path);
    }
    for (const name of REQUIRED_FILES) {
      if (!this.entries.has(name) && !listed.has(name)) this.problem('file_missing', `${name} is missing from the bundle`, name);
    }
    if (!this.index) return;
    for (const name of this.entries.keys()) {
      if (name !== BUNDLE_FILES.index && !listed.has(name)) this.problem('file_not_listed', `${name} is in the bundle but not listed in bundle.json`, name);
    }
  }

  /** keys/public-keys.json: each key an Ed25519 public key whose fingerprint and key id match it. */
  private checkKeys(): void {
    const file = BUNDLE_FILES.keys;
    const document = this.json(file);
    if (!document) return;
    if (!Array.isArray(document.keys)) return this.problem('invalid_format', 'public-keys.json has no "keys" list', file);
    document.keys.forEach((key: unknown, i: number) => {
      if (!isObject(key) || typeof key.keyId !== 'string' || typeof key.publicKeyPem !== 'string') return this.problem('invalid_format', `key ${i} has no keyId and publicKeyPem`, file);
      let object: KeyObject;
      let fingerprint: string;
      try {
        object = createPublicKey(key.publicKeyPem);
        if (object.asymmetricKeyType !== 'ed25519') throw new Error(`it is ${object.asymmetricKeyType}, not Ed25519`);
        fingerprint = keyFingerprint(key.publicKeyPem);
      } catch (error) {
        return this.problem('key_invalid', `key ${key.keyId} is not a usable Ed25519 public key: ${(error as Error).message}`, file);
      }
      if (key.fingerprint !== fingerprint) this.problem('key_fingerprint_mismatch', `key ${key.keyId} states fingerprint ${String(key.fingerprint)}, its public key has ${fingerprint}`, file);
      if (key.keyId !== fingerprint.slice(0, 16)) return this.problem('key_fingerprint_mismatch', `key id ${key.keyId} is not the start of its fingerprint ${fingerprint}`, file);
      if (this.keys.has(key.keyId)) return this.problem('duplicate_listing', `key ${key.keyId} is listed twice`, file);
      this.keys.set(key.keyId, { key: object, report: { keyId: key.keyId, fingerprint, usedBy: [], trusted: this.expectKeys.length ? this.expectKeys.includes(fingerprint) : null } });
    });
  }

  /** manifest.json: its digest is bundle.json's, and it is the package bundle.json names. */
  private checkManifest(): void {
    const file = BUNDLE_FILES.manifest;
    const manifest = this.json(file);
    if (!manifest) return;
    const pkg = manifest.package;
    if (!isObject(pkg) || !Number.isSafeInteger(pkg.id) || !Number.isSafeInteger(pkg.revision) || !Array.isArray(manifest.evidence)) {
      return this.problem('invalid_format', 'manifest.json has no valid package {id, revision} and evidence list', file);
    }
    this.manifest = manifest as unknown as PackageManifest;
    const digest = digestOf(manifest);
    if (this.index && digest !== this.index.manifestDigest) {
      this.problem('manifest_digest_mismatch', `manifest.json has digest ${digest}, bundle.json names ${String(this.index.manifestDigest)}: the manifest was changed`, file);
    }
    const named = this.index?.package;
    if (named && (named.id !== pkg.id || named.key !== pkg.key || named.version !== pkg.version || named.revision !== pkg.revision)) {
      this.problem('package_mismatch', `bundle.json names package ${named.key} (id ${named.id}) version ${named.version} revision ${named.revision}, manifest.json holds ${String(pkg.key)} (id ${String(pkg.id)}) version ${String(pkg.version)} revision ${String(pkg.revision)}`, file);
    }
  }

  /** Every evidence file the manifest lists is in the bundle and hashes to its digest. */
  private checkEvidence(): void {
    if (!this.manifest) return;
    const listed = new Map<string, number>();
    for (const item of this.manifest.evidence as unknown[]) {
      if (!isObject(item) || typeof item.digest !== 'string' || !HEX64.test(item.digest)) {
        this.problem('invalid_format', `manifest.json lists evidence without a SHA-256 digest: ${JSON.stringify(item).slice(0, 200)}`, BUNDLE_FILES.manifest);
        continue;
      }
      if (!listed.has(item.digest)) listed.set(item.digest, Number(item.size));
    }
    for (const [digest, size] of listed) {
      const name = evidencePath(digest);
      const entry = this.entries.get(name);
      this.result.checked.evidence += 1;
      if (!entry) {
        this.problem('evidence_missing', `evidence ${digest} listed in the manifest is not in the bundle`, name);
      } else if (entry.sha256 !== digest) {
        this.problem('evidence_digest_mismatch', `evidence ${digest} has SHA-256 ${entry.sha256}: its bytes were changed`, name);
      } else if (entry.size !== size) {
        this.problem('evidence_size_mismatch', `evidence ${digest} has ${entry.size} bytes, the manifest says ${size}`, name);
      }
    }
    for (const name of this.entries.keys()) {
      if (name.startsWith(EVIDENCE_FOLDER) && !listed.has(name.slice(EVIDENCE_FOLDER.length))) this.problem('evidence_not_in_manifest', `${name} is not evidence of this package's manifest`, name);
    }
  }

  /** audit/checkpoint.json: signed by a bundled key. */
  private checkCheckpoint(): void {
    const file = BUNDLE_FILES.checkpoint;
    const c = this.json(file);
    if (!c) return;
    if (!Number.isSafeInteger(c.treeSize) || (c.treeSize as number) < 1 || typeof c.rootHash !== 'string' || typeof c.chainHash !== 'string' || typeof c.createdAt !== 'string' || typeof c.keyId !== 'string' || typeof c.signature !== 'string') {
      return this.problem('invalid_format', 'checkpoint.json needs treeSize, rootHash, chainHash, createdAt, keyId and signature', file);
    }
    const checkpoint = { treeSize: c.treeSize as number, rootHash: c.rootHash, chainHash: c.chainHash, createdAt: c.createdAt, keyId: c.keyId, signature: c.signature };
    this.result.checked.checkpoints = 1;
    this.result.checkpoint = { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, keyId: checkpoint.keyId };
    const payload = checkpointPayload({ treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, chainHash: checkpoint.chainHash, createdAt: checkpoint.createdAt, keyId: checkpoint.keyId });
    if (this.signedBy(checkpoint.keyId, payload, checkpoint.signature, 'checkpoint', file, `the checkpoint over ${checkpoint.treeSize} events`) === 'invalid') this.problem('checkpoint_signature_invalid', `the checkpoint over ${checkpoint.treeSize} events (root ${checkpoint.rootHash}) does not carry a valid signature of key ${checkpoint.keyId}`, file);
  }

  /** audit/events.json: each event hashes to its leaf, and its proof leads to the checkpoint's root. */
  private checkEvents(): void {
    const file = BUNDLE_FILES.events;
    const document = this.json(file);
    if (!document) return;
    if (!Array.isArray(document.events)) return this.problem('invalid_format', 'events.json has no "events" list', file);
    const c = this.result.checkpoint;
    const seen = new Set<number>();
    document.events.forEach((item: unknown, i: number) => {
      if (!isObject(item) || !isObject(item.event) || !Number.isSafeInteger(item.index) || typeof item.leafHash !== 'string' || !Array.isArray(item.proof)) {
        return this.problem('invalid_format', `event entry ${i} needs index, leafHash, proof and event`, file);
      }
      this.result.checked.events += 1;
      const event = item.event as unknown as AuditEventContent;
      const index = item.index as number;
      const name = `event ${String(event.seq)} (${String(event.action)} ${String(event.entityType)}:${String(event.entityId)})`;
      if (seen.has(index)) this.problem('duplicate_listing', `${name} is listed twice`, file);
      seen.add(index);
      if (event.seq !== index + 1) return this.problem('event_index_mismatch', `${name} is at leaf index ${index}, which is event ${index + 1}`, file);
      let leaf: string;
      try {
        leaf = leafHashOf(event);
      } catch (error) {
        return this.problem('invalid_format', `${name} cannot be hashed: ${(error as Error).message}`, file);
      }
      if (leaf !== item.leafHash) return this.problem('event_leaf_mismatch', `${name} hashes to ${leaf}, not to its leaf ${item.leafHash}: the event was changed`, file);
      if (!c) return;
      if (!verifyInclusion(leaf, index, c.treeSize, item.proof as string[], c.rootHash)) {
        return this.problem('event_proof_invalid', `the inclusion proof of ${name} does not lead to the root ${c.rootHash} of the checkpoint over ${c.treeSize} events`, file);
      }
      this.events.push(event);
    });
  }

  /** signatures.json: each sealed by a bundled key, bound to this manifest, with its audit event. */
  private checkSignatures(): void {
    const file = BUNDLE_FILES.signatures;
    const document = this.json(file);
    if (!document) return;
    if (!Array.isArray(document.signatures)) return this.problem('invalid_format', 'signatures.json has no "signatures" list', file);
    const manifest = this.manifest;
    const expectedDigest = manifest ? packageRecordDigest(manifest) : null;
    document.signatures.forEach((item: unknown, i: number) => {
      if (!isObject(item) || !Number.isSafeInteger(item.id) || typeof item.keyId !== 'string' || typeof item.serverSignature !== 'string') {
        return this.problem('invalid_format', `signature entry ${i} needs id, keyId and serverSignature`, file);
      }
      this.result.checked.signatures += 1;
      const s = item as unknown as BundleSignature;
      const name = `signature ${s.id} (${String(s.meaning)} by ${String(s.signerName)}, ${String(s.signedAt)})`;
      if (this.signedBy(s.keyId, signatureSealPayload(s), s.serverSignature, `signature ${s.id}`, file, name) === 'invalid') {
        this.problem('signature_seal_invalid', `${name} does not carry a valid server seal of key ${s.keyId}: it was altered or forged`, file);
      }
      if (manifest) {
        const id = String(manifest.package.id);
        if (s.recordType !== 'package' || s.recordId !== id || s.recordVersion !== manifest.package.revision) {
          this.problem('signature_wrong_record', `${name} signs ${String(s.recordType)} ${String(s.recordId)} revision ${String(s.recordVersion)}, not package ${id} revision ${manifest.package.revision}: it belongs to another record`, file);
        } else if (s.recordDigest !== expectedDigest) {
          this.problem('signature_digest_mismatch', `${name} binds record digest ${String(s.recordDigest)}, this manifest's is ${expectedDigest}: it signed other content`, file);
        }
      }
      const event = this.events.find(
        (e) => e.action === 'signature.created' && e.entityType === s.recordType && e.entityId === s.recordId && isObject(e.after) && e.after.signatureId === s.id && e.after.recordDigest === s.recordDigest && e.after.meaning === s.meaning,
      );
      if (!event) this.problem('signature_event_missing', `${name} has no verified signature.created audit event in the excerpt`, file);
    });
  }

  /** With expected keys: the checkpoint and every signature were made with one of them. */
  private checkTrust(): void {
    if (!this.expectKeys.length) return;
    for (const { report } of this.keys.values()) {
      if (report.usedBy.length && !report.trusted) {
        this.problem('untrusted_key', `key ${report.keyId} (fingerprint ${report.fingerprint}) signed ${report.usedBy.join(', ')} but is not an expected key`, BUNDLE_FILES.keys);
      }
    }
  }

  /**
   * Whether `signature` is a valid Ed25519 signature of `payload` by bundled key `keyId` (which is
   * then noted as used by `usage`). An unknown key is named here, as a problem of its own.
   */
  private signedBy(keyId: string, payload: string, signature: string, usage: string, file: string, what: string): 'valid' | 'invalid' | 'unknown_key' {
    const known = this.keys.get(keyId);
    if (!known) {
      this.problem('unknown_key', `${what} names key ${keyId}, which the bundle does not carry`, file);
      return 'unknown_key';
    }
    known.report.usedBy.push(usage);
    try {
      return verifySignature(null, Buffer.from(payload), known.key, Buffer.from(signature, 'base64')) ? 'valid' : 'invalid';
    } catch {
      return 'invalid';
    }
  }

  /** A JSON file of the format, parsed; null (and a problem named) when it is missing or not a JSON object. */
  private json(file: string): Json | null {
    const entry = this.entries.get(file);
    if (!entry) return null; // checkFiles names it.
    if (!entry.content) return null; // readEntries named it.
    try {
      const value: unknown = JSON.parse(entry.content.toString('utf8'));
      if (isObject(value)) return value;
      this.problem('invalid_format', `${file} is not a JSON object`, file);
    } catch (error) {
      this.problem('invalid_json', `${file} is not valid JSON: ${(error as Error).message}`, file);
    }
    return null;
  }
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The verification in words, one problem per line: what `gxpw verify-bundle` prints. */
export function describeBundleVerification(v: BundleVerification): string {
  const lines: string[] = [];
  if (v.package) lines.push(`Bundle of package ${v.package.key} version ${v.package.version} (submission ${v.package.revision}), exported ${v.exportedAt ?? '?'} by ${v.exportedBy ?? '?'}.`);
  if (v.manifestDigest) lines.push(`Manifest digest: ${v.manifestDigest}`);
  if (v.checkpoint) lines.push(`Audit checkpoint: ${v.checkpoint.treeSize} events, root ${v.checkpoint.rootHash}, key ${v.checkpoint.keyId}.`);
  const c = v.checked;
  if (c.files) lines.push(`Checked: ${c.files} files, ${c.evidence} evidence files, ${c.signatures} signatures, ${c.events} audit events, ${c.checkpoints} checkpoint.`);
  if (v.keyFingerprints.length) {
    lines.push('Signing keys (compare the fingerprints with GET /api/v1/keys of the server, or pass --expect-key):');
    for (const key of v.keyFingerprints) {
      const trust = key.trusted === null ? '' : key.trusted ? ' [expected]' : ' [NOT EXPECTED]';
      lines.push(`  ${key.keyId}  ${key.fingerprint}${trust}  used by: ${key.usedBy.join(', ') || 'nothing'}`);
    }
  }
  if (v.ok) {
    lines.push('OK: every file, evidence digest, proof and signature matches.');
  } else {
    lines.push(`FAILED: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}:`);
    // The file first, unless the message starts with it anyway.
    for (const p of v.problems) lines.push(`  ${p.file && !p.message.startsWith(p.file) ? `${p.file}: ` : ''}${p.message} [${p.code}]`);
  }
  return lines.join('\n');
}
