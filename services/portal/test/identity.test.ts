// Sign-in, sessions, lockout, password change, user administration and e-signatures, over
// HTTP; tokens checked the way every other service checks them (service-kit's authenticator
// fetching the portal's JWKS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  assertAgencyScope,
  authenticatorFromConfig,
  createESignatureVerifier,
  createLogger,
  createServiceApp,
  createTokenIssuer,
  generateSigningKeyPair,
} from '@tamga/service-kit';
import type { ServiceApp } from '@tamga/service-kit';
import { createMemoryStore } from '@tamga/store';
import { DEMO_USERS, seedFirstUsers, writeInitialPasswords } from '../src/index.ts';
import { TEST_SCRYPT, bearer, startTestPortal } from './portal.ts';
import type { TestPortal } from './portal.ts';

let portal: TestPortal;
let portalUrl: string;
/** A stand-in for intake: a real service-kit app that trusts the portal's JWKS and checks agency scope. */
let service: ServiceApp;

const CASES: Record<string, string> = { 'case-police-1': 'police-central', 'case-customs-1': 'customs-east' };

beforeAll(async () => {
  portal = await startTestPortal();
  portalUrl = await portal.app.listen({ port: 0, host: '127.0.0.1' });
  service = await createServiceApp({
    name: 'intake-like',
    logger: createLogger({ name: 'svc', level: 'silent' }),
    auth: await authenticatorFromConfig({ AUTH_JWKS_URL: `${portalUrl}/.well-known/jwks.json`, AUTH_ISSUER: 'tamga-portal', AUTH_AUDIENCE: 'tamga' }),
  });
  service.get('/v1/cases/:caseId', { schema: { params: z.object({ caseId: z.string() }) } }, (request) => {
    const agencyId = CASES[request.params.caseId] ?? 'none';
    assertAgencyScope(request.principal, agencyId);
    return { caseId: request.params.caseId, agencyId };
  });
  service.post('/v1/echo', { config: { public: true } }, (request) => ({ headers: request.headers }));
});

afterAll(async () => {
  await service.close();
  await portal.close();
});

function signInAs(username: string, password: string) {
  return portal.app.inject({ method: 'POST', url: '/v1/sessions', payload: { username, password } });
}

describe('sign-in', () => {
  it('issues an EdDSA token that another service accepts through the JWKS, and an httpOnly refresh cookie', async () => {
    const res = await signInAs('analyst', portal.users.analyst?.password ?? '');
    expect(res.statusCode).toBe(201);
    const body = res.json<{ accessToken: string; tokenType: string; user: Record<string, unknown> }>();
    expect(body.tokenType).toBe('Bearer');
    expect(body.user).toMatchObject({ username: 'analyst', roles: ['analyst'] });
    expect(body.user.passwordHash).toBeUndefined();
    const header = JSON.parse(Buffer.from(body.accessToken.split('.')[0] ?? '', 'base64url').toString());
    expect(header).toMatchObject({ alg: 'EdDSA', kid: portal.keys.kid });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^tamga_session=[\w-]{40,}; Path=\/v1\/sessions; HttpOnly; SameSite=Strict; Max-Age=\d+$/);

    const seen = await service.inject({ method: 'GET', url: '/v1/cases/case-customs-1', headers: bearer(body.accessToken) });
    expect(seen.statusCode).toBe(200);
    const jwks = await portal.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.json().keys).toEqual([portal.keys.publicJwk]);
    expect(JSON.stringify(jwks.json())).not.toContain('"d"');
  });

  it('refuses a wrong password and an unknown user with the same answer', async () => {
    const wrong = await signInAs('technician', 'not the password at all');
    const unknown = await signInAs('nobody', 'not the password at all');
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'PORTAL_ERR_BAD_CREDENTIALS', errors: [{ field: 'body.password' }] });
    }
    expect(wrong.json().detail).toBe(unknown.json().detail);
  });

  it('locks the account on the fifth failure, refuses even the right password, and lets an admin unlock it', async () => {
    const password = portal.users.reviewer?.password ?? '';
    const codes: string[] = [];
    for (let i = 0; i < 5; i += 1) codes.push((await signInAs('reviewer', 'wrong password number ' + i)).json<{ code: string }>().code);
    expect(codes).toEqual([...Array(4).fill('PORTAL_ERR_BAD_CREDENTIALS'), 'PORTAL_ERR_LOCKED']);
    const locked = await signInAs('reviewer', password);
    expect(locked.statusCode).toBe(423);
    expect(locked.json().code).toBe('PORTAL_ERR_LOCKED');

    const admin = await portal.signIn('admin');
    const list = await portal.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(admin.token) });
    const reviewer = list.json<{ users: Array<{ id: string; username: string; lockedUntil: string | null }> }>().users.find((u) => u.username === 'reviewer');
    expect(reviewer?.lockedUntil).not.toBeNull();
    const unlock = await portal.app.inject({ method: 'POST', url: `/v1/users/${reviewer?.id ?? ''}/unlock`, headers: bearer(admin.token) });
    expect(unlock.statusCode).toBe(200);
    expect((await signInAs('reviewer', password)).statusCode).toBe(201);
  });

  it('lifts a lock by itself once the lock period has passed', async () => {
    const password = portal.users['qa.manager']?.password ?? '';
    for (let i = 0; i < 5; i += 1) await signInAs('qa.manager', 'still the wrong one ' + i);
    expect((await signInAs('qa.manager', password)).statusCode).toBe(423);
    portal.clock.advance(16 * 60_000);
    expect((await signInAs('qa.manager', password)).statusCode).toBe(201);
  });
});

