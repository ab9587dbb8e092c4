// The Idempotency-Key mechanics every service gets from createServiceApp, on a real SQLite store:
// in-flight retries, failures that must stay retryable, expiry, abandoned requests, public routes.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Principal } from '@tamga/contracts';
import { createJwtAuthenticator, createLogger, createServiceApp, createTokenIssuer, generateSigningKeyPair, IdempotencyKeys } from '@tamga/service-kit';
import type { ServiceApp, SigningKeyPair } from '@tamga/service-kit';
import { openSqliteStore, type DocumentStore } from '@tamga/store';
import { tempDir } from '@tamga/testkit';

const technician: Principal = { sub: 'u-tech', name: 'Aida Technician', roles: ['technician'], lab: 'TMG' };

let keys: SigningKeyPair;
let token: string;
beforeAll(async () => {
  keys = await generateSigningKeyPair();
  const issuer = createTokenIssuer({ privateKey: keys.privateKey, kid: keys.kid, issuer: 'test', audience: 'tamga', ttlSeconds: 300 });
  token = await issuer.issue(technician);
});

let store: DocumentStore;
let app: ServiceApp;
let now: Date;
/** How many times each handler ran. */
let runs: Record<string, number>;
/** Each running slow handler waits for its own release, in the order they started. */
let releases: Array<() => void>;
let failNext: boolean;

beforeEach(async () => {
  store = await openSqliteStore({ file: `${tempDir('kit-idempotency')}/kit.sqlite` });
  now = new Date('2026-03-01T10:00:00Z');
  runs = { seal: 0, slow: 0, flaky: 0, label: 0, open: 0, get: 0 };
  failNext = false;
  releases = [];
  app = await createServiceApp({
    name: 'test',
    logger: createLogger({ name: 'test', level: 'silent' }),
    auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'test', audience: 'tamga' }),
    idempotency: { store, clock: () => now, retainMs: 60 * 60 * 1000, leaseMs: 30_000 },
  });
  app.post('/v1/seals', { schema: { body: z.object({ number: z.string().min(1) }) } }, async (request, reply) => {
    runs.seal = (runs.seal ?? 0) + 1;
    return reply.status(201).header('location', `/v1/seals/${request.body.number}`).send({ number: request.body.number, run: runs.seal });
  });
  app.post('/v1/slow', async () => {
    runs.slow = (runs.slow ?? 0) + 1;
    await new Promise<void>((resolve) => {
      releases.push(resolve);
    });
    return { run: runs.slow };
  });
  app.post('/v1/flaky', () => {
    runs.flaky = (runs.flaky ?? 0) + 1;
    if (failNext) throw new Error('the disk went away');
    return { run: runs.flaky };
  });
  app.post('/v1/labels', (_request, reply) => {
    runs.label = (runs.label ?? 0) + 1;
    return reply.type('application/pdf').send(Buffer.from([0x25, 0x50, 0x44, 0x46, runs.label]));
  });
  app.post('/v1/open', { config: { public: true } }, () => {
    runs.open = (runs.open ?? 0) + 1;
    return { run: runs.open };
  });
  app.get('/v1/seals', () => {
    runs.get = (runs.get ?? 0) + 1;
    return { run: runs.get };
  });
});
afterEach(async () => {
  await app.close();
  await store.close();
});

function send(url: string, key: string | undefined, body?: unknown, method: 'POST' | 'GET' = 'POST') {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
}

