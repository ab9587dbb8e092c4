import { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DomainError, LabNo, ProblemDetails } from '@tamga/contracts';
import type { Principal } from '@tamga/contracts';
import {
  assertAgencyScope,
  createJwtAuthenticator,
  createLogger,
  createServiceApp,
  createTokenIssuer,
  generateSigningKeyPair,
} from '@tamga/service-kit';
import type { ServiceApp, SigningKeyPair, TokenIssuer } from '@tamga/service-kit';

const ISSUER = 'tamga-portal';
const AUDIENCE = 'tamga';

const technician: Principal = { sub: 'u-tech', name: 'Aida Technician', roles: ['technician'], lab: 'TMG' };
const analyst: Principal = { sub: 'u-an', name: 'Bolat Analyst', roles: ['analyst'], lab: 'TMG' };
const investigator: Principal = { sub: 'u-inv', name: 'Inv', roles: ['investigator'], lab: 'TMG', agencyId: 'police-1' };

let keys: SigningKeyPair;
let otherKeys: SigningKeyPair;
let issuer: TokenIssuer;
const logLines: string[] = [];

beforeAll(async () => {
  keys = await generateSigningKeyPair();
  otherKeys = await generateSigningKeyPair();
  issuer = createTokenIssuer({ privateKey: keys.privateKey, kid: keys.kid, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 300 });
});

const apps: ServiceApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  logLines.length = 0;
});

async function buildApp(readiness: Array<() => Promise<void>> = []): Promise<ServiceApp> {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const app = await createServiceApp({
    name: 'test',
    logger: createLogger({ name: 'test', level: 'info', destination }),
    auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: ISSUER, audience: AUDIENCE }),
    readiness,
  });
  app.post(
    '/v1/cases/:caseId/items',
    {
      config: { roles: ['technician'] },
      schema: {
        params: z.object({ caseId: z.string().min(3) }),
        querystring: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
        body: z.object({ labNo: LabNo, description: z.string().min(1), seals: z.array(z.object({ number: z.string().min(1) })) }),
      },
    },
    async (request, reply) => reply.status(201).send({ caseId: request.params.caseId, labNo: request.body.labNo, by: request.principal.sub }),
  );
  app.get('/v1/conflict', () => {
    throw new DomainError('INTAKE_ERR_DUPLICATE_SEAL', 'seal S-1 is already recorded', {
      status: 409,
      errors: [{ field: 'seals.0.number', message: 'duplicate' }],
    });
  });
  app.get('/v1/boom', () => {
    throw new Error('database password is hunter2');
  });
  app.get('/v1/agencies/:agencyId/cases', { schema: { params: z.object({ agencyId: z.string() }) } }, (request) => {
    assertAgencyScope(request.principal, request.params.agencyId);
    return { agencyId: request.params.agencyId, cases: [] };
  });
  app.get('/v1/public-thing', { config: { public: true } }, () => ({ ok: true }));
  apps.push(app);
  return app;
}

const goodBody = { labNo: 'TMG-2025-000001-01', description: 'white powder', seals: [{ number: 'S-1' }] };

function fieldsOf(res: { json(): unknown }): string[] {
  return ProblemDetails.parse(res.json()).errors?.map((e) => e.field) ?? [];
}

