// The newest signed checkpoint, kept again outside the database — twice: in GXPW_DATA_DIR
// (audit-witness.json, beside the keys) and in EVIDENCE_DIR (.audit-witness.json), a different
// volume in most deployments. The checkpoints in the database prove the events they cover, but
// someone able to drop the database's triggers can delete them along with the events, or rewrite
// every hash once none is left. The witness is out of their reach: the trail must still reach its
// tree size and match its signed root, or `gxpw verify` says what was lost (Part 11 §11.10(a),
// Annex 11 §9). Two copies on two volumes are compared: one deleted, rolled back to an older
// checkpoint or swapped for another is itself a finding, and so is no witness at all where a
// checkpoint must have been signed (the policy below) — silence is never the answer.
import fs from 'node:fs';
import { writeFileAtomic } from '../platform/files.js';

/** The copy's name in EVIDENCE_DIR: a dot file at the root, beside (never inside) sha256/, tmp/ and quarantine/. */
export const EVIDENCE_WITNESS_FILE = '.audit-witness.json';

export interface WitnessedCheckpoint {
  treeSize: number;
  rootHash: string;
  chainHash: string;
  createdAt: string;
  keyId: string;
  signature: string;
}

/** One place a witness is kept, named for reports. */
export interface WitnessLocation {
  file: string;
  /** How reports name it, e.g. "the checkpoint witness in GXPW_DATA_DIR". */
  label: string;
}

/** When a checkpoint must exist: every `checkpointEvery` events, and `intervalSeconds` after an event (0: no timer). */
export interface WitnessPolicy {
  checkpointEvery: number;
  intervalSeconds: number;
}

export interface WitnessCopyReading extends WitnessLocation {
  /** null: no file. */
  witness: WitnessedCheckpoint | null;
  /** Set when the file exists but cannot be read as a checkpoint. */
  unreadable?: string;
}

export interface WitnessReading {
  copies: WitnessCopyReading[];
  policy: WitnessPolicy | null;
}

export class CheckpointWitness {
  readonly locations: WitnessLocation[];

  constructor(
    locations: WitnessLocation[] | string,
    readonly policy: WitnessPolicy | null = null,
  ) {
    this.locations = typeof locations === 'string' ? [{ file: locations, label: 'the checkpoint witness kept outside the database' }] : locations;
  }

  /** The first location (GXPW_DATA_DIR), for log messages. */
  get file(): string {
    return this.locations[0]!.file;
  }

  read(): WitnessReading {
    return { copies: this.locations.map((location) => ({ ...location, ...readCopy(location.file) })), policy: this.policy };
  }

  /**
   * Keeps `checkpoint` in every copy that holds a smaller one (or none), called once its
   * transaction committed. Two processes writing at once may leave the smaller of their two: a
   * weaker witness, never a false one. A copy that cannot be written does not stop the others;
   * the first error is thrown after all were tried (the caller logs it; verification reports the copy).
   */
  record(checkpoint: WitnessedCheckpoint): void {
    const { treeSize, rootHash, chainHash, createdAt, keyId, signature } = checkpoint;
    const text = `${JSON.stringify({ treeSize, rootHash, chainHash, createdAt, keyId, signature }, null, 2)}\n`;
    let failure: unknown = null;
    for (const { file } of this.locations) {
      try {
        const current = readCopy(file);
        if (current.witness && current.witness.treeSize >= treeSize) continue;
        writeFileAtomic(file, text, 0o600);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure) throw failure;
  }
}

function readCopy(file: string): { witness: WitnessedCheckpoint | null; unreadable?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { witness: null };
    return { witness: null, unreadable: (error as Error).message };
  }
  try {
    const value = JSON.parse(text) as Partial<WitnessedCheckpoint>;
    const strings = [value.rootHash, value.chainHash, value.createdAt, value.keyId, value.signature];
    if (!Number.isSafeInteger(value.treeSize) || value.treeSize! < 1 || strings.some((s) => typeof s !== 'string')) throw new Error('not a checkpoint');
    const { treeSize, rootHash, chainHash, createdAt, keyId, signature } = value as WitnessedCheckpoint;
    return { witness: { treeSize, rootHash, chainHash, createdAt, keyId, signature } };
  } catch (error) {
    return { witness: null, unreadable: (error as Error).message };
  }
}
