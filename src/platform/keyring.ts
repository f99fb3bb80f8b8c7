// The server's Ed25519 signing keys, kept as files under GXPW_DATA_DIR/keys (mode 0600), outside
// the database: whoever can rewrite the database still cannot forge a checkpoint or signature.
// Old keys stay after rotation so that everything they signed can still be verified.
//
// Another process (`gxpw keys rotate`, another instance on the same keys directory) can rotate
// the key while this one runs. The keyring therefore follows the directory: before it signs, and
// when it lists its keys, it compares the key index's file stamp (device, inode, size, times; the
// index is replaced by an atomic rename, and a rotation always makes it longer) with the one it
// loaded, and reloads when it changed, so a retired key never signs once the rotation is on disk.
// Asked about a key id it does not know, it reads the index again before answering "unknown".
// A reload only ever adds keys: the ones already loaded stay, for verification.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './files.js';
import { sha256Hex } from './canonical-json.js';
import { StartupError } from './errors.js';

export interface PublicKeyInfo {
  keyId: string;
  algorithm: 'Ed25519';
  publicKeyPem: string;
  /**
   * SHA-256 (hex) of the DER SubjectPublicKeyInfo; the key id is its first 16 characters. What an
   * auditor passes to `gxpw verify-bundle --expect-key` to trust this key and no other.
   */
  fingerprint: string;
  createdAt: string;
  active: boolean;
}

/** A key whose files are written but which the index does not list yet (see `prepareKey`). */
export interface PendingKey {
  keyId: string;
  createdAt: string;
  publicKeyPem: string;
  /** The key active on disk when it was prepared, for the rotation's audit event. */
  previousKeyId: string;
}

interface KeyringIndex {
  active: string;
  keys: Array<{ keyId: string; createdAt: string }>;
}

interface LoadedKey {
  keyId: string;
  createdAt: string;
  publicKey: KeyObject;
  publicKeyPem: string;
  privateKey: KeyObject | null;
}

const INDEX_FILE = 'keyring.json';
/** Held (created exclusively) while a key is added, so two processes never lose each other's key. */
const LOCK_FILE = 'keyring.lock';
const LOCK_WAIT_MS = 10_000;
/** Adding a key takes milliseconds: a lock this old was left by a process that died holding it. */
const LOCK_STALE_MS = 60_000;

export class Keyring {
  private index: KeyringIndex = { active: '', keys: [] };
  private readonly keys = new Map<string, LoadedKey>();
  /** Stamp and text of the index file as last loaded; null stamp: not loaded (or no file). */
  private indexStamp: string | null = null;
  private indexText: string | null = null;

  private constructor(private readonly directory: string) {}

  /** Opens the keyring, creating the directory and a first key when there is none. */
  static open(directory: string): Keyring {
    try {
      fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StartupError(`GXPW_DATA_DIR: cannot create the key directory ${directory}: ${(error as Error).message}`);
    }
    const keyring = new Keyring(directory);
    if (!fs.existsSync(keyring.indexPath)) {
      // Two processes starting on an empty directory create one first key, not two.
      try {
        keyring.withLock(() => {
          if (!fs.existsSync(keyring.indexPath)) keyring.addKey();
        });
      } catch (error) {
        if (error instanceof StartupError) throw error;
        throw new StartupError(`cannot create the first signing key in ${directory}: ${(error as Error).message}`);
      }
    }
    keyring.refresh(true);
    if (!keyring.index.active) throw new StartupError(`the key index ${keyring.indexPath} is missing`);
    return keyring;
  }

  /** The key that signs now, as the keys directory says (re-read when it changed). */
  get activeKeyId(): string {
    this.refresh(false);
    return this.index.active;
  }

  /** Creates a new active key; the previous ones stay for verification. */
  rotate(): PublicKeyInfo {
    return this.rotateFrom().key;
  }

  /** The same, also naming the key that was active on disk just before (for the audit trail). */
  rotateFrom(): { key: PublicKeyInfo; previousKeyId: string } {
    const pending = this.prepareKey();
    return { key: this.activateKey(pending), previousKeyId: pending.previousKeyId };
  }

