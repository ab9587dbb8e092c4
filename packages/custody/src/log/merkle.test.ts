import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { isDomainError } from '@tamga/contracts';
import { MerkleLog } from './merkle-log.ts';
import { consistencyProof, inclusionProof, rootHash } from './merkle-tree.ts';
import { EMPTY_ROOT, leafHash, nodeHash } from './tree-hash.ts';
import { verifyConsistency, verifyInclusion } from './verify-proofs.ts';

// The RFC 9162 definitions written out literally (over slices), as an independent oracle for
// the indexed tree. Memoised by the leaves' position so the exhaustive sweep stays fast.
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
const memo = new Map<string, Buffer>();
function mth(d: Buffer[], at = -1): Buffer {
  const key = at >= 0 ? `${at}:${d.length}` : '';
  const hit = key ? memo.get(key) : undefined;
  if (hit) return hit;
  const s = k(d.length);
  const r = d.length === 0 ? EMPTY_ROOT : d.length === 1 ? (d[0] as Buffer) : nodeHash(mth(d.slice(0, s), at), mth(d.slice(s), at < 0 ? -1 : at + s));
  if (key) memo.set(key, r);
  return r;
}
function path(m: number, d: Buffer[], at = 0): Buffer[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s), at), mth(d.slice(s), at + s)] : [...path(m - s, d.slice(s), at + s), mth(d.slice(0, s), at)];
}
function subproof(m: number, d: Buffer[], b: boolean, at = 0): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d, at)];
  const s = k(d.length);
  return m <= s
    ? [...subproof(m, d.slice(0, s), b, at), mth(d.slice(s), at + s)]
    : [...subproof(m - s, d.slice(s), false, at + s), mth(d.slice(0, s), at)];
}

const entryHash = (i: number) => createHash('sha256').update(`custody event ${i}`).digest();
const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leafHash(entryHash(i)));

function logOf(n: number): MerkleLog {
  const log = new MerkleLog();
  for (let i = 0; i < n; i++) log.append(entryHash(i));
  return log;
}

const hex = (hashes: readonly Buffer[]) => hashes.map((h) => h.toString('hex')).join(',');

const BIG = 3000;
const bigLog = logOf(BIG);
const bigLeaves = leavesOf(BIG);

function flip(h: Uint8Array): Buffer {
  const b = Buffer.from(h);
  b[0] = (b[0] ?? 0) ^ 1;
  return b;
}

describe('Merkle tree hashing (RFC 9162 / RFC 6962 test vectors)', () => {
  // The 8-leaf test tree of the Certificate Transparency reference implementation.
  const data = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
  const roots = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  const leaves = data.map((d) => leafHash(Buffer.from(d, 'hex')));

  it.each(roots.map((r, n) => [n, r] as const))('gives the published root for the first %i leaves', (n, root) => {
    expect(rootHash(leaves, n).toString('hex')).toBe(root);
  });

  it('uses 0x00 for leaves and 0x01 for interior nodes', () => {
    const a = Buffer.alloc(32, 7);
    expect(leafHash(a).toString('hex')).toBe(createHash('sha256').update(Buffer.concat([Buffer.from([0]), a])).digest('hex'));
    expect(nodeHash(a, a).toString('hex')).toBe(createHash('sha256').update(Buffer.concat([Buffer.from([1]), a, a])).digest('hex'));
  });
});

describe('MerkleLog', () => {
  it('matches the RFC recursion for every size up to 130', () => {
    const leaves = leavesOf(130);
    const log = new MerkleLog();
    for (let n = 0; n <= 130; n++) {
      expect(log.root().equals(mth(leaves.slice(0, n)))).toBe(true);
      if (n < 130) log.append(entryHash(n));
    }
    for (let n = 0; n <= 130; n++) expect(log.root(n).equals(mth(leaves.slice(0, n)))).toBe(true);
  });

  it('is idempotent on the entry hash', () => {
    const log = logOf(5);
    const before = log.root();
    expect(log.append(entryHash(3))).toEqual({ index: 3, appended: false });
    expect(log.size).toBe(5);
    expect(log.root().equals(before)).toBe(true);
    expect(log.append(entryHash(5))).toEqual({ index: 5, appended: true });
    expect(log.indexOf(entryHash(2).toString('hex'))).toBe(2);
  });

  it('says CUSTODY_ERR_NOT_IN_LOG for an entry it never saw and CUSTODY_ERR_LOG_RANGE for sizes beyond it', () => {
    const log = logOf(5);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isDomainError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => log.indexOf(entryHash(99)))).toBe('CUSTODY_ERR_NOT_IN_LOG');
    expect(code(() => log.root(6))).toBe('CUSTODY_ERR_LOG_RANGE');
    expect(code(() => log.proveInclusion(5, 5))).toBe('CUSTODY_ERR_LOG_RANGE');
    expect(code(() => log.proveConsistency(6, 5))).toBe('CUSTODY_ERR_LOG_RANGE');
    expect(code(() => log.append('ABC'))).toBe('CUSTODY_ERR_LOG_RANGE');
  });

  it('produces the RFC PATH and PROOF for every index and size pair up to 64, and they verify', () => {
    const leaves = leavesOf(64);
    const log = logOf(64);
    for (let n = 1; n <= 64; n++) {
      const root = log.root(n);
      for (let i = 0; i < n; i++) {
        const proof = log.proveInclusion(i, n);
        expect(hex(proof)).toBe(hex(path(i, leaves.slice(0, n))));
        expect(verifyInclusion(log.leafHash(i), i, n, proof, root)).toBe(true);
      }
      for (let m = 0; m <= n; m++) {
        const proof = log.proveConsistency(m, n);
        expect(hex(proof)).toBe(hex(m === 0 || m === n ? [] : subproof(m, leaves.slice(0, n), true)));
        expect(verifyConsistency(m, n, log.root(m), root, proof)).toBe(true);
      }
    }
  });

  it('agrees with the pure functions over an array of leaf hashes', () => {
    expect(rootHash(bigLeaves, 1234).equals(bigLog.root(1234))).toBe(true);
    expect(inclusionProof(bigLeaves, 777, 1234)).toEqual(bigLog.proveInclusion(777, 1234));
    expect(consistencyProof(bigLeaves, 1000, 2999)).toEqual(bigLog.proveConsistency(1000, 2999));
  });
});

