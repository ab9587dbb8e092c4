// Ed25519 keys in the encodings people actually hold: a node KeyObject, PEM (SPKI / PKCS#8),
// or the raw 32 bytes (as a Uint8Array or base64), which is what a bundle carries.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { isDomainError } from '@tamga/contracts';
import { CustodyErrors } from './errors.ts';
import { sha256 } from './digest.ts';

export type PublicKeyInput = KeyObject | string | Uint8Array;
export type PrivateKeyInput = KeyObject | string | Uint8Array;

// DER prefixes of the fixed-size Ed25519 SPKI and PKCS#8 structures (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 public KeyObject from any supported encoding (a private key yields its public half). */
export function toPublicKey(input: PublicKeyInput): KeyObject {
  const key = attempt(() => {
    if (typeof input === 'string' && input.includes('-----BEGIN')) return createPublicKey(input);
    if (typeof input === 'string' || input instanceof Uint8Array) {
      const raw = rawBytes(input);
      return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    }
    return input.type === 'private' ? createPublicKey(input) : input;
  });
  return ed25519(key);
}

/** An Ed25519 private KeyObject from a KeyObject, PKCS#8 PEM or the raw 32-byte seed. */
export function toPrivateKey(input: PrivateKeyInput): KeyObject {
  const key = attempt(() => {
    if (typeof input === 'string' && input.includes('-----BEGIN')) return createPrivateKey(input);
    if (typeof input === 'string' || input instanceof Uint8Array) {
      const seed = rawBytes(input);
      return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    }
    return input;
  });
  if (key.type !== 'private') throw CustodyErrors.CUSTODY_ERR_KEY_INVALID('a signing key must be a private key');
  return ed25519(key);
}

/** The raw 32-byte public key. */
export function rawPublicKey(input: PublicKeyInput): Buffer {
  const jwk = toPublicKey(input).export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url');
}

/** The public key as base64 of its raw 32 bytes (the form a proof bundle carries). */
export function encodePublicKey(input: PublicKeyInput): string {
  return rawPublicKey(input).toString('base64');
}

/** C2SP signed-note key ID: SHA-256(name || 0x0A || 0x01 || 32-byte key)[:4]. */
export function noteKeyId(name: string, publicKey: PublicKeyInput): Buffer {
  return sha256(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.from([0x01]), rawPublicKey(publicKey)])).subarray(0, 4);
}

function rawBytes(input: string | Uint8Array): Buffer {
  const raw = typeof input === 'string' ? Buffer.from(input.trim(), 'base64') : Buffer.from(input);
  if (raw.length !== 32) throw CustodyErrors.CUSTODY_ERR_KEY_INVALID(`a raw Ed25519 key has 32 bytes, this one has ${raw.length}`);
  if (typeof input === 'string' && raw.toString('base64') !== input.trim()) {
    throw CustodyErrors.CUSTODY_ERR_KEY_INVALID('the key is not valid base64');
  }
  return raw;
}

function attempt(make: () => KeyObject): KeyObject {
  try {
    return make();
  } catch (cause) {
    if (isDomainError(cause)) throw cause;
    throw CustodyErrors.CUSTODY_ERR_KEY_INVALID(`unreadable key: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

function ed25519(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw CustodyErrors.CUSTODY_ERR_KEY_INVALID(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  }
  return key;
}
