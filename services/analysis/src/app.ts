// Builds the analysis HTTP app from its dependencies; no globals, so a test builds one in a line.
import { createServiceApp, registerDeadLetterRoutes } from '@tamga/service-kit';
import type { Authenticator, ESignatureVerifier, Logger, ReadinessCheck, ServiceApp } from '@tamga/service-kit';
import type { DocumentStore } from '@tamga/store';
import { enqueueEvent, inboxCollection, outboxCollection } from '@tamga/messaging';
import type { DeadLetterDesk } from '@tamga/messaging';
import type { CollectionSpec } from '@tamga/store';
import type { ThresholdSet } from './domain/thresholds.ts';
import { ANALYSIS_COLLECTIONS } from './store/collections.ts';
import { createLibraryCatalogue } from './store/libraries.ts';
import { backfillListFields } from './store/work-items.ts';
import type { LibraryCatalogue } from './store/libraries.ts';
import { workItemRoutes } from './routes/work-items.ts';
import { rawUploadRoutes, spectrumReadRoutes } from './routes/spectra.ts';
import { libraryReadRoutes } from './routes/libraries.ts';
import type { RouteContext } from './routes/context.ts';

export interface AnalysisDeps {
  store: DocumentStore;
  auth: Authenticator;
  logger?: Logger | undefined;
  clock?: (() => Date) | undefined;
  /** Legal thresholds per jurisdiction and substance (configuration). */
  thresholds?: readonly ThresholdSet[] | undefined;
  /** User ids authorized to record opinions and interpretations. */
  opinionAuthorized?: readonly string[] | undefined;
  readiness?: readonly ReadinessCheck[] | undefined;
  /** This service's dead letters for the admin (GET /v1/admin/dead-letters, POST .../:id/replay). */
  deadLetters?: DeadLetterDesk | undefined;
  /** Verifies the portal's e-signature tokens that approvals, send-backs and corrections must carry. */
  eSignatures: ESignatureVerifier;
  /** Called after each commit that enqueued events: pass the outbox relay's notify. */
  onCommitted?: (() => void) | undefined;
}

export interface AnalysisApp {
  app: ServiceApp;
  catalogue: LibraryCatalogue;
}

export async function buildApp(deps: AnalysisDeps): Promise<AnalysisApp> {
  await deps.store.ensure([
    ...ANALYSIS_COLLECTIONS,
    outboxCollection,
    inboxCollection,
  ] as readonly CollectionSpec<unknown>[]);
  await backfillListFields(deps.store);
  const catalogue = createLibraryCatalogue(deps.store);
  const ctx: RouteContext = {
    store: deps.store,
    catalogue,
    now: deps.clock ?? (() => new Date()),
    thresholds: deps.thresholds ?? [],
    opinionAuthorized: new Set(deps.opinionAuthorized ?? []),
    enqueue: (tx, event, now) => enqueueEvent(tx, event, now),
    eSignatures: deps.eSignatures,
    eventsEnqueued: deps.onCommitted ?? (() => undefined),
  };
  const app = await createServiceApp({
    name: 'analysis',
    logger: deps.logger,
    auth: deps.auth,
    readiness: [{ name: 'store', check: () => deps.store.ping() }, ...(deps.readiness ?? [])],
    idempotency: { store: deps.store, clock: ctx.now },
  });
  workItemRoutes(app, ctx);
  spectrumReadRoutes(app, ctx);
  libraryReadRoutes(app, ctx);
  if (deps.deadLetters !== undefined) registerDeadLetterRoutes(app, deps.deadLetters);
  // Its own encapsulated scope, so the raw-bytes body parser stays out of the JSON routes. The
  // child carries the parent's type provider and logger; Fastify's plugin type just does not say so.
  await app.register((scope, _opts, done) => {
    rawUploadRoutes(scope as unknown as ServiceApp, ctx);
    done();
  });
  return { app, catalogue };
}