describe('proof verification (property, sizes up to 3000)', () => {
  const sizeAndIndex = fc.integer({ min: 1, max: BIG }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));
  const twoSizes = fc.integer({ min: 1, max: BIG }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));

  it('accepts every honest inclusion proof', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([n, i]) => {
        expect(verifyInclusion(bigLeaves[i] as Buffer, i, n, bigLog.proveInclusion(i, n), bigLog.root(n))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects an inclusion proof with any hash changed, dropped or added, or a wrong index, leaf or root', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), fc.nat(), ([n, i], pick, other) => {
        const proof = bigLog.proveInclusion(i, n);
        const root = bigLog.root(n);
        const leaf = bigLeaves[i] as Buffer;
        const j = proof.length ? pick % proof.length : 0;
        if (proof.length) {
          expect(verifyInclusion(leaf, i, n, proof.with(j, flip(proof[j] as Buffer)), root)).toBe(false);
          expect(verifyInclusion(leaf, i, n, proof.toSpliced(j, 1), root)).toBe(false);
        }
        expect(verifyInclusion(leaf, i, n, [...proof, root], root)).toBe(false);
        expect(verifyInclusion(flip(leaf), i, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, i, n, proof, flip(root))).toBe(false);
        const i2 = other % n;
        if (i2 !== i) expect(verifyInclusion(leaf, i2, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, n, n, proof, root)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts every honest consistency proof and rejects altered ones', () => {
    fc.assert(
      fc.property(twoSizes, fc.nat(), ([m, n], pick) => {
        const proof = bigLog.proveConsistency(m, n);
        const rm = bigLog.root(m);
        const rn = bigLog.root(n);
        expect(verifyConsistency(m, n, rm, rn, proof)).toBe(true);
        expect(verifyConsistency(m, n, flip(rm), rn, proof)).toBe(false);
        expect(verifyConsistency(m, n, rm, flip(rn), proof)).toBe(false);
        if (proof.length) {
          const j = pick % proof.length;
          expect(verifyConsistency(m, n, rm, rn, proof.with(j, flip(proof[j] as Buffer)))).toBe(false);
          expect(verifyConsistency(m, n, rm, rn, proof.toSpliced(j, 1))).toBe(false);
        }
        if (m < n) expect(verifyConsistency(m, n, rm, rn, [...proof, rn])).toBe(false);
        if (m < n && pick % 8 === 0) {
          // A log that rewrote an old entry is not consistent with what it signed before.
          const forked = [...bigLeaves.slice(0, n)];
          forked[pick % m] = flip(forked[pick % m] as Buffer);
          expect(verifyConsistency(m, n, rm, rootHash(forked), consistencyProof(forked, m, n))).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('handles the edge sizes: equal trees need an empty proof, the empty tree is a prefix of all', () => {
    const r = bigLog.root(10);
    expect(verifyConsistency(10, 10, r, r, [])).toBe(true);
    expect(verifyConsistency(10, 10, r, flip(r), [])).toBe(false);
    expect(verifyConsistency(10, 10, r, r, [r])).toBe(false);
    expect(verifyConsistency(0, 10, EMPTY_ROOT, r, [])).toBe(true);
    expect(verifyConsistency(11, 10, r, r, [])).toBe(false);
    expect(verifyConsistency(3, 10, bigLog.root(3), r, [])).toBe(false);
    expect(verifyInclusion(bigLeaves[0] as Buffer, 0, 1, [], bigLeaves[0] as Buffer)).toBe(true);
    expect(verifyInclusion(bigLeaves[0] as Buffer, 0, 0, [], bigLeaves[0] as Buffer)).toBe(false);
    expect(verifyInclusion(Buffer.alloc(31), 0, 1, [], Buffer.alloc(31))).toBe(false);
  });
});
