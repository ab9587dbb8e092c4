// Wires the intake service: config, store, NATS (streams and the outbox relay), the custody
// signing key in DATA_DIR, periodic signed checkpoints, then the HTTP app.
import { z } from 'zod';
import { isDomainError } from '@tamga/contracts';
import { jetStreamStartup, jetstream, pendingDeadLetterDesk, startOutboxRelay } from '@tamga/messaging';
import type { OutboxRelay } from '@tamga/messaging';
import {
  ConfigError,
  authenticatorFromConfig,
  exitOnBadConfig,
  createLogger,
  eSignatureVerifierFromConfig,
  loadConfigOrExit,
  runService,
  ServiceConfigSchema,
} from '@tamga/service-kit';
import { openStore } from '@tamga/store';
import { buildApp } from './app.ts';
import { loadOrCreateCustodyKey } from './store/custody-key.ts';

const Config = ServiceConfigSchema.and(
  z.object({
    /** Folder of the custody checkpoint key (default: DATA_DIR/keys). */
    KEYS_DIR: z.string().min(1).optional(),
    /** How often a new checkpoint is signed when the log has grown. */
    CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  }),
);

const config = loadConfigOrExit(Config);
// Custody moves are e-signed; without the portal's key every signature would be unverifiable.
const eSignatures = await eSignatureVerifierFromConfig(config);
if (eSignatures === undefined) {
  exitOnBadConfig(
    new ConfigError([
      { field: 'AUTH_PUBLIC_KEY_FILE', message: 'intake verifies e-signatures on every custody move: set AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL to the portal key' },
    ]),
  );
}
const logger = createLogger({ name: 'intake', level: config.LOG_LEVEL });
const store = await openStore({
  backend: config.STORE_BACKEND,
  service: 'intake',
  dataDir: config.DATA_DIR,
  ...(config.MONGO_URL ? { mongoUrl: config.MONGO_URL } : {}),
});
const custodyKey = await loadOrCreateCustodyKey(config.KEYS_DIR ?? `${config.DATA_DIR}/keys`);
// NATS may come after this process (a broker started later, a cluster re-electing leaders): the
// HTTP server runs meanwhile and /ready says what is pending, while the set-up retries.
const jetStream = jetStreamStartup({
  connect: { servers: config.NATS_URL, name: 'intake', user: config.NATS_USER, pass: config.NATS_PASSWORD },
  replicas: config.NATS_STREAM_REPLICAS,
  logger,
});
let relay: OutboxRelay | undefined;
// Intake consumes no events today; the desk shows the dead letters of any consumer attached later.
const deadLetters = pendingDeadLetterDesk(store);

const { app, intake } = await buildApp({
  store,
  auth: await authenticatorFromConfig(config),
  lab: config.LAB_CODE,
  custodyKey,
  eSignatures,
  logger,
  readiness: [{ name: 'nats', check: () => jetStream.check() }],
  onCommitted: () => relay?.notify(),
  deadLetters,
});

const checkpoints = setInterval(() => {
  intake.ledger.checkpoint(new Date()).catch((err: unknown) => logger.error({ err }, 'signing a custody checkpoint failed'));
}, config.CHECKPOINT_INTERVAL_MS);
checkpoints.unref();

await runService({
  app,
  port: config.PORT,
  host: config.HOST,
  onClose: [
    () => {
      clearInterval(checkpoints);
      return Promise.resolve();
    },
    ...jetStream.closers({ relay: () => relay }),
    () => store.close(),
  ],
});
logger.info({ publicKeyFile: custodyKey.publicKeyFile }, 'custody checkpoints are signed with this key');

try {
  const nc = await jetStream.connect();
  relay = startOutboxRelay({ store, js: jetstream(nc), logger });
  await jetStream.retry('opening the dead-letter desk', () => deadLetters.open(nc));
  jetStream.ready();
  logger.info({}, 'JetStream set-up complete');
} catch (err) {
  // Stopped by a signal during start-up: runService is closing everything already.
  if (!jetStream.stopped) {
    if (isDomainError(err, 'MESSAGING_ERR_NATS_AUTH')) exitOnBadConfig(new ConfigError(err.errors, { cause: err }));
    throw err;
  }
}
