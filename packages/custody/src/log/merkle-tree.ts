// A Merkle tree in the RFC 9162 shape that keeps every complete (perfect) subtree hash, level
// by level, as Trillian does: appending is amortised O(1) (worst O(log n)), the root at any size
// and inclusion/consistency proofs are O(log n) lookups plus O(log n) hashes along the ragged
// right edge. Memory: about 64 bytes per leaf (leaves + interior nodes), ~64 MB per million.
import { CustodyErrors } from '../errors.ts';
import { HashColumn } from './hash-column.ts';
import { EMPTY_ROOT, HASH_SIZE, isPowerOfTwo, nodeHash, splitPoint } from './tree-hash.ts';

export class MerkleTree {
  /** levels[h][i] = hash of the perfect subtree over leaves [i*2^h, (i+1)*2^h). */
  private readonly levels: HashColumn[] = [new HashColumn()];
  private cachedRoot: { size: number; root: Buffer } | undefined;

  get size(): number {
    return (this.levels[0] as HashColumn).length;
  }

  /** Appends a leaf hash (SHA-256(0x00 || entry)); returns its index. Duplicates are allowed here. */
  push(leaf: Uint8Array): number {
    if (leaf.byteLength !== HASH_SIZE) throw CustodyErrors.CUSTODY_ERR_LOG_RANGE(`a leaf hash has ${HASH_SIZE} bytes, not ${leaf.byteLength}`);
    const index = this.size;
    (this.levels[0] as HashColumn).push(leaf);
    // Carry like a binary counter: every time a level reaches an even count, its last two
    // hashes close a perfect subtree one level up.
    for (let h = 0; (this.levels[h] as HashColumn).length % 2 === 0; h++) {
      const level = this.levels[h] as HashColumn;
      const n = level.length;
      const parent = nodeHash(level.at(n - 2), level.at(n - 1));
      (this.levels[h + 1] ??= new HashColumn()).push(parent);
    }
    this.cachedRoot = undefined;
    return index;
  }

  /** The leaf hash at an index (a copy). */
  leaf(index: number): Buffer {
    this.checkIndex(index, this.size);
    return Buffer.from((this.levels[0] as HashColumn).at(index));
  }

  /** MTH of the first `size` leaves (default: the whole log). */
  root(size: number = this.size): Buffer {
    this.checkSize(size);
    if (this.cachedRoot?.size === size) return Buffer.from(this.cachedRoot.root);
    const root = this.rangeHash(0, size);
    if (size === this.size) this.cachedRoot = { size, root };
    return Buffer.from(root);
  }

  /** RFC 9162 PATH(index, D[size]): sibling hashes from the leaf up. */
  proveInclusion(index: number, size: number = this.size): Buffer[] {
    this.checkSize(size);
    this.checkIndex(index, size);
    const path: Buffer[] = [];
    this.path(index, 0, size, path);
    return path;
  }

  /** RFC 9162 PROOF(m, D[n]): shows the log at size m is a prefix of the log at size n. */
  proveConsistency(m: number, n: number = this.size): Buffer[] {
    this.checkSize(n);
    if (!Number.isSafeInteger(m) || m < 0 || m > n) throw CustodyErrors.CUSTODY_ERR_LOG_RANGE(`cannot prove size ${m} against size ${n}`);
    const proof: Buffer[] = [];
    if (m > 0 && m < n) this.subproof(m, 0, n, true, proof);
    return proof;
  }

  /** MTH(D[lo:hi]); every range the RFC recursion asks for starts on a power-of-two boundary. */
  private rangeHash(lo: number, hi: number): Buffer {
    const n = hi - lo;
    if (n === 0) return EMPTY_ROOT;
    if (isPowerOfTwo(n) && lo % n === 0) {
      const level = this.levels[Math.round(Math.log2(n))];
      if (level) return level.at(lo / n);
    }
    const k = splitPoint(n);
    return nodeHash(this.rangeHash(lo, lo + k), this.rangeHash(lo + k, hi));
  }

  private path(m: number, lo: number, hi: number, out: Buffer[]): void {
    const n = hi - lo;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      this.path(m, lo, lo + k, out);
      out.push(Buffer.from(this.rangeHash(lo + k, hi)));
    } else {
      this.path(m - k, lo + k, hi, out);
      out.push(Buffer.from(this.rangeHash(lo, lo + k)));
    }
  }

  private subproof(m: number, lo: number, hi: number, whole: boolean, out: Buffer[]): void {
    const n = hi - lo;
    if (m === n) {
      if (!whole) out.push(Buffer.from(this.rangeHash(lo, hi)));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      this.subproof(m, lo, lo + k, whole, out);
      out.push(Buffer.from(this.rangeHash(lo + k, hi)));
    } else {
      this.subproof(m - k, lo + k, hi, false, out);
      out.push(Buffer.from(this.rangeHash(lo, lo + k)));
    }
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw CustodyErrors.CUSTODY_ERR_LOG_RANGE(`size ${size} is outside the log (0..${this.size})`);
    }
  }

  private checkIndex(index: number, size: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw CustodyErrors.CUSTODY_ERR_LOG_RANGE(`index ${index} is outside a tree of size ${size}`);
    }
  }
}


/** MTH(D[size]) over leaf hashes (pure; builds the tree, O(n)). */
export function rootHash(leaves: readonly Uint8Array[], size: number = leaves.length): Buffer {
  return treeOf(leaves, size).root(size);
}

/** RFC 9162 inclusion proof for leaf `index` in the tree of the first `size` leaf hashes. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number, size: number = leaves.length): Buffer[] {
  return treeOf(leaves, size).proveInclusion(index, size);
}

/** RFC 9162 consistency proof between the trees of the first m and first n leaf hashes. */
export function consistencyProof(leaves: readonly Uint8Array[], m: number, n: number = leaves.length): Buffer[] {
  return treeOf(leaves, n).proveConsistency(m, n);
}

function treeOf(leaves: readonly Uint8Array[], size: number): MerkleTree {
  if (!Number.isSafeInteger(size) || size < 0 || size > leaves.length) {
    throw CustodyErrors.CUSTODY_ERR_LOG_RANGE(`size ${size} is outside 0..${leaves.length}`);
  }
  const tree = new MerkleTree();
  for (let i = 0; i < size; i++) tree.push(leaves[i] as Uint8Array);
  return tree;
}
