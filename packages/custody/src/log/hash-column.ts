// A growable array of 32-byte hashes in one buffer: a million leaves cost 32 MB and no
// per-hash objects for the garbage collector to trace.
import { HASH_SIZE } from './tree-hash.ts';

export class HashColumn {
  private buf: Buffer;
  private count = 0;

  constructor(capacity = 1024) {
    this.buf = Buffer.allocUnsafe(capacity * HASH_SIZE);
  }

  get length(): number {
    return this.count;
  }

  push(hash: Uint8Array): void {
    if ((this.count + 1) * HASH_SIZE > this.buf.byteLength) {
      const grown = Buffer.allocUnsafe(this.buf.byteLength * 2);
      this.buf.copy(grown, 0, 0, this.count * HASH_SIZE);
      this.buf = grown;
    }
    this.buf.set(hash, this.count * HASH_SIZE);
    this.count++;
  }

  /** A view of hash i (valid until the next push); callers that keep it copy it. */
  at(i: number): Buffer {
    return this.buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }
}
