// Wires the reporting service: config, store, NATS (streams, outbox relay, consumers of intake
// and analysis events), the lab's signing PKI, then the HTTP app.
import { join } from 'node:path';
import { z } from 'zod';
import { isDomainError } from '@tamga/contracts';
import { enqueueEvent, jetStreamStartup, jetstream, pendingDeadLetterDesk, startConsumer, startOutboxRelay, streamSubject } from '@tamga/messaging';
import type { OutboxRelay, RunningConsumer } from '@tamga/messaging';
import {
  authenticatorFromConfig,
  ConfigError,
  createLogger,
  eSignatureVerifierFromConfig,
  exitOnBadConfig,
  loadConfigOrExit,
  runService,
  ServiceConfigSchema,
} from '@tamga/service-kit';
import { openStore } from '@tamga/store';
import { buildApp } from './app.ts';
import { handleEvent } from './events/handle-event.ts';
import type { IssuerDeps } from './reports/issue-reports.ts';
import { watchLabPki } from './reports/signing-pki.ts';
import { REPORTING_COLLECTIONS } from './store/collections.ts';

const Config = ServiceConfigSchema.and(
  z.object({
    KEYS_DIR: z.string().min(1).default('./data/keys'),
    MONGO_DB: z.string().min(1).optional(),
    LAB_NAME_RU: z.string().min(1).default('Экспертно-криминалистическая лаборатория'),
    LAB_NAME_EN: z.string().min(1).default('Forensic Drug Chemistry Laboratory'),
    LAB_ADDRESS_RU: z.string().min(1).default('г. Ташкент'),
    LAB_ADDRESS_EN: z.string().min(1).default('Tashkent'),
    LAB_ACCREDITATION: z.string().min(1).optional(),
    /** Base of the verification URL printed and QR-coded on every page. */
    PUBLIC_VERIFY_URL: z.url().default('http://127.0.0.1:3003/v1/verifications'),
    REPORT_LANGUAGES: z
      .string()
      .default('ru,en')
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  }),
);

const config = loadConfigOrExit(Config);
// Amendments and withdrawals are e-signed; without the portal's key none could be verified.
const eSignatures = await eSignatureVerifierFromConfig(config);
if (eSignatures === undefined) {
  exitOnBadConfig(
    new ConfigError([
      {
        field: 'AUTH_PUBLIC_KEY_FILE',
        message: 'reporting verifies the e-signature of every amendment and withdrawal: set AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL to the portal key',
      },
    ]),
  );
}
const logger = createLogger({ name: 'reporting', level: config.LOG_LEVEL });
const store = await openStore({
  backend: config.STORE_BACKEND,
  service: 'reporting',
  dataDir: config.DATA_DIR,
  ...(config.MONGO_URL ? { mongoUrl: config.MONGO_URL } : {}),
  ...(config.MONGO_DB ? { dbName: config.MONGO_DB } : {}),
});
await store.ensure(REPORTING_COLLECTIONS);
// `tamga keys rotate-signing-cert` is followed: the next report is signed with the new pair.
const signingPki = await watchLabPki(join(config.KEYS_DIR, 'pki'), {
  labName: config.LAB_NAME_EN,
  onRotated: (rotated) => logger.info({ signer: rotated.signer.describe().subject }, 'signing reports with the rotated certificate'),
  onIncomplete: (reason) => logger.warn({ reason }, 'the signing key files changed but are not a whole pair yet; still signing with the pair in use'),
});
const pki = await signingPki.current();
// NATS may come after this process (a broker started later, a cluster re-electing leaders): the
// HTTP server runs meanwhile and /ready says what is pending, while the set-up retries.
const jetStream = jetStreamStartup({
  connect: { servers: config.NATS_URL, name: 'reporting', user: config.NATS_USER, pass: config.NATS_PASSWORD },
  replicas: config.NATS_STREAM_REPLICAS,
  logger,
});
let relay: OutboxRelay | undefined;
const consumers: RunningConsumer[] = [];
const deadLetters = pendingDeadLetterDesk(store);

const issuer: IssuerDeps = {
  lab: {
    code: config.LAB_CODE,
    name: { ru: config.LAB_NAME_RU, en: config.LAB_NAME_EN },
    address: { ru: config.LAB_ADDRESS_RU, en: config.LAB_ADDRESS_EN },
    accreditation: config.LAB_ACCREDITATION,
  },
  pki,
  signingPki,
  blobs: store.blobs,
  verifyBaseUrl: config.PUBLIC_VERIFY_URL,
  languages: config.REPORT_LANGUAGES,
  now: () => new Date(),
  enqueue: (tx, event) => enqueueEvent(tx, event),
};

const app = await buildApp({
  store,
  issuer,
  auth: await authenticatorFromConfig(config),
  eSignatures,
  logger,
  readiness: [{ name: 'nats', check: () => jetStream.check() }],
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
  // Reports are issued inside consumer transactions; a short poll sends their events promptly.
  relay = startOutboxRelay({ store, js: jetstream(nc), logger, pollMs: 250 });
  await jetStream.retry('opening the dead-letter desk', () => deadLetters.open(nc));
  // One consumer per step, so a retry never starts a second copy of one that already runs.
  for (const stream of ['INTAKE', 'ANALYSIS'] as const) {
    const consumer = await jetStream.retry(`starting the consumer of ${stream}`, () =>
      startConsumer({
        nc,
        store,
        stream,
        durable: `reporting-${stream.toLowerCase()}`,
        filterSubject: streamSubject(stream),
        logger,
        handler: async (event, tx) => {
          await handleEvent(event, tx, issuer);
        },
      }),
    );
    consumers.push(consumer);
    deadLetters.attach(consumer);
  }
  jetStream.ready();
  logger.info({}, 'JetStream set-up complete');
} catch (err) {
  // Stopped by a signal during start-up: runService is closing everything already.
  if (!jetStream.stopped) {
    if (isDomainError(err, 'MESSAGING_ERR_NATS_AUTH')) exitOnBadConfig(new ConfigError(err.errors, { cause: err }));
    throw err;
  }
}