  /**
   * First half of an audited rotation: generates a key and writes its files, but lists it nowhere —
   * the index still names the old key active, so the new one signs nothing and verifies nothing.
   * Record the rotation's audit event, then `activateKey` once it committed, or `discardKey` when
   * it did not: no key is ever live without its audit event (Annex 11 §12, Part 11 §11.10(e)).
   */
  prepareKey(): PendingKey {
    const previousKeyId = this.activeKeyId;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keyId = sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
    const createdAt = new Date().toISOString();
    // Key files first: whoever reads the index once it names the key finds them.
    writeFileAtomic(this.privateKeyPath(keyId), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    writeFileAtomic(this.publicKeyPath(keyId), publicKeyPem, 0o600);
    return { keyId, createdAt, publicKeyPem, previousKeyId };
  }

  /** Second half: lists the prepared key in the index as the active one. */
  activateKey(pending: PendingKey): PublicKeyInfo {
    return this.withLock(() => {
      // Append to the index as it is on disk now, not as this process last saw it.
      this.refresh(true);
      const publicKey = createPublicKey(pending.publicKeyPem);
      assertPrivate(this.privateKeyPath(pending.keyId));
      const privateKey = createPrivateKey(fs.readFileSync(this.privateKeyPath(pending.keyId), 'utf8'));
      this.writeIndexWith({ keyId: pending.keyId, createdAt: pending.createdAt, publicKey, publicKeyPem: pending.publicKeyPem, privateKey });
      return this.describe(pending.keyId);
    });
  }

  /** Instead of activating: removes the prepared key's files (its rotation was not recorded). */
  discardKey(pending: PendingKey): void {
    fs.rmSync(this.privateKeyPath(pending.keyId), { force: true });
    fs.rmSync(this.publicKeyPath(pending.keyId), { force: true });
  }

  /**
   * Signs with the active key and returns its id. Callers that put the key id into what they sign
   * read `activeKeyId` and call this in the same synchronous step (no await between), or use
   * `signWith`. Should a rotation land on disk between the two, nothing is signed: it throws
   * rather than sign with the retired key or under a key id that is not the signer's.
   */
  sign(data: string | Buffer): { keyId: string; signature: string } {
    const expected = this.index.active;
    this.refresh(false);
    if (this.index.active !== expected) {
      throw new Error(`the signing key was rotated to ${this.index.active} by another process while signing with ${expected}: nothing was signed, try again`);
    }
    return { keyId: expected, signature: this.signWithKey(expected, data) };
  }

  /** Signs `payloadFor(keyId)` with the active key, for payloads that name the key that signs them. */
  signWith(payloadFor: (keyId: string) => string | Buffer): { keyId: string; signature: string } {
    this.refresh(false);
    const keyId = this.index.active;
    return { keyId, signature: this.signWithKey(keyId, payloadFor(keyId)) };
  }

  /** True only when `signature` is a valid signature of `data` by a key this keyring knows. */
  verify(keyId: string, data: string | Buffer, signature: string): boolean {
    const key = this.lookUp(keyId);
    if (!key) return false;
    try {
      return verify(null, Buffer.from(data), key.publicKey, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }

  knows(keyId: string): boolean {
    return this.lookUp(keyId) !== undefined;
  }

  publicKeys(): PublicKeyInfo[] {
    this.refresh(false);
    return this.index.keys.map((entry) => this.describe(entry.keyId));
  }

  /** A secret for HMAC-signed session tokens, created on first use (mode 0600). */
  sessionTokenSecret(): Buffer {
    const file = path.join(this.directory, 'session-token.secret');
    if (!fs.existsSync(file)) writeFileAtomic(file, randomBytes(48).toString('base64'), 0o600);
    assertPrivate(file);
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  }

  private get indexPath(): string {
    return path.join(this.directory, INDEX_FILE);
  }

  /** A key by id; one this process has not seen may have been added by another: read the index once more. */
  private lookUp(keyId: string): LoadedKey | undefined {
    const known = this.keys.get(keyId);
    if (known) return known;
    this.refresh(true);
    return this.keys.get(keyId);
  }

  private signWithKey(keyId: string, data: string | Buffer): string {
    const key = this.keys.get(keyId);
    if (!key?.privateKey) throw new Error('the active signing key has no private part');
    return sign(null, Buffer.from(data), key.privateKey).toString('base64');
  }

  /**
   * Brings the keyring up to date with the index on disk: when its stamp changed (or `force`),
   * reads it and loads the keys it does not have yet. Nothing changes unless everything loads;
   * a missing index file leaves the keys as they are.
   */
  private refresh(force: boolean): void {
    const stamp = stampOf(this.indexPath);
    if (stamp === null || (!force && stamp === this.indexStamp)) return;
    let text: string;
    try {
      text = fs.readFileSync(this.indexPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StartupError(`the key index ${this.indexPath} is unreadable: ${(error as Error).message}`);
    }
    if (text !== this.indexText) this.load(text);
    // The stamp read before the text: a write after the read changes it again, and is read next time.
    this.indexStamp = stamp;
    this.indexText = text;
  }

  private load(text: string): void {
    let onDisk: KeyringIndex;
    try {
      onDisk = parseIndex(text);
    } catch (error) {
      throw new StartupError(`the key index ${this.indexPath} is unreadable: ${(error as Error).message}`);
    }
    const added = new Map<string, LoadedKey>();
    for (const entry of onDisk.keys) {
      const loaded = this.keys.get(entry.keyId);
      const isActive = entry.keyId === onDisk.active;
      if (!loaded || (isActive && !loaded.privateKey)) added.set(entry.keyId, loadKey(this.directory, entry.keyId, entry.createdAt, isActive));
    }
    if (!onDisk.keys.some((entry) => entry.keyId === onDisk.active)) throw new StartupError(`the key index ${this.indexPath} names an active key that is missing`);
    for (const [keyId, key] of added) this.keys.set(keyId, key);
    // Keys this process knew that the index no longer lists stay known, as retired keys.
    const listed = new Set(onDisk.keys.map((entry) => entry.keyId));
    this.index = { active: onDisk.active, keys: [...onDisk.keys, ...this.index.keys.filter((entry) => !listed.has(entry.keyId))] };
  }

  /** The first key of an empty directory: written, then the index naming it active. Hold the lock. */
  private addKey(): PublicKeyInfo {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keyId = sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
    // Key files first: whoever reads the new index finds the key it names.
    writeFileAtomic(this.privateKeyPath(keyId), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    writeFileAtomic(this.publicKeyPath(keyId), publicKeyPem, 0o600);
    this.writeIndexWith({ keyId, createdAt: new Date().toISOString(), publicKey, publicKeyPem, privateKey });
    return this.describe(keyId);
  }

  /** Appends `key` to the index as the active key and adopts it. Hold the lock; its files exist. */
  private writeIndexWith(key: LoadedKey): void {
    const index: KeyringIndex = { active: key.keyId, keys: [...this.index.keys, { keyId: key.keyId, createdAt: key.createdAt }] };
    const text = `${JSON.stringify(index, null, 2)}\n`;
    writeFileAtomic(this.indexPath, text, 0o600);
    this.keys.set(key.keyId, key);
    this.index = index;
    this.indexText = text;
    this.indexStamp = stampOf(this.indexPath);
  }

  private privateKeyPath(keyId: string): string {
    return path.join(this.directory, `ed25519-${keyId}.key.pem`);
  }

  private publicKeyPath(keyId: string): string {
    return path.join(this.directory, `ed25519-${keyId}.pub.pem`);
  }

  /** Runs `work` holding the directory's lock file, waiting for another process that holds it. */
  private withLock<T>(work: () => T): T {
    const lockPath = path.join(this.directory, LOCK_FILE);
    const deadline = Date.now() + LOCK_WAIT_MS;
    let handle: number;
    for (;;) {
      try {
        handle = fs.openSync(lockPath, 'wx', 0o600);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const since = fs.statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs;
        if (since !== undefined && Date.now() - since > LOCK_STALE_MS) {
          fs.rmSync(lockPath, { force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw new Error(`the key directory ${this.directory} is locked by another process (${lockPath}); if no key rotation is running, remove that file`);
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
      }
    }
    try {
      fs.writeSync(handle, `${process.pid}\n`);
      return work();
    } finally {
      fs.closeSync(handle);
      fs.rmSync(lockPath, { force: true });
    }
  }

  private describe(keyId: string): PublicKeyInfo {
    const key = this.keys.get(keyId)!;
    const fingerprint = sha256Hex(key.publicKey.export({ type: 'spki', format: 'der' }));
    return { keyId, algorithm: 'Ed25519', publicKeyPem: key.publicKeyPem, fingerprint, createdAt: key.createdAt, active: keyId === this.index.active };
  }
}

function parseIndex(text: string): KeyringIndex {
  const value = JSON.parse(text) as Partial<KeyringIndex> | null;
  const isEntry = (entry: unknown): entry is { keyId: string; createdAt: string } =>
    typeof entry === 'object' && entry !== null && /^[0-9a-f]{16}$/.test(String((entry as { keyId?: unknown }).keyId)) && typeof (entry as { createdAt?: unknown }).createdAt === 'string';
  if (typeof value?.active !== 'string' || !Array.isArray(value.keys) || !value.keys.every(isEntry)) {
    throw new Error('expected {"active": keyId, "keys": [{"keyId", "createdAt"}, …]}');
  }
  return { active: value.active, keys: value.keys.map(({ keyId, createdAt }) => ({ keyId, createdAt })) };
}

/** What identifies one version of a file cheaply; null when there is no file. */
function stampOf(file: string): string | null {
  const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  return stat ? `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}` : null;
}

function loadKey(directory: string, keyId: string, createdAt: string, needPrivate: boolean): LoadedKey {
  const publicFile = path.join(directory, `ed25519-${keyId}.pub.pem`);
  const privateFile = path.join(directory, `ed25519-${keyId}.key.pem`);
  try {
    const publicKeyPem = fs.readFileSync(publicFile, 'utf8');
    let privateKey: KeyObject | null = null;
    if (fs.existsSync(privateFile)) {
      assertPrivate(privateFile);
      privateKey = createPrivateKey(fs.readFileSync(privateFile, 'utf8'));
    } else if (needPrivate) {
      throw new Error(`the private key ${privateFile} of the active key is missing`);
    }
    return { keyId, createdAt, publicKey: createPublicKey(publicKeyPem), publicKeyPem, privateKey };
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(`cannot load signing key ${keyId}: ${(error as Error).message}`);
  }
}

/** Refuses key files that others can read, as ssh does. */
function assertPrivate(file: string): void {
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new StartupError(`the key file ${file} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`);
  }
}

