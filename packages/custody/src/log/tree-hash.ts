// RFC 9162 section 2.1.1 tree hashing: domain-separated leaf and interior hashes, so a leaf can
// never be passed off as an interior node (second-preimage resistance).
import { sha256 } from '../digest.ts';

export const HASH_SIZE = 32;

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = sha256(new Uint8Array(0));

/** SHA-256(0x00 || leaf). The log's leaves are the 32-byte custody event hashes. */
export function leafHash(leaf: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(1 + leaf.byteLength);
  buf[0] = 0x00;
  buf.set(leaf, 1);
  return sha256(buf);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(1 + left.byteLength + right.byteLength);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + left.byteLength);
  return sha256(buf);
}

/** The largest power of two strictly below n (n >= 2): the split point k of RFC 9162. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  // Not bitwise: sizes may exceed 2^31.
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}
