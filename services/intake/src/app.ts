// Builds the intake HTTP app from its dependencies; no globals, so a test builds one in a line.
import { createServiceApp, registerDeadLetterRoutes, type ReadinessCheck, type ServiceApp } from '@tamga/service-kit';
import type { Authenticator, ESignatureVerifier, Logger } from '@tamga/service-kit';
import type { DeadLetterDesk } from '@tamga/messaging';
import type { DocumentStore } from '@tamga/store';
import { registerIntakeRoutes, registerPhotoUpload } from './routes/intake-routes.ts';
import { ALL_COLLECTIONS } from './store/collections.ts';
import { createIntakeStore, type IntakeStore } from './store/intake-store.ts';
import { createLedger, type CustodyKey } from './store/ledger.ts';

export interface IntakeDeps {
  store: DocumentStore;
  auth: Authenticator;
  /** The `<LAB>` of lab numbers, and the origin named in custody checkpoints. */
  lab: string;
  custodyKey: CustodyKey;
  /** Verifies the portal's e-signature tokens, required on receipts, moves, transfers, sub-samples and destruction. */
  eSignatures: ESignatureVerifier;
  clock?: (() => Date) | undefined;
  logger?: Logger | undefined;
  readiness?: readonly ReadinessCheck[] | undefined;
  /** This service's dead letters for the admin (GET /v1/admin/dead-letters, POST .../:id/replay). */
  deadLetters?: DeadLetterDesk | undefined;
  /** Called after each commit that enqueued events: pass the outbox relay's notify. */
  onCommitted?: (() => void) | undefined;
}

export interface IntakeApp {
  app: ServiceApp;
  intake: IntakeStore;
}

export async function buildApp(deps: IntakeDeps): Promise<IntakeApp> {
  const clock = deps.clock ?? (() => new Date());
  await deps.store.ensure(ALL_COLLECTIONS);
  const ledger = createLedger(deps.store, deps.custodyKey, `tamga.intake/${deps.lab}`);
  await ledger.sync();
  const intake = createIntakeStore({ store: deps.store, ledger, lab: deps.lab, clock, onCommitted: deps.onCommitted });
  const app = await createServiceApp({
    name: 'intake',
    logger: deps.logger,
    auth: deps.auth,
    readiness: [{ name: 'store', check: () => deps.store.ping() }, ...(deps.readiness ?? [])],
    idempotency: { store: deps.store, clock },
  });
  registerIntakeRoutes(app, intake, { now: clock, eSignatures: deps.eSignatures });
  if (deps.deadLetters !== undefined) registerDeadLetterRoutes(app, deps.deadLetters);
  // Its own encapsulated scope, so the raw image parser stays out of the JSON routes; the child
  // carries the parent's type provider, Fastify's plugin type just does not say so.
  await app.register((scope, _opts, done) => {
    registerPhotoUpload(scope as unknown as ServiceApp, intake);
    done();
  });
  return { app, intake };
}
