// Pure hashing of the audit trail, shared by the writer, the verifier and the benchmark baseline.
//
// leaf  = SHA-256(0x00 || RFC 8785 canonical JSON of the event)        (RFC 6962 leaf hash)
// chain = SHA-256(previous chain || leaf), the first one chained to 32 zero bytes
// root  = RFC 6962 Merkle tree hash over the leaves 1..n, signed in checkpoints
import { createHash } from 'node:crypto';
import { insertRowsSql } from '../platform/sql.js';
import { canonicalJson } from '../platform/canonical-json.js';

export interface AuditEventContent {
  seq: number;
  occurredAt: string;
  actorId: number | null;
  actorName: string;
  actorRole: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  correlationId: string | null;
  /**
   * Digest of the state after the change of every record it touched, keyed `type:id`
   * (record-states.ts); null on events that touch no record and on events older than migration 0010.
   */
  states: Record<string, string> | null;
}

/** The stored row, as both databases return it from a raw query. */
export interface AuditEventRow {
  seq: number;
  occurred_at: string;
  actor_id: number | null;
  actor_name: string;
  actor_role: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before_value: string | null;
  after_value: string | null;
  reason: string | null;
  correlation_id: string | null;
  states: string | null;
  leaf_hash: string;
  chain_hash: string;
}

/**
 * The stored row of an event: its content, the exact JSON text of before/after that was hashed,
 * and the two hashes. One mapping for the trail and for anything that writes rows directly.
 */
export function auditEventRowOf(content: AuditEventContent, texts: { before: string | null; after: string | null }, leafHash: string, chainHash: string): AuditEventRow {
  const states = content.states ?? null;
  return {
    seq: content.seq,
    occurred_at: content.occurredAt,
    actor_id: content.actorId,
    actor_name: content.actorName,
    actor_role: content.actorRole,
    action: content.action,
    entity_type: content.entityType,
    entity_id: content.entityId,
    before_value: texts.before,
    after_value: texts.after,
    reason: content.reason,
    correlation_id: content.correlationId,
    states: states === null ? null : JSON.stringify(states),
    leaf_hash: leafHash,
    chain_hash: chainHash,
  };
}

/** Every column of audit_events, in one order for every raw INSERT and SELECT. */
export const AUDIT_EVENT_COLUMNS = [
  'seq',
  'occurred_at',
  'actor_id',
  'actor_name',
  'actor_role',
  'action',
  'entity_type',
  'entity_id',
  'before_value',
  'after_value',
  'reason',
  'correlation_id',
  'states',
  'leaf_hash',
  'chain_hash',
] as const satisfies ReadonlyArray<keyof AuditEventRow>;

/** The INSERT of `rows` audit events (pass `auditEventValues` as `replacements`). */
export function insertAuditEventsSql(rows = 1): string {
  return insertRowsSql('audit_events', AUDIT_EVENT_COLUMNS, rows);
}

export function auditEventValues(row: AuditEventRow): unknown[] {
  return AUDIT_EVENT_COLUMNS.map((column) => row[column]);
}

export const GENESIS_CHAIN_HASH = '0'.repeat(64);
const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

export function leafHashOf(content: AuditEventContent): string {
  // `states` is hashed only where an event has it, so events written before it existed keep their hash.
  const { states, ...rest } = content;
  const hashed = { v: 1, ...rest, before: content.before ?? null, after: content.after ?? null };
  const canonical = canonicalJson(states ? { ...hashed, states } : hashed);
  return createHash('sha256').update(LEAF_PREFIX).update(canonical).digest('hex');
}

export function chainHashOf(previousChainHash: string, leafHash: string): string {
  return createHash('sha256').update(Buffer.from(previousChainHash, 'hex')).update(Buffer.from(leafHash, 'hex')).digest('hex');
}

export function contentOfRow(row: AuditEventRow): AuditEventContent {
  return {
    seq: Number(row.seq),
    occurredAt: row.occurred_at,
    actorId: row.actor_id === null ? null : Number(row.actor_id),
    actorName: row.actor_name,
    actorRole: row.actor_role,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    before: row.before_value === null ? null : JSON.parse(row.before_value),
    after: row.after_value === null ? null : JSON.parse(row.after_value),
    reason: row.reason,
    correlationId: row.correlation_id,
    states: row.states === null || row.states === undefined ? null : JSON.parse(row.states),
  };
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/**
 * The right edge of an RFC 6962 Merkle tree: one root per perfect subtree, largest first. It
 * grows one leaf at a time in O(log n) and yields the tree hash of everything pushed so far,
 * which lets checkpoints and the verifier work in one pass over the trail.
 */
export class MerkleFrontier {
  private constructor(
    private readonly nodes: Array<{ height: number; hash: Buffer }>,
    private count: number,
  ) {}

  static empty(): MerkleFrontier {
    return new MerkleFrontier([], 0);
  }

  static fromJSON(json: { size: number; nodes: Array<{ height: number; hash: string }> }): MerkleFrontier {
    return new MerkleFrontier(json.nodes.map((n) => ({ height: n.height, hash: Buffer.from(n.hash, 'hex') })), json.size);
  }

  get size(): number {
    return this.count;
  }

  push(leafHashHex: string): void {
    let node: { height: number; hash: Buffer } = { height: 0, hash: Buffer.from(leafHashHex, 'hex') };
    while (this.nodes.length > 0 && this.nodes[this.nodes.length - 1]!.height === node.height) {
      const left = this.nodes.pop()!;
      node = { height: node.height + 1, hash: nodeHash(left.hash, node.hash) };
    }
    this.nodes.push(node);
    this.count += 1;
  }

  /** RFC 6962 MTH of the leaves pushed so far (SHA-256 of nothing for an empty tree). */
  root(): string {
    if (this.nodes.length === 0) return createHash('sha256').digest('hex');
    let root: Buffer = this.nodes[this.nodes.length - 1]!.hash;
    for (let i = this.nodes.length - 2; i >= 0; i -= 1) root = nodeHash(this.nodes[i]!.hash, root);
    return root.toString('hex');
  }

  toJSON(): { size: number; nodes: Array<{ height: number; hash: string }> } {
    return { size: this.count, nodes: this.nodes.map((n) => ({ height: n.height, hash: n.hash.toString('hex') })) };
  }
}

/** What a checkpoint signature covers. */
export function checkpointPayload(checkpoint: { treeSize: number; rootHash: string; chainHash: string; createdAt: string; keyId: string }): string {
  return canonicalJson({ type: 'gxpw.audit-checkpoint.v1', ...checkpoint });
}
