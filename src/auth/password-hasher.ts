// Password hashing with scrypt, asynchronously (libuv thread pool, not the event loop). The hash
// records its own parameters, so raising the cost later still verifies old hashes and rehashes
// them on the next successful login. Default cost: OWASP's N=2^17, r=8, p=1.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

interface ScryptParameters {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly logN: number) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const hash = await derive(password, salt, this.logN, BLOCK_SIZE, PARALLELISM);
    return `$scrypt$ln=${this.logN},r=${BLOCK_SIZE},p=${PARALLELISM}$${salt.toString('base64')}$${hash.toString('base64')}`;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const candidate = await derive(password, parsed.salt, parsed.logN, parsed.r, parsed.p);
    return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
  }

  /** Spends the same time as a real verification, so an unknown username is not revealed by timing. */
  async verifyAgainstNothing(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(24).toString('base64'));
    await this.verify(password, await this.dummyHash);
    return false;
  }

  needsRehash(stored: string): boolean {
    const parsed = parse(stored);
    return !parsed || parsed.logN < this.logN || parsed.r !== BLOCK_SIZE;
  }
}

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

function parse(stored: string): ScryptParameters | null {
  const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!match) return null;
  const [, logN, r, p, salt, hash] = match;
  const parameters = { logN: Number(logN), r: Number(r), p: Number(p), salt: Buffer.from(salt!, 'base64'), hash: Buffer.from(hash!, 'base64') };
  if (parameters.logN < 10 || parameters.logN > 22 || parameters.r < 1 || parameters.r > 32 || parameters.p < 1 || parameters.p > 16) return null;
  return parameters;
}
