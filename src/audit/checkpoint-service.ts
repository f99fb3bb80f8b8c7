// Signed checkpoints of the audit trail: tree size, RFC 6962 Merkle root and chain head, signed
// with the server's Ed25519 key, which lives outside the database. Someone who rewrites events and
// recomputes every hash still cannot produce a matching signed root (Part 11 §11.10(a)).
import { Op, type Transaction } from 'sequelize';
import type { Keyring } from '../platform/keyring.js';
import type { Logger } from '../platform/logger.js';
import type { CheckpointWitness } from './checkpoint-witness.js';
import { checkpointPayload, MerkleFrontier } from './audit-hashing.js';
import type { AuditCheckpoint, AuditModels } from './audit-models.js';

const BATCH = 5000;

export class CheckpointService {
  constructor(
    private readonly models: AuditModels,
    private readonly keyring: Keyring,
    readonly witness: CheckpointWitness,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async latest(tx?: Transaction): Promise<AuditCheckpoint | null> {
    return this.models.AuditCheckpoint.findOne({ order: [['treeSize', 'DESC']], transaction: tx ?? null });
  }

  async list(): Promise<AuditCheckpoint[]> {
    return this.models.AuditCheckpoint.findAll({ order: [['treeSize', 'ASC']] });
  }

  /**
   * Signs a checkpoint at `treeSize`, extending the previous checkpoint's Merkle frontier with
   * the leaves recorded since, so each checkpoint reads only the new events. Call it inside the
   * transaction that holds the audit chain.
   */
  async createWithin(tx: Transaction, treeSize: number): Promise<AuditCheckpoint> {
    const previous = await this.latest(tx);
    if (previous && previous.treeSize >= treeSize) return previous;
    const frontier = previous ? MerkleFrontier.fromJSON(JSON.parse(previous.frontier)) : MerkleFrontier.empty();
    let chainHash = '';
    while (frontier.size < treeSize) {
      const rows = await this.models.AuditEvent.findAll({
        attributes: ['seq', 'leafHash', 'chainHash'],
        where: { seq: { [Op.gt]: frontier.size, [Op.lte]: treeSize } },
        order: [['seq', 'ASC']],
        limit: BATCH,
        transaction: tx,
        raw: true,
      });
      if (rows.length === 0) throw new Error(`audit trail has no event ${frontier.size + 1} to checkpoint`);
      for (const row of rows) {
        if (Number(row.seq) !== frontier.size + 1) throw new Error(`audit trail is missing event ${frontier.size + 1}`);
        frontier.push(row.leafHash);
        chainHash = row.chainHash;
      }
    }
    const fields = { treeSize, rootHash: frontier.root(), chainHash, createdAt: this.now().toISOString() };
    // The key that is active now, also when another process (`gxpw keys rotate`) rotated it.
    const { keyId, signature } = this.keyring.signWith((activeKeyId) => checkpointPayload({ ...fields, keyId: activeKeyId }));
    const checkpoint = await this.models.AuditCheckpoint.create({ ...fields, keyId, signature, frontier: JSON.stringify(frontier.toJSON()) }, { transaction: tx });
    // Only a committed checkpoint is witnessed: a rolled-back one would accuse the trail of losing events.
    tx.afterCommit(() => {
      try {
        this.witness.record({ ...fields, keyId, signature });
      } catch (error) {
        this.logger.error({ err: error, file: this.witness.file }, 'the audit checkpoint witness could not be written');
      }
    });
    return checkpoint;
  }
}
