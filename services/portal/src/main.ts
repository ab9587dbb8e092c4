// Wires the portal from the environment and runs it until SIGTERM/SIGINT.
import path from 'node:path';
import { loadConfigOrExit, runService, createLogger, watchTokenKeys } from '@tamga/service-kit';
import { openStore } from '@tamga/store';
import { buildPortalApp } from './app.ts';
import { PortalConfigSchema } from './config.ts';
import { formatInitialPasswords, seedFirstUsers, writeInitialPasswords } from './identity/seed.ts';
import { DEFAULT_WEB_DIR, buildWeb, isWebBuilt } from './web/build.ts';

const config = loadConfigOrExit(PortalConfigSchema);
const logger = createLogger({ name: 'portal', level: config.LOG_LEVEL });
const store = await openStore({
  backend: config.STORE_BACKEND,
  service: 'portal',
  dataDir: config.DATA_DIR,
  ...(config.MONGO_URL === undefined ? {} : { mongoUrl: config.MONGO_URL }),
});
// The current key signs; keys rotated out by `tamga keys rotate-token-key` stay published until
// their tokens expire. The files are followed: a rotation signs the next token, no restart needed.
const tokenKeys = await watchTokenKeys(config.KEYS_DIR, {
  onRotated: (rotated) => logger.info({ kid: rotated.current.kid, previous: rotated.previous.map((k) => k.kid) }, 'signing with the rotated token key'),
  onUnreadable: (err) => logger.warn({ err, keysDir: config.KEYS_DIR }, 'the token key files could not be read; still signing with the key in use'),
});
const { current: keys, previous: previousKeys } = await tokenKeys.current();
const scrypt = { log2N: config.SCRYPT_LOG2N, r: 8, p: 1 };

const app = await buildPortalApp({
  store,
  keys,
  previousKeys,
  tokenKeys,
  issuer: config.AUTH_ISSUER,
  audience: config.AUTH_AUDIENCE,
  lab: config.LAB_CODE,
  upstreams: { intake: config.INTAKE_URL, analysis: config.ANALYSIS_URL, reporting: config.REPORTING_URL },
  webDir: await webDir(),
  accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  sessionTtlSeconds: config.SESSION_TTL_SECONDS,
  eSignatureTtlSeconds: config.E_SIGNATURE_TTL_SECONDS,
  lockout: { threshold: config.LOCKOUT_THRESHOLD, lockMinutes: config.LOCKOUT_MINUTES },
  scrypt,
  cookieSecure: config.COOKIE_SECURE,
  logger,
});

const seeded = await seedFirstUsers({ store, scrypt, now: new Date(), demo: config.SEED_DEMO_USERS });
if (seeded.length > 0) {
  const file = path.resolve(config.DATA_DIR, 'initial-passwords.txt');
  await writeInitialPasswords(file, seeded);
  // Printed once, on purpose: the operator needs them to sign in the first time.
  process.stdout.write(`\n${formatInitialPasswords(seeded)}(also written to ${file}, readable only by this user)\n\n`);
}

await runService({
  app,
  port: config.PORT,
  host: config.HOST,
  onClose: [() => store.close()],
});
logger.info({ keysDir: config.KEYS_DIR }, 'portal publishes its keys at /.well-known/jwks.json');

async function webDir(): Promise<string | undefined> {
  const dir = config.WEB_DIR ?? DEFAULT_WEB_DIR;
  if (isWebBuilt(dir)) return dir;
  if (!config.WEB_BUILD) {
    logger.warn({ dir }, 'the web UI is not built and WEB_BUILD=false: serving the API only');
    return undefined;
  }
  logger.info({ dir }, 'building the web UI');
  return buildWeb({ outDir: dir });
}
