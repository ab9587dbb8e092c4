export { buildApp } from './app.ts';
export type { AnalysisApp, AnalysisDeps } from './app.ts';
export { startAnalysisConsumers, REQUESTS_DURABLE } from './events/consumers.ts';
export type { ConsumerDeps } from './events/consumers.ts';
export { AnalysisErrors } from './domain/errors.ts';
