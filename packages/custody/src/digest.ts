// SHA-256 and hex helpers shared by the chain, the log and the checkpoints.
import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;

// crypto.hash (Node >= 20.12) skips the Hash object and is about twice as fast for the small
// inputs a Merkle tree hashes; fall back to createHash on older 20.x.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

export const sha256: (data: Uint8Array) => Buffer = oneShot
  ? (data) => oneShot('sha256', data, 'buffer')
  : (data) => crypto.createHash('sha256').update(data).digest();

export const HEX64 = /^[0-9a-f]{64}$/;

export function isHex64(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses 64 lowercase hex digits; the caller has checked the shape with isHex64. */
export function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}
