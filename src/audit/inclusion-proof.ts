// RFC 6962 / RFC 9162 Merkle audit paths: proof that one event's leaf hash is in the tree whose root
// a signed checkpoint carries, so an auditor holding only a few events (an export bundle's audit
// excerpt) can check them against the signed root without the rest of the trail (Part 11 §11.10(a),
// Annex 11 §9). Pure: node:crypto only, so the offline bundle verifier can use it.
//
// The builder makes proofs for any number of leaves in one streaming pass over the trail, holding
// only O(log n) nodes per proven leaf: a proven leaf's left siblings are exactly the perfect
// subtrees on the tree's right edge when it is pushed (the frontier), its right siblings are
// captured as they complete, and the few right-edge subtrees of a tree that is not a power of two
// are folded from the frontier at the end. Every subtree hash is computed once, whatever the number
// of proofs.
import { createHash } from 'node:crypto';

const NODE_PREFIX = Buffer.from([1]);
const HEX_HASH = /^[0-9a-f]{64}$/;

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

function hashBytes(hex: string, what: string): Buffer {
  if (!HEX_HASH.test(hex)) throw new TypeError(`${what} is not a lowercase hex SHA-256: ${String(hex).slice(0, 80)}`);
  return Buffer.from(hex, 'hex');
}

interface FrontierNode {
  height: number;
  hash: Buffer;
}

/** A leaf being proven: its index and the sibling hashes found so far, by height. */
interface PendingProof {
  index: number;
  left: Map<number, Buffer>;
  right: Map<number, Buffer>;
}

/**
 * Builds RFC 6962 inclusion proofs for chosen leaves while the leaves stream past in order. Push
 * every leaf of the tree (marking the ones to prove), then ask for the proofs: the tree size is the
 * number of leaves pushed.
 */
