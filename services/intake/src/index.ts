// Public surface of the intake service for tests, the CLI and other in-process users.
export { buildApp } from './app.ts';
export type { IntakeApp, IntakeDeps } from './app.ts';
export { IntakeErrors } from './domain/errors.ts';
export { formatLabNo, parseLabNo, labNoFromScan } from './domain/lab-number.ts';
export type { LabNoParts } from './domain/lab-number.ts';
export { renderLabelPdf, renderLabelPng, renderLabelSheetPdf, barcodePng } from './labels/labels.ts';
export type { LabelData, Symbology } from './labels/labels.ts';
export { generateCustodyKey, loadOrCreateCustodyKey, CUSTODY_PUBLIC_KEY_FILE } from './store/custody-key.ts';
export type { CustodyKey } from './store/ledger.ts';
export { ALL_COLLECTIONS as INTAKE_COLLECTIONS } from './store/collections.ts';
