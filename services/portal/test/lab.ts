// The whole laboratory in this process, wired as each service's main.ts wires it: intake,
// analysis and reporting on memory stores with their outbox relays and consumers on a real
// nats-server (testkit), and the portal (seeded demo users) routing the browser to them. The
// services trust the portal's key only, for access tokens and e-signatures alike.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp as buildAnalysis, startAnalysisConsumers } from '@tamga/analysis';
import { buildApp as buildIntake, generateCustodyKey } from '@tamga/intake';
import {
  connectNats,
  createDeadLetterDesk,
  enqueueEvent,
  ensureStreams,
  jetstream,
  startConsumer,
  startOutboxRelay,
  streamSubject,
} from '@tamga/messaging';
import type { NatsConnection, OutboxRelay, RunningConsumer } from '@tamga/messaging';
import { ensureDevPki } from '@tamga/report-pdf';
import { REPORTING_COLLECTIONS, buildApp as buildReporting, handleEvent } from '@tamga/reporting';
import type { IssuerDeps } from '@tamga/reporting';
import {
  createESignatureVerifier,
  createJwtAuthenticator,
  createLogger,
  generateSigningKeyPair,
} from '@tamga/service-kit';
import type { ServiceApp, SigningKeyPair } from '@tamga/service-kit';
import { makeSpectrum, writeMsp } from '@tamga/spectra';
import { createMemoryStore } from '@tamga/store';
import type { DocumentStore } from '@tamga/store';
import { startNats } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';
import { startTestPortal } from './portal.ts';
import type { TestPortal } from './portal.ts';

export const LAB = 'TMG';
const ISSUER = 'tamga-portal';
const AUDIENCE = 'tamga';

export interface Lab {
  portal: TestPortal;
  /** Where the browser goes: the portal, serving the UI and the gateway. */
  url: string;
  services: { intake: string; analysis: string; reporting: string };
  /** Publishes bytes as they are on an event subject (a message no consumer can read, say). */
  publishRaw(subject: string, data: string): Promise<void>;
  stop(): Promise<void>;
}

interface Part {
  app: ServiceApp;
  store: DocumentStore;
  relay: OutboxRelay;
  consumers: RunningConsumer[];
}

