// The export bundle of a validation package (issue 13, "Export bundle" and "Bad input"): one zip
// with the manifest, the PDF, every evidence file, the signatures, the audit excerpt with inclusion
// proofs against a signed checkpoint, and the public keys. `gxpw verify-bundle` checks it offline —
// no server, no database — and names every file, proof or signature that does not match; exit 0
// only when all do. Built here from a real workbench: real keyring, real audit events and
// checkpoints, real evidence store.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Readable } from 'node:stream';
import { expect } from 'chai';
import request from 'supertest';
import { buildAuditExcerpt, parseRecordRefs, type AuditExcerpt } from '../../src/audit/audit-excerpt.js';
import { checkpointPayload } from '../../src/audit/audit-hashing.js';
import { canonicalJson, sha256Hex } from '../../src/platform/canonical-json.js';
import { ConflictError, ValidationError } from '../../src/platform/errors.js';
import { systemContext } from '../../src/platform/request-context.js';
import { BUNDLE_FORMAT, keyFingerprint, packageRecordDigest, signatureSealPayload, type BundleInput, type BundleSignature } from '../../src/packages/bundle-format.js';
import { verifyBundleFile, type BundleVerification } from '../../src/packages/bundle-verifier.js';
import { evidenceFromStore, writeBundle } from '../../src/packages/bundle-writer.js';
import { manifestDigest, type PackageManifest } from '../../src/packages/package-manifest.js';
import { signedFieldsOf } from '../../src/signatures/signature-model.js';
import { recordDigest } from '../../src/signatures/signature-service.js';
import { MAIN } from '../cli/cli-helpers.js';
import { describeEachDatabase } from '../support/databases.js';
import { asJson, buildManifest, json, manifestEvidence, readZip, sealPackageSignature, tamper } from '../support/package-bundles.js';
import { createTestWorkbench, type TestWorkbench } from '../support/test-workbench.js';

/** `gxpw verify-bundle` in a child process whose environment names no database, data directory or key. */
function verifyBundleCli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [MAIN, 'verify-bundle', ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function codes(result: BundleVerification): string[] {
  return result.problems.map((p) => p.code);
}

describe('export bundle verifier', () => {
  it('runs offline: it imports node built-ins, yauzl, canonical JSON and the pure hashing and proof modules only', () => {
    const root = fileURLToPath(new URL('../../src/', import.meta.url));
    const allowedLocal = ['packages/bundle-verifier.js', 'packages/bundle-format.js', 'platform/canonical-json.js', 'audit/audit-hashing.js', 'platform/sql.js', 'audit/inclusion-proof.js', 'signatures/signature-seal.js'];
    const seen = new Set<string>();
    const external = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = fs.readFileSync(file, 'utf8');
      for (const [, specifier] of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        if (specifier!.startsWith('.')) walk(path.resolve(path.dirname(file), specifier!));
        else external.add(specifier!);
      }
      for (const [, specifier] of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) external.add(specifier!);
    };
    walk(path.join(root, 'packages/bundle-verifier.js'));
    expect([...seen].map((file) => path.relative(root, file)).sort()).to.deep.equal([...allowedLocal].sort());
    expect([...external].filter((name) => !name.startsWith('node:')).sort()).to.deep.equal(['canonicalize', 'yauzl']);
  });
});