describe('Idempotency-Key', () => {
  it('replays status, body, content type and location, and treats bodies differing only in key order as the same', async () => {
    const first = await send('/v1/seals', 'k1', { number: 'S-1' });
    const retry = await app.inject({
      method: 'POST',
      url: '/v1/seals',
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'k1', 'content-type': 'application/json' },
      payload: '{ "number" : "S-1" }',
    });
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe('/v1/seals/S-1');
    expect(retry.headers['content-type']).toBe(first.headers['content-type']);
    expect(retry.body).toBe(first.body);
    expect(runs.seal).toBe(1);
  });

  it('scopes a key to its URL: the same key on another route runs that route', async () => {
    await send('/v1/seals', 'k2', { number: 'S-2' });
    expect((await send('/v1/flaky', 'k2')).statusCode).toBe(200);
    expect([runs.seal, runs.flaky]).toEqual([1, 1]);
  });

  it('answers a retry that arrives while the first request is still running with 409, then replays once it has answered', async () => {
    const first = send('/v1/slow', 'k3');
    await expect.poll(() => runs.slow).toBe(1);
    const meanwhile = await send('/v1/slow', 'k3');
    expect(meanwhile.statusCode).toBe(409);
    expect(meanwhile.json()).toMatchObject({ code: 'HTTP_ERR_IDEMPOTENCY_IN_PROGRESS', errors: [{ field: 'headers.idempotency-key' }] });
    releases[0]?.();
    expect((await first).json()).toEqual({ run: 1 });
    const after = await send('/v1/slow', 'k3');
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.json()).toEqual({ run: 1 });
    expect(runs.slow).toBe(1);
  });

  it('lets a retry run when the first request has been silent past its lease (a crashed process)', async () => {
    const first = send('/v1/slow', 'k4');
    await expect.poll(() => runs.slow).toBe(1);
    now = new Date(now.getTime() + 31_000);
    const second = send('/v1/slow', 'k4');
    await expect.poll(() => runs.slow).toBe(2);
    releases[1]?.();
    expect((await second).json()).toEqual({ run: 2 });
    // The first answers late; its response does not overwrite the record the retry now owns.
    releases[0]?.();
    expect((await first).json()).toEqual({ run: 2 });
    const replay = await send('/v1/slow', 'k4');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual({ run: 2 });
  });

  it('does not keep a 5xx: the retry runs the handler again', async () => {
    failNext = true;
    expect((await send('/v1/flaky', 'k5')).statusCode).toBe(500);
    failNext = false;
    const retry = await send('/v1/flaky', 'k5');
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.flaky).toBe(2);
    expect((await send('/v1/flaky', 'k5')).headers['idempotent-replayed']).toBe('true');
    expect(runs.flaky).toBe(2);
  });

  it('leaves the key free when the body failed validation, so the corrected request runs', async () => {
    const bad = await send('/v1/seals', 'k6', { number: '' });
    expect(bad.statusCode).toBe(400);
    // A body that failed validation never reached the handler, so its key is still free.
    expect((await send('/v1/seals', 'k6', { number: 'S-6' })).statusCode).toBe(201);
  });

  it('replays a binary response byte for byte', async () => {
    const first = await send('/v1/labels', 'k7');
    const retry = await send('/v1/labels', 'k7');
    expect(retry.headers['content-type']).toBe('application/pdf');
    expect(retry.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(runs.label).toBe(1);
  });

  it('forgets a key after its retention: the same key runs again', async () => {
    await send('/v1/seals', 'k8', { number: 'S-8' });
    now = new Date(now.getTime() + 60 * 60 * 1000 + 1);
    const later = await send('/v1/seals', 'k8', { number: 'S-8b' });
    expect(later.statusCode).toBe(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.seal).toBe(2);
  });

  it('ignores the header on reads and on public routes, and stores nothing for them', async () => {
    await send('/v1/seals', 'k9', undefined, 'GET');
    await send('/v1/seals', 'k9', undefined, 'GET');
    await app.inject({ method: 'POST', url: '/v1/open', headers: { 'idempotency-key': 'k9' } });
    await app.inject({ method: 'POST', url: '/v1/open', headers: { 'idempotency-key': '' } });
    expect([runs.get, runs.open]).toEqual([2, 2]);
    expect(await store.collection(IdempotencyKeys).count({})).toBe(0);
  });
});
