// An administrator's desk for one service's dead letters: what its consumers gave up on, a page
// at a time, and a way to hand one back to the consumer that gave up on it once the cause is
// fixed. The replay runs in this process through the consumer's own inbox transaction, so it
// reaches that consumer only (not every consumer of the subject), needs no right to publish
// another context's events, and an event the consumer handled meanwhile is skipped.
import { randomUUID } from 'node:crypto';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import { defineCollection } from '@tamga/store';
import type { DocumentStore, Transaction } from '@tamga/store';
import type { HandlingOutcome, RunningConsumer } from './consumer.ts';
import { readDeadLetter, pageDeadLetters } from './deadletter.ts';
import type { DeadLetter, DeadLetterPage } from './deadletter.ts';
import { MessagingErrors } from './errors.ts';
import { DEADLETTER_STREAM } from './streams.ts';

/** Who asked for a replay (the administrator's token subject and name). */
export interface DeadLetterActor {
  userId: string;
  name: string;
}

/** The audit trail of replays: one record per attempt, written with the handler's effect when it ran. */
export interface DeadLetterReplayRecord {
  seq: number;
  durable: string;
  subject: string;
  eventId: string | undefined;
  by: DeadLetterActor;
  at: string;
  outcome: HandlingOutcome | 'failed';
  error?: string | undefined;
}

export const deadLetterReplays = defineCollection<DeadLetterReplayRecord>({
  name: 'dead_letter_replays',
  indexes: [{ fields: ['at'] }, { fields: ['seq'] }],
  keepVersions: false,
});

export interface DeadLetterReplay {
  seq: number;
  durable: string;
  subject: string;
  eventId: string | undefined;
  /** `handled`: the handler ran now; `duplicate`: the consumer had handled the event already. */
  outcome: HandlingOutcome;
}

export interface DeadLetterDesk {
  /** The durables whose dead letters this desk shows: those of the attached consumers. */
  readonly durables: readonly string[];
  /** Adds consumers this service runs (they may start after the HTTP app is built). */
  attach(...consumers: readonly RunningConsumer[]): void;
  list(page?: { after?: number | undefined; limit?: number | undefined }): Promise<DeadLetterPage>;
  get(seq: number): Promise<DeadLetter>;
  replay(seq: number, by: DeadLetterActor): Promise<DeadLetterReplay>;
}

export interface DeadLetterDeskOptions {
  js: JetStreamClient;
  store: DocumentStore;
  consumers?: readonly RunningConsumer[];
  now?: () => Date;
}

export async function createDeadLetterDesk(options: DeadLetterDeskOptions): Promise<DeadLetterDesk> {
  const { js, store } = options;
  const now = options.now ?? (() => new Date());
  await store.ensure([deadLetterReplays]);
  const consumers = new Map<string, RunningConsumer>();
  for (const consumer of options.consumers ?? []) consumers.set(consumer.durable, consumer);

  const ours = async (seq: number): Promise<{ letter: DeadLetter; consumer: RunningConsumer }> => {
    const letter = await readDeadLetter(js, seq);
    const consumer = consumers.get(letter.durable);
    if (consumer === undefined) {
      throw MessagingErrors.MESSAGING_ERR_DEAD_LETTER_NOT_FOUND(`dead letter ${seq} belongs to consumer ${letter.durable}, which this service does not run`);
    }
    return { letter, consumer };
  };

  const record = (letter: DeadLetter, by: DeadLetterActor, outcome: DeadLetterReplayRecord['outcome'], error?: string) => async (tx: Transaction) => {
    await tx.collection(deadLetterReplays).insert({
      _id: randomUUID(),
      seq: letter.seq,
      durable: letter.durable,
      subject: letter.subject,
      eventId: letter.eventId,
      by,
      at: now().toISOString(),
      outcome,
      ...(error === undefined ? {} : { error }),
    });
  };

  return {
    get durables() {
      return [...consumers.keys()];
    },
    attach(...more) {
      for (const consumer of more) consumers.set(consumer.durable, consumer);
    },
    list(page = {}) {
      return pageDeadLetters(js, { durables: [...consumers.keys()], after: page.after ?? 0, limit: page.limit ?? 50 });
    },
    async get(seq) {
      return (await ours(seq)).letter;
    },
    async replay(seq, by) {
      const { letter, consumer } = await ours(seq);
      const delivery = {
        subject: letter.subject,
        stream: letter.stream,
        streamSeq: letter.streamSeq,
        deliveryCount: letter.deliveries + 1,
        traceparent: letter.traceparent,
      };
      let outcome: HandlingOutcome;
      try {
        outcome = await consumer.redeliver(letter.payload, delivery, record(letter, by, 'handled'));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await store.transaction(record(letter, by, 'failed', message));
        throw MessagingErrors.MESSAGING_ERR_REPLAY_FAILED(`dead letter ${seq} (${letter.subject}) failed again in ${letter.durable}: ${message}`, { cause: err });
      }
      if (outcome === 'duplicate') await store.transaction(record(letter, by, 'duplicate'));
      // Done with: take it off the list. Another instance may have replayed it at the same time.
      const jsm = await js.jetstreamManager();
      await jsm.streams.deleteMessage(DEADLETTER_STREAM, seq).catch((err: unknown) => {
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.NoMessageFound) return true;
        throw err;
      });
      return { seq, durable: letter.durable, subject: letter.subject, eventId: letter.eventId, outcome };
    },
  };
}