describeEachDatabase('export bundle', (dialect) => {
  let wb: TestWorkbench;
  let dir: string;
  let pdf: string;
  let manifest: PackageManifest;
  let other: PackageManifest;
  let signatures: BundleSignature[];
  let otherSignature: BundleSignature;
  let excerpt: AuditExcerpt;
  let fresh: string;
  let fingerprint: string;
  let olderCheckpoint: { treeSize: number; rootHash: string; chainHash: string; createdAt: string; keyId: string; signature: string };
  const evidenceItems: Array<{ id: number; digest: string; size: number; content: Buffer }> = [];

  const inputFor = (m: PackageManifest, sigs: BundleSignature[], ex: AuditExcerpt, overrides: Partial<BundleInput> = {}): BundleInput => ({
    manifest: m,
    manifestDigest: manifestDigest(m),
    pdf,
    evidence: evidenceFromStore(wb.services.evidence.store, m.evidence),
    signatures: sigs,
    excerpt: ex,
    keys: wb.services.keyring.publicKeys(),
    exportedAt: '2026-02-04T08:30:00.000Z',
    exportedBy: 'Aurelia Auditor',
    ...overrides,
  });
  const capture = async (content: Buffer) => {
    const { item } = await wb.services.evidence.capture(systemContext('test runner'), Readable.from([content]), { mediaType: 'application/json' });
    return { id: item.id, digest: item.digest, size: Number(item.size), content };
  };
  const tampered = async (tampering: Parameters<typeof tamper>[2], options: { expectKeys?: string[] } = {}) => {
    const target = path.join(dir, `tampered-${randomBytes(4).toString('hex')}.zip`);
    await tamper(fresh, target, tampering);
    return verifyBundleFile(target, options);
  };

  before(async () => {
    wb = await createTestWorkbench(dialect);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gxpw-bundle-'));
    pdf = path.join(dir, 'package.pdf');
    fs.writeFileSync(pdf, Buffer.concat([Buffer.from('%PDF-1.7\n% package VP-0003\n'), randomBytes(64 * 1024), Buffer.from('\n%%EOF\n')]));
    evidenceItems.push(await capture(Buffer.from(JSON.stringify({ salesOrder: 'SO-1001', lines: [{ sku: 'PZ-100', qty: 12 }] }))));
    evidenceItems.push(await capture(Buffer.from(JSON.stringify({ status: 201, body: { released: true } }))));
    // Larger than a stream chunk, so it really goes through the zip in pieces.
    evidenceItems.push(await capture(randomBytes(3 * 1024 * 1024 + 17)));
    const { treeSize, rootHash, chainHash, createdAt, keyId, signature } = (await wb.services.audit.checkpointNow(null))!.checkpoint;
    olderCheckpoint = { treeSize, rootHash, chainHash, createdAt, keyId, signature };
    const [a, b, c] = evidenceItems;
    manifest = buildManifest({
      id: 3,
      evidence: [manifestEvidence(a!.digest, a!.size, 1, 1, 'request'), manifestEvidence(b!.digest, b!.size, 1, 1, 'response'), manifestEvidence(c!.digest, c!.size, 1, 2, 'response'), manifestEvidence(a!.digest, a!.size, 2, 1, 'request')],
      auditRecords: ['package:3', ...evidenceItems.map((e) => `evidence:${e.id}`)],
    });
    other = buildManifest({ id: 4, title: 'Another package', evidence: [manifestEvidence(a!.digest, a!.size)] });
    signatures = [await sealPackageSignature(wb, manifest, 'it', 'reviewed'), await sealPackageSignature(wb, manifest, 'qa', 'approved')];
    otherSignature = await sealPackageSignature(wb, other, 'qa', 'approved');
    excerpt = await buildAuditExcerpt(wb.services, manifest.auditRecords);
    fresh = path.join(dir, 'VP-0003.zip');
    await writeBundle(inputFor(manifest, signatures, excerpt), fresh);
    fingerprint = keyFingerprint(wb.services.keyring.publicKeys().find((k) => k.active)!.publicKeyPem);
  });
  after(async () => {
    await wb?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('audit excerpt', () => {
    it("holds every event of the records asked for, by entity or by the states it names, with proofs against a checkpoint signed at the trail's head", async () => {
      const lastSeq = await wb.services.audit.lastSeq();
      expect(excerpt.checkpoint.treeSize).to.equal(lastSeq);
      expect(excerpt.checkpoint.treeSize).to.be.greaterThan(olderCheckpoint.treeSize);
      const actions = excerpt.events.map((e) => `${e.event.action} ${e.event.entityType}:${e.event.entityId}`);
      expect(actions).to.deep.equal([
        ...evidenceItems.map((e) => `evidence.captured evidence:${e.id}`),
        'signature.created package:3',
        'signature.created package:3',
      ]);
      expect(excerpt.events.map((e) => e.index)).to.deep.equal(excerpt.events.map((e) => e.event.seq - 1));
      // By `states` alone: the signature's own record is named only there.
      const bySignature = await buildAuditExcerpt(wb.services, [`signature:${signatures[1]!.id}`]);
      expect(bySignature.events.map((e) => e.event.after)).to.deep.equal([{ signatureId: signatures[1]!.id, version: 1, meaning: 'approved', recordDigest: signatures[1]!.recordDigest }]);
    });

    it('reuses the newest checkpoint when it covers the trail, and signs a new one when it does not', async () => {
      const again = await buildAuditExcerpt(wb.services, ['package:4']);
      expect(again.checkpoint).to.deep.equal(excerpt.checkpoint);
      expect(again.events.map((e) => e.event.after)).to.deep.equal([{ signatureId: otherSignature.id, version: 1, meaning: 'approved', recordDigest: otherSignature.recordDigest }]);
      await capture(Buffer.from('{"later":true}'));
      const later = await buildAuditExcerpt(wb.services, ['package:4']);
      expect(later.checkpoint.treeSize).to.equal(await wb.services.audit.lastSeq());
      expect((await wb.services.checkpoints.latest())!.treeSize).to.equal(later.checkpoint.treeSize);
    });

    it('refuses a record that is not named type:id, naming it', () => {
      expect(parseRecordRefs(['package:3', 'package:3', 'interface:IF-SER-TP-009'])).to.deep.equal(['package:3', 'interface:IF-SER-TP-009']);
      try {
        parseRecordRefs(['package:3', 'package', ':3']);
        expect.fail('accepted');
      } catch (error) {
        expect(error).to.be.instanceOf(ValidationError);
        expect((error as ValidationError).details.map((d) => d.field)).to.deep.equal(['records.1', 'records.2']);
      }
    });
  });

  describe('format', () => {
    it('seals and binds signatures as the signature service does', () => {
      for (const s of signatures) {
        expect(signatureSealPayload(s)).to.equal(canonicalJson(signedFieldsOf(s as Parameters<typeof signedFieldsOf>[0])));
        expect(s.recordDigest).to.equal(packageRecordDigest(manifest));
      }
      expect(packageRecordDigest(manifest)).to.equal(recordDigest('package', '3', 1, manifest));
    });

    it('holds the layout the README describes, each file listed in bundle.json with its SHA-256 and size', async () => {
      const files = await readZip(fresh);
      const distinct = [...new Set(manifest.evidence.map((e) => e.digest))];
      expect([...files.keys()]).to.deep.equal([
        'manifest.json',
        'package.pdf',
        ...distinct.map((d) => `evidence/${d}`),
        'signatures.json',
        'audit/checkpoint.json',
        'audit/events.json',
        'keys/public-keys.json',
        'README.txt',
        'bundle.json',
      ]);
      const index = json(files.get('bundle.json')!);
      expect(index).to.deep.include({ format: BUNDLE_FORMAT, exportedAt: '2026-02-04T08:30:00.000Z', exportedBy: 'Aurelia Auditor', manifestDigest: manifestDigest(manifest) });
      expect(index.package).to.deep.equal({ id: 3, key: 'VP-0003', version: 1, revision: 1, title: manifest.package.title });
      for (const { path: name, sha256, size } of index.files) {
        expect(sha256Hex(files.get(name)!), name).to.equal(sha256);
        expect(files.get(name)!.length, name).to.equal(size);
      }
      expect(sha256Hex(files.get('manifest.json')!), 'manifest.json is the canonical JSON the digest is of').to.equal(manifestDigest(manifest));
      expect(files.get('package.pdf')!.equals(fs.readFileSync(pdf))).to.equal(true);
      for (const item of evidenceItems) expect(files.get(`evidence/${item.digest}`)?.equals(item.content), item.digest).to.equal(true);
      expect(json(files.get('keys/public-keys.json')!).keys).to.deep.equal([
        { keyId: excerpt.checkpoint.keyId, algorithm: 'Ed25519', publicKeyPem: wb.services.keyring.publicKeys()[0]!.publicKeyPem, fingerprint, createdAt: wb.services.keyring.publicKeys()[0]!.createdAt },
      ]);
      expect(json(files.get('signatures.json')!).signatures).to.deep.equal(signatures);
      expect(files.get('README.txt')!.toString()).to.include(`gxpw verify-bundle THIS.zip --expect-key FINGERPRINT`).and.include(fingerprint);
    });

    it('writes the same bytes for the same export, streaming one evidence file at a time', async () => {
      let open = 0;
      let mostOpen = 0;
      const input = inputFor(manifest, signatures, excerpt);
      input.evidence = input.evidence.map((source) => ({
        ...source,
        open: async () => {
          open += 1;
          mostOpen = Math.max(mostOpen, open);
          const stream = await source.open();
          // Read to its end before the next is opened ('close', which follows the file's release
          // asynchronously, can trail the next open on a busy machine).
          stream.once('end', () => (open -= 1));
          return stream;
        },
      }));
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (chunk: Buffer) => chunks.push(chunk));
      const written = await writeBundle(input, sink);
      const bytes = Buffer.concat(chunks);
      expect(written).to.deep.equal({ bytes: fs.statSync(fresh).size, sha256: sha256Hex(fs.readFileSync(fresh)) });
      expect(sha256Hex(bytes)).to.equal(written.sha256);
      expect(mostOpen).to.equal(1);
    });
  });

  describe('verification of a fresh bundle', () => {
    it('passes, counting what it checked and reporting the key fingerprint', async () => {
      const result = await verifyBundleFile(fresh);
      expect(result.problems).to.deep.equal([]);
      expect(result.ok).to.equal(true);
      expect(result.checked).to.deep.equal({ files: 11, evidence: 3, signatures: 2, events: excerpt.events.length, checkpoints: 1 });
      expect(result.keyFingerprints).to.deep.equal([{ keyId: excerpt.checkpoint.keyId, fingerprint, usedBy: ['checkpoint', `signature ${signatures[0]!.id}`, `signature ${signatures[1]!.id}`], trusted: null }]);
      expect(result.package).to.deep.include({ key: 'VP-0003', revision: 1 });
    });

    it('names the key by the fingerprint GET /api/v1/keys publishes', async () => {
      const { keys } = (await request(wb.app).get('/api/v1/keys').expect(200)).body;
      expect(keys.map((k: { fingerprint: string }) => k.fingerprint)).to.deep.equal([fingerprint]);
      expect((await verifyBundleFile(fresh, { expectKeys: [keys[0].fingerprint] })).keyFingerprints[0]!.trusted).to.equal(true);
    });

    it('passes through `gxpw verify-bundle` in a process with no database, data directory or configuration: exit 0', () => {
      const plain = verifyBundleCli([fresh]);
      expect(plain.status, plain.stderr + plain.stdout).to.equal(0);
      expect(plain.stdout).to.include('OK: every file, evidence digest, proof and signature matches.').and.include(fingerprint).and.include('VP-0003');
      // Settings that would point elsewhere are not read: no database opened, no directory made.
      const nowhere = path.join(dir, 'no-such-data-dir');
      const hostile = verifyBundleCli([fresh, '--expect-key', fingerprint.toUpperCase(), '--json'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', GXPW_DATA_DIR: nowhere, EVIDENCE_DIR: nowhere });
      expect(hostile.status, hostile.stderr).to.equal(0);
      const report = JSON.parse(hostile.stdout);
      expect(report).to.deep.include({ ok: true, problems: [] });
      expect(report.keyFingerprints[0]).to.deep.include({ fingerprint, trusted: true });
      expect(fs.existsSync(nowhere)).to.equal(false);
    });

    it('answers a usage error with exit 2', () => {
      expect(verifyBundleCli([]).status).to.equal(2);
      expect(verifyBundleCli([fresh, fresh]).status).to.equal(2);
      const badKey = verifyBundleCli([fresh, '--expect-key', 'abc']);
      expect(badKey.status).to.equal(2);
      expect(badKey.stderr).to.include('--expect-key abc is not a SHA-256 fingerprint');
    });
  });

  describe('tampering, each named', () => {
    it('one evidence byte flipped', async () => {
      const digest = evidenceItems[2]!.digest;
      const flip = (content: Buffer) => {
        const copy = Buffer.from(content);
        copy[1000] = copy[1000]! ^ 0x01;
        return copy;
      };
      const careless = await tampered({ edit: { [`evidence/${digest}`]: flip } });
      expect(careless.ok).to.equal(false);
      expect(codes(careless).sort()).to.deep.equal(['evidence_digest_mismatch', 'file_digest_mismatch']);
      const careful = await tampered({ edit: { [`evidence/${digest}`]: flip }, relist: true });
      expect(careful.problems).to.have.length(1);
      expect(careful.problems[0]).to.deep.include({ file: `evidence/${digest}`, code: 'evidence_digest_mismatch' });
      expect(careful.problems[0]!.message).to.include(digest).and.include('bytes were changed');
    });

    it('a manifest edited', async () => {
      const edit = (content: Buffer) => Buffer.from(canonicalJson({ ...json(content), summary: { ...json(content).summary, acceptanceMet: false } }));
      const result = await tampered({ edit: { 'manifest.json': edit }, relist: true });
      expect(codes(result)).to.deep.equal(['manifest_digest_mismatch', 'signature_digest_mismatch', 'signature_digest_mismatch']);
      expect(result.problems[0]).to.deep.include({ file: 'manifest.json' });
      // A forger who also rewrites the digest in bundle.json still meets the signatures.
      const edited = json(Buffer.from(canonicalJson(manifest)));
      edited.summary.acceptanceMet = false;
      const rewritten = await tampered({ edit: { 'manifest.json': () => Buffer.from(canonicalJson(edited)) }, relist: true, index: (index) => (index.manifestDigest = sha256Hex(canonicalJson(edited))) });
      expect(codes(rewritten)).to.deep.equal(['signature_digest_mismatch', 'signature_digest_mismatch']);
      expect(rewritten.problems[1]!.message).to.include(`signature ${signatures[1]!.id} (approved by Quinn Quality`).and.include('signed other content');
    });

    it('a signature copied from another package', async () => {
      const result = await tampered({ edit: { 'signatures.json': (content) => asJson({ signatures: [...json(content).signatures, otherSignature] }) }, relist: true });
      expect(result.ok).to.equal(false);
      const wrong = result.problems.find((p) => p.code === 'signature_wrong_record')!;
      expect(wrong).to.deep.include({ file: 'signatures.json' });
      expect(wrong.message).to.include(`signature ${otherSignature.id}`).and.include('signs package 4 revision 1, not package 3 revision 1');
      expect(codes(result)).to.deep.equal(['signature_wrong_record', 'signature_event_missing']);
    });

    it('a signature whose sealed fields were altered', async () => {
      const result = await tampered({ edit: { 'signatures.json': (content) => asJson({ signatures: json(content).signatures.map((s: BundleSignature, i: number) => (i === 0 ? { ...s, signerName: 'Someone Else' } : s)) }) }, relist: true });
      expect(codes(result)).to.include('signature_seal_invalid');
      expect(result.problems.find((p) => p.code === 'signature_seal_invalid')!.message).to.include(`signature ${signatures[0]!.id}`);
    });

    it("a proof that doesn't match its checkpoint", async () => {
      const target = excerpt.events[1]!;
      const result = await tampered({
        edit: {
          'audit/events.json': (content) => {
            const document = json(content);
            document.events[1].proof[0] = sha256Hex('forged sibling');
            return asJson(document);
          },
        },
        relist: true,
      });
      expect(codes(result)).to.deep.equal(['event_proof_invalid']);
      expect(result.problems[0]!.message).to.include(`event ${target.event.seq} (evidence.captured evidence:${evidenceItems[1]!.id})`).and.include(excerpt.checkpoint.rootHash);
      // A genuine, validly signed but older checkpoint: no proof of this excerpt leads to its root.
      const older = await tampered({ edit: { 'audit/checkpoint.json': () => asJson(olderCheckpoint) }, relist: true });
      // (so the signatures' audit events are not proven either)
      expect(codes(older)).to.deep.equal([...excerpt.events.map(() => 'event_proof_invalid'), 'signature_event_missing', 'signature_event_missing']);
      // And an event changed, with its leaf hash recomputed to match, no longer leads to the root.
      const forged = await tampered({
        edit: {
          'audit/events.json': (content) => {
            const document = json(content);
            document.events[0].event.actorName = 'Mallory';
            return asJson(document);
          },
        },
        relist: true,
      });
      expect(codes(forged)).to.deep.equal(['event_leaf_mismatch']);
    });

    it('a checkpoint signature altered', async () => {
      const result = await tampered({
        edit: {
          'audit/checkpoint.json': (content) => {
            const checkpoint = json(content);
            const signature = Buffer.from(checkpoint.signature, 'base64');
            signature[5] = signature[5]! ^ 0xff;
            return asJson({ ...checkpoint, signature: signature.toString('base64') });
          },
        },
        relist: true,
      });
      expect(codes(result)).to.deep.equal(['checkpoint_signature_invalid']);
      expect(result.problems[0]).to.deep.include({ file: 'audit/checkpoint.json' });
      expect(result.problems[0]!.message).to.include(`checkpoint over ${excerpt.checkpoint.treeSize} events`);
    });

    it('a file removed', async () => {
      const pdfGone = await tampered({ edit: { 'package.pdf': () => null } });
      expect(pdfGone.problems).to.deep.equal([{ file: 'package.pdf', code: 'file_missing', message: 'package.pdf is listed in bundle.json but is not in the bundle' }]);
      const digest = evidenceItems[0]!.digest;
      const evidenceGone = await tampered({ edit: { [`evidence/${digest}`]: () => null }, relist: true });
      expect(evidenceGone.problems).to.deep.equal([{ file: `evidence/${digest}`, code: 'evidence_missing', message: `evidence ${digest} listed in the manifest is not in the bundle` }]);
    });

    it('an extra file added', async () => {
      const result = await tampered({ add: { 'notes.txt': Buffer.from('not part of the export') } });
      expect(result.problems).to.deep.equal([{ file: 'notes.txt', code: 'file_not_listed', message: 'notes.txt is in the bundle but not listed in bundle.json' }]);
      const stray = `evidence/${sha256Hex('stray')}`;
      const extraEvidence = await tampered({ add: { [stray]: Buffer.from('stray') }, relist: true });
      expect(codes(extraEvidence)).to.deep.equal(['evidence_not_in_manifest']);
    });

    it('a key swapped: passes on its own keys, fails naming the key with --expect-key', async () => {
      // A forger re-signs the checkpoint and every signature with a key of their own.
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const forgedFingerprint = keyFingerprint(pem);
      const keyId = forgedFingerprint.slice(0, 16);
      const target = path.join(dir, 'swapped.zip');
      await tamper(fresh, target, {
        edit: {
          'keys/public-keys.json': () => asJson({ keys: [{ keyId, algorithm: 'Ed25519', publicKeyPem: pem, fingerprint: forgedFingerprint, createdAt: null }] }),
          'audit/checkpoint.json': (content) => {
            const { treeSize, rootHash, chainHash, createdAt } = json(content);
            const fields = { treeSize, rootHash, chainHash, createdAt, keyId };
            return asJson({ ...fields, signature: sign(null, Buffer.from(checkpointPayload(fields)), privateKey).toString('base64') });
          },
          'signatures.json': (content) =>
            asJson({ signatures: json(content).signatures.map((s: BundleSignature) => ({ ...s, keyId, serverSignature: sign(null, Buffer.from(signatureSealPayload({ ...s, keyId })), privateKey).toString('base64') })) }),
        },
        relist: true,
      });
      const trusting = await verifyBundleFile(target);
      expect(trusting.ok, JSON.stringify(trusting.problems)).to.equal(true);
      expect(trusting.keyFingerprints.map((k) => k.fingerprint)).to.deep.equal([forgedFingerprint]);
      const expecting = await verifyBundleFile(target, { expectKeys: [fingerprint] });
      expect(expecting.problems).to.deep.equal([
        { file: 'keys/public-keys.json', code: 'untrusted_key', message: `key ${keyId} (fingerprint ${forgedFingerprint}) signed checkpoint, signature ${signatures[0]!.id}, signature ${signatures[1]!.id} but is not an expected key` },
      ]);
      const cli = verifyBundleCli([target, '--expect-key', fingerprint]);
      expect(cli.status).to.equal(1);
      expect(cli.stdout).to.include('[untrusted_key]').and.include('[NOT EXPECTED]');
    });

    it('not a zip at all', async () => {
      const junk = path.join(dir, 'junk.zip');
      fs.writeFileSync(junk, randomBytes(2000));
      const result = await verifyBundleFile(junk);
      expect(codes(result)).to.deep.equal(['unreadable_bundle']);
      expect(verifyBundleCli([junk]).status).to.equal(1);
    });

    it('reports every problem of a bundle tampered in several ways at once, each named, through the CLI', async () => {
      const target = path.join(dir, 'many.zip');
      await tamper(fresh, target, { edit: { 'package.pdf': () => null, [`evidence/${evidenceItems[1]!.digest}`]: () => Buffer.from('changed') }, add: { 'extra.bin': Buffer.from([1]) } });
      const cli = verifyBundleCli([target, '--json']);
      expect(cli.status).to.equal(1);
      const report = JSON.parse(cli.stdout);
      expect(report.problems.map((p: { file: string; code: string }) => `${p.code} ${p.file}`).sort()).to.deep.equal(
        [
          'file_missing package.pdf',
          `file_digest_mismatch evidence/${evidenceItems[1]!.digest}`,
          `file_size_mismatch evidence/${evidenceItems[1]!.digest}`,
          `evidence_digest_mismatch evidence/${evidenceItems[1]!.digest}`,
          'file_not_listed extra.bin',
        ].sort(),
      );
    });
  });

  describe('export refusals', () => {
    it('refuses, naming each digest, when evidence is missing at export time, and writes nothing', async () => {
      const gone = await capture(Buffer.from('{"deleted":"after capture"}'));
      fs.rmSync(wb.services.evidence.store.pathOf(gone.digest));
      const never = sha256Hex('never stored');
      const m = buildManifest({ id: 5, evidence: [manifestEvidence(evidenceItems[0]!.digest, evidenceItems[0]!.size), manifestEvidence(gone.digest, gone.size, 7, 3, 'response'), manifestEvidence(never, 10)] });
      const target = path.join(dir, 'refused.zip');
      let error: unknown;
      await writeBundle(inputFor(m, [], excerpt), target).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(ConflictError);
      expect((error as ConflictError).code).to.equal('evidence_missing');
      expect((error as ConflictError).message).to.include(gone.digest).and.include(never).and.include('Nothing was exported');
      expect((error as ConflictError).details.map((d) => d.field)).to.deep.equal([`evidence.${gone.digest}`, `evidence.${never}`]);
      expect((error as ConflictError).details.find((d) => d.field === `evidence.${gone.digest}`)!.message).to.include('run 7 step 3 response');
      expect(fs.readdirSync(dir).filter((f) => f.includes('refused'))).to.deep.equal([]);
      // Streaming to a response: nothing is written to it either.
      const sink = new PassThrough();
      let written = 0;
      sink.on('data', (chunk: Buffer) => (written += chunk.length));
      await writeBundle(inputFor(m, [], excerpt), sink).catch(() => undefined);
      expect(written).to.equal(0);
    });

    it('fails, naming the digest and leaving no file, when stored evidence no longer matches its digest', async () => {
      const changed = await capture(Buffer.from('{"original":true}'));
      const file = wb.services.evidence.store.pathOf(changed.digest);
      fs.chmodSync(file, 0o600);
      fs.writeFileSync(file, '{"original":false}');
      const m = buildManifest({ id: 6, evidence: [manifestEvidence(changed.digest, changed.size)] });
      const target = path.join(dir, 'changed.zip');
      let error: unknown;
      await writeBundle(inputFor(m, [], excerpt), target).catch((e: unknown) => (error = e));
      expect((error as ConflictError).code).to.equal('evidence_changed');
      expect((error as Error).message).to.include(changed.digest);
      expect(fs.readdirSync(dir).filter((f) => f.includes('changed'))).to.deep.equal([]);
    });

    it('refuses a manifest that does not match its digest', async () => {
      let error: unknown;
      await writeBundle(inputFor(manifest, signatures, excerpt, { manifestDigest: sha256Hex('other') }), path.join(dir, 'mismatch.zip')).catch((e: unknown) => (error = e));
      expect((error as ConflictError).code).to.equal('manifest_digest_mismatch');
    });
  });
});
