// The newest signed checkpoint, kept again outside the database (GXPW_DATA_DIR/audit-witness.json,
// beside the keys). The checkpoints in the database prove the events they cover, but someone able to
// drop the database's triggers can delete them along with the events, or rewrite every hash once
// none is left. The witness is out of their reach: the trail must still reach its tree size and
// match its signed root, or `gxpw verify` says what was lost (Part 11 §11.10(a), Annex 11 §9).
import fs from 'node:fs';
import { writeFileAtomic } from '../platform/files.js';

export interface WitnessedCheckpoint {
  treeSize: number;
  rootHash: string;
  chainHash: string;
  createdAt: string;
  keyId: string;
  signature: string;
}

export type WitnessReading = { witness: WitnessedCheckpoint | null } | { unreadable: string };

export class CheckpointWitness {
  constructor(readonly file: string) {}

  read(): WitnessReading {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { witness: null };
      return { unreadable: (error as Error).message };
    }
    try {
      const value = JSON.parse(text) as Partial<WitnessedCheckpoint>;
      const strings = [value.rootHash, value.chainHash, value.createdAt, value.keyId, value.signature];
      if (!Number.isSafeInteger(value.treeSize) || value.treeSize! < 1 || strings.some((s) => typeof s !== 'string')) throw new Error('not a checkpoint');
      return { witness: value as WitnessedCheckpoint };
    } catch (error) {
      return { unreadable: (error as Error).message };
    }
  }

  /**
   * Keeps `checkpoint` when it covers more events than the one kept (called once its transaction
   * committed). Two processes writing at once may leave the smaller of their two: a weaker witness,
   * never a false one.
   */
  record(checkpoint: WitnessedCheckpoint): void {
    const current = this.read();
    if ('witness' in current && current.witness && current.witness.treeSize >= checkpoint.treeSize) return;
    const { treeSize, rootHash, chainHash, createdAt, keyId, signature } = checkpoint;
    writeFileAtomic(this.file, `${JSON.stringify({ treeSize, rootHash, chainHash, createdAt, keyId, signature }, null, 2)}\n`, 0o600);
  }
}
