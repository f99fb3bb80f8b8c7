// The content-addressed evidence store on disk: every item is a file named by the SHA-256 of its
// bytes (EVIDENCE_DIR/sha256/ab/cd/abcd…). Written atomically — a temp file, fsync, then a hard link
// into place, which never replaces an existing file — so identical content is stored once and
// nothing is ever overwritten or deleted (Annex 11 §7.1, Part 11 §11.10(c): records protected and
// retrievable throughout their retention). Streams all the way: memory stays flat for any size.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLargeError } from '../platform/errors.js';
import { ensurePrivateDirectory } from '../platform/files.js';

export interface StoredContent {
  digest: string;
  size: number;
  /** False when the very same bytes were already in the store. */
  created: boolean;
}

export type ContentCheck = 'intact' | 'missing' | 'changed';

/** A stored item found damaged when the same bytes arrived again, and put right with them. */
export interface Restoration {
  digest: string;
  found: 'changed' | 'missing';
  /** Where a changed file is kept for investigation (relative to the store's root). */
  quarantinedAs: string | null;
}

const DIGEST = /^[0-9a-f]{64}$/;
/** Bytes written between two background flushes of a large item. */
const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

export interface EvidenceStoreOptions {
  /** Bytes written between two background flushes of a large item (default 64 MiB). */
  syncEveryBytes?: number;
}
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

export class EvidenceStore {
  private readonly background = new Set<Promise<unknown>>();
  /** The check of a duplicate's stored copy, by digest: one at a time per item. */
  private readonly duplicateChecks = new Map<string, Promise<unknown>>();
  private restorationListener: (restoration: Restoration) => Promise<void> = async () => undefined;

  /** Background flushes done so far: how a large item reached the disk while it arrived. */
  backgroundFlushes = 0;

  private constructor(
    readonly root: string,
    readonly maxBytes: number,
    private readonly syncEveryBytes: number,
  ) {}

  static open(root: string, maxBytes: number, options: EvidenceStoreOptions = {}): EvidenceStore {
    // Evidence is regulated data: the server's account alone reads it (0700; files are 0440 inside).
    for (const dir of [root, path.join(root, 'sha256'), path.join(root, 'tmp'), path.join(root, 'quarantine')]) ensurePrivateDirectory(dir);
    const tmp = path.join(root, 'tmp');
    sweepStaleTempFiles(tmp);
    // A crash just before this start left temp files younger than the grace period: swept once more
    // when they have aged past it (an unref'd timer: it never keeps the process alive).
    setTimeout(() => sweepStaleTempFiles(tmp), TEMP_FILE_GRACE_MS + 1000).unref();
    return new EvidenceStore(root, maxBytes, options.syncEveryBytes ?? SYNC_EVERY_BYTES);
  }

  /** Waits for background work: duplicates' checks and clean-up (closing the workbench, tests). */
  async settled(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  /** Told when a damaged item was restored (the evidence service audits it and raises an alert). */
  onRestoration(listener: (restoration: Restoration) => Promise<void>): void {
    this.restorationListener = listener;
  }

  static isDigest(value: string): boolean {
    return DIGEST.test(value);
  }

  pathOf(digest: string): string {
    if (!DIGEST.test(digest)) throw new Error(`not a SHA-256 digest: ${digest}`);
    return path.join(this.root, 'sha256', digest.slice(0, 2), digest.slice(2, 4), digest);
  }

  /**
   * Stores a stream; refuses (413) beyond the size limit, leaving nothing behind. `beforeSettle` runs
   * once the bytes are written and synced but not yet in place: when it throws, nothing is stored.
   */
  async putStream(source: AsyncIterable<Buffer | string> | Iterable<Buffer> | Readable, beforeSettle?: () => Promise<void>): Promise<StoredContent> {
    const hash = createHash('sha256');
    let size = 0;
    const { maxBytes, syncEveryBytes } = this;
    const flushed = () => {
      this.backgroundFlushes += 1;
    };
    const temp = await this.writeTemp(async (handle, file) => {
      // Large items are flushed to the disk while they arrive, not all at once at the end: the final
      // fsync then has little left to do, and the page cache never holds gigabytes of unsynced data.
      let syncing: Promise<void> | null = null;
      let syncError: unknown = null;
      let unsynced = 0;
      const measure = new Transform({
        transform(chunk: Buffer | string, _encoding, done) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          size += bytes.length;
          if (size > maxBytes) return done(new PayloadTooLargeError(`The evidence is larger than ${maxBytes} bytes (GXPW_EVIDENCE_MAX_BYTES).`));
          hash.update(bytes);
          unsynced += bytes.length;
          if (unsynced >= syncEveryBytes && !syncing) {
            unsynced = 0;
            syncing = handle
              .datasync()
              .then(flushed)
              .catch((error: unknown) => void (syncError ??= error))
              .finally(() => (syncing = null));
          }
          done(null, bytes);
        },
      });
      try {
        const input = source instanceof Readable ? source : Readable.from(source as AsyncIterable<Buffer>, { objectMode: false });
        // The stream writes through a descriptor of its own; fsync applies to the file, whichever descriptor asks.
        await pipeline(input, measure, fs.createWriteStream(file, { flags: 'r+', highWaterMark: WRITE_BUFFER_BYTES }));
      } finally {
        await syncing;
      }
      if (syncError) throw syncError;
    });
    if (beforeSettle) {
      try {
        await beforeSettle();
      } catch (error) {
        await fsp.rm(temp, { force: true });
        throw error;
      }
    }
    return this.settle(temp, hash.digest('hex'), size);
  }

