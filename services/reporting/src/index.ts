// Public surface of the reporting service for tests, the CLI and other in-process users.
export { buildApp } from './app.ts';
export type { ReportingAppDeps } from './app.ts';
export { handleEvent } from './events/handle-event.ts';
export type { IssuerDeps, IssuedReport } from './reports/issue-reports.ts';
export { watchLabPki } from './reports/signing-pki.ts';
export type { SigningPkiSource, WatchLabPkiOptions } from './reports/signing-pki.ts';
export { REPORTING_COLLECTIONS } from './store/collections.ts';
export { reportingErrors } from './domain/errors.ts';
