// RFC 6962 inclusion proofs of audit events (what an export bundle's excerpt carries): every proof
// the builder makes leads to the root the server's MerkleFrontier signs, for every tree size and
// every leaf; the RFC 9162 §2.1.3.2 verifier refuses any proof that is not exactly right. Audit
// paths are also compared with PATH(m, D[n]) written here straight from RFC 6962 §2.1.1.
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { MerkleFrontier } from '../../src/audit/audit-hashing.js';
import { inclusionProof, inclusionProofs, InclusionProofBuilder, rootFromInclusionProof, verifyInclusion } from '../../src/audit/inclusion-proof.js';

function leavesOf(count: number, seed = 'leaf'): string[] {
  return Array.from({ length: count }, (_, i) => createHash('sha256').update(`${seed}-${i}`).digest('hex'));
}

function frontierRoot(leaves: string[]): string {
  const frontier = MerkleFrontier.empty();
  for (const leaf of leaves) frontier.push(leaf);
  return frontier.root();
}

function node(left: string, right: string): string {
  return createHash('sha256').update(Buffer.from([1])).update(Buffer.from(left, 'hex')).update(Buffer.from(right, 'hex')).digest('hex');
}

/** RFC 6962 §2.1 MTH over leaf hashes. */
function mth(leaves: string[]): string {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]), exactly as the RFC defines it. */
function rfcPath(m: number, leaves: string[]): string[] {
  const n = leaves.length;
  if (n === 1) return [];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m < k ? [...rfcPath(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...rfcPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

describe('audit inclusion proofs (RFC 6962 / RFC 9162)', () => {
  it('proves every leaf of every tree size from 1 to 70 against the root the server signs, with the RFC 6962 audit path', () => {
    for (let size = 1; size <= 70; size += 1) {
      const leaves = leavesOf(size);
      const root = frontierRoot(leaves);
      const builder = new InclusionProofBuilder();
      leaves.forEach((leaf) => builder.push(leaf, true));
      expect(builder.root(), `root of ${size}`).to.equal(root);
      const proofs = builder.proofs();
      for (let index = 0; index < size; index += 1) {
        const proof = proofs.get(index)!;
        expect(proof, `path of ${index} in ${size}`).to.deep.equal(rfcPath(index, leaves));
        expect(inclusionProof(leaves, index), `single proof of ${index} in ${size}`).to.deep.equal(proof);
        expect(verifyInclusion(leaves[index]!, index, size, proof, root), `proof of ${index} in ${size}`).to.equal(true);
      }
    }
  });

  it('proves any subset of leaves in one pass, each proof the same as when it is made alone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 600 }), fc.array(fc.nat(), { maxLength: 12 }), async (size, picks) => {
        const leaves = leavesOf(size, `s${size}`);
        const indices = picks.map((p) => p % size);
        const { rootHash, proofs } = await inclusionProofs(leaves, size, indices);
        expect(rootHash).to.equal(frontierRoot(leaves));
        expect([...proofs.keys()].sort((a, b) => a - b)).to.deep.equal([...new Set(indices)].sort((a, b) => a - b));
        for (const index of indices) {
          expect(proofs.get(index)).to.deep.equal(rfcPath(index, leaves));
          expect(verifyInclusion(leaves[index]!, index, size, proofs.get(index)!, rootHash)).to.equal(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('proves against a prefix of the trail: the tree of the first treeSize leaves of a longer stream', async () => {
    const leaves = leavesOf(50);
    async function* stream() {
      yield* leaves;
    }
    const { rootHash, proofs } = await inclusionProofs(stream(), 37, [0, 36, 20]);
    expect(rootHash).to.equal(frontierRoot(leaves.slice(0, 37)));
    for (const index of [0, 36, 20]) expect(verifyInclusion(leaves[index]!, index, 37, proofs.get(index)!, rootHash)).to.equal(true);
  });

  it('refuses an index outside the tree and a stream shorter than the tree', async () => {
    const leaves = leavesOf(5);
    expect(() => inclusionProof(leaves, 5)).to.throw(RangeError, /not in a tree of 5/);
    expect(() => inclusionProof(leaves, -1)).to.throw(RangeError);
    expect(() => inclusionProof(leaves, 0, 6)).to.throw(RangeError, /needs 6 leaf hashes/);
    let error: unknown;
    await inclusionProofs(leaves, 6, [1]).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(RangeError);
    expect(() => new InclusionProofBuilder().push('not a hash')).to.throw(TypeError, /leaf 0/);
  });

  it('rejects a proof with any sibling changed, missing or extra, for another leaf or index, or another root', () => {
    for (const size of [1, 2, 3, 7, 8, 9, 33, 64, 65]) {
      const leaves = leavesOf(size, `t${size}`);
      const root = frontierRoot(leaves);
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionProof(leaves, index);
        const leaf = leaves[index]!;
        proof.forEach((_, i) => {
          const changed = [...proof];
          changed[i] = randomBytes(32).toString('hex');
          expect(verifyInclusion(leaf, index, size, changed, root), `sibling ${i} changed`).to.equal(false);
        });
        if (proof.length) expect(verifyInclusion(leaf, index, size, proof.slice(1), root), 'sibling missing').to.equal(false);
        expect(verifyInclusion(leaf, index, size, [...proof, leaf], root), 'extra sibling').to.equal(false);
        expect(verifyInclusion(randomBytes(32).toString('hex'), index, size, proof, root), 'other leaf').to.equal(false);
        expect(verifyInclusion(leaf, index, size, proof, frontierRoot(leavesOf(size, 'other'))), 'other root').to.equal(false);
        if (size > 1) expect(verifyInclusion(leaf, (index + 1) % size, size, proof, root), 'other index').to.equal(false);
        // The tree size is not bound by the proof alone (a leaf's path can be the same in trees of
        // n and n+1 leaves): the signed checkpoint binds it, and the verifier takes it from there.
        expect(verifyInclusion(leaf, index, size, proof, root.toUpperCase()), 'root spelled in capitals').to.equal(true);
      }
    }
  });

  it('answers false, never throws, on malformed input (a hostile bundle)', () => {
    const leaves = leavesOf(4);
    const root = frontierRoot(leaves);
    const proof = inclusionProof(leaves, 2);
    const bad: Array<[unknown, unknown, unknown, unknown]> = [
      ['xyz', 2, 4, proof],
      [leaves[2], 2.5, 4, proof],
      [leaves[2], 4, 4, proof],
      [leaves[2], -1, 4, proof],
      [leaves[2], 2, 0, proof],
      [leaves[2], 2, 4, 'not an array'],
      [leaves[2], 2, 4, [proof[0], 42]],
      [leaves[2], 2, 4, [proof[0]!.toUpperCase(), proof[1]]],
    ];
    for (const [leaf, index, size, p] of bad) {
      expect(rootFromInclusionProof(leaf as string, index as number, size as number, p as string[])).to.equal(null);
      expect(verifyInclusion(leaf as string, index as number, size as number, p as string[], root)).to.equal(false);
    }
  });

  it('proves a thousand events of a 150,000-event trail in one pass, computing each subtree once', async function () {
    this.timeout(60_000);
    const size = 150_000;
    const leaves = leavesOf(size, 'big');
    const indices = Array.from({ length: 1000 }, (_, i) => (i * 149_993) % size);
    const started = process.hrtime.bigint();
    const { rootHash, proofs } = await inclusionProofs(leaves, size, indices);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(rootHash).to.equal(frontierRoot(leaves));
    for (const index of indices) expect(verifyInclusion(leaves[index]!, index, size, proofs.get(index)!, rootHash)).to.equal(true);
    // One SHA-256 per node (≈ 2n) whatever the number of proofs: well under the time of 1,000 passes.
    expect(seconds, `took ${seconds.toFixed(2)} s`).to.be.below(10);
    expect(proofs.get(0)!.length, "the leftmost leaf has the full depth").to.equal(Math.ceil(Math.log2(size)));
  });
});
