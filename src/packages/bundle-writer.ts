// Writes a package's export bundle (bundle-format.ts) as a zip, streaming: evidence files and the
// PDF go from disk into the zip one after the other, hashed on the way, so a package with 10,000
// evidence files never holds more than one file's buffer in memory. Everything that can refuse the
// export is checked before the first byte is written — above all that every evidence file the
// manifest lists is there (an auditor must get all of it or nothing, Part 11 §11.10(b)); a file
// whose bytes no longer match its digest is found while streaming and fails the export.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { canonicalJson } from '../platform/canonical-json.js';
import { ConflictError, type ErrorDetail } from '../platform/errors.js';
import type { EvidenceStore } from '../evidence/evidence-store.js';
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  bundleSignatureOf,
  evidencePath,
  keyFingerprint,
  type BundleCheckpoint,
  type BundleEvents,
  type BundleEvidenceSource,
  type BundleFileEntry,
  type BundleIndex,
  type BundleInput,
  type BundleKey,
  type BundleWritten,
} from './bundle-format.js';
import { manifestDigest } from './package-manifest.js';

export interface WriteBundleOptions {
  /** Files streamed so far (the PDF and each evidence file) of how many. */
  onProgress?: (done: number, total: number) => void;
}

/** An evidence file to bundle: its source, and the digest and size the manifest gives it. */
interface PlannedEvidence {
  source: BundleEvidenceSource;
  digest: string;
  size: number;
}

/** How many evidence files are checked for existence at once before writing. */
const EXISTENCE_CHECKS_AT_ONCE = 16;
/** Digests named in the message of a refused export (all are in its details). */
const NAMED_IN_MESSAGE = 10;

/** Evidence sources reading from the content-addressed store, one per distinct digest. */
export function evidenceFromStore(store: EvidenceStore, evidence: ReadonlyArray<{ digest: string; size: number }>): BundleEvidenceSource[] {
  const sources = new Map<string, BundleEvidenceSource>();
  for (const { digest, size } of evidence) {
    if (sources.has(digest)) continue;
    sources.set(digest, {
      digest,
      size,
      exists: async () => (await fsp.stat(store.pathOf(digest)).catch(() => null))?.isFile() ?? false,
      open: async () => store.openRead(digest),
    });
  }
  return [...sources.values()];
}

/**
 * Writes the bundle to a file path (written beside it and renamed into place once complete, so a
 * refused or failed export leaves no file) or a stream (an HTTP response; destroyed on failure).
 * Throws a ConflictError naming every missing evidence digest, an unknown signing key or a manifest
 * that does not match its digest, before anything is written.
 */
export async function writeBundle(input: BundleInput, destination: string | Writable, options: WriteBundleOptions = {}): Promise<BundleWritten> {
  const { evidence, keys } = await preflight(input);
  if (typeof destination !== 'string') return writeZip(input, evidence, keys, destination, options);
  const temp = path.join(path.dirname(destination), `.${path.basename(destination)}.${randomUUID()}.part`);
  try {
    const written = await writeZip(input, evidence, keys, fs.createWriteStream(temp, { flags: 'wx', mode: 0o600 }), options);
    await fsp.rename(temp, destination);
    return written;
  } catch (error) {
    await fsp.rm(temp, { force: true });
    throw error;
  }
}

