// The pure hashing of the audit trail (Part 11 §11.10(a)(e)): leaf hashes over RFC 8785 canonical
// JSON, the hash chain, and the RFC 6962 Merkle tree hash that signed checkpoints carry. The Merkle
// root is compared with a straightforward recursive implementation of RFC 6962 §2.1 written here,
// independently of the incremental frontier the server uses.
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { chainHashOf, GENESIS_CHAIN_HASH, leafHashOf, MerkleFrontier, type AuditEventContent } from '../../src/audit/audit-hashing.js';

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** RFC 6962 §2.1 Merkle Tree Hash, exactly as the RFC defines it, over the raw leaf inputs. */
function merkleTreeHash(leaves: Buffer[]): Buffer {
  const n = leaves.length;
  if (n === 0) return sha256();
  if (n === 1) return sha256(Buffer.from([0x00]), leaves[0]!);
  let k = 1;
  while (k * 2 < n) k *= 2; // the largest power of two smaller than n
  return sha256(Buffer.from([0x01]), merkleTreeHash(leaves.slice(0, k)), merkleTreeHash(leaves.slice(k)));
}

/** The RFC 6962 leaf hash of one input: what the server pushes into its frontier. */
function rfc6962LeafHash(leaf: Buffer): string {
  return sha256(Buffer.from([0x00]), leaf).toString('hex');
}

function roundTrip(frontier: MerkleFrontier): MerkleFrontier {
  return MerkleFrontier.fromJSON(JSON.parse(JSON.stringify(frontier)));
}

