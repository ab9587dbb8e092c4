// Token verification: every service checks tokens itself (EdDSA, issuer, audience, expiry)
// against the portal's public key (file) or its JWKS endpoint. No header the browser could set
// is trusted.
import { readFile, stat } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors, importSPKI, jwtVerify } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, JWTVerifyGetKey, JWTVerifyOptions, JWTVerifyResult } from 'jose';
import { Principal } from '@tamga/contracts';
import { kitErrors } from '../errors.ts';
import { TOKEN_ALG } from './keys.ts';

/** Turns a bearer token into the principal it proves, or throws AUTH_ERR_UNAUTHENTICATED. */
export interface Authenticator {
  authenticate(token: string): Promise<Principal>;
}

export type VerificationKey =
  | { publicKey: CryptoKey }
  | { jwks: JSONWebKeySet }
  | { jwksUrl: string | URL }
  /** A JWKS file, read again when it changes (a key rotation adds a key and later drops one). */
  | { jwksFile: string; jwks: JSONWebKeySet }
  /** A JWKS asked for on every verification (the portal's own keys, which follow a rotation). */
  | { jwksOf: () => Promise<JSONWebKeySet> };

export interface JwtAuthenticatorOptions {
  key: VerificationKey;
  issuer: string;
  audience: string;
  /** For `jwksUrl`: how long to wait for the JWKS endpoint (default 5000 ms). */
  jwksTimeoutMs?: number | undefined;
  /** Allowed clock skew between issuer and service (default 10 s). */
  clockToleranceSeconds?: number | undefined;
  /** Clock for tests (default: now). */
  currentDate?: (() => Date) | undefined;
}

/** jose errors that mean "this token is not acceptable", as opposed to "keys unavailable". */
const TOKEN_REJECTIONS = new Set([
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_EXPIRED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWS_INVALID',
  'ERR_JWT_INVALID',
  'ERR_JWK_INVALID',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
]);

function isTokenRejection(err: unknown): boolean {
  return err instanceof errors.JOSEError && TOKEN_REJECTIONS.has(err.code);
}

type Verify = (token: string, options: JWTVerifyOptions) => Promise<JWTVerifyResult>;

/** How often a key file is checked for changes, at most (on use, not on a timer). */
const KEY_FILE_CHECK_MS = 2_000;

/** A JWKS from a file that is read again when its modification time changes. */
function reloadingKeyFile(file: string, initial: JSONWebKeySet): JWTVerifyGetKey {
  let keySet = createLocalJWKSet(initial);
  let loadedMtime = -1;
  let checkedAt = 0;
  return async (header, token) => {
    if (Date.now() - checkedAt >= KEY_FILE_CHECK_MS) {
      checkedAt = Date.now();
      const mtime = (await stat(file)).mtimeMs;
      if (loadedMtime === -1) loadedMtime = mtime;
      else if (mtime !== loadedMtime) {
        const fresh = await readVerificationKey(file);
        if ('jwks' in fresh) keySet = createLocalJWKSet(fresh.jwks);
        loadedMtime = mtime;
      }
    }
    return keySet(header, token);
  };
}

/** What jose verifies against for a key: the key itself or a key set chosen by `kid`. */
export function keyLookupFor(key: VerificationKey, timeoutDuration = 5000): CryptoKey | JWTVerifyGetKey {
  if ('publicKey' in key) return key.publicKey;
  if ('jwksFile' in key) return reloadingKeyFile(key.jwksFile, key.jwks);
  if ('jwksOf' in key) {
    const { jwksOf } = key;
    return async (header, token) => createLocalJWKSet(await jwksOf())(header, token);
  }
  // A remote JWKS is fetched lazily, cached, and re-fetched when an unknown `kid` appears.
  return 'jwks' in key ? createLocalJWKSet(key.jwks) : createRemoteJWKSet(new URL(key.jwksUrl), { timeoutDuration });
}

function verifierFor(key: VerificationKey, timeoutDuration: number): Verify {
  const lookup = keyLookupFor(key, timeoutDuration);
  return (token, options) => (typeof lookup === 'function' ? jwtVerify(token, lookup, options) : jwtVerify(token, lookup, options));
}

export function createJwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const verify = verifierFor(options.key, options.jwksTimeoutMs ?? 5000);
  return {
    async authenticate(token) {
      let payload: unknown;
      try {
        const verifyOptions: JWTVerifyOptions = {
          algorithms: [TOKEN_ALG],
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: options.clockToleranceSeconds ?? 10,
          requiredClaims: ['sub', 'exp', 'iat'],
          ...(options.currentDate === undefined ? {} : { currentDate: options.currentDate() }),
        };
        payload = (await verify(token, verifyOptions)).payload;
      } catch (err) {
        if (isTokenRejection(err)) throw kitErrors.AUTH_ERR_UNAUTHENTICATED('the bearer token is invalid or expired', { cause: err });
        // The issuer's keys could not be fetched: the caller's token may be fine, so say so.
        throw kitErrors.AUTH_ERR_KEYS_UNAVAILABLE(undefined, { cause: err });
      }
      const principal = Principal.safeParse(payload);
      if (!principal.success) {
        throw kitErrors.AUTH_ERR_UNAUTHENTICATED('the bearer token lacks the claims of a Tamga user', { cause: principal.error });
      }
      return principal.data;
    },
  };
}

/** Reads a verification key file: JWKS or single JWK JSON, or an SPKI PEM. */
export async function readVerificationKey(file: string): Promise<VerificationKey> {
  const text = (await readFile(file, 'utf8')).trim();
  if (text.startsWith('-----BEGIN PUBLIC KEY-----')) {
    return { publicKey: await importSPKI(text, TOKEN_ALG) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw kitErrors.AUTH_ERR_BAD_KEY(`${file} is neither a PEM public key nor JSON`, { cause: err });
  }
  if (typeof parsed === 'object' && parsed !== null && 'keys' in parsed && Array.isArray(parsed.keys)) {
    return { jwksFile: file, jwks: parsed as JSONWebKeySet };
  }
  if (typeof parsed === 'object' && parsed !== null && 'kty' in parsed) {
    const jwk = parsed as JWK;
    if ('d' in jwk) throw kitErrors.AUTH_ERR_BAD_KEY(`${file} holds a private key; give services the public key`);
    return { jwks: { keys: [jwk] } };
  }
  throw kitErrors.AUTH_ERR_BAD_KEY(`${file} is not a JWK or JWKS document`);
}

export interface AuthConfig {
  AUTH_PUBLIC_KEY_FILE?: string | undefined;
  AUTH_JWKS_URL?: string | undefined;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
}

/** The authenticator a service's config asks for (JWKS URL preferred over a key file). */
/** The portal's public key as the config names it: its JWKS URL, else a key file; undefined if neither. */
export async function verificationKeyFromConfig(config: AuthConfig): Promise<VerificationKey | undefined> {
  if (config.AUTH_JWKS_URL !== undefined) return { jwksUrl: config.AUTH_JWKS_URL };
  if (config.AUTH_PUBLIC_KEY_FILE !== undefined) return readVerificationKey(config.AUTH_PUBLIC_KEY_FILE);
  return undefined;
}

export async function authenticatorFromConfig(config: AuthConfig): Promise<Authenticator> {
  const key = await verificationKeyFromConfig(config);
  if (key === undefined) throw kitErrors.AUTH_ERR_BAD_KEY('set AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL');
  return createJwtAuthenticator({ key, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE });
}