  /** Stores bytes already in memory (the runner's exchanges): one write, one sync. */
  async putBuffer(content: Buffer | string): Promise<StoredContent> {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    if (bytes.length > this.maxBytes) throw new PayloadTooLargeError(`The evidence is larger than ${this.maxBytes} bytes (GXPW_EVIDENCE_MAX_BYTES).`);
    const temp = await this.writeTemp((handle) => handle.writeFile(bytes));
    return this.settle(temp, createHash('sha256').update(bytes).digest('hex'), bytes.length);
  }

  /**
   * A new temp file, written by `write` and synced (data is durable only once synced); gone again if
   * anything fails. Tracked as background work until then: a request refused while its upload still
   * fails (a multipart body cut off) answers before the clean-up, and `settled()` waits for it.
   */
  private writeTemp(write: (handle: fsp.FileHandle, file: string) => Promise<void>): Promise<string> {
    const work = this.writeTempNow(write);
    const tracked = work.then(
      () => undefined,
      () => undefined,
    );
    this.background.add(tracked);
    void tracked.then(() => this.background.delete(tracked));
    return work;
  }

  private async writeTempNow(write: (handle: fsp.FileHandle, file: string) => Promise<void>): Promise<string> {
    const temp = path.join(this.root, 'tmp', `${randomUUID()}.part`);
    const handle = await fsp.open(temp, 'wx', 0o600);
    try {
      await write(handle, temp);
      await handle.chmod(0o440);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await fsp.rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    return temp;
  }

  /** Moves a written temp file to its content address, unless those bytes are already stored. */
  private async settle(temp: string, digest: string, size: number): Promise<StoredContent> {
    const target = this.pathOf(digest);
    let created = true;
    try {
      await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      // link() fails when the target exists: an existing item is never replaced. The temp file is
      // read-only already, so the item is never writable, not even for a moment.
      await fsp.link(temp, target);
      await syncDirectory(path.dirname(target));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        await fsp.rm(temp, { force: true });
        throw error;
      }
      created = false;
    }
    if (created) {
      // The stored item keeps the data; only the temp name goes.
      await fsp.rm(temp, { force: true });
    } else {
      // A duplicate is checked against the stored copy in the background (the caller already has its
      // answer): the copy is re-hashed and, if it was damaged on disk, put right with these bytes.
      // A crash in between leaves a .part file the next open sweeps.
      const previous = this.duplicateChecks.get(digest) ?? Promise.resolve();
      const check = previous.then(() => this.restoreIfDamaged(temp, digest)).catch(() => undefined).finally(() => fsp.rm(temp, { force: true }).catch(() => undefined));
      this.duplicateChecks.set(digest, check);
      this.background.add(check);
      void check.finally(() => {
        this.background.delete(check);
        if (this.duplicateChecks.get(digest) === check) this.duplicateChecks.delete(digest);
      });
    }
    return { digest, size, created };
  }

  /**
   * The same bytes arrived again: if the stored copy no longer matches its digest, the damaged file
   * is kept aside in quarantine/ (evidence of what happened, never deleted) and the good bytes take
   * its place in one atomic rename, so a reader never finds the item missing; a file gone meanwhile
   * is linked back. Returns the restoration.
   */
  private async restoreIfDamaged(temp: string, digest: string): Promise<Restoration | null> {
    const target = this.pathOf(digest);
    const found = await this.check(digest);
    if (found === 'intact') return null;
    let quarantinedAs: string | null = null;
    if (found === 'changed') {
      quarantinedAs = path.join('quarantine', `${digest}.${new Date().toISOString().replace(/[:.]/g, '-')}.${randomUUID().slice(0, 8)}`);
      await fsp.link(target, path.join(this.root, quarantinedAs));
      await syncDirectory(path.join(this.root, 'quarantine'));
      await fsp.rename(temp, target);
    } else {
      await fsp.link(temp, target);
    }
    await syncDirectory(path.dirname(target));
    const restoration: Restoration = { digest, found, quarantinedAs };
    await this.restorationListener(restoration);
    return restoration;
  }

  /** Re-hashes a stored item: intact, missing, or changed on disk. */
  async check(digest: string): Promise<ContentCheck> {
    try {
      return (await hashFile(this.pathOf(digest))) === digest ? 'intact' : 'changed';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
  }

  openRead(digest: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(digest));
  }
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * How long a temp file must have gone unwritten before a start sweeps it. Every .part file present
 * at open belongs to no upload of this process — but another process may share the store (a second
 * server on PostgreSQL, `gxpw run` beside `gxpw serve`), and its uploads write their temp file as
 * bytes arrive. An HTTP upload must arrive whole within Node's request timeout (300 s), and the
 * runner's writes take milliseconds; a file left unwritten for twice that long is a crash's leftover.
 */
export const TEMP_FILE_GRACE_MS = 10 * 60 * 1000;

/** Temp files a crashed process left behind: never evidence (only a linked file is), removed at start. */
function sweepStaleTempFiles(tmp: string): void {
  const cutoff = Date.now() - TEMP_FILE_GRACE_MS;
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return; // The store is gone (a test's directory removed): nothing to sweep.
  }
  for (const name of names) {
    if (!name.endsWith('.part')) continue;
    const file = path.join(tmp, name);
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    } catch {
      // Gone already, or not ours to remove: the next open tries again.
    }
  }
}

/** A link is durable only once its directory is synced. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await fsp.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
