// Rotating the token-signing key signs nobody out: the restarted portal signs with the new key
// (new kid) and publishes the previous one until its tokens have expired; a service that fetches
// the JWKS accepts both. Once the previous key is past its time, what it signs is refused.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { writeFile } from 'node:fs/promises';
import { authenticatorFromConfig, createJwtAuthenticator, createTokenIssuer, eSignatureVerifierFromConfig, loadTokenKeys, rotateTokenKey, watchTokenKeys } from '@tamga/service-kit';
import { tempDir } from '@tamga/testkit';
import { startTestPortal } from './portal.ts';
import type { TestPortal } from './portal.ts';

const open: TestPortal[] = [];
afterEach(async () => {
  for (const p of open.splice(0)) await p.close();
});

async function portalFrom(dir: string, now?: Date): Promise<{ portal: TestPortal; jwksUrl: string }> {
  const keys = await loadTokenKeys(dir, now);
  const portal = await startTestPortal({ keys: keys.current, previousKeys: keys.previous, ...(now === undefined ? {} : { now: () => now }) });
  open.push(portal);
  await portal.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = portal.app.server.address() as AddressInfo;
  return { portal, jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json` };
}

const kidOf = (token: string): string | undefined => decodeProtectedHeader(token).kid;
const serviceAuth = (jwksUrl: string) => createJwtAuthenticator({ key: { jwksUrl }, issuer: 'tamga-portal', audience: 'tamga' });

describe('token-signing key rotation', () => {
  it('keeps tokens signed before the rotation valid, and signs new ones with the new kid', async () => {
    const dir = tempDir('tamga-token-rotation');
    const before = await portalFrom(dir);
    const { token: oldToken } = await before.portal.signIn('analyst');
    const oldKid = kidOf(oldToken);
    await before.portal.close();

    const rotation = await rotateTokenKey(dir, { keepSeconds: 3600 });
    expect(rotation.previousKid).toBe(oldKid);
    expect(rotation.kid).not.toBe(oldKid);

    // The portal restarted on the rotated keys.
    const after = await portalFrom(dir);
    const jwks = await (await fetch(after.jwksUrl)).json() as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotation.kid, oldKid]);
    const { token: newToken } = await after.portal.signIn('analyst');
    expect(kidOf(newToken)).toBe(rotation.kid);

    // A service fetching the JWKS, one reading the key file, and the portal itself accept both.
    const fetching = serviceAuth(after.jwksUrl);
    const fromFile = await authenticatorFromConfig({ AUTH_PUBLIC_KEY_FILE: `${dir}/token-signing.public.jwk.json`, AUTH_ISSUER: 'tamga-portal', AUTH_AUDIENCE: 'tamga' });
    for (const auth of [fetching, fromFile]) {
      expect((await auth.authenticate(oldToken)).name).toBe(after.portal.users.analyst?.name);
      expect((await auth.authenticate(newToken)).name).toBe(after.portal.users.analyst?.name);
    }
    const me = await after.portal.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${oldToken}` } });
    // Past the token check (the restarted test portal has a fresh memory store, so the user is unknown).
    expect(me.statusCode).toBe(404);
    const bad = await after.portal.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${oldToken.slice(0, -4)}AAAA` } });
    expect(bad.statusCode).toBe(401);
  });

  it('a service reading the key file follows a rotation without a restart', async () => {
    const dir = tempDir('tamga-token-file');
    const first = await loadTokenKeys(dir);
    const file = `${dir}/token-signing.public.jwk.json`;
    const service = await authenticatorFromConfig({ AUTH_PUBLIC_KEY_FILE: file, AUTH_ISSUER: 'tamga-portal', AUTH_AUDIENCE: 'tamga' });
    const person = { sub: 'u-an', name: 'Arman Analyst', roles: ['analyst' as const], lab: 'TMG' };
    const oldIssuer = createTokenIssuer({ privateKey: first.current.privateKey, kid: first.current.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 600 });
    expect((await service.authenticate(await oldIssuer.issue(person))).sub).toBe('u-an');

    await rotateTokenKey(dir, { keepSeconds: 60 });
    const rotated = await loadTokenKeys(dir);
    const newIssuer = createTokenIssuer({ privateKey: rotated.current.privateKey, kid: rotated.current.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 600 });
    // The file is looked at again at most every two seconds.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await service.authenticate(await newIssuer.issue(person))).sub).toBe('u-an');
    expect((await service.authenticate(await oldIssuer.issue(person))).sub).toBe('u-an');

    // The previous key's time runs out: the file is rewritten without it, and the service follows.
    await loadTokenKeys(dir, new Date(Date.now() + 61_000));
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expect(service.authenticate(await oldIssuer.issue(person))).rejects.toMatchObject({ code: 'AUTH_ERR_UNAUTHENTICATED' });
    expect((await service.authenticate(await newIssuer.issue(person))).sub).toBe('u-an');
  });

  it('refuses a token signed with a retired key once its time is over, even a fresh one', async () => {
    const dir = tempDir('tamga-token-retired');
    const first = await loadTokenKeys(dir);
    const rotation = await rotateTokenKey(dir, { keepSeconds: 60 });
    // A token the retired key signs now, as a thief holding it would.
    const forged = await createTokenIssuer({ privateKey: first.current.privateKey, kid: first.current.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 600 }).issue({
      sub: 'u-thief',
      name: 'Thief',
      roles: ['admin'],
      lab: 'TMG',
    });

    // Within its minute the previous key still verifies...
    const during = await portalFrom(dir);
    expect((await serviceAuth(during.jwksUrl).authenticate(forged)).sub).toBe('u-thief');

    // ...after it, the JWKS and the key file no longer carry it.
    const later = new Date(Date.now() + 61_000);
    const after = await portalFrom(dir, later);
    const jwks = await (await fetch(after.jwksUrl)).json() as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotation.kid]);
    await expect(serviceAuth(after.jwksUrl).authenticate(forged)).rejects.toMatchObject({ code: 'AUTH_ERR_UNAUTHENTICATED' });
    const fromFile = await authenticatorFromConfig({ AUTH_PUBLIC_KEY_FILE: `${dir}/token-signing.public.jwk.json`, AUTH_ISSUER: 'tamga-portal', AUTH_AUDIENCE: 'tamga' });
    await expect(fromFile.authenticate(forged)).rejects.toMatchObject({ code: 'AUTH_ERR_UNAUTHENTICATED' });
    expect((await loadTokenKeys(dir, later)).previous).toEqual([]);
  });

  it('a running portal signs tokens and e-signatures with the rotated key without a restart; earlier ones still verify', async () => {
    const dir = tempDir('tamga-token-live');
    const tokenKeys = await watchTokenKeys(dir, { checkMs: 0 });
    const { current, previous } = await tokenKeys.current();
    const portal = await startTestPortal({ keys: current, previousKeys: previous, tokenKeys });
    open.push(portal);
    const reviewer = portal.users.reviewer;
    const password = reviewer?.password ?? '';
    const sub = reviewer?.id ?? '';
    const esign = async (token: string): Promise<string> => {
      const res = await portal.app.inject({
        method: 'POST',
        url: '/v1/e-signatures',
        headers: { authorization: `Bearer ${token}` },
        payload: { password, meaning: 'approved', purpose: 'approve result R-1 v1' },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ token: string }>().token;
    };
    const { token: oldToken } = await portal.signIn('reviewer', password);
    const oldSignature = await esign(oldToken);
    expect(kidOf(oldToken)).toBe(current.kid);
    expect(kidOf(oldSignature)).toBe(current.kid);

    // `tamga keys rotate-token-key` while the portal runs.
    const rotation = await rotateTokenKey(dir, { keepSeconds: 3600 });
    const { token: newToken } = await portal.signIn('reviewer', password);
    expect(kidOf(newToken)).toBe(rotation.kid);
    const newSignature = await esign(newToken);
    expect(kidOf(newSignature)).toBe(rotation.kid);
    // The portal publishes both keys and accepts tokens of both.
    const jwks = (await portal.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: { kid: string }[] }>();
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotation.kid, current.kid]);
    for (const token of [oldToken, newToken]) {
      expect((await portal.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    }
    // A service given the public key file verifies what either key signed.
    const config = { AUTH_PUBLIC_KEY_FILE: `${dir}/token-signing.public.jwk.json`, AUTH_ISSUER: 'tamga-portal', AUTH_AUDIENCE: 'tamga' };
    const service = await authenticatorFromConfig(config);
    const signatures = await eSignatureVerifierFromConfig(config);
    for (const token of [oldToken, newToken]) expect((await service.authenticate(token)).sub).toBe(sub);
    for (const signature of [oldSignature, newSignature]) {
      expect(await signatures?.verify(signature, { sub, meaning: 'approved', purpose: 'approve result R-1 v1' })).toMatchObject({ by: sub });
    }
  });

  it('keeps signing with the key in use while the key file is half-written, and takes the new key once it is whole', async () => {
    const dir = tempDir('tamga-token-torn');
    const unreadable: unknown[] = [];
    const tokenKeys = await watchTokenKeys(dir, { checkMs: 0, onUnreadable: (err) => unreadable.push(err) });
    const { current, previous } = await tokenKeys.current();
    const portal = await startTestPortal({ keys: current, previousKeys: previous, tokenKeys });
    open.push(portal);
    const fresh = await loadTokenKeys(tempDir('tamga-token-other'));
    const whole = `${JSON.stringify(fresh.current.privateJwk)}\n`;
    // An operator copying a key in place, caught half-way.
    await writeFile(`${dir}/token-signing.private.jwk.json`, whole.slice(0, Math.floor(whole.length / 2)));
    const { token: during } = await portal.signIn('analyst');
    expect(kidOf(during)).toBe(current.kid);
    expect(unreadable.length).toBeGreaterThan(0);
    await writeFile(`${dir}/token-signing.private.jwk.json`, whole);
    const { token: after } = await portal.signIn('analyst');
    expect(kidOf(after)).toBe(fresh.current.kid);
  });
});
