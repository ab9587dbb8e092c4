// Wires the analysis service: config, store, NATS (streams, outbox relay, the request consumer),
// then the HTTP app.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { jetStreamStartup, jetstream, pendingDeadLetterDesk, startOutboxRelay } from '@tamga/messaging';
import type { OutboxRelay, RunningConsumer } from '@tamga/messaging';
import {
  authenticatorFromConfig,
  ConfigError,
  createLogger,
  exitOnBadConfig,
  eSignatureVerifierFromConfig,
  loadConfigOrExit,
  runService,
  ServiceConfigSchema,
} from '@tamga/service-kit';
import { openStore } from '@tamga/store';
import { isDomainError } from '@tamga/contracts';
import { buildApp } from './app.ts';
import { startAnalysisConsumers } from './events/consumers.ts';
import { ThresholdConfig } from './domain/threshold-config.ts';

const Config = ServiceConfigSchema.and(
  z.object({
    /** JSON file: an array of { jurisdiction, substance, significant?, large?, especially_large?, source }. */
    THRESHOLDS_FILE: z.string().min(1).optional(),
    /** Comma-separated user ids authorized to record opinions and interpretations. */
    OPINION_AUTHORIZED_USERS: z.string().default(''),
    TURNAROUND_DAYS_ROUTINE: z.coerce.number().int().min(1).default(30),
    TURNAROUND_DAYS_URGENT: z.coerce.number().int().min(1).default(5),
  }),
);

const config = loadConfigOrExit(Config);
// Reviews and corrections are e-signed; without the portal's key no signature could be verified.
const eSignatures = await eSignatureVerifierFromConfig(config);
if (eSignatures === undefined) {
  exitOnBadConfig(
    new ConfigError([
      {
        field: 'AUTH_PUBLIC_KEY_FILE',
        message: 'analysis verifies the e-signature of every review and correction: set AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL to the portal key',
      },
    ]),
  );
}
const logger = createLogger({ name: 'analysis', level: config.LOG_LEVEL });
const thresholds =
  config.THRESHOLDS_FILE === undefined
    ? []
    : ThresholdConfig.parse(JSON.parse(readFileSync(config.THRESHOLDS_FILE, 'utf8')));
const store = await openStore({
  backend: config.STORE_BACKEND,
  service: 'analysis',
  dataDir: config.DATA_DIR,
  ...(config.MONGO_URL ? { mongoUrl: config.MONGO_URL } : {}),
});
// NATS may come after this process (a broker started later, a cluster re-electing leaders): the
// HTTP server runs meanwhile and /ready says what is pending, while the set-up retries.
const jetStream = jetStreamStartup({
  connect: { servers: config.NATS_URL, name: 'analysis', user: config.NATS_USER, pass: config.NATS_PASSWORD },
  replicas: config.NATS_STREAM_REPLICAS,
  logger,
});
let relay: OutboxRelay | undefined;
let consumers: RunningConsumer[] = [];
const deadLetters = pendingDeadLetterDesk(store);

const { app } = await buildApp({
  store,
  auth: await authenticatorFromConfig(config),
  logger,
  thresholds,
  opinionAuthorized: config.OPINION_AUTHORIZED_USERS.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
  readiness: [{ name: 'nats', check: () => jetStream.check() }],
  eSignatures,
  onCommitted: () => relay?.notify(),
  deadLetters,
});

await runService({
  app,
  port: config.PORT,
  host: config.HOST,
  onClose: [
    ...jetStream.closers({ consumers: () => consumers, relay: () => relay }),
    () => store.close(),
  ],
});

try {
  const nc = await jetStream.connect();
  relay = startOutboxRelay({ store, js: jetstream(nc), logger });
  await jetStream.retry('opening the dead-letter desk', () => deadLetters.open(nc));
  consumers = await jetStream.retry('starting the analysis consumers', () =>
    startAnalysisConsumers({
      nc,
      store,
      logger,
      turnaroundDays: { routine: config.TURNAROUND_DAYS_ROUTINE, urgent: config.TURNAROUND_DAYS_URGENT },
    }),
  );
  deadLetters.attach(...consumers);
  jetStream.ready();
  logger.info({}, 'JetStream set-up complete');
} catch (err) {
  // Stopped by a signal during start-up: runService is closing everything already.
  if (!jetStream.stopped) {
    if (isDomainError(err, 'MESSAGING_ERR_NATS_AUTH')) exitOnBadConfig(new ConfigError(err.errors, { cause: err }));
    throw err;
  }
}
