// The whole lab in one process for the security suites: intake, analysis, reporting and the
// portal built with their own buildApp against memory stores, joined by a real nats-server, with
// one token key. Every Fastify route is collected as it is registered (Fastify publishes each new
// instance on the `fastify.initialization` diagnostics channel), so the suites test the routes
// the apps really have, not a list someone remembered to update.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Principal, Role } from '../../packages/contracts/src/index.ts';
import { connectNats, createDeadLetterDesk, enqueueEvent, ensureStreams, inboxCollection, jetstream, outboxCollection, startConsumer, startOutboxRelay, streamSubject } from '../../packages/messaging/src/index.ts';
import type { NatsConnection, OutboxRelay, RunningConsumer } from '../../packages/messaging/src/index.ts';
import { ensureDevPki } from '../../packages/report-pdf/src/index.ts';
import { createESignatureVerifier, createJwtAuthenticator, createLogger, createTokenIssuer, generateSigningKeyPair } from '../../packages/service-kit/src/index.ts';
import type { ServiceApp } from '../../packages/service-kit/src/index.ts';
import { createMemoryStore } from '../../packages/store/src/index.ts';
import type { BlobStore, CollectionSpec, DocumentStore, Transaction } from '../../packages/store/src/index.ts';
import { findNatsServer, startNats, tempDir } from '../../packages/testkit/src/index.ts';
import type { NatsServer } from '../../packages/testkit/src/index.ts';
import { buildApp as buildIntake, generateCustodyKey } from '../../services/intake/src/index.ts';
import { buildApp as buildAnalysis, startAnalysisConsumers } from '../../services/analysis/src/index.ts';
import { buildApp as buildReporting, handleEvent, REPORTING_COLLECTIONS } from '../../services/reporting/src/index.ts';
import type { IssuerDeps } from '../../services/reporting/src/index.ts';
import { buildPortalApp, DEFAULT_WEB_DIR, isWebBuilt, seedFirstUsers } from '../../services/portal/src/index.ts';
import { runItemThroughLab, type FlowResult } from '../../packages/cli/src/demo/flow.ts';
import type { DemoRole, ESigner, SignedActText } from '../../packages/cli/src/demo/tokens.ts';

export const SERVICES = ['intake', 'analysis', 'reporting', 'portal'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Who calls: each lab role, an investigator of the item's agency and of another, and nobody. */
export const SUBJECTS = ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin', 'investigator-own', 'investigator-other', 'anonymous'] as const;
export type Subject = (typeof SUBJECTS)[number];

export const OWN_AGENCY = 'police-central';
export const OTHER_AGENCY = 'customs-east';

/** Why the suites cannot run here, or undefined when they can. */
export function whyLabCannotRun(): string | undefined {
  if (process.env.NATS_URL === undefined && findNatsServer() === undefined) return 'no nats-server on PATH and no NATS_URL (apt-get install nats-server)';
  return undefined;
}

// ------------------------------------------------------------------------------ routes

export interface CollectedRoute {
  service: ServiceName;
  method: string;
  url: string;
  /** The zod schemas the route validates with (body, querystring, params), as registered. */
  schema: { body?: unknown; querystring?: unknown; params?: unknown };
  config: { public?: boolean; roles?: readonly Role[] };
}

interface RouteOptionsSeen {
  method: string | string[];
  url: string;
  schema?: { body?: unknown; querystring?: unknown; params?: unknown };
  config?: { public?: boolean; roles?: readonly Role[] };
}

interface HookableApp {
  addHook(name: 'onRoute', hook: (route: RouteOptionsSeen) => void): unknown;
}

/** Builds an app while recording every route any Fastify instance created meanwhile registers. */
async function collectingRoutes<T>(service: ServiceName, into: CollectedRoute[], build: () => Promise<T>): Promise<T> {
  const onInit = (message: unknown): void => {
    const fastify = (message as { fastify: HookableApp }).fastify;
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        // Read config when asked, not now: a plugin's own onRoute hook (the portal's public
        // scopes) may replace it after this one ran.
        into.push({
          service,
          method: method.toUpperCase(),
          url: route.url,
          schema: route.schema ?? {},
          get config() {
            return route.config ?? {};
          },
        });
      }
    });
  };
  subscribe('fastify.initialization', onInit);
  try {
    return await build();
  } finally {
    unsubscribe('fastify.initialization', onInit);
  }
}

