import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { authenticatorFromConfig, createTokenIssuer, loadOrCreateSigningKey } from '@tamga/service-kit';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tamga-keys-'));
  dirs.push(dir);
  return dir;
}

describe('signing keys on disk', () => {
  it('creates a private key readable only by its owner and reuses it on the next start', async () => {
    const dir = await tempDir();
    const first = await loadOrCreateSigningKey(dir);
    expect((await stat(first.privateKeyFile)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateSigningKey(dir);
    expect(again.kid).toBe(first.kid);
    const publicDoc = JSON.parse(await readFile(first.publicKeyFile, 'utf8'));
    expect(publicDoc.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: first.kid });
    expect(publicDoc.keys[0].d).toBeUndefined();
  });

  it('agrees on one key when several processes start at once', async () => {
    const dir = await tempDir();
    const pairs = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateSigningKey(dir)));
    expect(new Set(pairs.map((p) => p.kid)).size).toBe(1);
  });

  it('issues tokens that a service configured with the public key file accepts', async () => {
    const dir = await tempDir();
    const key = await loadOrCreateSigningKey(dir);
    const issuer = createTokenIssuer({ privateKey: key.privateKey, kid: key.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 60 });
    const auth = await authenticatorFromConfig({ AUTH_PUBLIC_KEY_FILE: key.publicKeyFile, AUTH_ISSUER: 'tamga-portal', AUTH_AUDIENCE: 'tamga' });
    const principal = { sub: 'u-1', name: 'Inv', roles: ['investigator' as const], lab: 'TMG', agencyId: 'police-1' };
    expect(await auth.authenticate(await issuer.issue(principal))).toEqual(principal);
  });

  it('refuses to use a private key file as the verification key', async () => {
    const dir = await tempDir();
    const key = await loadOrCreateSigningKey(dir);
    await expect(authenticatorFromConfig({ AUTH_PUBLIC_KEY_FILE: key.privateKeyFile, AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' })).rejects.toMatchObject({
      code: 'AUTH_ERR_BAD_KEY',
    });
  });
});
