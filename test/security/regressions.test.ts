// What the fuzzer found, pinned as plain tests so they stay fixed whatever the random seed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createServiceApp, createJwtAuthenticator, generateSigningKeyPair } from '../../packages/service-kit/src/index.ts';
import type { ServiceApp } from '../../packages/service-kit/src/index.ts';
import { createMemoryStore } from '../../packages/store/src/index.ts';
import { buildPortalApp, DEFAULT_WEB_DIR, isWebBuilt } from '../../services/portal/src/index.ts';

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(res.body) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
}

describe('URLs the router cannot take apart', () => {
  let app: ServiceApp;

  beforeAll(async () => {
    const keys = await generateSigningKeyPair();
    app = await createServiceApp({
      name: 'probe',
      logger: createLogger({ name: 'probe', level: 'silent' }),
      auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', audience: 'tamga' }),
    });
    app.get('/v1/things/:id', { config: { public: true } }, (request) => ({ id: (request.params as { id: string }).id }));
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers a malformed percent-encoding in the path with problem details, not Fastify JSON', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/v1/things/%zz' }), 400);
    expectProblem(await app.inject({ method: 'GET', url: '/v1/things/%C0%AF' }), 400);
  });

  it('answers a path parameter longer than the router takes with problem details (414)', async () => {
    expectProblem(await app.inject({ method: 'GET', url: `/v1/things/${'a'.repeat(500)}` }), 414);
  });
});

const webBuilt = isWebBuilt(DEFAULT_WEB_DIR);
if (!webBuilt) console.warn(`portal static-file regression skipped: the web UI is not built in ${DEFAULT_WEB_DIR} (pnpm --filter @tamga/portal build:web)`);

describe.skipIf(!webBuilt)('the portal serving the web UI', () => {
  let app: ServiceApp;

  beforeAll(async () => {
    app = await buildPortalApp({
      store: createMemoryStore({ quiet: true }),
      keys: await generateSigningKeyPair(),
      lab: 'TMG',
      webDir: DEFAULT_WEB_DIR,
      logger: createLogger({ name: 'portal', level: 'silent' }),
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses a file name with a NUL byte as a bad request, not an internal error', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/%00' }), 400);
    expectProblem(await app.inject({ method: 'GET', url: '/index%00.html' }), 400);
  });
});