export class InclusionProofBuilder {
  private readonly frontier: FrontierNode[] = [];
  private readonly pending: PendingProof[] = [];
  /**
   * The next right sibling each pending proof waits for, keyed `height:position`. One key per proof
   * at a time: right siblings complete in order of height, so when one arrives the proof asks for
   * the next.
   */
  private readonly waiting = new Map<string, PendingProof[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends the next leaf (its RFC 6962 leaf hash, hex); `prove` asks for its inclusion proof. */
  push(leafHashHex: string, prove = false): void {
    const index = this.count;
    const leaf = hashBytes(leafHashHex, `leaf ${index}`);
    if (prove) {
      // Left siblings: the frontier holds a node of height h exactly when bit h of the index is set,
      // and it is the left sibling of the leaf's ancestor at that height.
      const proof: PendingProof = { index, left: new Map(), right: new Map() };
      for (const node of this.frontier) proof.left.set(node.height, node.hash);
      this.pending.push(proof);
      this.awaitRightSibling(proof, 0);
    }
    this.complete(0, index, leaf);
    let node: FrontierNode = { height: 0, hash: leaf };
    while (this.frontier.length > 0 && this.frontier[this.frontier.length - 1]!.height === node.height) {
      const left = this.frontier.pop()!;
      node = { height: node.height + 1, hash: nodeHash(left.hash, node.hash) };
      // The subtree just completed ends at leaf `index`, which gives its position at its height.
      this.complete(node.height, (index + 1) / 2 ** node.height - 1, node.hash);
    }
    this.frontier.push(node);
    this.count += 1;
  }

  /** RFC 6962 MTH of the leaves pushed so far (SHA-256 of nothing for an empty tree). */
  root(): string {
    return this.rightEdge(Infinity)?.toString('hex') ?? createHash('sha256').digest('hex');
  }

  /** The audit path of every leaf pushed with `prove`: leaf index → sibling hashes, leaf end first. */
  proofs(): Map<number, string[]> {
    const treeSize = this.count;
    const result = new Map<number, string[]>();
    for (const { index, left, right } of this.pending) {
      const path: string[] = [];
      let position = index;
      let width = treeSize;
      for (let height = 0; width > 1; height += 1) {
        if (position % 2 === 1) {
          path.push(left.get(height)!.toString('hex'));
        } else if (position + 1 < width) {
          // A right sibling never completed is the tree's right edge, which the frontier's nodes
          // lower than this height cover exactly.
          path.push((right.get(height) ?? this.rightEdge(height)!).toString('hex'));
        }
        // A last node without a sibling moves up unchanged (RFC 6962's split at the largest power of two).
        position = Math.floor(position / 2);
        width = Math.ceil(width / 2);
      }
      result.set(index, path);
    }
    return result;
  }

  /** Registers the proof for its right sibling at the lowest height ≥ `from` where it needs one. */
  private awaitRightSibling(proof: PendingProof, from: number): void {
    let height = from;
    let position = Math.floor(proof.index / 2 ** height);
    while (position % 2 === 1) {
      height += 1;
      position = Math.floor(position / 2);
    }
    const key = `${height}:${position + 1}`;
    const list = this.waiting.get(key);
    if (list) list.push(proof);
    else this.waiting.set(key, [proof]);
  }

  private complete(height: number, position: number, hash: Buffer): void {
    const key = `${height}:${position}`;
    const proofs = this.waiting.get(key);
    if (!proofs) return;
    this.waiting.delete(key);
    for (const proof of proofs) {
      proof.right.set(height, hash);
      this.awaitRightSibling(proof, height + 1);
    }
  }

  /** The RFC 6962 hash of the frontier nodes lower than `belowHeight`, folded right to left. */
  private rightEdge(belowHeight: number): Buffer | null {
    let hash: Buffer | null = null;
    for (let i = this.frontier.length - 1; i >= 0; i -= 1) {
      const node = this.frontier[i]!;
      if (node.height >= belowHeight) break;
      hash = hash === null ? node.hash : nodeHash(node.hash, hash);
    }
    return hash;
  }
}

/** The inclusion proof of leaf `index` in the tree of the first `treeSize` leaf hashes. */
export function inclusionProof(leafHashes: readonly string[], index: number, treeSize = leafHashes.length): string[] {
  assertIndex(index, treeSize);
  if (treeSize > leafHashes.length) throw new RangeError(`a tree of ${treeSize} leaves needs ${treeSize} leaf hashes, got ${leafHashes.length}`);
  const builder = new InclusionProofBuilder();
  for (let i = 0; i < treeSize; i += 1) builder.push(leafHashes[i]!, i === index);
  return builder.proofs().get(index)!;
}

/**
 * Inclusion proofs of several leaves in one pass over a stream of leaf hashes (in tree order, at
 * least `treeSize` of them; the rest are not read), with the root they lead to.
 */
export async function inclusionProofs(
  leafHashes: Iterable<string> | AsyncIterable<string>,
  treeSize: number,
  indices: Iterable<number>,
): Promise<{ rootHash: string; proofs: Map<number, string[]> }> {
  const wanted = new Set<number>();
  for (const index of indices) {
    assertIndex(index, treeSize);
    wanted.add(index);
  }
  const builder = new InclusionProofBuilder();
  for await (const leaf of leafHashes) {
    if (builder.size === treeSize) break;
    builder.push(leaf, wanted.has(builder.size));
  }
  if (builder.size < treeSize) throw new RangeError(`a tree of ${treeSize} leaves needs ${treeSize} leaf hashes, got ${builder.size}`);
  return { rootHash: builder.root(), proofs: builder.proofs() };
}

function assertIndex(index: number, treeSize: number): void {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) throw new RangeError(`tree size ${treeSize} must be a positive integer`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) throw new RangeError(`leaf index ${index} is not in a tree of ${treeSize} leaves`);
}

/**
 * The root an inclusion proof leads to from `leafHash` at `index` in a tree of `treeSize` leaves,
 * or null when the proof cannot be one for that position (wrong length, malformed hash). RFC 9162
 * §2.1.3.2, steps 1–5.
 */
export function rootFromInclusionProof(leafHash: string, index: number, treeSize: number, proof: readonly string[]): string | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return null;
  if (!HEX_HASH.test(leafHash) || !Array.isArray(proof) || !proof.every((p) => typeof p === 'string' && HEX_HASH.test(p))) return null;
  // Bit arithmetic on numbers is 32-bit in JavaScript: halve with Math.floor instead.
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash, 'hex');
  for (const p of proof) {
    if (sn === 0) return null;
    const sibling = Buffer.from(p, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sibling, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r.toString('hex') : null;
}

/** RFC 9162 §2.1.3.2: true only when the proof leads from `leafHash` at `index` to `rootHash`. */
export function verifyInclusion(leafHash: string, index: number, treeSize: number, proof: readonly string[], rootHash: string): boolean {
  const root = rootFromInclusionProof(leafHash, index, treeSize, proof);
  return root !== null && typeof rootHash === 'string' && root === rootHash.toLowerCase();
}
