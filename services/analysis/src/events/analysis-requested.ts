// intake.analysis.requested -> one work item per request. The consumer runs this inside the
// transaction that also writes its inbox record, so a redelivered event is skipped before it
// gets here; the unique request key covers intake sending the same request twice.
import type { AnyEvent } from '@tamga/contracts';
import type { Transaction } from '@tamga/store';
import { createWorkItemFromRequest } from '../store/work-items.ts';

export interface RequestHandlerOptions {
  /** Days from the request to the due date, per priority. */
  turnaroundDays: { routine: number; urgent: number };
  now: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function handleAnalysisEvent(options: RequestHandlerOptions) {
  return async (event: AnyEvent, tx: Transaction): Promise<void> => {
    if (event.type !== 'intake.analysis.requested') return;
    const requestedAt = new Date(event.time);
    const due = new Date(requestedAt.getTime() + options.turnaroundDays[event.data.priority] * DAY_MS);
    await createWorkItemFromRequest(tx, {
      eventId: event.id,
      data: event.data,
      requestedBy: { id: event.actor.id, name: event.actor.name },
      now: options.now(),
      dueDate: due.toISOString().slice(0, 10),
    });
  };
}
