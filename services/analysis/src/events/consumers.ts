// The analysis service's durable consumers.
import { startConsumer } from '@tamga/messaging';
import type { MessagingLogger, NatsConnection, RunningConsumer } from '@tamga/messaging';
import type { DocumentStore } from '@tamga/store';
import { handleAnalysisEvent } from './analysis-requested.ts';

export interface ConsumerDeps {
  nc: NatsConnection;
  store: DocumentStore;
  now?: (() => Date) | undefined;
  logger?: MessagingLogger | undefined;
  turnaroundDays?: { routine: number; urgent: number } | undefined;
}

export const REQUESTS_DURABLE = 'analysis-requests';

export async function startAnalysisConsumers(deps: ConsumerDeps): Promise<RunningConsumer[]> {
  const now = deps.now ?? (() => new Date());
  const requests = await startConsumer({
    nc: deps.nc,
    store: deps.store,
    stream: 'INTAKE',
    durable: REQUESTS_DURABLE,
    filterSubject: 'intake.analysis.requested',
    handler: handleAnalysisEvent({ now, turnaroundDays: deps.turnaroundDays ?? { routine: 30, urgent: 5 } }),
    now,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  return [requests];
}
