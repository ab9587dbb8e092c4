// The outbox: an event is written in the same store transaction as the state change it reports,
// and a relay publishes it afterwards. A crash between publishing and marking it sent only makes
// the relay publish it again; JetStream drops the copy because `Nats-Msg-Id` is the event id.
// The relay also watches the streams it publishes to and, when the broker lost events it had
// acknowledged, replays the sent entries by itself (relay-repair.ts).
import { EventEnvelope, isDomainError } from '@tamga/contracts';
import type { EventEnvelope as Envelope } from '@tamga/contracts';
import { defineCollection } from '@tamga/store';
import type { DocumentStore, Stored, Transaction } from '@tamga/store';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { MessagingErrors } from './errors.ts';
import { Headers } from './headers.ts';
import { silentLogger } from './logger.ts';
import type { MessagingLogger } from './logger.ts';
import { createStreamGuard } from './relay-repair.ts';
import type { StreamRepairReport } from './relay-repair.ts';

export interface OutboxEntry {
  event: Envelope;
  /** The NATS subject: the event type. */
  subject: string;
  enqueuedAt: string;
  /** When the relay had it acknowledged by JetStream; null while pending. */
  sentAt: string | null;
  stream: string | null;
  /** The stream sequence JetStream gave it (the first one, for a duplicate). */
  streamSeq: number | null;
}

/** Entries are ordered by `_id`, the event's UUIDv7, i.e. by creation time. */
export const outboxCollection = defineCollection<OutboxEntry>({
  name: 'outbox',
  indexes: [{ fields: ['sentAt'] }, { fields: ['enqueuedAt'] }],
  keepVersions: false,
});

/**
 * Writes `event` to the outbox inside the caller's transaction, next to the state change it
 * reports. Call `relay.notify()` after the transaction commits so it goes out at once.
 * Throws MESSAGING_ERR_INVALID_EVENT for an envelope that does not validate.
 */
export async function enqueueEvent(tx: Transaction, event: Envelope, now: Date = new Date()): Promise<void> {
  const checked = EventEnvelope.safeParse(event);
  if (!checked.success) {
    throw MessagingErrors.MESSAGING_ERR_INVALID_EVENT(`event ${String(event.id)} (${String(event.type)}) has an invalid envelope`, {
      errors: checked.error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message })),
      cause: checked.error,
    });
  }
  await tx.collection(outboxCollection).insert({
    _id: event.id,
    event,
    subject: event.type,
    enqueuedAt: now.toISOString(),
    sentAt: null,
    stream: null,
    streamSeq: null,
  });
}

