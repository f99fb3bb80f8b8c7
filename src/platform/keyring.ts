// The server's Ed25519 signing keys, kept as files under GXPW_DATA_DIR/keys (mode 0600), outside
// the database: whoever can rewrite the database still cannot forge a checkpoint or signature.
// Old keys stay after rotation so that everything they signed can still be verified.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from './canonical-json.js';
import { StartupError } from './errors.js';

export interface PublicKeyInfo {
  keyId: string;
  algorithm: 'Ed25519';
  publicKeyPem: string;
  createdAt: string;
  active: boolean;
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

export class Keyring {
  private constructor(
    private readonly directory: string,
    private index: KeyringIndex,
    private readonly keys: Map<string, LoadedKey>,
  ) {}

  /** Opens the keyring, creating the directory and a first key when there is none. */
  static open(directory: string): Keyring {
    try {
      fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StartupError(`GXPW_DATA_DIR: cannot create the key directory ${directory}: ${(error as Error).message}`);
    }
    const indexPath = path.join(directory, INDEX_FILE);
    if (!fs.existsSync(indexPath)) {
      const keyring = new Keyring(directory, { active: '', keys: [] }, new Map());
      keyring.rotate();
      return keyring;
    }
    let index: KeyringIndex;
    try {
      index = JSON.parse(fs.readFileSync(indexPath, 'utf8')) as KeyringIndex;
    } catch (error) {
      throw new StartupError(`the key index ${indexPath} is unreadable: ${(error as Error).message}`);
    }
    const keys = new Map<string, LoadedKey>();
    for (const entry of index.keys) keys.set(entry.keyId, loadKey(directory, entry.keyId, entry.createdAt, entry.keyId === index.active));
    if (!keys.has(index.active)) throw new StartupError(`the key index ${indexPath} names an active key that is missing`);
    return new Keyring(directory, index, keys);
  }

  get activeKeyId(): string {
    return this.index.active;
  }

  /** Creates a new active key; the previous ones stay for verification. */
  rotate(): PublicKeyInfo {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keyId = sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
    const createdAt = new Date().toISOString();
    writeFileAtomic(path.join(this.directory, `ed25519-${keyId}.key.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    writeFileAtomic(path.join(this.directory, `ed25519-${keyId}.pub.pem`), publicKeyPem, 0o644);
    this.keys.set(keyId, { keyId, createdAt, publicKey, publicKeyPem, privateKey });
    this.index = { active: keyId, keys: [...this.index.keys, { keyId, createdAt }] };
    writeFileAtomic(path.join(this.directory, INDEX_FILE), `${JSON.stringify(this.index, null, 2)}\n`, 0o644);
    return this.describe(keyId);
  }

  sign(data: string | Buffer): { keyId: string; signature: string } {
    const key = this.keys.get(this.index.active);
    if (!key?.privateKey) throw new Error('the active signing key has no private part');
    return { keyId: key.keyId, signature: sign(null, Buffer.from(data), key.privateKey).toString('base64') };
  }

  /** True only when `signature` is a valid signature of `data` by a key this keyring knows. */
  verify(keyId: string, data: string | Buffer, signature: string): boolean {
    const key = this.keys.get(keyId);
    if (!key) return false;
    try {
      return verify(null, Buffer.from(data), key.publicKey, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }

  knows(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  publicKeys(): PublicKeyInfo[] {
    return this.index.keys.map((entry) => this.describe(entry.keyId));
  }

  /** A secret for HMAC-signed session tokens, created on first use (mode 0600). */
  sessionTokenSecret(): Buffer {
    const file = path.join(this.directory, 'session-token.secret');
    if (!fs.existsSync(file)) writeFileAtomic(file, randomBytes(48).toString('base64'), 0o600);
    assertPrivate(file);
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  }

  private describe(keyId: string): PublicKeyInfo {
    const key = this.keys.get(keyId)!;
    return { keyId, algorithm: 'Ed25519', publicKeyPem: key.publicKeyPem, createdAt: key.createdAt, active: keyId === this.index.active };
  }
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

function writeFileAtomic(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = fs.openSync(temporary, 'w', mode);
  try {
    fs.writeSync(handle, content);
    fs.fsyncSync(handle);
  } finally {
    fs.closeSync(handle);
  }
  fs.chmodSync(temporary, mode);
  fs.renameSync(temporary, file);
}
