// Ed25519 signing keys for tokens, and a token issuer. The portal issues tokens in production;
// until it exists, `tamga start` creates a key pair in its data folder and the CLI and tests
// issue tokens with it. Private keys are written 0600 and never logged.
import { constants as fsConstants } from 'node:fs';
import { chmod, link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { JWK, CryptoKey } from 'jose';
import { Principal } from '@tamga/contracts';
import { kitErrors } from '../errors.ts';

export const TOKEN_ALG = 'EdDSA';

export interface SigningKeyPair {
  /** Key id (RFC 7638 thumbprint of the public key); put in the token header and the JWKS. */
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Public JWK with `kid`, `alg` and `use` set, ready for a JWKS document. */
  publicJwk: JWK;
  privateJwk: JWK;
}

export const PRIVATE_KEY_FILE = 'token-signing.private.jwk.json';
export const PUBLIC_KEY_FILE = 'token-signing.public.jwk.json';

async function pairFromPrivateJwk(privateJwk: JWK): Promise<SigningKeyPair> {
  if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519' || typeof privateJwk.d !== 'string' || typeof privateJwk.x !== 'string') {
    throw kitErrors.AUTH_ERR_BAD_KEY('signing key must be an Ed25519 private JWK');
  }
  const bare: JWK = { kty: 'OKP', crv: 'Ed25519', x: privateJwk.x };
  const kid = await calculateJwkThumbprint(bare);
  const publicJwk: JWK = { ...bare, kid, alg: TOKEN_ALG, use: 'sig' };
  const fullPrivate: JWK = { ...bare, d: privateJwk.d, kid, alg: TOKEN_ALG, use: 'sig' };
  const privateKey = await importJWK(fullPrivate, TOKEN_ALG);
  const publicKey = await importJWK(publicJwk, TOKEN_ALG);
  if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) {
    throw kitErrors.AUTH_ERR_BAD_KEY('expected asymmetric keys');
  }
  return { kid, privateKey, publicKey, publicJwk, privateJwk: fullPrivate };
}

/** A fresh Ed25519 key pair (in memory). */
export async function generateSigningKeyPair(): Promise<SigningKeyPair> {
  const { privateKey } = await generateKeyPair(TOKEN_ALG, { crv: 'Ed25519', extractable: true });
  return pairFromPrivateJwk(await exportJWK(privateKey));
}

export interface StoredSigningKey extends SigningKeyPair {
  privateKeyFile: string;
  /** Give this to services as AUTH_PUBLIC_KEY_FILE. */
  publicKeyFile: string;
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}

/**
 * Loads the key pair kept in `dir`, creating it on first use. Safe when several processes
 * start at once: the private key file is created atomically (link of a 0600 temp file), and
 * the loser of a race reads the winner's key.
 */
export async function loadOrCreateSigningKey(dir: string): Promise<StoredSigningKey> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privateKeyFile = path.join(dir, PRIVATE_KEY_FILE);
  const publicKeyFile = path.join(dir, PUBLIC_KEY_FILE);

  let pair: SigningKeyPair;
  try {
    pair = await pairFromPrivateJwk(JSON.parse(await readFile(privateKeyFile, 'utf8')) as JWK);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    const fresh = await generateSigningKeyPair();
    const tmp = path.join(dir, `.${PRIVATE_KEY_FILE}.${randomUUID()}`);
    await writeFile(tmp, `${JSON.stringify(fresh.privateJwk)}\n`, { mode: 0o600, flag: fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY });
    try {
      await link(tmp, privateKeyFile);
      pair = fresh;
    } catch (linkErr) {
      if (!isErrno(linkErr, 'EEXIST')) throw linkErr;
      pair = await pairFromPrivateJwk(JSON.parse(await readFile(privateKeyFile, 'utf8')) as JWK);
    } finally {
      await rm(tmp, { force: true });
    }
  }
  await chmod(privateKeyFile, 0o600);

  // Left alone when it already publishes this key: after a rotation it also lists the previous
  // keys (`loadTokenKeys` keeps it), which a plain load must not drop.
  if (!(await publishes(publicKeyFile, pair.kid))) {
    const tmpPublic = path.join(dir, `.${PUBLIC_KEY_FILE}.${randomUUID()}`);
    await writeFile(tmpPublic, `${JSON.stringify({ keys: [pair.publicJwk] }, null, 2)}\n`, { mode: 0o644 });
    await rename(tmpPublic, publicKeyFile);
  }
  return { ...pair, privateKeyFile, publicKeyFile };
}

/** Reads the key pair kept in `dir` without creating or rewriting anything (a running portal following a rotation). */
export async function readSigningKey(dir: string): Promise<StoredSigningKey> {
  const privateKeyFile = path.join(dir, PRIVATE_KEY_FILE);
  const pair = await pairFromPrivateJwk(JSON.parse(await readFile(privateKeyFile, 'utf8')) as JWK);
  return { ...pair, privateKeyFile, publicKeyFile: path.join(dir, PUBLIC_KEY_FILE) };
}

async function publishes(jwksFile: string, kid: string): Promise<boolean> {
  try {
    const parsed = JSON.parse(await readFile(jwksFile, 'utf8')) as { keys?: unknown };
    return Array.isArray(parsed.keys) && parsed.keys.some((k: unknown) => typeof k === 'object' && k !== null && (k as { kid?: unknown }).kid === kid);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return false;
    throw err;
  }
}

export interface TokenIssuerOptions {
  privateKey: CryptoKey;
  /** Key id put in the token header (`SigningKeyPair.kid`). */
  kid?: string | undefined;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface TokenIssuer {
  /** A signed JWT carrying the principal's claims; `now` defaults to the clock. */
  issue(principal: Principal, now?: Date): Promise<string>;
}

export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  return {
    async issue(principal, now = new Date()) {
      const claims = Principal.parse(principal);
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({
        name: claims.name,
        roles: claims.roles,
        lab: claims.lab,
        ...(claims.agencyId === undefined ? {} : { agencyId: claims.agencyId }),
      })
        .setProtectedHeader({ alg: TOKEN_ALG, typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }) })
        .setSubject(claims.sub)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.ttlSeconds)
        .setJti(randomUUID())
        .sign(options.privateKey);
    },
  };
}