// ------------------------------------------------------------------------------ observed stores

export interface StoreSnapshot {
  collections: Record<string, unknown[]>;
  blobs: string[];
}

/** The memory store, plus a record of every collection and new blob it was asked for, so a test can snapshot all of it. */
export interface ObservedStore {
  store: DocumentStore;
  snapshot(): Promise<StoreSnapshot>;
}

export function observeStore(inner: DocumentStore): ObservedStore {
  const specs = new Map<string, CollectionSpec<unknown>>();
  const blobsPut = new Set<string>();
  const seen = <T>(spec: CollectionSpec<T>): CollectionSpec<T> => {
    if (!specs.has(spec.name)) specs.set(spec.name, spec);
    return spec;
  };
  const blobs: BlobStore = {
    async put(bytes, contentType) {
      const ref = await inner.blobs.put(bytes, contentType);
      blobsPut.add(ref.sha256);
      return ref;
    },
    get: (sha256) => inner.blobs.get(sha256),
    has: (sha256) => inner.blobs.has(sha256),
  };
  const store: DocumentStore = {
    backend: inner.backend,
    ensure: (list) => {
      list.forEach(seen);
      return inner.ensure(list);
    },
    collection: (spec) => inner.collection(seen(spec)),
    transaction: (work) => inner.transaction((tx: Transaction) => work({ collection: (spec) => tx.collection(seen(spec)) })),
    blobs,
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return {
    store,
    async snapshot() {
      const collections: Record<string, unknown[]> = {};
      for (const [name, spec] of [...specs].sort(([a], [b]) => a.localeCompare(b))) {
        const docs = await inner.collection(spec).find({}, { sort: { _id: 1 } });
        if (docs.length > 0) collections[name] = docs;
      }
      return { collections, blobs: [...blobsPut].sort() };
    },
  };
}

// ------------------------------------------------------------------------------ the lab

export interface Fixtures {
  agencyId: string;
  otherAgencyId: string;
  caseId: string;
  labNo: string;
  transferId: string;
  /** A second item of the case with its own pending transfer, for the decline route. */
  secondLabNo: string;
  secondTransferId: string;
  deviationId: string;
  workItemId: string;
  resultId: string;
  spectrumId: string;
  reportNumber: string;
  library: { name: string; version: string };
  userId: string;
  investigatorId: string;
  /** A photo of the item (a tiny PNG uploaded by the technician). */
  photoId: string;
}

export interface Lab {
  apps: Record<ServiceName, ServiceApp>;
  stores: Record<ServiceName, ObservedStore>;
  routes: CollectedRoute[];
  people: Record<Exclude<Subject, 'anonymous'>, Principal>;
  token(subject: Subject): string | undefined;
  fixtures: Fixtures;
  /** Stops the event flow (relays and consumers), so nothing changes a store but the requests a test sends. */
  quiesce(): Promise<void>;
  close(): Promise<void>;
}

const quietLogger = (name: string) => createLogger({ name, level: 'silent' });
const TEST_SCRYPT = { log2N: 12, r: 8, p: 1 };

function urlOf(app: ServiceApp): string {
  const address = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

async function expectStatus(app: ServiceApp, request: { method: 'GET' | 'POST'; url: string; token: string; payload?: unknown }, status: number): Promise<Record<string, unknown>> {
  const res = await app.inject({
    method: request.method,
    url: request.url,
    headers: { authorization: `Bearer ${request.token}` },
    ...(request.payload === undefined ? {} : { payload: request.payload as Record<string, unknown> }),
  });
  if (res.statusCode !== status) throw new Error(`lab fixture: ${request.method} ${request.url} answered ${res.statusCode}, expected ${status}: ${res.body}`);
  return res.json<Record<string, unknown>>();
}

/** Starts the lab and drives one item from intake to an issued report through the apps' own routes and events. */
export async function startLab(): Promise<Lab> {
  const routes: CollectedRoute[] = [];
  const nats: NatsServer = await startNats();
  const connections: NatsConnection[] = [];
  const relays: OutboxRelay[] = [];
  const consumers: RunningConsumer[] = [];
  let flowing = true;
  const connect = async (name: string) => {
    const nc = await connectNats({ servers: nats.url, name });
    connections.push(nc);
    return nc;
  };
  const relayFor = (store: DocumentStore, nc: NatsConnection) => {
    const relay = startOutboxRelay({ store, js: jetstream(nc), pollMs: 100 });
    relays.push(relay);
    return () => {
      if (flowing) relay.notify();
    };
  };

  const keys = await generateSigningKeyPair();
  const issuer = createTokenIssuer({ privateKey: keys.privateKey, kid: keys.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 3600 });
  const auth = () => createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', audience: 'tamga' });
  // As in production: the services verify the portal's e-signatures with its key.
  const eSignatures = () => createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal' });
  const stores = Object.fromEntries(SERVICES.map((s) => [s, observeStore(createMemoryStore({ quiet: true }))])) as Record<ServiceName, ObservedStore>;

  // ---- portal first: its seeded users are the people every token names
  const seeded = await seedFirstUsers({ store: stores.portal.store, scrypt: TEST_SCRYPT, now: new Date(), demo: true });
  const byName = (username: string) => {
    const u = seeded.find((s) => s.username === username);
    if (u === undefined) throw new Error(`lab fixture: no seeded user ${username}`);
    return u;
  };
  const passwords = new Map<string, string>();
  const person = (username: string, roles: Role[]): Principal => {
    const u = byName(username);
    passwords.set(u.id, u.password);
    return { sub: u.id, name: u.name, roles, lab: 'TMG', ...(u.agencyId === undefined ? {} : { agencyId: u.agencyId }) };
  };
  const people: Lab['people'] = {
    technician: person('technician', ['technician']),
    analyst: person('analyst', ['analyst']),
    reviewer: person('reviewer', ['reviewer']),
    // The seeded QA manager also reviews; the matrix wants the qa_manager role alone.
    qa_manager: person('qa.manager', ['qa_manager']),
    admin: person('admin', ['admin']),
    'investigator-own': person('investigator.police', ['investigator']),
    'investigator-other': person('investigator.customs', ['investigator']),
  };
  if (people['investigator-own'].agencyId !== OWN_AGENCY || people['investigator-other'].agencyId !== OTHER_AGENCY) {
    throw new Error('lab fixture: the seeded investigators are not of the agencies the suites expect');
  }
  const tokens = new Map<Subject, string>();
  for (const [subject, p] of Object.entries(people)) tokens.set(subject as Subject, await issuer.issue(p));
  const token = (subject: Subject) => tokens.get(subject);
  const mustToken = (subject: Subject) => {
    const t = tokens.get(subject);
    if (t === undefined) throw new Error(`no token for ${subject}`);
    return t;
  };

  // ---- intake
  const intakeNc = await connect('security-intake');
  await ensureStreams(intakeNc);
  const intakeNotify = relayFor(stores.intake.store, intakeNc);
  const intakeDesk = await createDeadLetterDesk({ js: jetstream(intakeNc), store: stores.intake.store });
  const { app: intake } = await collectingRoutes('intake', routes, () =>
    buildIntake({ store: stores.intake.store, auth: auth(), lab: 'TMG', custodyKey: generateCustodyKey(), eSignatures: eSignatures(), logger: quietLogger('intake'), onCommitted: intakeNotify, deadLetters: intakeDesk }),
  );

  // ---- analysis
  const analysisNc = await connect('security-analysis');
  const analysisNotify = relayFor(stores.analysis.store, analysisNc);
  const analysisDesk = await createDeadLetterDesk({ js: jetstream(analysisNc), store: stores.analysis.store });
  const { app: analysis } = await collectingRoutes('analysis', routes, () =>
    buildAnalysis({ store: stores.analysis.store, auth: auth(), eSignatures: eSignatures(), logger: quietLogger('analysis'), opinionAuthorized: [people.qa_manager.sub], onCommitted: analysisNotify, deadLetters: analysisDesk }),
  );
  const analysisConsumers = await startAnalysisConsumers({ nc: analysisNc, store: stores.analysis.store });
  consumers.push(...analysisConsumers);
  analysisDesk.attach(...analysisConsumers);

  // ---- reporting
  const reportingNc = await connect('security-reporting');
  const reportingStore = stores.reporting.store;
  await reportingStore.ensure([...REPORTING_COLLECTIONS, outboxCollection, inboxCollection] as readonly CollectionSpec<unknown>[]);
  relayFor(reportingStore, reportingNc);
  const pki = await ensureDevPki(tempDir('tamga-security-pki'));
  const reportIssuer: IssuerDeps = {
    lab: { code: 'TMG', name: { ru: 'Лаборатория', en: 'Test laboratory' }, address: { ru: 'Ташкент', en: 'Tashkent' } },
    pki,
    blobs: reportingStore.blobs,
    verifyBaseUrl: 'https://lab.example/verify',
    languages: ['ru', 'en'],
    now: () => new Date(),
    enqueue: (tx, event) => enqueueEvent(tx, event),
  };
  for (const stream of ['INTAKE', 'ANALYSIS'] as const) {
    consumers.push(
      await startConsumer({
        nc: reportingNc,
        store: reportingStore,
        stream,
        durable: `reporting-${stream.toLowerCase()}`,
        filterSubject: streamSubject(stream),
        handler: async (event, tx) => {
          await handleEvent(event, tx, reportIssuer);
        },
      }),
    );
  }
  const reportingDesk = await createDeadLetterDesk({ js: jetstream(reportingNc), store: reportingStore, consumers: consumers.filter((c) => c.durable.startsWith('reporting-')) });
  const reporting = await collectingRoutes('reporting', routes, () => buildReporting({ store: reportingStore, issuer: reportIssuer, auth: auth(), eSignatures: eSignatures(), logger: quietLogger('reporting'), deadLetters: reportingDesk }));

  for (const app of [intake, analysis, reporting]) await app.listen({ port: 0, host: '127.0.0.1' });

  // ---- portal, with its gateway to the running services and the web UI when it is built
  const portal = await collectingRoutes('portal', routes, () =>
    buildPortalApp({
      store: stores.portal.store,
      keys,
      lab: 'TMG',
      scrypt: TEST_SCRYPT,
      upstreams: { intake: urlOf(intake), analysis: urlOf(analysis), reporting: urlOf(reporting) },
      ...(isWebBuilt(DEFAULT_WEB_DIR) && existsSync(DEFAULT_WEB_DIR) ? { webDir: DEFAULT_WEB_DIR } : {}),
      logger: quietLogger('portal'),
    }),
  );
  const apps: Record<ServiceName, ServiceApp> = { intake, analysis, reporting, portal };
  for (const app of Object.values(apps)) await app.ready();

  // ---- one item through the whole lab, as its people would do it
  const flowTokens: Record<DemoRole, string> = {
    technician: mustToken('technician'),
    analyst: mustToken('analyst'),
    reviewer: mustToken('reviewer'),
    librarian: mustToken('qa_manager'),
  };
  const tech = mustToken('technician');
  await expectStatus(intake, { method: 'POST', url: '/v1/agencies', token: tech, payload: { agencyId: OWN_AGENCY, name: 'Central Police Department', kind: 'police' } }, 201);
  await expectStatus(intake, { method: 'POST', url: '/v1/agencies', token: tech, payload: { agencyId: OTHER_AGENCY, name: 'Eastern Customs Service', kind: 'customs' } }, 201);
  await expectStatus(intake, { method: 'POST', url: '/v1/locations', token: tech, payload: { locationId: 'store-1', kind: 'store', name: 'Main evidence store' } }, 201);
  // E-signatures from the portal's own route: the person re-enters their seeded password.
  const eSignAs = async (subject: Exclude<Subject, 'anonymous'>, act: SignedActText): Promise<string> => {
    const signed = await expectStatus(portal, { method: 'POST', url: '/v1/e-signatures', token: mustToken(subject), payload: { password: passwords.get(people[subject].sub), ...act } }, 201);
    return String(signed.token);
  };
  const flowESign: ESigner = (role, act) => eSignAs(role === 'librarian' ? 'qa_manager' : role, act);
  const flow: FlowResult = await runItemThroughLab({ urls: { intake: urlOf(intake), analysis: urlOf(analysis), reporting: urlOf(reporting) }, tokens: flowTokens, eSign: flowESign, agencyId: OWN_AGENCY, timeoutMs: 30_000 });

  const item = `/v1/items/${flow.labNo}`;
  const handOver = async (labNo: string) => ({
    to: { userId: people.analyst.sub, name: people.analyst.name },
    purpose: 'analysis',
    eSignature: await eSignAs('technician', { meaning: 'released', purpose: `transfer ${labNo} to ${people.analyst.sub}` }),
  });
  const offered = await expectStatus(intake, { method: 'POST', url: `${item}/transfers`, token: tech, payload: await handOver(flow.labNo) }, 201);
  const second = await expectStatus(
    intake,
    {
      method: 'POST',
      url: `/v1/cases/${flow.caseId}/items`,
      token: tech,
      payload: {
        exhibitNo: 'Exhibit 2',
        description: 'Paper wrap with brown resin',
        packaging: 'sealed paper envelope',
        seals: [{ number: 'S-2', intact: true }],
        grossWeight: { grams: 1.25, balanceId: 'BAL-1' },
        condition: 'sealed',
        deliveredBy: { name: 'Sgt. Courier' },
        eSignature: await eSignAs('technician', { meaning: 'received', purpose: `receive Exhibit 2 into ${flow.caseId}` }),
      },
    },
    201,
  );
  const secondLabNo = String(second.labNo);
  const secondOffer = await expectStatus(intake, { method: 'POST', url: `/v1/items/${secondLabNo}/transfers`, token: tech, payload: await handOver(secondLabNo) }, 201);
  // A photo of the item: the smallest body that is a PNG by its first bytes.
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  const uploaded = await intake.inject({ method: 'POST', url: `${item}/photos?caption=as%20received`, headers: { authorization: `Bearer ${tech}`, 'content-type': 'image/png' }, payload: png });
  if (uploaded.statusCode !== 201) throw new Error(`lab fixture: photo upload answered ${uploaded.statusCode}: ${uploaded.body}`);
  const deviation = await expectStatus(intake, { method: 'POST', url: `${item}/deviations`, token: tech, payload: { kind: 'packaging_damaged', description: 'corner of the envelope torn' } }, 201);
  const workItem = await expectStatus(analysis, { method: 'GET', url: `/v1/work-items/${flow.workItemId}`, token: mustToken('reviewer') }, 200);
  const investigator = await expectStatus(intake, { method: 'POST', url: `/v1/agencies/${OWN_AGENCY}/investigators`, token: tech, payload: { investigatorId: 'inv-1', name: 'Det. Insp. One', contact: '+000 00 000 00 01' } }, 201);

  const fixtures: Fixtures = {
    agencyId: OWN_AGENCY,
    otherAgencyId: OTHER_AGENCY,
    caseId: flow.caseId,
    labNo: flow.labNo,
    transferId: String(offered.transferId),
    secondLabNo,
    secondTransferId: String(secondOffer.transferId),
    deviationId: String(deviation.deviationId),
    workItemId: flow.workItemId,
    resultId: String(workItem.resultId),
    spectrumId: flow.spectrumId,
    reportNumber: flow.reportNumber,
    library: flow.library,
    userId: people.technician.sub,
    investigatorId: typeof investigator.investigatorId === 'string' ? investigator.investigatorId : 'inv-1',
    photoId: uploaded.json<{ photoId: string }>().photoId,
  };

  let quiet = false;
  const lab: Lab = {
    apps,
    stores,
    routes,
    people,
    token,
    fixtures,
    async quiesce() {
      if (quiet) return;
      quiet = true;
      // Let what is in flight land, then stop the flow for good.
      await sleep(500);
      flowing = false;
      await Promise.all(consumers.map((c) => c.stop()));
      await Promise.all(relays.map((r) => r.stop()));
    },
    async close() {
      await lab.quiesce();
      for (const app of Object.values(apps)) await app.close();
      for (const nc of connections) await nc.drain();
      await nats.stop();
      for (const s of Object.values(stores)) await s.store.close();
    },
  };
  return lab;
}