export async function startLab(options: { webDir: string }): Promise<Lab> {
  const nats: NatsServer = await startNats();
  const nc: NatsConnection = await connectNats({ servers: nats.url, name: 'portal-lab-test' });
  await ensureStreams(nc);
  const keys: SigningKeyPair = await generateSigningKeyPair();
  const logger = (name: string) => createLogger({ name, level: 'silent' });
  const auth = () => createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: ISSUER, audience: AUDIENCE });
  const eSignatures = createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: ISSUER });
  const parts: Part[] = [];
  const pkiDir = await mkdtemp(path.join(tmpdir(), 'portal-lab-pki-'));

  // ---- intake
  {
    const store = createMemoryStore({ quiet: true });
    const relay = startOutboxRelay({ store, js: jetstream(nc), pollMs: 200 });
    const { app } = await buildIntake({
      store,
      auth: auth(),
      eSignatures,
      lab: LAB,
      custodyKey: generateCustodyKey(),
      logger: logger('intake'),
      onCommitted: () => relay.notify(),
    });
    parts.push({ app, store, relay, consumers: [] });
  }
  // ---- analysis
  {
    const store = createMemoryStore({ quiet: true });
    const relay = startOutboxRelay({ store, js: jetstream(nc), pollMs: 200 });
    const deadLetters = await createDeadLetterDesk({ js: jetstream(nc), store });
    const { app } = await buildAnalysis({
      store,
      auth: auth(),
      eSignatures,
      deadLetters,
      logger: logger('analysis'),
      onCommitted: () => relay.notify(),
    });
    const consumers = await startAnalysisConsumers({ nc, store, logger: logger('analysis') });
    deadLetters.attach(...consumers);
    parts.push({ app, store, relay, consumers });
  }
  // ---- reporting
  {
    const store = createMemoryStore({ quiet: true });
    await store.ensure(REPORTING_COLLECTIONS);
    const relay = startOutboxRelay({ store, js: jetstream(nc), pollMs: 250 });
    const issuer: IssuerDeps = {
      lab: {
        code: LAB,
        name: { ru: 'Тестовая лаборатория', en: 'Test laboratory' },
        address: { ru: 'Ташкент', en: 'Tashkent' },
      },
      pki: await ensureDevPki(pkiDir, { labName: 'Test laboratory' }),
      blobs: store.blobs,
      verifyBaseUrl: 'http://127.0.0.1/verify',
      languages: ['ru', 'en'],
      now: () => new Date(),
      enqueue: (tx, event) => enqueueEvent(tx, event),
    };
    const consumers = await Promise.all(
      (['INTAKE', 'ANALYSIS'] as const).map((stream) =>
        startConsumer({
          nc,
          store,
          stream,
          durable: `reporting-${stream.toLowerCase()}`,
          filterSubject: streamSubject(stream),
          logger: logger('reporting'),
          handler: async (event, tx) => {
            await handleEvent(event, tx, issuer);
          },
        }),
      ),
    );
    const deadLetters = await createDeadLetterDesk({ js: jetstream(nc), store, consumers });
    const app = await buildReporting({
      store,
      issuer,
      auth: auth(),
      eSignatures,
      deadLetters,
      logger: logger('reporting'),
    });
    parts.push({ app, store, relay, consumers });
  }

  const [intakeUrl, analysisUrl, reportingUrl] = await Promise.all(
    parts.map((p) => p.app.listen({ port: 0, host: '127.0.0.1' })),
  );
  const services = { intake: intakeUrl ?? '', analysis: analysisUrl ?? '', reporting: reportingUrl ?? '' };
  // The real clock: e-signatures live two minutes and the services check them against it.
  const portal = await startTestPortal({ keys, webDir: options.webDir, upstreams: services, now: () => new Date() });
  const url = await portal.app.listen({ port: 0, host: '127.0.0.1' });

  return {
    portal,
    url,
    services,
    async publishRaw(subject, data) {
      await jetstream(nc).publish(subject, data);
    },
    async stop() {
      await portal.close();
      for (const p of parts) {
        await Promise.all(p.consumers.map((c) => c.stop()));
        await p.relay.stop();
        await p.app.close();
      }
      await nc.drain();
      await nats.stop();
      await rm(pkiDir, { recursive: true, force: true });
    },
  };
}

/** A small made-up EI library (not real chemistry; the names say so) and a query: a noisy copy of one entry. */
export const SYNTHETIC_LIBRARY = [
  {
    name: 'Synthetic compound A',
    peaks: [
      [41, 220],
      [43, 999],
      [58, 420],
      [91, 310],
      [105, 80],
      [134, 120],
    ],
  },
  {
    name: 'Synthetic compound B',
    peaks: [
      [44, 999],
      [51, 120],
      [77, 380],
      [105, 650],
      [152, 60],
      [182, 90],
    ],
  },
  {
    name: 'Synthetic compound C',
    peaks: [
      [42, 150],
      [57, 999],
      [71, 520],
      [85, 300],
      [99, 140],
      [142, 60],
    ],
  },
  {
    name: 'Synthetic compound D',
    peaks: [
      [39, 200],
      [65, 310],
      [91, 999],
      [119, 270],
      [148, 180],
    ],
  },
  {
    // C's fragments without its heavier ions (99, 142): the search's low-mass check lowers it.
    name: 'Synthetic compound E',
    peaks: [
      [42, 160],
      [57, 999],
      [71, 500],
      [85, 310],
    ],
  },
] as const;
export const QUERY_OF = 'Synthetic compound C';

export function syntheticLibraryMsp(): string {
  return writeMsp(
    SYNTHETIC_LIBRARY.map((c, i) =>
      makeSpectrum(
        c.peaks.map(([mz, y]) => [mz, y] as [number, number]),
        { name: c.name, dbId: `SYN-${i + 1}` },
      ),
    ),
  );
}

export function syntheticQueryMsp(): string {
  return writeMsp([
    makeSpectrum(
      [
        [42, 170],
        [57, 940],
        [71, 560],
        [85, 270],
        [99, 150],
        [142, 55],
        [207, 8],
      ],
      { name: 'Exhibit 1 extract, run 1' },
    ),
  ]);
}
