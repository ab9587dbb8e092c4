// Builds the portal's Fastify app from its dependencies: identity routes, the JWKS, the API
// gateway to the other services and the web UI. No globals; main.ts wires the real ones.
import { createJwtAuthenticator, createServiceApp, createTokenIssuer, publishedJwks, staticTokenKeys } from '@tamga/service-kit';
import type { Logger, PreviousTokenKey, ServiceApp, SigningKeyPair, TokenIssuer, TokenKeySource } from '@tamga/service-kit';
import type { DocumentStore } from '@tamga/store';
import type { LockoutPolicy } from './domain/accounts.ts';
import { DEFAULT_SCRYPT } from './domain/passwords.ts';
import type { ScryptParams } from './domain/passwords.ts';
import type { CredentialDeps } from './identity/credentials.ts';
import { createSessionRepository } from './identity/sessions.ts';
import { registerESignatureRoutes } from './routes/e-signatures.ts';
import { UPSTREAM_NAMES, registerGateway } from './routes/gateway.ts';
import type { Upstreams } from './routes/gateway.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { registerUserRoutes } from './routes/users.ts';
import { WEB_HELMET, registerWeb } from './routes/web.ts';
import { PORTAL_COLLECTIONS } from './store/collections.ts';
import { createUserRepository } from './store/users.ts';

export interface PortalDeps {
  store: DocumentStore;
  /** The token-signing key pair (`loadOrCreateSigningKey(KEYS_DIR)`). */
  keys: SigningKeyPair;
  /** Keys rotated out (`loadTokenKeys(KEYS_DIR).previous`): published and accepted until their tokens expire. */
  previousKeys?: readonly PreviousTokenKey[] | undefined;
  /**
   * The key files followed while running (`watchTokenKeys(KEYS_DIR)`): after `tamga keys
   * rotate-token-key` the next token and e-signature are signed with the new key, without a
   * restart. Without it, `keys` and `previousKeys` sign and are published for the app's life.
   */
  tokenKeys?: TokenKeySource | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  lab: string;
  upstreams?: Upstreams | undefined;
  /** The built web UI; without it only the API is served. */
  webDir?: string | undefined;
  accessTtlSeconds?: number | undefined;
  sessionTtlSeconds?: number | undefined;
  eSignatureTtlSeconds?: number | undefined;
  lockout?: LockoutPolicy | undefined;
  scrypt?: ScryptParams | undefined;
  cookieSecure?: boolean | undefined;
  logger?: Logger | undefined;
  /** Clock (tests move it). */
  now?: (() => Date) | undefined;
}

export async function buildPortalApp(deps: PortalDeps): Promise<ServiceApp> {
  const issuer = deps.issuer ?? 'tamga-portal';
  const audience = deps.audience ?? 'tamga';
  const now = deps.now ?? (() => new Date());
  const accessTtlSeconds = deps.accessTtlSeconds ?? 900;
  await deps.store.ensure(PORTAL_COLLECTIONS);
  const tokenKeys = deps.tokenKeys ?? staticTokenKeys({ current: deps.keys, previous: deps.previousKeys ?? [] });
  const signingKey = async (): Promise<SigningKeyPair> => (await tokenKeys.current()).current;
  // After a rotation the previous key stays published until the tokens it signed have expired.
  const jwksAt = async (at: Date) => publishedJwks(await tokenKeys.current(), at);

  const app = await createServiceApp({
    name: 'portal',
    logger: deps.logger,
    // The portal checks its own tokens exactly as every other service does.
    auth: createJwtAuthenticator({ key: { jwksOf: () => jwksAt(now()) }, issuer, audience, currentDate: now }),
    readiness: [{ name: 'store', check: () => deps.store.ping() }],
    bodyLimit: 5 * 1024 * 1024,
    helmet: WEB_HELMET,
  });

  const credentials: CredentialDeps = {
    users: createUserRepository(deps.store),
    lockout: deps.lockout ?? { threshold: 5, lockMinutes: 15 },
    scrypt: deps.scrypt ?? DEFAULT_SCRYPT,
    now,
  };
  const sessions = createSessionRepository(deps.store, deps.sessionTtlSeconds ?? 10 * 3600);
  // Each token is signed by the key current at that moment (a rotation takes effect at once).
  const tokens: TokenIssuer = {
    async issue(principal, at) {
      const key = await signingKey();
      return createTokenIssuer({ privateKey: key.privateKey, kid: key.kid, issuer, audience, ttlSeconds: accessTtlSeconds }).issue(principal, at);
    },
  };

  app.get('/.well-known/jwks.json', { config: { public: true } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(await jwksAt(now())),
  );

  // What the UI needs to know before sign-in: which parts of the system this portal reaches.
  const upstreams = deps.upstreams ?? {};
  app.get('/v1/ui-config', { config: { public: true } }, () => ({
    lab: deps.lab,
    services: Object.fromEntries(UPSTREAM_NAMES.map((n) => [n, upstreams[n] !== undefined])),
  }));

  registerSessionRoutes(app, { credentials, sessions, tokens, accessTtlSeconds, lab: deps.lab, cookieSecure: deps.cookieSecure ?? false });
  registerUserRoutes(app, { store: deps.store, credentials, sessions });
  registerESignatureRoutes(app, { credentials, signingKey, issuer, audience, lab: deps.lab, ttlSeconds: deps.eSignatureTtlSeconds ?? 120 });
  await registerGateway(app, upstreams);
  if (deps.webDir !== undefined) await registerWeb(app, deps.webDir);
  return app;
}
