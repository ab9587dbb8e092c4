import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '@tamga/contracts';
import { createJwtAuthenticator, createTokenIssuer, generateSigningKeyPair } from '@tamga/service-kit';
import type { SigningKeyPair } from '@tamga/service-kit';

const analyst: Principal = { sub: 'u-an', name: 'Bolat Analyst', roles: ['analyst'], lab: 'TMG' };
let keys: SigningKeyPair;
let server: Server;
let jwksUrl: string;
let fetches = 0;

beforeAll(async () => {
  keys = await generateSigningKeyPair();
  // A stand-in for the portal's /.well-known/jwks.json, served over real HTTP.
  server = createServer((req, res) => {
    fetches++;
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [keys.publicJwk] }));
    } else {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

describe('verification against a JWKS endpoint', () => {
  it('accepts a token whose kid the endpoint publishes, fetching the keys once', async () => {
    const auth = createJwtAuthenticator({ key: { jwksUrl }, issuer: 'tamga-portal', audience: 'tamga' });
    const issuer = createTokenIssuer({ privateKey: keys.privateKey, kid: keys.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 60 });
    const before = fetches;
    expect(await auth.authenticate(await issuer.issue(analyst))).toEqual(analyst);
    expect(await auth.authenticate(await issuer.issue(analyst))).toEqual(analyst);
    expect(fetches - before).toBe(1);
  });

  it('refuses a token signed by a key the endpoint does not publish with 401', async () => {
    const other = await generateSigningKeyPair();
    const auth = createJwtAuthenticator({ key: { jwksUrl }, issuer: 'tamga-portal', audience: 'tamga' });
    const forger = createTokenIssuer({ privateKey: other.privateKey, kid: other.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 60 });
    await expect(auth.authenticate(await forger.issue(analyst))).rejects.toMatchObject({ code: 'AUTH_ERR_UNAUTHENTICATED', status: 401 });
  });

  it('answers 503, not 401, when the keys cannot be fetched', async () => {
    const auth = createJwtAuthenticator({ key: { jwksUrl: jwksUrl.replace('/.well-known/jwks.json', '/broken') }, issuer: 'tamga-portal', audience: 'tamga' });
    const issuer = createTokenIssuer({ privateKey: keys.privateKey, kid: keys.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 60 });
    await expect(auth.authenticate(await issuer.issue(analyst))).rejects.toMatchObject({ code: 'AUTH_ERR_KEYS_UNAVAILABLE', status: 503 });
  });
});
