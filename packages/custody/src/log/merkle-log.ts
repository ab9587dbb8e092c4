// The lab-wide append-only log: a MerkleTree over custody event hashes plus an index from entry
// to leaf, so append is idempotent on the entry hash (as in Trillian and Rekor).
import { CustodyErrors } from '../errors.ts';
import { isHex64, fromHex, toHex } from '../digest.ts';
import { MerkleTree } from './merkle-tree.ts';
import { HASH_SIZE, leafHash } from './tree-hash.ts';

export interface AppendResult {
  /** Leaf index of the entry. */
  index: number;
  /** False when the entry was already in the log: nothing changed. */
  appended: boolean;
}

/** Size and hex root of the log at some moment. */
export interface TreeHead {
  size: number;
  rootHash: string;
}

export class MerkleLog {
  private readonly tree = new MerkleTree();
  /** Leaf hash (as a latin1 key) -> index. */
  private readonly indexByLeaf = new Map<string, number>();

  get size(): number {
    return this.tree.size;
  }

  /**
   * Appends an entry (a custody event hash, hex or 32 bytes) as the leaf SHA-256(0x00 || entry).
   * Appending an entry that is already in the log returns its index and changes nothing.
   */
  append(entryHash: string | Uint8Array): AppendResult {
    const leaf = leafHash(entryBytes(entryHash));
    const key = leaf.toString('latin1');
    const existing = this.indexByLeaf.get(key);
    if (existing !== undefined) return { index: existing, appended: false };
    const index = this.tree.push(leaf);
    this.indexByLeaf.set(key, index);
    return { index, appended: true };
  }

  /** Leaf index of an entry; CUSTODY_ERR_NOT_IN_LOG if it was never appended. */
  indexOf(entryHash: string | Uint8Array): number {
    const index = this.indexByLeaf.get(leafHash(entryBytes(entryHash)).toString('latin1'));
    if (index === undefined) {
      throw CustodyErrors.CUSTODY_ERR_NOT_IN_LOG(`entry ${typeof entryHash === 'string' ? entryHash : toHex(entryHash)} is not in the log`);
    }
    return index;
  }

  has(entryHash: string | Uint8Array): boolean {
    return this.indexByLeaf.has(leafHash(entryBytes(entryHash)).toString('latin1'));
  }

  /** The leaf hash at an index. */
  leafHash(index: number): Buffer {
    return this.tree.leaf(index);
  }

  /** The unsigned tree head at `size` (default: now): sign it with signCheckpoint. */
  head(size: number = this.size): TreeHead {
    return { size, rootHash: toHex(this.tree.root(size)) };
  }

  /** Root hash of the log at `size` (default: now). */
  root(size: number = this.size): Buffer {
    return this.tree.root(size);
  }

  /** Inclusion proof of leaf `index` in the log at `size` (default: now). */
  proveInclusion(index: number, size: number = this.size): Buffer[] {
    return this.tree.proveInclusion(index, size);
  }

  /** Consistency proof that the log at size m is a prefix of the log at size n (default: now). */
  proveConsistency(m: number, n: number = this.size): Buffer[] {
    return this.tree.proveConsistency(m, n);
  }
}

function entryBytes(entryHash: string | Uint8Array): Uint8Array {
  if (typeof entryHash === 'string') {
    if (!isHex64(entryHash)) throw CustodyErrors.CUSTODY_ERR_LOG_RANGE('an entry hash is 64 lowercase hex digits');
    return fromHex(entryHash);
  }
  if (entryHash.byteLength !== HASH_SIZE) throw CustodyErrors.CUSTODY_ERR_LOG_RANGE(`an entry hash has ${HASH_SIZE} bytes`);
  return entryHash;
}