async function bearer(principal: Principal): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await issuer.issue(principal)}` };
}

describe('problem details', () => {
  it('accepts a valid request and hands the handler the principal', async () => {
    const app = await buildApp();
    const res = await app.inject({ method: 'POST', url: '/v1/cases/case-1/items', headers: await bearer(technician), payload: goodBody });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ caseId: 'case-1', labNo: 'TMG-2025-000001-01', by: 'u-tech' });
  });

  it('answers a bad body with 400 naming each offending field', async () => {
    const app = await buildApp();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/cases/case-1/items',
      headers: await bearer(technician),
      payload: { labNo: 'nope', description: 'x', seals: [{ number: '' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ status: 400, code: 'HTTP_ERR_VALIDATION', type: 'urn:tamga:problem:HTTP_ERR_VALIDATION' });
    expect(fieldsOf(res).sort()).toEqual(['body.labNo', 'body.seals.0.number']);
    expect(problem.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('names query and path parameters with their location', async () => {
    const app = await buildApp();
    const res = await app.inject({ method: 'POST', url: '/v1/cases/c/items?dryRun=maybe', headers: await bearer(technician), payload: goodBody });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['params.caseId']);
    const query = await app.inject({ method: 'POST', url: '/v1/cases/case-1/items?dryRun=maybe', headers: await bearer(technician), payload: goodBody });
    expect(query.statusCode).toBe(400);
    expect(fieldsOf(query)).toEqual(['query.dryRun']);
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    const app = await buildApp();
    const headers = { ...(await bearer(technician)), 'content-type': 'application/json' };
    const bad = await app.inject({ method: 'POST', url: '/v1/cases/case-1/items', headers, payload: '{"labNo": ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('HTTP_ERR_MALFORMED_BODY');
    const big = await app.inject({ method: 'POST', url: '/v1/cases/case-1/items', headers, payload: JSON.stringify({ description: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(big.json().code).toBe('HTTP_ERR_PAYLOAD_TOO_LARGE');
  });

  it('answers a body of an unsupported media type with 415', async () => {
    const app = await buildApp();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/cases/case-1/items',
      headers: { ...(await bearer(technician)), 'content-type': 'application/x-custom' },
      payload: 'x',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ status: 415, code: 'HTTP_ERR_UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const app = await buildApp();
    const res = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 404, code: 'HTTP_ERR_NOT_FOUND' });
  });

  it('maps a DomainError to its status, code and fields', async () => {
    const app = await buildApp();
    const res = await app.inject({ method: 'GET', url: '/v1/conflict', headers: await bearer(analyst) });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      status: 409,
      code: 'INTAKE_ERR_DUPLICATE_SEAL',
      detail: 'seal S-1 is already recorded',
      errors: [{ field: 'seals.0.number', message: 'duplicate' }],
    });
  });

  it('answers an unexpected error with a generic 500 and logs it, never leaking the message or stack', async () => {
    const app = await buildApp();
    const res = await app.inject({ method: 'GET', url: '/v1/boom', headers: await bearer(analyst) });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ status: 500, code: 'HTTP_ERR_INTERNAL' });
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    expect(logLines.some((l) => l.includes('"level":50') && l.includes('hunter2'))).toBe(true);
  });

  it('sets API security headers', async () => {
    const app = await buildApp();
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('logs a trace id continued from an incoming traceparent and never the token', async () => {
    const app = await buildApp();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await app.inject({
      method: 'GET',
      url: '/v1/conflict',
      headers: { ...(await bearer(analyst)), traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    expect(res.json().traceId).toBe(traceId);
    expect(logLines.some((l) => l.includes(`"traceId":"${traceId}"`))).toBe(true);
    expect(logLines.join('')).not.toContain('Bearer ');
  });
});

describe('authentication and authorization', () => {
  it('refuses a request without a token with 401', async () => {
    const app = await buildApp();
    const res = await app.inject({ method: 'POST', url: '/v1/cases/case-1/items', payload: goodBody });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('AUTH_ERR_UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses an expired token with 401', async () => {
    const app = await buildApp();
    const longAgo = new Date(Date.now() - 3600_000);
    const token = await issuer.issue(technician, longAgo);
    const res = await app.inject({ method: 'POST', url: '/v1/cases/case-1/items', headers: { authorization: `Bearer ${token}` }, payload: goodBody });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('AUTH_ERR_UNAUTHENTICATED');
  });

  it('refuses a token signed by another key with 401', async () => {
    const app = await buildApp();
    const forger = createTokenIssuer({ privateKey: otherKeys.privateKey, kid: keys.kid, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 300 });
    const token = await forger.issue(technician);
    const res = await app.inject({ method: 'POST', url: '/v1/cases/case-1/items', headers: { authorization: `Bearer ${token}` }, payload: goodBody });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a token for another audience or issuer with 401', async () => {
    const app = await buildApp();
    for (const other of [
      createTokenIssuer({ privateKey: keys.privateKey, issuer: ISSUER, audience: 'someone-else', ttlSeconds: 300 }),
      createTokenIssuer({ privateKey: keys.privateKey, issuer: 'evil', audience: AUDIENCE, ttlSeconds: 300 }),
    ]) {
      const res = await app.inject({ method: 'GET', url: '/v1/conflict', headers: { authorization: `Bearer ${await other.issue(analyst)}` } });
      expect(res.statusCode).toBe(401);
    }
  });

  it('refuses garbage in the Authorization header with 401', async () => {
    const app = await buildApp();
    for (const authorization of ['Bearer', 'Basic dXNlcjpwYXNz', 'Bearer not.a.jwt']) {
      const res = await app.inject({ method: 'GET', url: '/v1/conflict', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
    }
  });

  it('refuses a caller without the route role with 403 AUTH_ERR_FORBIDDEN_ROLE', async () => {
    const app = await buildApp();
    const res = await app.inject({ method: 'POST', url: '/v1/cases/case-1/items', headers: await bearer(analyst), payload: goodBody });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('AUTH_ERR_FORBIDDEN_ROLE');
  });

  it('lets an investigator see only their own agency', async () => {
    const app = await buildApp();
    const own = await app.inject({ method: 'GET', url: '/v1/agencies/police-1/cases', headers: await bearer(investigator) });
    expect(own.statusCode).toBe(200);
    const other = await app.inject({ method: 'GET', url: '/v1/agencies/customs-2/cases', headers: await bearer(investigator) });
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('AUTH_ERR_FORBIDDEN_AGENCY');
    const staff = await app.inject({ method: 'GET', url: '/v1/agencies/customs-2/cases', headers: await bearer(analyst) });
    expect(staff.statusCode).toBe(200);
  });

  it('serves public routes, /health and /ready without a token', async () => {
    const app = await buildApp();
    for (const url of ['/v1/public-thing', '/health', '/ready']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
    }
  });
});

describe('readiness', () => {
  it('answers 503 naming the failing check', async () => {
    const app = await buildApp([
      function store() {
        return Promise.resolve();
      },
      function nats() {
        return Promise.reject(new Error('not connected'));
      },
    ]);
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'HTTP_ERR_NOT_READY', errors: [{ field: 'checks.nats', message: 'not connected' }] });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  });
});