/** Everything that refuses the export, checked before writing; answers the evidence and keys to bundle. */
async function preflight(input: BundleInput): Promise<{ evidence: PlannedEvidence[]; keys: BundleKey[] }> {
  const { manifest } = input;
  if (manifestDigest(manifest) !== input.manifestDigest) {
    throw new ConflictError(`The manifest does not match its digest ${input.manifestDigest}: nothing was exported.`, 'manifest_digest_mismatch');
  }
  // Distinct digests in manifest order; each needs a source, and the source's file must be there.
  const listed = new Map<string, number>();
  for (const entry of manifest.evidence) if (!listed.has(entry.digest)) listed.set(entry.digest, entry.size);
  const sources = new Map(input.evidence.map((source) => [source.digest, source]));
  const missing: string[] = [];
  const evidence: PlannedEvidence[] = [];
  for (const [digest, size] of listed) {
    const source = sources.get(digest);
    if (source) evidence.push({ source, digest, size });
    else missing.push(digest);
  }
  for (let start = 0; start < evidence.length; start += EXISTENCE_CHECKS_AT_ONCE) {
    const batch = evidence.slice(start, start + EXISTENCE_CHECKS_AT_ONCE);
    const present = await Promise.all(batch.map(({ source }) => source.exists().catch(() => false)));
    batch.forEach(({ digest }, i) => present[i] || missing.push(digest));
  }
  if (missing.length) {
    const where = (digest: string) => {
      const uses = manifest.evidence.filter((e) => e.digest === digest).map((e) => `run ${e.runId} step ${e.stepPosition} ${e.role}`);
      return uses.length ? ` (${uses.slice(0, 3).join('; ')}${uses.length > 3 ? '; …' : ''})` : '';
    };
    const named = missing.slice(0, NAMED_IN_MESSAGE).join(', ') + (missing.length > NAMED_IN_MESSAGE ? `, and ${missing.length - NAMED_IN_MESSAGE} more` : '');
    const details: ErrorDetail[] = missing.map((digest) => ({ field: `evidence.${digest}`, rule: 'evidence_missing', message: `evidence ${digest}${where(digest)} is missing from the evidence store` }));
    throw new ConflictError(`${missing.length} evidence file${missing.length === 1 ? ' is' : 's are'} missing from the evidence store: ${named}. Nothing was exported.`, 'evidence_missing', details);
  }
  const pdf = await fsp.stat(input.pdf).catch(() => null);
  if (!pdf?.isFile()) throw new ConflictError(`The package PDF ${input.pdf} is missing: nothing was exported.`, 'package_pdf_missing');
  // The keys that signed what the bundle holds; a verifier needs each of them.
  const used = [input.excerpt.checkpoint.keyId, ...input.signatures.map((s) => s.keyId)];
  const byId = new Map(input.keys.map((key) => [key.keyId, key]));
  const unknown = [...new Set(used)].filter((keyId) => !byId.has(keyId));
  if (unknown.length) throw new ConflictError(`No public key ${unknown.join(', ')} to bundle: nothing was exported.`, 'signing_key_unknown');
  const keys = [...new Set(used)].map((keyId) => {
    const key = byId.get(keyId)!;
    return { keyId, algorithm: 'Ed25519' as const, publicKeyPem: key.publicKeyPem, fingerprint: keyFingerprint(key.publicKeyPem), createdAt: key.createdAt ?? null };
  });
  return { evidence, keys };
}

