// Recomputes the whole audit trail from the database and says whether it is intact, naming the
// first bad sequence number and what is wrong with it (Part 11 §11.10(a): detect altered records).
//
// Each event is checked on its own (its leaf hash against its content, its chain hash against its
// predecessor), so one altered value is reported at exactly its event. The signed checkpoints
// then catch what a local check cannot: events rewritten with every hash recomputed, removed from
// the tail, or vouched for by a checkpoint whose signature is not the server's.
//
// A checkpoint's Merkle root is compared with the *stored* leaf hashes: the signature binds those,
// and the local check binds each event's content to its stored leaf hash, so an event whose value
// alone was changed is named at its own number and does not make the checkpoint that covers it
// (and every event before it) look forged. Checkpoints are matched by sequence number, so a
// missing event does not shift them onto the wrong events. When a checkpoint fails and a local
// problem was already found among the events it covers, that earlier evidence names the first bad
// event; only without one is the first event after the last good checkpoint named.
import { QueryTypes } from 'sequelize';
import type { Database } from '../platform/database.js';
import type { Keyring } from '../platform/keyring.js';
import type { WitnessCopyReading, WitnessedCheckpoint, WitnessPolicy, WitnessReading } from './checkpoint-witness.js';
import { AUDIT_EVENT_COLUMNS, chainHashOf, checkpointPayload, contentOfRow, GENESIS_CHAIN_HASH, leafHashOf, MerkleFrontier, type AuditEventRow } from './audit-hashing.js';

export interface AuditProblem {
  seq: number;
  problem: string;
  checkpointId?: number;
}

export interface AuditVerification {
  ok: boolean;
  eventsChecked: number;
  checkpointsChecked: number;
  lastSeq: number;
  headChainHash: string;
  /** Tree size of the checkpoint witness kept outside the database (null: none yet). */
  witnessTreeSize: number | null;
  firstBadSeq: number | null;
  problem: string | null;
  /** Every problem found, first bad sequence number first (at most MAX_PROBLEMS). */
  problems: AuditProblem[];
  verifiedAt: string;
}

interface CheckpointRow {
  id: number;
  /** How problems name it; by default `checkpoint #id`. */
  label?: string;
  tree_size: number;
  root_hash: string;
  chain_hash: string;
  created_at: string;
  key_id: string;
  signature: string;
}

const MAX_PROBLEMS = 100;
const EVENT_COLUMNS = AUDIT_EVENT_COLUMNS.join(', ');

