// Rotation of the token-signing key without signing anyone out: a new key (new kid) signs from
// the next start of the portal on, while the previous public key stays in the published JWKS
// until every token it signed has expired (`verifyUntil`). After that it is dropped, and a token
// it signs, even a fresh one from a leaked key, no longer verifies anywhere.
import { constants as fsConstants } from 'node:fs';
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { JSONWebKeySet, JWK } from 'jose';
import { z } from 'zod';
import { kitErrors } from '../errors.ts';
import { PRIVATE_KEY_FILE, generateSigningKeyPair, loadOrCreateSigningKey, readSigningKey } from './keys.ts';
import type { SigningKeyPair, StoredSigningKey } from './keys.ts';

/** The retired keys still published, beside the current key files in the keys folder. */
export const PREVIOUS_KEYS_FILE = 'token-signing.previous.json';

const PreviousKey = z.object({
  kid: z.string().min(1),
  publicJwk: z.looseObject({ kty: z.string(), kid: z.string() }),
  retiredAt: z.iso.datetime(),
  verifyUntil: z.iso.datetime(),
});
const PreviousKeysFile = z.object({ keys: z.array(PreviousKey) });

export interface PreviousTokenKey {
  kid: string;
  publicJwk: JWK;
  retiredAt: string;
  /** Tokens it signed verify until then; afterwards the key is gone from the JWKS. */
  verifyUntil: string;
}

export interface TokenKeys {
  /** Signs new tokens. */
  current: StoredSigningKey;
  /** Earlier keys whose tokens may still be in use. */
  previous: PreviousTokenKey[];
}

export interface TokenKeyRotation {
  kid: string;
  previousKid: string;
  /** Until when tokens of the previous key verify. */
  verifyUntil: string;
}

const stillValid = (now: Date) => (key: PreviousTokenKey) => Date.parse(key.verifyUntil) > now.getTime();

/** The JWKS to publish at `now`: the current key and the previous keys not yet past `verifyUntil`. */
export function publishedJwks(keys: { current: Pick<SigningKeyPair, 'publicJwk'>; previous: readonly PreviousTokenKey[] }, now: Date): JSONWebKeySet {
  return { keys: [keys.current.publicJwk, ...keys.previous.filter(stillValid(now)).map((k) => k.publicJwk)] };
}

