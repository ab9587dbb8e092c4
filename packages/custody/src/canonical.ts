// RFC 8785 (JSON Canonicalization Scheme) via the maintained `canonicalize` package: keys sorted
// by UTF-16 code units, ECMAScript number formatting, minimal string escaping. The event hash is
// SHA-256 over these bytes, so two servers that store the same event in any key order, or a
// document database that reorders fields, still agree on its hash.
import canonicalize from 'canonicalize';
import { CustodyErrors } from './errors.ts';
import { sha256 } from './digest.ts';

/** RFC 8785 canonical JSON of a JSON value. Throws CUSTODY_ERR_NOT_CANONICAL for NaN, Infinity, lone surrogates, cycles, BigInt or a bare undefined. */
export function canonicalJson(value: unknown): string {
  let out: string | undefined;
  try {
    out = canonicalize(value);
  } catch (cause) {
    throw CustodyErrors.CUSTODY_ERR_NOT_CANONICAL(`not canonical JSON: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (out === undefined) throw CustodyErrors.CUSTODY_ERR_NOT_CANONICAL('undefined has no JSON form');
  return out;
}

/**
 * The hash of a custody event: hex SHA-256 of the canonical JSON of the event without its own
 * `hash` field (which is left out if present, so a stored event can be passed as it is).
 */
export function hashEvent(event: Readonly<Record<string, unknown>>): string {
  return sha256(canonicalEventBytes(event)).toString('hex');
}

/** The exact bytes hashEvent hashes (UTF-8 of the canonical JSON without `hash`). */
export function canonicalEventBytes(event: Readonly<Record<string, unknown>>): Buffer {
  const { hash: _hash, ...rest } = event;
  return Buffer.from(canonicalJson(rest), 'utf8');
}
