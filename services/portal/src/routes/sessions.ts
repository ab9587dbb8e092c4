// Sign-in, refresh and sign-out. Sign-in returns a short-lived access token (EdDSA JWT) in the
// body and sets the httpOnly refresh cookie; the browser keeps the access token in memory only.
import { SignInBody, isDomainError } from '@tamga/contracts';
import type { ServiceApp, TokenIssuer } from '@tamga/service-kit';
import { principalOf, userView } from '../domain/accounts.ts';
import type { UserRecord } from '../domain/accounts.ts';
import { portalErrors } from '../domain/errors.ts';
import { checkCredentials } from '../identity/credentials.ts';
import type { CredentialDeps } from '../identity/credentials.ts';
import { SESSION_COOKIE, readCookie, sessionCookie } from '../identity/sessions.ts';
import type { SessionRepository } from '../identity/sessions.ts';

export interface SessionRouteDeps {
  credentials: CredentialDeps;
  sessions: SessionRepository;
  tokens: TokenIssuer;
  accessTtlSeconds: number;
  lab: string;
  cookieSecure: boolean;
}

export function registerSessionRoutes(app: ServiceApp, deps: SessionRouteDeps): void {
  const { credentials, sessions } = deps;

  async function grant(id: string, user: UserRecord, now: Date) {
    const accessToken = await deps.tokens.issue(principalOf(id, user, deps.lab), now);
    return {
      accessToken,
      tokenType: 'Bearer' as const,
      expiresIn: deps.accessTtlSeconds,
      expiresAt: new Date(now.getTime() + deps.accessTtlSeconds * 1000).toISOString(),
      user: userView(id, user),
    };
  }

  app.post('/v1/sessions', { config: { public: true }, schema: { body: SignInBody } }, async (request, reply) => {
    const user = await checkCredentials(credentials, { username: request.body.username }, request.body.password, 'session.sign_in');
    const now = credentials.now();
    const session = await sessions.open(user._id, now);
    request.log.info({ userId: user._id }, 'signed in');
    return reply
      .status(201)
      .header('set-cookie', sessionCookie(session.secret, { secure: deps.cookieSecure, maxAge: sessions.ttlSeconds }))
      .header('cache-control', 'no-store')
      .send({ ...(await grant(user._id, user, now)), sessionExpiresAt: session.expiresAt });
  });

  // A new access token for the session the cookie names; the cookie is rotated.
  app.post('/v1/sessions/refresh', { config: { public: true } }, async (request, reply) => {
    const now = credentials.now();
    const session = await sessions.find(readCookie(request.headers.cookie, SESSION_COOKIE), now);
    const user = await credentials.users.get(session.userId);
    if (user.disabled) {
      await sessions.revoke(session, now);
      throw portalErrors.PORTAL_ERR_DISABLED();
    }
    await sessions.revoke(session, now);
    // The rotated session keeps the original end: refreshing never extends a sign-in.
    const next = await sessions.open(user._id, now, session.expiresAt);
    const remaining = Math.max(0, Math.floor((Date.parse(session.expiresAt) - now.getTime()) / 1000));
    return reply
      .header('set-cookie', sessionCookie(next.secret, { secure: deps.cookieSecure, maxAge: remaining }))
      .header('cache-control', 'no-store')
      .send({ ...(await grant(user._id, user, now)), sessionExpiresAt: session.expiresAt });
  });

  app.delete('/v1/sessions/current', { config: { public: true } }, async (request, reply) => {
    const now = credentials.now();
    const secret = readCookie(request.headers.cookie, SESSION_COOKIE);
    try {
      await sessions.revoke(await sessions.find(secret, now), now);
    } catch (err) {
      // Signing out of a session that already ended is not an error.
      if (!isDomainError(err, 'PORTAL_ERR_NO_SESSION')) throw err;
    }
    return reply.status(204).header('set-cookie', sessionCookie('', { secure: deps.cookieSecure, maxAge: 0 })).send();
  });
}