async function publishEntry(js: JetStreamClient, entry: OutboxEntry): Promise<PubAck> {
  const h = natsHeaders();
  h.set(Headers.eventType, entry.event.type);
  if (entry.event.traceparent !== undefined) h.set(Headers.traceparent, entry.event.traceparent);
  try {
    return await js.publish(entry.subject, JSON.stringify(entry.event), { msgID: entry.event.id, headers: h, timeout: 5_000 });
  } catch (err) {
    throw MessagingErrors.MESSAGING_ERR_PUBLISH_FAILED(
      `event ${entry.event.id} (${entry.subject}): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

export interface OutboxRelayOptions {
  store: DocumentStore;
  js: JetStreamClient;
  logger?: MessagingLogger;
  /** How often pending events are looked for when nobody calls notify(). Default 1 s. */
  pollMs?: number;
  /** Events read per round. Default 100. */
  batchSize?: number;
  now?: () => Date;
  /**
   * How often the relay checks that the streams it publishes to still hold what they
   * acknowledged, and replays the outbox when they do not. Default 5 s; 0 turns it off.
   * A sequence going backwards in an acknowledgement, or a failed publish, brings the check forward.
   */
  streamCheckMs?: number;
  /** Told about every automatic replay (tests, metrics). */
  onStreamRepaired?: (report: StreamRepairReport) => void;
}

export interface OutboxRelay {
  /** Asks for a round soon (after a commit that enqueued events); returns at once. */
  notify(): void;
  /**
   * Publishes everything pending now (after the round in progress, if any); resolves with how
   * many events went out meanwhile, rejects if publishing fails.
   */
  flush(): Promise<number>;
  /** Finishes the round in progress and stops. */
  stop(): Promise<void>;
}

/**
 * Publishes pending outbox entries in order, each awaited before the next so the stream keeps
 * the outbox order, and marks each one sent with its stream sequence. Safe to run after a crash,
 * and safe with several relays on one store (the second publish is a duplicate).
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { store, js } = options;
  const logger = options.logger ?? silentLogger;
  const pollMs = options.pollMs ?? 1_000;
  const batchSize = options.batchSize ?? 100;
  const now = options.now ?? (() => new Date());
  const outbox = store.collection(outboxCollection);
  const streamCheckMs = options.streamCheckMs ?? 5_000;
  const guard = createStreamGuard({ store, js, logger, now, outbox: outboxCollection, publish: (entry) => publishEntry(js, entry) });
  /** The first round checks (a broker may have been wiped while this process was down). */
  let checkDue = streamCheckMs > 0;
  let lastCheckAt = 0;

  const checkStreams = async (): Promise<void> => {
    if (streamCheckMs <= 0 || (!checkDue && Date.now() - lastCheckAt < streamCheckMs)) return;
    checkDue = false;
    lastCheckAt = Date.now();
    try {
      for (const report of await guard.checkAndRepair()) options.onStreamRepaired?.(report);
    } catch (err) {
      checkDue = true;
      throw err;
    }
  };

  let stopped = false;
  let publishedTotal = 0;
  /** Set by notify(); a notify during a round makes the loop go round again without waiting. */
  let notified = false;
  let current: Promise<number> = Promise.resolve(0);
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  /** Marks a batch sent in one transaction (one disk sync for the batch, not one per event). */
  const markSent = async (sent: readonly { entry: Stored<OutboxEntry>; ack: PubAck }[]): Promise<void> => {
    if (sent.length === 0) return;
    const at = now().toISOString();
    await store.transaction(async (tx) => {
      const entries = tx.collection(outboxCollection);
      for (const { entry, ack } of sent) {
        const current = await entries.get(entry._id);
        // Another relay on the same store marked it first: it is sent either way.
        if (current === undefined || current.sentAt !== null) continue;
        const { _id, _v, ...doc } = current;
        await entries.update(_id, _v, { ...doc, sentAt: at, stream: ack.stream, streamSeq: ack.seq });
      }
    });
  };

  const round = async (): Promise<number> => {
    let published = 0;
    for (;;) {
      // Repairs a stream that lost acknowledged events before adding new ones after them.
      await checkStreams();
      const pending = await outbox.find({ sentAt: null }, { sort: { _id: 1 }, limit: batchSize });
      const sent: { entry: Stored<OutboxEntry>; ack: PubAck }[] = [];
      let interrupted = false;
      try {
        // One at a time, each acknowledged before the next, so the stream keeps the outbox order.
        for (const entry of pending) {
          let ack: PubAck;
          try {
            ack = await publishEntry(js, entry);
          } catch (err) {
            // A stream that is gone answers no publish: look at it before the next attempt.
            checkDue = true;
            throw err;
          }
          sent.push({ entry, ack });
          logger.debug({ eventId: entry.event.id, type: entry.event.type, streamSeq: ack.seq, duplicate: ack.duplicate }, 'outbox event published');
          if (guard.observe(ack)) {
            // The stream's sequence went backwards: it lost events; replay before going on.
            checkDue = true;
            interrupted = true;
            break;
          }
        }
      } finally {
        // Marks what went out even when a later publish failed; a crash before this line only
        // means those events are published again and dropped as duplicates.
        await markSent(sent);
        published += sent.length;
        publishedTotal += sent.length;
      }
      if ((pending.length < batchSize && !interrupted) || stopped) return published;
    }
  };

  /** Rounds never overlap: a new one starts after the one in progress. */
  const runRound = (): Promise<number> => {
    const next = current.catch(() => 0).then(round);
    current = next;
    return next;
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      notified = false;
      try {
        await runRound();
      } catch (err) {
        logger.warn({ err }, 'outbox relay could not publish; will retry');
      }
      if (stopped) return;
      if (notified) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, pollMs);
      });
      clearTimeout(timer);
      wake = undefined;
    }
  };
  const running = loop();

  return {
    notify() {
      notified = true;
      wake?.();
    },
    async flush() {
      if (stopped) throw MessagingErrors.MESSAGING_ERR_STOPPED('the outbox relay has been stopped');
      const before = publishedTotal;
      await runRound();
      return publishedTotal - before;
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
      await current.catch(() => 0);
    },
  };
}

export interface ReplayOutboxOptions {
  store: DocumentStore;
  js: JetStreamClient;
  /** Only events enqueued at or after this time. Default: every kept event. */
  since?: Date;
  logger?: MessagingLogger;
}

export interface ReplayReport {
  /** Events JetStream stored anew. */
  published: number;
  /** Events JetStream already had within its duplicate window. */
  duplicates: number;
}

/**
 * Publishes every kept outbox event again, oldest first, to repair a broker that lost messages.
 * Within the duplicate window JetStream drops the copies; after it they are delivered again,
 * which the consumers' inboxes absorb. Pending entries are published and marked sent too.
 */
export async function replayOutbox(options: ReplayOutboxOptions): Promise<ReplayReport> {
  const outbox = options.store.collection(outboxCollection);
  const logger = options.logger ?? silentLogger;
  const report: ReplayReport = { published: 0, duplicates: 0 };
  const pageSize = 200;
  let after = '';
  for (;;) {
    const page = await outbox.find(
      {
        _id: { $gt: after },
        ...(options.since === undefined ? {} : { enqueuedAt: { $gte: options.since.toISOString() } }),
      },
      { sort: { _id: 1 }, limit: pageSize },
    );
    for (const entry of page) {
      const ack = await publishEntry(options.js, entry);
      if (ack.duplicate) report.duplicates += 1;
      else report.published += 1;
      if (entry.sentAt === null) {
        const { _id, _v, ...doc } = entry;
        await outbox.update(_id, _v, { ...doc, sentAt: new Date().toISOString(), stream: ack.stream, streamSeq: ack.seq }).catch((err: unknown) => {
          if (!isDomainError(err, 'STORE_ERR_VERSION_CONFLICT')) throw err;
        });
      }
    }
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) break;
    after = last._id;
  }
  logger.info({ ...report }, 'outbox replayed');
  return report;
}