describe('tokens', () => {
  it('refuses an expired token', async () => {
    const { token } = await portal.signIn('technician');
    expect((await portal.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) })).statusCode).toBe(200);
    portal.clock.advance(930_000);
    const res = await portal.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('AUTH_ERR_UNAUTHENTICATED');
    // The other service, on the real clock, refuses a token that expired an hour ago.
    const old = await createTokenIssuer({ privateKey: portal.keys.privateKey, kid: portal.keys.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 900 }).issue(
      { sub: 'u1', name: 'Old Token', roles: ['admin'], lab: 'TMG' },
      new Date(Date.now() - 3600_000),
    );
    expect((await service.inject({ method: 'GET', url: '/v1/cases/case-police-1', headers: bearer(old) })).statusCode).toBe(401);
  });

  it('refuses a token signed by another key, even one naming the portal key id', async () => {
    const other = await generateSigningKeyPair();
    const forged = await createTokenIssuer({ privateKey: other.privateKey, kid: portal.keys.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 900 }).issue({
      sub: 'intruder',
      name: 'Intruder',
      roles: ['admin'],
      lab: 'TMG',
    });
    const atService = await service.inject({ method: 'GET', url: '/v1/cases/case-police-1', headers: bearer(forged) });
    expect(atService.statusCode).toBe(401);
    expect(atService.json().code).toBe('AUTH_ERR_UNAUTHENTICATED');
    const atPortal = await portal.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(forged) });
    expect(atPortal.statusCode).toBe(401);
  });

  it("refuses an investigator's token on another agency's case", async () => {
    const police = await portal.signIn('investigator.police');
    const own = await service.inject({ method: 'GET', url: '/v1/cases/case-police-1', headers: bearer(police.token) });
    expect(own.statusCode).toBe(200);
    const foreign = await service.inject({ method: 'GET', url: '/v1/cases/case-customs-1', headers: bearer(police.token) });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().code).toBe('AUTH_ERR_FORBIDDEN_AGENCY');
  });
});

