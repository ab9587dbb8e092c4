// Password hashing with scrypt (node:crypto). The parameters travel inside the stored hash
// (`scrypt$<log2N>$<r>$<p>$<salt>$<key>`), so they can be raised later without breaking old
// hashes; `needsRehash` tells when a stored hash is weaker than the current policy.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N (15 = 32 MiB with r=8). */
  log2N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt floor that fits a 2-core workstation: N=2^15, r=8, p=1 (32 MiB, ~0.4 s here). */
export const DEFAULT_SCRYPT: ScryptParams = { log2N: 15, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  // maxmem must exceed 128 * N * r * p bytes, or node refuses.
  const maxmem = 256 * N * params.r * params.p;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r: params.r, p: params.p, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params);
  return ['scrypt', params.log2N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash {
  const parts = stored.split('$');
  const [scheme, log2N, r, p, salt, key] = parts;
  if (parts.length !== 6 || scheme !== 'scrypt' || salt === undefined || key === undefined) {
    throw new Error('stored password hash is not in the scrypt$log2N$r$p$salt$key format');
  }
  const params = { log2N: Number(log2N), r: Number(r), p: Number(p) };
  if (![params.log2N, params.r, params.p].every((n) => Number.isInteger(n) && n > 0) || params.log2N > 22) {
    throw new Error('stored password hash has unusable scrypt parameters');
  }
  return { params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

/** Compares in constant time; a malformed stored hash is a bug and throws. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { params, salt, key } = parseHash(stored);
  const candidate = await derive(password, salt, params);
  return candidate.length === key.length && timingSafeEqual(candidate, key);
}

export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const current = parseHash(stored).params;
  return current.log2N < params.log2N || current.r < params.r || current.p < params.p;
}

// No 0/O, 1/l/I: printed passwords are read off paper.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password of `length` characters (default 20, ~115 bits) for first start and resets. */
export function randomPassword(length = 20): string {
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % ALPHABET.length);
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out.push(ALPHABET[byte % ALPHABET.length] ?? '');
    }
  }
  return out.join('');
}
