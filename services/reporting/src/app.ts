// Builds the reporting HTTP app from its dependencies; no globals, so a test builds one against
// the memory store in one line.
import { createServiceApp, registerDeadLetterRoutes } from '@tamga/service-kit';
import type { Authenticator, ESignatureVerifier, Logger, ReadinessCheck, ServiceApp } from '@tamga/service-kit';
import type { DeadLetterDesk } from '@tamga/messaging';
import type { DocumentStore } from '@tamga/store';
import type { IssuerDeps } from './reports/issue-reports.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerVerificationRoutes } from './routes/verification.ts';

export interface ReportingAppDeps {
  store: DocumentStore;
  issuer: IssuerDeps;
  auth: Authenticator;
  /** Verifies the portal's e-signature tokens that amendments and withdrawals must carry. */
  eSignatures: ESignatureVerifier;
  logger?: Logger | undefined;
  readiness?: readonly ReadinessCheck[] | undefined;
  /** This service's dead letters for the admin (GET /v1/admin/dead-letters, POST .../:id/replay). */
  deadLetters?: DeadLetterDesk | undefined;
}

export async function buildApp(deps: ReportingAppDeps): Promise<ServiceApp> {
  const app = await createServiceApp({
    name: 'reporting',
    auth: deps.auth,
    logger: deps.logger,
    readiness: [{ name: 'store', check: () => deps.store.ping() }, ...(deps.readiness ?? [])],
    idempotency: { store: deps.store },
  });
  registerReportRoutes(app, { store: deps.store, issuer: deps.issuer, eSignatures: deps.eSignatures });
  registerVerificationRoutes(app, { store: deps.store, caCertPem: deps.issuer.pki.caCertPem });
  if (deps.deadLetters !== undefined) registerDeadLetterRoutes(app, deps.deadLetters);
  return app;
}