describe('sessions', () => {
  it('refreshes with the cookie, rotates it, and ends it on sign-out', async () => {
    const { cookie } = await portal.signIn('analyst');
    const refreshed = await portal.app.inject({ method: 'POST', url: '/v1/sessions/refresh', headers: { cookie } });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json().user.username).toBe('analyst');
    const next = String(refreshed.headers['set-cookie']).split(';')[0] ?? '';
    expect(next).not.toBe(cookie);
    // The old cookie was used up by the rotation.
    expect((await portal.app.inject({ method: 'POST', url: '/v1/sessions/refresh', headers: { cookie } })).statusCode).toBe(401);
    const out = await portal.app.inject({ method: 'DELETE', url: '/v1/sessions/current', headers: { cookie: next } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    const after = await portal.app.inject({ method: 'POST', url: '/v1/sessions/refresh', headers: { cookie: next } });
    expect(after.json().code).toBe('PORTAL_ERR_NO_SESSION');
  });

  it('does not refresh a session past its end', async () => {
    const { cookie } = await portal.signIn('technician');
    portal.clock.advance(10 * 3600_000 + 1000);
    expect((await portal.app.inject({ method: 'POST', url: '/v1/sessions/refresh', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('password change', () => {
  it('checks the current password and the policy, then accepts only the new password', async () => {
    const fresh = await startTestPortal();
    try {
      const old = fresh.users.technician?.password ?? '';
      const first = await fresh.signIn('technician');
      const other = await fresh.signIn('technician');
      const change = (currentPassword: string, newPassword: string) =>
        fresh.app.inject({ method: 'PUT', url: '/v1/me/password', headers: { ...bearer(first.token), cookie: first.cookie }, payload: { currentPassword, newPassword } });

      expect((await change('wrong current password', 'a long new password 1')).json().code).toBe('PORTAL_ERR_BAD_CREDENTIALS');
      const weak = await change(old, 'short');
      expect(weak.statusCode).toBe(400);
      expect(weak.json()).toMatchObject({ code: 'PORTAL_ERR_WEAK_PASSWORD', errors: [{ field: 'body.newPassword' }] });
      expect((await change(old, 'a long new password 1')).statusCode).toBe(204);

      expect((await fresh.app.inject({ method: 'POST', url: '/v1/sessions', payload: { username: 'technician', password: old } })).statusCode).toBe(401);
      expect((await fresh.app.inject({ method: 'POST', url: '/v1/sessions', payload: { username: 'technician', password: 'a long new password 1' } })).statusCode).toBe(201);
      // This browser stays signed in; the other one is signed out.
      expect((await fresh.app.inject({ method: 'POST', url: '/v1/sessions/refresh', headers: { cookie: first.cookie } })).statusCode).toBe(200);
      expect((await fresh.app.inject({ method: 'POST', url: '/v1/sessions/refresh', headers: { cookie: other.cookie } })).statusCode).toBe(401);
    } finally {
      await fresh.close();
    }
  });
});

describe('user administration', () => {
  it('is for admins only', async () => {
    const { token } = await portal.signIn('analyst');
    for (const [method, url] of [['GET', '/v1/users'], ['POST', '/v1/users'], ['POST', '/v1/agencies']] as const) {
      const res = await portal.app.inject({ method, url, headers: bearer(token), payload: {} });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code).toBe('AUTH_ERR_FORBIDDEN_ROLE');
    }
    expect((await portal.app.inject({ method: 'GET', url: '/v1/users' })).statusCode).toBe(401);
  });

  it('creates, disables and resets users, naming the field of a mistake', async () => {
    const admin = await portal.signIn('admin');
    const create = (payload: object) => portal.app.inject({ method: 'POST', url: '/v1/users', headers: bearer(admin.token), payload });

    const noAgency = await create({ username: 'inv3', name: 'New Investigator', roles: ['investigator'] });
    expect(noAgency.statusCode).toBe(400);
    expect(noAgency.json().errors).toEqual([{ field: 'body.agencyId', message: 'is required for an investigator' }]);
    const badName = await create({ username: 'X!', name: 'Somebody', roles: ['analyst'] });
    expect(badName.json().errors[0].field).toBe('body.username');
    expect((await create({ username: 'inv3', name: 'N', roles: ['investigator'], agencyId: 'no-such' })).json().code).toBe('PORTAL_ERR_AGENCY_NOT_FOUND');

    const made = await create({ username: 'inv3', name: 'New Investigator', roles: ['investigator'], agencyId: 'customs-east' });
    expect(made.statusCode).toBe(201);
    const { user, initialPassword } = made.json<{ user: { id: string; mustChangePassword: boolean }; initialPassword: string }>();
    expect(user.mustChangePassword).toBe(true);
    expect(initialPassword).toMatch(/^[A-Za-z2-9]{20}$/);
    expect((await create({ username: 'inv3', name: 'Again', roles: ['analyst'] })).json().code).toBe('PORTAL_ERR_USERNAME_TAKEN');

    const signedIn = await portal.signIn('inv3', initialPassword);
    const me = await portal.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(signedIn.token) });
    expect(me.json().principal).toMatchObject({ roles: ['investigator'], agencyId: 'customs-east', lab: 'TMG' });

    const disable = await portal.app.inject({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: bearer(admin.token), payload: { disabled: true } });
    expect(disable.json().disabled).toBe(true);
    expect((await signInAs('inv3', initialPassword)).json().code).toBe('PORTAL_ERR_DISABLED');
    expect((await portal.app.inject({ method: 'POST', url: '/v1/sessions/refresh', headers: { cookie: signedIn.cookie } })).statusCode).toBe(401);

    await portal.app.inject({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: bearer(admin.token), payload: { disabled: false } });
    const reset = await portal.app.inject({ method: 'POST', url: `/v1/users/${user.id}/password-resets`, headers: bearer(admin.token) });
    expect(reset.statusCode).toBe(201);
    expect((await signInAs('inv3', initialPassword)).statusCode).toBe(401);
    expect((await signInAs('inv3', reset.json<{ password: string }>().password)).statusCode).toBe(201);
  });

  it('keeps at least one active administrator', async () => {
    const admin = await portal.signIn('admin');
    const me = await portal.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(admin.token) });
    const res = await portal.app.inject({ method: 'PATCH', url: `/v1/users/${me.json().id}`, headers: bearer(admin.token), payload: { disabled: true } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('PORTAL_ERR_LAST_ADMIN');
  });
});

describe('the lab staff directory', () => {
  it('names enabled staff by id and printed name for staff, and is closed to investigators', async () => {
    const { token } = await portal.signIn('technician');
    const res = await portal.app.inject({ method: 'GET', url: '/v1/people', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    const people = res.json<{ people: { id: string; name: string; roles: string[] }[] }>().people;
    expect(people.map((p) => p.name)).toContain('Arman Analyst');
    expect(people.some((p) => p.roles.includes('investigator'))).toBe(false);
    expect(Object.keys(people[0] ?? {}).sort()).toEqual(['id', 'name', 'roles']);
    const investigator = await portal.signIn('investigator.police');
    expect((await portal.app.inject({ method: 'GET', url: '/v1/people', headers: bearer(investigator.token) })).statusCode).toBe(403);
  });
});

describe('e-signatures', () => {
  it('re-authenticates the signer and returns a token other services verify', async () => {
    const { token } = await portal.signIn('reviewer', portal.users.reviewer?.password);
    const wrong = await portal.app.inject({
      method: 'POST',
      url: '/v1/e-signatures',
      headers: bearer(token),
      payload: { password: 'not my password', meaning: 'approved', purpose: 'approve result R-1 v1' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('PORTAL_ERR_BAD_CREDENTIALS');

    const res = await portal.app.inject({
      method: 'POST',
      url: '/v1/e-signatures',
      headers: bearer(token),
      payload: { password: portal.users.reviewer?.password, meaning: 'approved', purpose: 'approve result R-1 v1' },
    });
    expect(res.statusCode).toBe(201);
    const { token: signature, signature: shown } = res.json<{ token: string; signature: { time: string } }>();
    expect(shown).toMatchObject({ printedName: 'Rustam Reviewer', meaning: 'approved' });

    const verifier = createESignatureVerifier({ key: { jwksUrl: `${portalUrl}/.well-known/jwks.json` }, issuer: 'tamga-portal' });
    const sub = portal.users.reviewer?.id ?? '';
    const verified = await verifier.verify(signature, { sub, meaning: 'approved', purpose: 'approve result R-1 v1' });
    expect(verified).toMatchObject({ by: sub, printedName: 'Rustam Reviewer', meaning: 'approved', time: shown.time });
    await expect(verifier.verify(signature, { sub, meaning: 'issued' })).rejects.toMatchObject({ code: 'ESIG_ERR_MISMATCH' });
    await expect(verifier.verify(signature, { sub: 'someone-else', meaning: 'approved' })).rejects.toMatchObject({ code: 'ESIG_ERR_MISMATCH' });
    // Neither token stands in for the other.
    await expect(verifier.verify(token, { sub, meaning: 'approved' })).rejects.toMatchObject({ code: 'ESIG_ERR_INVALID' });
    expect((await service.inject({ method: 'GET', url: '/v1/cases/case-police-1', headers: bearer(signature) })).statusCode).toBe(401);
  });
});

describe('witness e-signatures', () => {
  it('signs for a colleague who re-enters their own credentials, with an access token as short-lived as the signature', async () => {
    const { token } = await portal.signIn('technician', portal.users.technician?.password);
    const purpose = 'witness_destruction TMG-2026-000001-01';
    const self = await portal.app.inject({
      method: 'POST',
      url: '/v1/e-signatures/witnesses',
      headers: bearer(token),
      payload: { username: 'technician', password: portal.users.technician?.password, meaning: 'witnessed', purpose },
    });
    expect(self.statusCode).toBe(422);
    expect(self.json()).toMatchObject({ code: 'PORTAL_ERR_WITNESS_SELF', errors: [{ field: 'body.username' }] });
    const investigator = await portal.app.inject({
      method: 'POST',
      url: '/v1/e-signatures/witnesses',
      headers: bearer(token),
      payload: { username: 'investigator.police', password: portal.users['investigator.police']?.password, meaning: 'witnessed', purpose },
    });
    expect(investigator.json().code).toBe('PORTAL_ERR_WITNESS_ROLE');
    const wrong = await portal.app.inject({
      method: 'POST',
      url: '/v1/e-signatures/witnesses',
      headers: bearer(token),
      payload: { username: 'analyst', password: 'not the password', meaning: 'witnessed', purpose },
    });
    expect(wrong.json().code).toBe('PORTAL_ERR_BAD_CREDENTIALS');
    const notWitnessed = await portal.app.inject({
      method: 'POST',
      url: '/v1/e-signatures/witnesses',
      headers: bearer(token),
      payload: { username: 'analyst', password: portal.users.analyst?.password, meaning: 'approved', purpose },
    });
    expect(notWitnessed.statusCode).toBe(400);

    const res = await portal.app.inject({
      method: 'POST',
      url: '/v1/e-signatures/witnesses',
      headers: bearer(token),
      payload: { username: 'analyst', password: portal.users.analyst?.password, meaning: 'witnessed', purpose },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<{ token: string; accessToken: string; signature: { printedName: string; time: string } }>();
    const sub = portal.users.analyst?.id ?? '';
    const verifier = createESignatureVerifier({ key: { jwksUrl: `${portalUrl}/.well-known/jwks.json` }, issuer: 'tamga-portal' });
    await expect(verifier.verify(body.token, { sub, meaning: 'witnessed', purpose })).resolves.toMatchObject({ by: sub });
    // The access token names the witness and lives as long as the signature, not a session's 15 minutes.
    const claims = JSON.parse(Buffer.from(body.accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; exp: number; iat: number };
    expect(claims.sub).toBe(sub);
    expect(claims.exp - claims.iat).toBe(120);
    const me = await portal.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(body.accessToken) });
    expect(me.json().username).toBe('analyst');
  });
});

describe('gateway', () => {
  it('answers 503 for a service it was not given', async () => {
    const res = await portal.app.inject({ method: 'GET', url: '/api/intake/v1/cases' });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('PORTAL_ERR_UPSTREAM_UNAVAILABLE');
  });

  it('forwards /api/<service>/... with the bearer token and without the session cookie', async () => {
    const serviceUrl = await service.listen({ port: 0, host: '127.0.0.1' });
    const gw = await startTestPortal({ keys: portal.keys, upstreams: { intake: serviceUrl, reporting: 'http://127.0.0.1:9' } });
    try {
      const { token, cookie } = await gw.signIn('investigator.customs');
      const ok = await gw.app.inject({ method: 'GET', url: '/api/intake/v1/cases/case-customs-1', headers: { ...bearer(token), cookie } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ caseId: 'case-customs-1', agencyId: 'customs-east' });
      // The service, not the portal, refuses the other agency's case.
      const foreign = await gw.app.inject({ method: 'GET', url: '/api/intake/v1/cases/case-police-1', headers: bearer(token) });
      expect(foreign.statusCode).toBe(403);
      const echo = await gw.app.inject({ method: 'POST', url: '/api/intake/v1/echo', headers: { ...bearer(token), cookie }, payload: { a: 1 } });
      expect(echo.json().headers.authorization).toBe(`Bearer ${token}`);
      expect(echo.json().headers.cookie).toBeUndefined();
      const down = await gw.app.inject({ method: 'GET', url: '/api/reporting/v1/reports', headers: bearer(token) });
      expect(down.statusCode).toBe(503);
      expect(down.json().code).toBe('PORTAL_ERR_UPSTREAM_UNAVAILABLE');
      expect((await gw.app.inject({ method: 'GET', url: '/v1/ui-config' })).json().services).toEqual({ intake: true, analysis: false, reporting: true });
    } finally {
      await gw.close();
    }
  });
});

describe('first start', () => {
  it('creates an admin and a user per role with random passwords, written 0600, once', async () => {
    const store = createMemoryStore({ quiet: true });
    const dir = await mkdtemp(path.join(tmpdir(), 'portal-seed-'));
    try {
      const seeded = await seedFirstUsers({ store, scrypt: TEST_SCRYPT, now: new Date(), demo: true });
      expect(seeded.map((u) => u.username)).toEqual(DEMO_USERS.map((u) => u.username));
      expect(new Set(seeded.map((u) => u.password)).size).toBe(seeded.length);
      const file = path.join(dir, 'initial-passwords.txt');
      await writeInitialPasswords(file, seeded);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const text = await readFile(file, 'utf8');
      for (const u of seeded) expect(text).toContain(u.password);
      expect(await seedFirstUsers({ store, scrypt: TEST_SCRYPT, now: new Date(), demo: true })).toEqual([]);
      const again = await startTestPortal();
      expect(again.users.admin?.password).not.toBe(seeded.find((u) => u.username === 'admin')?.password);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
      await store.close();
    }
  });
});