async function writeZip(input: BundleInput, evidence: PlannedEvidence[], keys: BundleKey[], destination: Writable, options: WriteBundleOptions): Promise<BundleWritten> {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as unknown as Readable;
  const zipHash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      zipHash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const piping = pipeline(output, meter, destination);
  // Stop everything at the first failure: the pipeline rejects with it and destroys the destination.
  const fail = (error: Error) => output.destroy(error);
  zip.on('error', fail);

  // Every entry the same time stamp, the export's: the same export gives the same bytes.
  const mtime = new Date(input.exportedAt);
  const files: BundleFileEntry[] = [];
  const addBuffer = (name: string, content: string) => {
    const buffer = Buffer.from(content, 'utf8');
    files.push({ path: name, sha256: createHash('sha256').update(buffer).digest('hex'), size: buffer.length });
    zip.addBuffer(buffer, name, { mtime });
  };
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

  const total = 1 + evidence.length;
  let streamed = 0;
  let allStreamed!: () => void;
  const streamsDone = new Promise<void>((resolve) => (allStreamed = resolve));
  /** Streams a file into the zip, hashing it; a file whose digest or size differs from `expected` fails the export. */
  const addStream = (name: string, open: () => Promise<Readable>, compress: boolean, expected?: { sha256: string; size: number }) => {
    const entry: BundleFileEntry = { path: name, sha256: '', size: 0 };
    files.push(entry);
    zip.addReadStreamLazy(name, { mtime, compress }, (callback) => {
      open().then((source) => {
        const hash = createHash('sha256');
        const check = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            entry.size += chunk.length;
            done(null, chunk);
          },
          flush(done) {
            entry.sha256 = hash.digest('hex');
            if (expected && (entry.sha256 !== expected.sha256 || entry.size !== expected.size)) {
              return done(new ConflictError(`Evidence ${expected.sha256} no longer matches its digest in the evidence store (read ${entry.size} bytes hashing to ${entry.sha256}): nothing was exported.`, 'evidence_changed'));
            }
            streamed += 1;
            options.onProgress?.(streamed, total);
            if (streamed === total) allStreamed();
            done();
          },
        });
        source.on('error', fail);
        check.on('error', fail);
        callback(null, source.pipe(check));
      }, fail);
    });
  };

  addBuffer(BUNDLE_FILES.manifest, canonicalJson(input.manifest));
  addStream(BUNDLE_FILES.pdf, async () => fs.createReadStream(input.pdf), false);
  for (const { source, digest, size } of evidence) addStream(evidencePath(digest), () => source.open(), true, { sha256: digest, size });
  addBuffer(BUNDLE_FILES.signatures, json({ signatures: input.signatures.map(bundleSignatureOf) }));
  const { treeSize, rootHash, chainHash, createdAt, keyId, signature } = input.excerpt.checkpoint;
  const checkpoint: BundleCheckpoint = { treeSize, rootHash, chainHash, createdAt, keyId, signature };
  addBuffer(BUNDLE_FILES.checkpoint, json(checkpoint));
  const events: BundleEvents = { records: input.excerpt.records, events: input.excerpt.events };
  addBuffer(BUNDLE_FILES.events, json(events));
  addBuffer(BUNDLE_FILES.keys, json({ keys }));
  addBuffer(BUNDLE_FILES.readme, readmeText(input, checkpoint, keys));

  // bundle.json lists the streamed files' digests, known once they went through.
  await Promise.race([streamsDone, piping.then(() => Promise.reject(new Error('the zip output ended before every file was written')))]);
  const { manifest } = input;
  const index: BundleIndex = {
    format: BUNDLE_FORMAT,
    package: { id: manifest.package.id, key: manifest.package.key, version: manifest.package.version, revision: manifest.package.revision, title: manifest.package.title },
    exportedAt: input.exportedAt,
    exportedBy: input.exportedBy,
    manifestDigest: input.manifestDigest,
    files,
  };
  zip.addBuffer(Buffer.from(json(index), 'utf8'), BUNDLE_FILES.index, { mtime });
  zip.end();
  await piping;
  return { bytes, sha256: zipHash.digest('hex') };
}

/** README.txt: what the bundle is and how to check it, for whoever opens the zip. */
function readmeText(input: BundleInput, checkpoint: BundleCheckpoint, keys: BundleKey[]): string {
  const p = input.manifest.package;
  return [
    `Validation package ${p.key} version ${p.version} (submission ${p.revision}): ${p.title}`,
    `Exported ${input.exportedAt} by ${input.exportedBy} from the GxP Integration Workbench.`,
    '',
    `Manifest digest (SHA-256 of manifest.json, RFC 8785 canonical JSON): ${input.manifestDigest}`,
    `Audit checkpoint: ${checkpoint.treeSize} events, Merkle root ${checkpoint.rootHash}, signed ${checkpoint.createdAt}`,
    'Signing keys (Ed25519; fingerprint = SHA-256 of the DER public key):',
    ...keys.map((key) => `  ${key.keyId}  ${key.fingerprint}`),
    '',
    'To verify this bundle offline, with no server and no database:',
    '',
    '  gxpw verify-bundle THIS.zip --expect-key FINGERPRINT',
    '',
    'where FINGERPRINT is a key fingerprint you obtained from the server operator independently of',
    'this file (GET /api/v1/keys on the server). Without --expect-key the bundle is checked against',
    'the keys it carries itself, which a forger who re-signed everything could have replaced.',
    '',
    'The check: every file matches the SHA-256 and size listed in bundle.json, and no file is extra',
    'or missing; manifest.json hashes to the manifest digest; every evidence file the manifest lists',
    'is under evidence/ and its bytes hash to its name; every signature in signatures.json carries a',
    "valid server seal and binds this package's manifest and submission; every audit event in",
    "audit/events.json hashes to its leaf and its RFC 6962 inclusion proof leads to the checkpoint's",
    'root; the checkpoint carries a valid server signature; every signature has its signature.created',
    'audit event. The README of the GxP Integration Workbench describes the format precisely.',
    '',
  ].join('\n');
}