async function readPrevious(dir: string): Promise<PreviousTokenKey[]> {
  let text: string;
  try {
    text = await readFile(path.join(dir, PREVIOUS_KEYS_FILE), 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return [];
    throw err;
  }
  const parsed = PreviousKeysFile.safeParse(JSON.parse(text));
  if (!parsed.success) throw kitErrors.AUTH_ERR_BAD_KEY(`${PREVIOUS_KEYS_FILE} is not a list of previous keys: ${parsed.error.message}`);
  return parsed.data.keys;
}

async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}`);
  await writeFile(tmp, text, { mode, flag: fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

/**
 * Loads the current key (creating it on first use) and the previous keys still valid at `now`,
 * and rewrites the public key file as the JWKS of both, for services given AUTH_PUBLIC_KEY_FILE.
 */
export async function loadTokenKeys(dir: string, now: Date = new Date()): Promise<TokenKeys> {
  const current = await loadOrCreateSigningKey(dir);
  const previous = (await readPrevious(dir)).filter((k) => k.kid !== current.kid).filter(stillValid(now));
  const keys = { current, previous };
  await writeAtomically(current.publicKeyFile, `${JSON.stringify(publishedJwks(keys, now), null, 2)}\n`, 0o644);
  return keys;
}

/**
 * Replaces the signing key in `dir` with a new one and keeps the old public key published for
 * `keepSeconds` (at least the longest token lifetime, plus the time to restart the portals).
 * Previous keys already past their time are dropped.
 */
export async function rotateTokenKey(dir: string, options: { keepSeconds: number; now?: Date }): Promise<TokenKeyRotation> {
  const now = options.now ?? new Date();
  if (!(options.keepSeconds > 0)) throw kitErrors.AUTH_ERR_BAD_KEY('keepSeconds must be positive: the previous key has to verify its tokens until they expire');
  const old = await loadOrCreateSigningKey(dir);
  const verifyUntil = new Date(now.getTime() + options.keepSeconds * 1000).toISOString();
  const previous = [
    { kid: old.kid, publicJwk: old.publicJwk, retiredAt: now.toISOString(), verifyUntil },
    ...(await readPrevious(dir)).filter((k) => k.kid !== old.kid).filter(stillValid(now)),
  ];
  // The previous list first: if the process dies before the new key is in place, the old key
  // still signs and is merely listed twice.
  await writeAtomically(path.join(dir, PREVIOUS_KEYS_FILE), `${JSON.stringify({ keys: previous }, null, 2)}\n`, 0o644);
  const fresh = await generateSigningKeyPair();
  await writeAtomically(path.join(dir, PRIVATE_KEY_FILE), `${JSON.stringify(fresh.privateJwk)}\n`, 0o600);
  const loaded = await loadTokenKeys(dir, now);
  if (loaded.current.kid !== fresh.kid) throw kitErrors.AUTH_ERR_BAD_KEY(`the new key in ${path.join(dir, PRIVATE_KEY_FILE)} did not load back`);
  return { kid: fresh.kid, previousKid: old.kid, verifyUntil };
}

/** Where a running portal gets the keys to sign with: the files as they are now. */
export interface TokenKeySource {
  /** The key that signs and the previous keys still published; after a rotation of the files, the rotated ones. */
  current(): Promise<{ current: SigningKeyPair; previous: readonly PreviousTokenKey[] }>;
}

export interface WatchTokenKeysOptions {
  /** How often the key files are looked at, at most (on use, not on a timer). Default 2 s. */
  checkMs?: number | undefined;
  /** Told when the files held something that could not be loaded; the keys in use stay. */
  onUnreadable?: ((err: unknown) => void) | undefined;
  /** Told when a rotated key was taken up. */
  onRotated?: ((keys: TokenKeys) => void) | undefined;
}

/** Keys loaded once: the portal signs with them until it stops (tests, and apps built without a folder). */
export function staticTokenKeys(keys: { current: SigningKeyPair; previous: readonly PreviousTokenKey[] }): TokenKeySource {
  return { current: () => Promise.resolve(keys) };
}

/** Identity of a file's contents as far as `stat` tells: a rename puts another inode, a rewrite another size or time. */
export async function fileStamp(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return 'absent';
    throw err;
  }
}

/**
 * Follows `tamga keys rotate-token-key` without a restart: the key files in `dir` are looked at
 * on use (at most every `checkMs`) and loaded again when they changed. A load counts only when
 * neither file changed while it was read and the key parses, so a half-written or half-rotated
 * folder is never signed with: the keys in use stay until the next look finds it whole.
 * Read-only: the public key file is rewritten by whoever rotates (`rotateTokenKey`).
 */
export async function watchTokenKeys(dir: string, options: WatchTokenKeysOptions = {}): Promise<TokenKeySource> {
  const checkMs = options.checkMs ?? 2_000;
  const files = [path.join(dir, PRIVATE_KEY_FILE), path.join(dir, PREVIOUS_KEYS_FILE)];
  const stamps = async (): Promise<string> => (await Promise.all(files.map(fileStamp))).join('|');

  let keys = await loadTokenKeys(dir);
  // Stamped after the first load, which may have created the key.
  let loadedStamp = await stamps();
  let checkedAt = Date.now();
  let checking: Promise<void> | undefined;

  const check = async (): Promise<void> => {
    const before = await stamps();
    if (before === loadedStamp) return;
    try {
      const current = await readSigningKey(dir);
      const previous = (await readPrevious(dir)).filter((k) => k.kid !== current.kid);
      if ((await stamps()) !== before) return; // still being written: look again next time
      keys = { current, previous };
      loadedStamp = before;
      options.onRotated?.(keys);
    } catch (err) {
      options.onUnreadable?.(err);
    }
  };

  return {
    async current() {
      if (Date.now() - checkedAt >= checkMs) {
        checkedAt = Date.now();
        checking ??= check().finally(() => {
          checking = undefined;
        });
        await checking;
      }
      return keys;
    },
  };
}