/** Streams events from the database in keyset pages and verifies them. */
export async function verifyAuditTrail(
  database: Database,
  keyring: Keyring,
  options: { batchSize?: number; onProgress?: (checked: number, total: number) => void; witness?: WitnessReading } = {},
): Promise<AuditVerification> {
  const batchSize = options.batchSize ?? 10_000;
  const [{ total }] = await database.sequelize.query<{ total: number }>('SELECT COUNT(*) AS total FROM audit_events', { type: QueryTypes.SELECT });
  const checkpoints = await database.sequelize.query<CheckpointRow>(
    'SELECT id, tree_size, root_hash, chain_hash, created_at, key_id, signature FROM audit_checkpoints ORDER BY tree_size ASC',
    { type: QueryTypes.SELECT },
  );
  const verifier = new AuditChainVerifier(keyring, checkpoints, options.witness);
  let after = 0;
  for (;;) {
    const rows = await database.sequelize.query<AuditEventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE seq > :after ORDER BY seq ASC LIMIT :limit`,
      { type: QueryTypes.SELECT, replacements: { after, limit: batchSize } },
    );
    for (const row of rows) verifier.check(row);
    options.onProgress?.(verifier.checked, Number(total));
    if (rows.length < batchSize) break;
    after = Number(rows[rows.length - 1]!.seq);
  }
  return verifier.finish();
}

/** The verification itself, independent of where the rows come from (also used by the benchmark). */
export class AuditChainVerifier {
  private readonly problems: AuditProblem[] = [];
  private readonly frontier = MerkleFrontier.empty();
  private expectedSeq = 1;
  private previousChainHash = GENESIS_CHAIN_HASH;
  private nextCheckpoint = 0;
  private eventsChecked = 0;
  /** Tree size of the last checkpoint found good: events up to here are proven. */
  private provenUpTo = 0;
  /** The first event after provenUpTo found bad by a local check (missing, altered, unchained). */
  private firstLocalProblem: number | null = null;

  private readonly checkpoints: CheckpointRow[];
  private readonly witnessTreeSize: number | null = null;
  /** Set when no witness copy exists at all: finish() decides whether one should (a finding then). */
  private readonly witnessPolicyIfAbsent: WitnessPolicy | null = null;
  /** When the first event was recorded (for the witness policy's interval). */
  private firstEventAt: string | null = null;

  constructor(
    private readonly keyring: Keyring,
    checkpoints: CheckpointRow[],
    witness?: WitnessReading,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.checkpoints = [...checkpoints];
    if (!witness) return;
    const present = witness.copies.filter((copy): copy is WitnessCopyReading & { witness: NonNullable<WitnessCopyReading['witness']> } => copy.witness !== null);
    for (const copy of witness.copies) {
      if (copy.unreadable !== undefined) this.report(1, `${copy.label} (${copy.file}) cannot be read (${copy.unreadable}): the trail cannot be checked against it`);
    }
    if (present.length === 0) {
      if (witness.copies.every((copy) => copy.unreadable === undefined)) this.witnessPolicyIfAbsent = witness.policy;
      return;
    }
    this.compareWitnessCopies(witness.copies, present);
    this.witnessTreeSize = Math.max(...present.map((copy) => copy.witness.treeSize));
    // Each distinct witness is checked like any checkpoint, after the database's own of the same size.
    const distinct = present.filter((copy, i) => present.findIndex((other) => sameCheckpoint(other.witness, copy.witness)) === i);
    for (const copy of distinct) {
      const { treeSize, rootHash, chainHash, createdAt, keyId, signature } = copy.witness;
      const label = distinct.length === 1 && present.length > 1 ? 'the checkpoint witness kept outside the database' : copy.label;
      const row: CheckpointRow = { id: 0, label, tree_size: treeSize, root_hash: rootHash, chain_hash: chainHash, created_at: createdAt, key_id: keyId, signature };
      const at = this.checkpoints.findIndex((c) => Number(c.tree_size) > treeSize);
      this.checkpoints.splice(at < 0 ? this.checkpoints.length : at, 0, row);
    }
  }

  /** The copies kept on different volumes must agree: one missing, stale or different is a finding. */
  private compareWitnessCopies(copies: WitnessCopyReading[], present: Array<WitnessCopyReading & { witness: NonNullable<WitnessCopyReading['witness']> }>): void {
    const largest = present.reduce((a, b) => (b.witness.treeSize > a.witness.treeSize ? b : a));
    for (const copy of copies) {
      if (copy === largest || copy.unreadable !== undefined) continue;
      if (copy.witness === null) {
        this.report(1, `${copy.label} (${copy.file}) is missing while ${largest.label} covers ${largest.witness.treeSize} events: a copy was deleted (or its volume lost)`);
      } else if (copy.witness.treeSize < largest.witness.treeSize) {
        this.report(copy.witness.treeSize + 1, `${copy.label} covers ${copy.witness.treeSize} events but ${largest.label} covers ${largest.witness.treeSize}: one copy is stale (restored from an older state, or not written since)`);
      } else if (copy.witness.rootHash !== largest.witness.rootHash || copy.witness.chainHash !== largest.witness.chainHash) {
        this.report(1, `${copy.label} and ${largest.label} both cover ${copy.witness.treeSize} events but name different roots: one copy was replaced`);
      }
    }
  }

  get checked(): number {
    return this.eventsChecked;
  }

  check(row: AuditEventRow): void {
    const seq = Number(row.seq);
    if (seq !== this.expectedSeq) {
      this.reportLocal(this.expectedSeq, `event ${this.expectedSeq} is missing: the next stored event is ${seq} (events removed)`);
    }
    let leafHash: string;
    try {
      leafHash = leafHashOf(contentOfRow(row));
    } catch (error) {
      leafHash = '';
      this.reportLocal(seq, `event ${seq} cannot be read: ${(error as Error).message}`);
    }
    if (leafHash && leafHash !== row.leaf_hash) {
      this.reportLocal(seq, `event ${seq} was altered: its content does not match its leaf hash`);
    }
    if (chainHashOf(this.previousChainHash, row.leaf_hash) !== row.chain_hash) {
      this.reportLocal(seq, `event ${seq} does not chain to event ${seq - 1}: events were reordered, removed or rewritten`);
    }
    this.firstEventAt ??= String(row.occurred_at);
    this.frontier.push(row.leaf_hash);
    this.previousChainHash = row.chain_hash;
    this.expectedSeq = seq + 1;
    this.eventsChecked += 1;
    while (this.nextCheckpoint < this.checkpoints.length && Number(this.checkpoints[this.nextCheckpoint]!.tree_size) <= seq) {
      const checkpoint = this.checkpoints[this.nextCheckpoint]!;
      if (Number(checkpoint.tree_size) === seq && this.frontier.size === seq) {
        this.checkCheckpoint(checkpoint, row.chain_hash);
      } else {
        // Events it covers are missing (already reported): its root cannot be recomputed.
        this.checkSignature(checkpoint);
        this.report(
          this.firstLocalProblem ?? this.provenUpTo + 1,
          `${nameOf(checkpoint)} (tree size ${checkpoint.tree_size}) cannot be checked: events it covers are missing`,
          checkpoint.id,
        );
      }
      this.nextCheckpoint += 1;
    }
  }

  finish(): AuditVerification {
    // Checkpoints beyond the end of the trail: the tail that they vouch for has been removed.
    for (const checkpoint of this.checkpoints.slice(this.nextCheckpoint)) {
      this.checkSignature(checkpoint);
      this.report(
        this.expectedSeq,
        `the trail ends at event ${this.expectedSeq - 1} but ${nameOf(checkpoint)} (signed ${checkpoint.created_at}) covers ${checkpoint.tree_size} events: events were removed from the end (or the database was restored from an older backup)`,
        checkpoint.id,
      );
    }
    this.checkWitnessExpected();
    const sorted = [...this.problems].sort((a, b) => a.seq - b.seq);
    const first = sorted[0];
    return {
      ok: sorted.length === 0,
      eventsChecked: this.eventsChecked,
      checkpointsChecked: this.checkpoints.filter((c) => !c.label).length,
      witnessTreeSize: this.witnessTreeSize,
      lastSeq: this.expectedSeq - 1,
      headChainHash: this.previousChainHash,
      firstBadSeq: first?.seq ?? null,
      problem: first?.problem ?? null,
      problems: sorted,
      verifiedAt: new Date().toISOString(),
    };
  }

  /**
   * No witness copy at all: a finding once a checkpoint must have been signed — checkpoints exist
   * in the database, there are more events than one checkpoint interval holds, or the first event
   * is older than the checkpoint timer. Only a young, short trail may have none yet.
   */
  private checkWitnessExpected(): void {
    const policy = this.witnessPolicyIfAbsent;
    if (!policy) return;
    const databaseCheckpoints = this.checkpoints.filter((c) => !c.label).length;
    const ageSeconds = this.firstEventAt === null ? 0 : (this.now().getTime() - Date.parse(this.firstEventAt)) / 1000;
    let why: string | null = null;
    if (databaseCheckpoints > 0) why = `the database holds ${databaseCheckpoints} signed checkpoint(s)`;
    else if (this.eventsChecked > policy.checkpointEvery) why = `the trail holds ${this.eventsChecked} events, more than one checkpoint interval (GXPW_AUDIT_CHECKPOINT_EVERY=${policy.checkpointEvery})`;
    else if (policy.intervalSeconds > 0 && ageSeconds > policy.intervalSeconds) why = `its first event was recorded ${this.firstEventAt}, longer ago than the checkpoint interval (GXPW_AUDIT_CHECKPOINT_INTERVAL_SECONDS=${policy.intervalSeconds})`;
    if (why) this.report(1, `the checkpoint witness kept outside the database is missing (every copy), although ${why}: it was deleted, or the data directories were replaced; the trail cannot be checked against it`);
  }

  private checkCheckpoint(checkpoint: CheckpointRow, chainHashAtSize: string): void {
    const signatureOk = this.checkSignature(checkpoint);
    const firstUnproven = this.provenUpTo + 1;
    const range = `events ${firstUnproven}..${checkpoint.tree_size}`;
    const firstBad = this.firstLocalProblem ?? firstUnproven;
    if (this.frontier.root() !== checkpoint.root_hash) {
      this.report(firstBad, `${range} do not match signed ${nameOf(checkpoint)}: they were changed after it was signed`, checkpoint.id);
    } else if (chainHashAtSize !== checkpoint.chain_hash) {
      this.report(firstBad, `${range} do not match the chain head of signed ${nameOf(checkpoint)}`, checkpoint.id);
    } else if (signatureOk) {
      this.provenUpTo = Number(checkpoint.tree_size);
      this.firstLocalProblem = null;
    }
  }

  private checkSignature(checkpoint: CheckpointRow): boolean {
    const payload = checkpointPayload({
      treeSize: checkpoint.tree_size,
      rootHash: checkpoint.root_hash,
      chainHash: checkpoint.chain_hash,
      createdAt: checkpoint.created_at,
      keyId: checkpoint.key_id,
    });
    if (this.keyring.verify(checkpoint.key_id, payload, checkpoint.signature)) return true;
    const why = this.keyring.knows(checkpoint.key_id) ? 'has an invalid signature (forged or altered)' : `is signed by unknown key ${checkpoint.key_id}`;
    this.report(this.provenUpTo + 1, `${nameOf(checkpoint)} (tree size ${checkpoint.tree_size}) ${why}: events ${this.provenUpTo + 1}..${checkpoint.tree_size} are not proven`, checkpoint.id);
    return false;
  }

  private reportLocal(seq: number, problem: string): void {
    if (this.firstLocalProblem === null) this.firstLocalProblem = seq;
    this.report(seq, problem);
  }

  private report(seq: number, problem: string, checkpointId?: number): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(checkpointId === undefined ? { seq, problem } : { seq, problem, checkpointId });
  }
}

function nameOf(checkpoint: CheckpointRow): string {
  return checkpoint.label ?? `checkpoint #${checkpoint.id}`;
}

function sameCheckpoint(a: WitnessedCheckpoint, b: WitnessedCheckpoint): boolean {
  return a.treeSize === b.treeSize && a.rootHash === b.rootHash && a.chainHash === b.chainHash && a.createdAt === b.createdAt && a.keyId === b.keyId && a.signature === b.signature;
}
