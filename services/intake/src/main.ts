// Wires the intake service: config, store, NATS (streams and the outbox relay), the custody
// signing key in DATA_DIR, periodic signed checkpoints, then the HTTP app.
import { z } from 'zod';
import { connectNats, createDeadLetterDesk, ensureStreams, jetstream, pingNats, startOutboxRelay } from '@tamga/messaging';
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
const nc = await connectNats({ servers: config.NATS_URL, name: 'intake', user: config.NATS_USER, pass: config.NATS_PASSWORD });
await ensureStreams(nc, { replicas: config.NATS_STREAM_REPLICAS });
const relay = startOutboxRelay({ store, js: jetstream(nc), logger });


const { app, intake } = await buildApp({
  store,
  auth: await authenticatorFromConfig(config),
  lab: config.LAB_CODE,
  custodyKey,
  eSignatures,
  logger,
  readiness: [{ name: 'nats', check: () => pingNats(nc) }],
  onCommitted: () => relay.notify(),
  // Intake consumes no events today; the desk shows the dead letters of any consumer attached later.
  deadLetters: await createDeadLetterDesk({ js: jetstream(nc), store }),
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
    () => relay.stop(),
    () => nc.drain(),
    () => store.close(),
  ],
});
logger.info({ publicKeyFile: custodyKey.publicKeyFile }, 'custody checkpoints are signed with this key');