/** JSON with every object's keys sorted: RFC 8785 for values made of ASCII strings, integers and null. */
function sortedKeyJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedKeyJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${sortedKeyJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The same JSON value with the keys of every object inserted in another order. */
function withKeysReordered(value: unknown, rotation: number): unknown {
  if (Array.isArray(value)) return value.map((item) => withKeysReordered(item, rotation));
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).reverse();
    const shift = keys.length === 0 ? 0 : rotation % keys.length;
    const reordered = [...keys.slice(shift), ...keys.slice(0, shift)];
    const copy: Record<string, unknown> = {};
    for (const key of reordered) {
      // defineProperty, so that a key named __proto__ stays a key.
      Object.defineProperty(copy, key, { value: withKeysReordered((value as Record<string, unknown>)[key], rotation + 1), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }
  return value;
}

function buildEvent(overrides: Partial<AuditEventContent> = {}): AuditEventContent {
  return {
    seq: 42,
    occurredAt: '2025-03-14T09:26:53.589Z',
    actorId: 7,
    actorName: 'Quinn Quality',
    actorRole: 'qa',
    action: 'user.updated',
    entityType: 'user',
    entityId: '12',
    before: { fullName: 'Ingrid Integration', role: 'it', training: { completedAt: null, modules: ['gmp', 'part11'] } },
    after: { fullName: 'Ingrid Integration-Meyer', role: 'it', training: { completedAt: '2025-03-01', modules: ['gmp', 'part11'] } },
    reason: 'Name changed after marriage (HR ticket 4711)',
    states: { 'user:7': 'c0ffee'.padEnd(64, '0') },
    correlationId: 'req-0a1b2c3d',
    ...overrides,
  };
}

describe('audit hashing', () => {
  describe('Merkle tree hash (RFC 6962) of the checkpoints', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => randomBytes(1 + (i % 37)));
    /** expectedRoot[n]: the recursive MTH of the first n leaves. */
    const expectedRoot = Array.from({ length: leaves.length + 1 }, (_, n) => merkleTreeHash(leaves.slice(0, n)).toString('hex'));

    it('equals the recursive RFC 6962 Merkle tree hash for every tree size from 0 to 70', () => {
      const frontier = MerkleFrontier.empty();
      expect(frontier.size).to.equal(0);
      expect(frontier.root()).to.equal(merkleTreeHash([]).toString('hex'));
      for (let size = 1; size <= leaves.length; size += 1) {
        frontier.push(rfc6962LeafHash(leaves[size - 1]!));
        expect(frontier.size).to.equal(size);
        expect(frontier.root(), `tree size ${size}`).to.equal(merkleTreeHash(leaves.slice(0, size)).toString('hex'));
      }
    });

    it('keeps the same root after a JSON round trip of the frontier, and extends from it to every larger size', () => {
      for (let saved = 0; saved <= leaves.length; saved += 1) {
        const frontier = MerkleFrontier.empty();
        for (const leaf of leaves.slice(0, saved)) frontier.push(rfc6962LeafHash(leaf));
        const restored = roundTrip(frontier);
        expect(restored.size).to.equal(saved);
        expect(restored.root(), `restored at tree size ${saved}`).to.equal(expectedRoot[saved]);
        for (let size = saved + 1; size <= leaves.length; size += 1) {
          restored.push(rfc6962LeafHash(leaves[size - 1]!));
          expect(restored.root(), `restored at ${saved}, extended to ${size}`).to.equal(expectedRoot[size]);
        }
      }
    });

    it('depends on the order of the leaves', () => {
      const inOrder = MerkleFrontier.empty();
      const swapped = MerkleFrontier.empty();
      for (const leaf of leaves.slice(0, 5)) inOrder.push(rfc6962LeafHash(leaf));
      for (const leaf of [leaves[0]!, leaves[1]!, leaves[3]!, leaves[2]!, leaves[4]!]) swapped.push(rfc6962LeafHash(leaf));
      expect(swapped.root()).to.not.equal(inOrder.root());
    });
  });

  describe('leaf hash of an event', () => {
    it('is the RFC 6962 leaf hash (0x00 prefix) of the canonical JSON of the event, so anyone can recompute it offline', () => {
      const event = buildEvent();
      const expected = sha256(Buffer.from([0x00]), Buffer.from(sortedKeyJson({ v: 1, ...event }), 'utf8')).toString('hex');
      expect(leafHashOf(event)).to.equal(expected);
    });

    it('leaves out `states` where an event has none, so events written before record-state digests keep their hash', () => {
      const { states: _states, ...older } = buildEvent({ states: null });
      const expected = sha256(Buffer.from([0x00]), Buffer.from(sortedKeyJson({ v: 1, ...older }), 'utf8')).toString('hex');
      expect(leafHashOf(buildEvent({ states: null }))).to.equal(expected);
    });

    it('is the same whatever the key order of the before and after values (RFC 8785)', () => {
      const event = buildEvent();
      const reordered = buildEvent({ before: withKeysReordered(event.before, 1), after: withKeysReordered(event.after, 2) });
      expect(JSON.stringify(reordered.before)).to.not.equal(JSON.stringify(event.before));
      expect(leafHashOf(reordered)).to.equal(leafHashOf(event));
      // The order of the event's own fields does not matter either.
      const fieldsReversed = Object.fromEntries(Object.entries(event).reverse()) as unknown as AuditEventContent;
      expect(leafHashOf(fieldsReversed)).to.equal(leafHashOf(event));
    });

    it('is the same for any JSON before/after value written with its keys in another order', () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.jsonValue(), fc.nat(20), (before, after, rotation) => {
          const plain = leafHashOf(buildEvent({ before, after }));
          const reordered = leafHashOf(buildEvent({ before: withKeysReordered(before, rotation), after: withKeysReordered(after, rotation + 3) }));
          expect(reordered).to.equal(plain);
        }),
        { numRuns: 300 },
      );
    });

    it('changes when any single field of the event changes', () => {
      const base = buildEvent();
      const changes: Array<[keyof AuditEventContent, string, Partial<AuditEventContent>]> = [
        ['seq', 'next number', { seq: 43 }],
        ['occurredAt', 'one millisecond later', { occurredAt: '2025-03-14T09:26:53.590Z' }],
        ['actorId', 'another user', { actorId: 8 }],
        ['actorId', 'no user', { actorId: null }],
        ['actorName', 'another printed name', { actorName: 'Quinn Qualitee' }],
        ['actorRole', 'another role', { actorRole: 'admin' }],
        ['actorRole', 'no role', { actorRole: null }],
        ['action', 'another action', { action: 'user.deactivated' }],
        ['entityType', 'another entity type', { entityType: 'users' }],
        ['entityId', 'another entity id', { entityId: '13' }],
        ['before', 'a nested value', { before: { ...(base.before as object), training: { completedAt: null, modules: ['gmp'] } } }],
        ['before', 'nothing', { before: null }],
        ['after', 'one letter', { after: { ...(base.after as object), fullName: 'Ingrid Integration-Meier' } }],
        ['after', 'nothing', { after: null }],
        ['before', 'before and after swapped', { before: base.after, after: base.before }],
        ['reason', 'one character', { reason: 'Name changed after marriage (HR ticket 4712)' }],
        ['reason', 'no reason', { reason: null }],
        ['correlationId', 'another request', { correlationId: 'req-0a1b2c3e' }],
        ['correlationId', 'no request', { correlationId: null }],
        ['states', 'another record state', { states: { 'user:7': 'c0ffee'.padEnd(64, '1') } }],
        ['states', 'no record state', { states: null }],
      ];
      const covered = new Set(changes.map(([field]) => field));
      expect([...covered].sort(), 'every field of the event is covered').to.deep.equal(Object.keys(base).sort());

      const baseHash = leafHashOf(base);
      const seen = new Map<string, string>([[baseHash, 'unchanged']]);
      for (const [field, description, override] of changes) {
        const hash = leafHashOf({ ...base, ...override });
        expect(hash, `${field}: ${description}`).to.not.equal(baseHash);
        expect(seen.get(hash), `${field}: ${description} collides`).to.equal(undefined);
        seen.set(hash, `${field}: ${description}`);
      }
    });
  });

  describe('chain hash', () => {
    const leaf = leafHashOf(buildEvent());

    it('is SHA-256 of the previous chain hash followed by the leaf hash, starting from 32 zero bytes', () => {
      expect(GENESIS_CHAIN_HASH).to.equal(Buffer.alloc(32).toString('hex'));
      const previous = sha256(Buffer.from('some earlier head')).toString('hex');
      expect(chainHashOf(previous, leaf)).to.equal(sha256(Buffer.from(previous, 'hex'), Buffer.from(leaf, 'hex')).toString('hex'));
    });

    it('depends on the previous chain hash', () => {
      const previous = sha256(Buffer.from('head')).toString('hex');
      const oneBitOff = Buffer.from(previous, 'hex');
      oneBitOff[31] ^= 0x01;
      expect(chainHashOf(previous, leaf)).to.not.equal(chainHashOf(GENESIS_CHAIN_HASH, leaf));
      expect(chainHashOf(previous, leaf)).to.not.equal(chainHashOf(oneBitOff.toString('hex'), leaf));
    });

    it('carries a change of one event into every later chain hash, and depends on the order of events', () => {
      const leaves = Array.from({ length: 6 }, (_, i) => leafHashOf(buildEvent({ seq: i + 1 })));
      const chain = (hashes: string[]) => {
        const heads: string[] = [];
        let previous = GENESIS_CHAIN_HASH;
        for (const hash of hashes) heads.push((previous = chainHashOf(previous, hash)));
        return heads;
      };
      const original = chain(leaves);
      const altered = chain(leaves.map((hash, i) => (i === 2 ? leafHashOf(buildEvent({ seq: 3, reason: 'altered' })) : hash)));
      expect(altered.slice(0, 2)).to.deep.equal(original.slice(0, 2));
      for (let i = 2; i < leaves.length; i += 1) expect(altered[i], `chain hash ${i + 1}`).to.not.equal(original[i]);
      const reordered = chain([leaves[0]!, leaves[2]!, leaves[1]!, ...leaves.slice(3)]);
      expect(reordered[reordered.length - 1]).to.not.equal(original[original.length - 1]);
    });
  });
});
