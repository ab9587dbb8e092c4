// The one way to consume events: a durable pull consumer with explicit acks. Each message is
// handled in one store transaction together with its inbox record, so a redelivered or
// re-published event is recognised and skipped, and a failed handler leaves nothing behind.
// Failures are retried with growing delays; after `maxDeliver` attempts the message goes to the
// dead-letter stream and the consumer moves on.
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, ReplayPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { isDomainError, parseEvent } from '@tamga/contracts';
import type { AnyEvent } from '@tamga/contracts';
import { defineCollection } from '@tamga/store';
import type { DocumentStore, Transaction } from '@tamga/store';
import { publishDeadLetter } from './deadletter.ts';
import { restoreDeadLetterStream } from './streams.ts';
import { MessagingErrors } from './errors.ts';
import { Headers } from './headers.ts';
import { silentLogger } from './logger.ts';
import type { MessagingLogger } from './logger.ts';

export interface InboxEntry {
  durable: string;
  eventId: string;
  type: string;
  handledAt: string;
}

/** `_id` is `<durable>:<event id>`: one record per consumer and event. */
export const inboxCollection = defineCollection<InboxEntry>({
  name: 'inbox',
  indexes: [{ fields: ['durable', 'handledAt'] }],
  keepVersions: false,
});

export interface Delivery {
  subject: string;
  stream: string;
  streamSeq: number;
  /** 1 on the first delivery. */
  deliveryCount: number;
  traceparent: string | undefined;
}

export type EventHandler<E> = (event: E, tx: Transaction, delivery: Delivery) => Promise<void>;

export interface ConsumerOptions<E extends { id: string; type: string }> {
  nc: NatsConnection;
  store: DocumentStore;
  stream: string;
  /** The durable consumer's name; also the inbox key prefix and the dead-letter subject suffix. */
  durable: string;
  filterSubject: string;
  /** Runs inside the store transaction; it must not have effects outside it. */
  handler: EventHandler<E>;
  /** Attempts before a message is dead-lettered. Default 5. */
  maxDeliver?: number;
  /**
   * How long JetStream waits for an ack before redelivering. Default 10 s: a message held by an
   * instance that was killed goes to the other instance after that long. A handler running longer
   * is not redelivered meanwhile: it reports progress (`working()`) every ackWait / 2.
   */
  ackWaitMs?: number;
  /**
   * How long one pull request lives on the server (its idle heartbeats come every half of it).
   * Default 5 s: when the NATS node leading the consumer dies, its waiting pull requests die with
   * it, and the client notices only after two missed heartbeats, then pulls again.
   */
  pullExpiresMs?: number;
  /**
   * Messages handled at once (and as many prefetched). Default 1, which keeps the stream's order.
   * The memory and sqlite stores run one transaction at a time, so more only helps on mongo.
   */
  concurrency?: number;
  /** Turns the decoded JSON into an event; throws when it is not one. Default: `parseEvent` from contracts. */
  parse?: (raw: unknown) => E;
  /** Delay before the next attempt after attempt `deliveryCount` failed. Default 0.5 s doubling to 30 s. */
  retryDelayMs?: (deliveryCount: number) => number;
  logger?: MessagingLogger;
  now?: () => Date;
}

/** What handling one event came to: its effect committed now, or the inbox had it already. */
export type HandlingOutcome = 'handled' | 'duplicate';

export interface RunningConsumer {
  readonly durable: string;
  /** Finishes the messages being handled, hands back the ones not started, and stops. */
  stop(): Promise<void>;
  /**
   * Hands a message body this consumer dead-lettered to its handler once more, through the same
   * inbox transaction as a delivery (so an event already handled is skipped); `also` runs in
   * that transaction when the handler ran. Throws what the handler throws.
   */
  redeliver(body: string, delivery: Delivery, also?: (tx: Transaction) => Promise<void>): Promise<HandlingOutcome>;
}

/** Thrown inside the transaction when the inbox already has the event; rolls nothing back but itself. */
class AlreadyHandled extends Error {}

const defaultRetryDelay = (deliveryCount: number): number => Math.min(500 * 2 ** (deliveryCount - 1), 30_000);

export async function startConsumer<E extends { id: string; type: string } = AnyEvent>(options: ConsumerOptions<E>): Promise<RunningConsumer> {
  const { nc, store, stream, durable, filterSubject, handler } = options;
  const maxDeliver = options.maxDeliver ?? 5;
  const ackWaitMs = options.ackWaitMs ?? 10_000;
  const pullExpiresMs = options.pullExpiresMs ?? 5_000;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const parse = options.parse ?? (parseEvent as unknown as (raw: unknown) => E);
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);

  await ensureConsumer(jsm, stream, { durable, filterSubject, maxDeliver, ackWaitMs });

  const deadLetter = async (msg: JsMsg, message: string, code: string | undefined): Promise<void> => {
    const reason = { durable, message, ...(code === undefined ? {} : { code }) };
    try {
      try {
        await publishDeadLetter(js, msg, reason, now());
      } catch (err) {
        // A broker that lost its state has no dead-letter stream to take it: put the stream back
        // (as replicated as the one the message came from) and leave it there.
        const replicas = (await jsm.streams.info(msg.info.stream)).config.num_replicas;
        if (!(await restoreDeadLetterStream(jsm, replicas))) throw err;
        logger.warn({ durable, replicas }, 'the dead-letter stream was missing; put it back');
        await publishDeadLetter(js, msg, reason, now());
      }
    } catch (err) {
      // Not dead-lettered: leave it to come back (the delivery after the last one goes straight here).
      logger.error({ err, durable, streamSeq: msg.info.streamSequence }, 'could not publish a dead letter; will retry');
      msg.nak(retryDelay(msg.info.deliveryCount));
      return;
    }
    // No reason text: nats-server 2.9 ignores a "+TERM <reason>" it cannot parse.
    msg.term();
    logger.error({ durable, subject: msg.subject, streamSeq: msg.info.streamSequence, deliveries: msg.info.deliveryCount, code, error: message }, 'message dead-lettered');
  };

  /** The inbox record and the handler's effect in one transaction; a known event is skipped. */
  const handleOnce = async (event: E, delivery: Delivery, also?: (tx: Transaction) => Promise<void>): Promise<HandlingOutcome> => {
    try {
      return await store.transaction(async (tx) => {
        const inbox = tx.collection(inboxCollection);
        const key = `${durable}:${event.id}`;
        if ((await inbox.get(key)) !== undefined) throw new AlreadyHandled();
        try {
          await inbox.insert({ _id: key, durable, eventId: event.id, type: event.type, handledAt: now().toISOString() });
        } catch (err) {
          // Another instance of this consumer got there first.
          if (isDomainError(err, 'STORE_ERR_DUPLICATE')) throw new AlreadyHandled();
          throw err;
        }
        await handler(event, tx, delivery);
        if (also !== undefined) await also(tx);
        return 'handled' as const;
      });
    } catch (err) {
      if (err instanceof AlreadyHandled) return 'duplicate';
      throw err;
    }
  };

  const handle = async (msg: JsMsg): Promise<void> => {
    const delivery: Delivery = {
      subject: msg.subject,
      stream: msg.info.stream,
      streamSeq: msg.info.streamSequence,
      deliveryCount: msg.info.deliveryCount,
      traceparent: msg.headers?.get(Headers.traceparent) || undefined,
    };
    // The server allows one delivery more than maxDeliver: if the process died during the last
    // attempt, that extra delivery dead-letters the message instead of the server dropping it.
    if (delivery.deliveryCount > maxDeliver) {
      await deadLetter(msg, `gave up after ${maxDeliver} attempts without an outcome (the consumer stopped or crashed while handling it)`, 'MESSAGING_ERR_HANDLER_FAILED');
      return;
    }

    let event: E;
    try {
      event = parse(JSON.parse(msg.string()));
    } catch (err) {
      const invalid = MessagingErrors.MESSAGING_ERR_INVALID_EVENT(`message ${delivery.stream}#${delivery.streamSeq} on ${delivery.subject} is not a valid event: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      await deadLetter(msg, invalid.message, invalid.code);
      return;
    }

    const context = { durable, eventId: event.id, type: event.type, streamSeq: delivery.streamSeq, deliveryCount: delivery.deliveryCount };
    // A prefetched message may have waited for a free slot: restart its ack timer now, and keep
    // it from expiring while a long handler runs.
    msg.working();
    const keepAlive = setInterval(() => msg.working(), Math.max(ackWaitMs / 2, 100));
    let outcome: HandlingOutcome;
    try {
      outcome = await handleOnce(event, delivery);
    } catch (err) {
      clearInterval(keepAlive);
      const message = err instanceof Error ? err.message : String(err);
      const code = isDomainError(err) ? err.code : undefined;
      if (delivery.deliveryCount >= maxDeliver) {
        await deadLetter(msg, message, code ?? 'MESSAGING_ERR_HANDLER_FAILED');
      } else {
        const delay = retryDelay(delivery.deliveryCount);
        logger.warn({ ...context, err, retryInMs: delay }, 'event handler failed; will retry');
        msg.nak(delay);
      }
      return;
    } finally {
      clearInterval(keepAlive);
    }
    await msg.ackAck().catch((err: unknown) => {
      // The effect is committed; a lost ack only means a redelivery, which the inbox skips.
      logger.warn({ ...context, err }, 'ack not confirmed; a redelivery will be skipped by the inbox');
    });
    logger.debug({ ...context, outcome }, outcome === 'handled' ? 'event handled' : 'event already handled; skipped');
  };

  let stopping = false;
  let messages: ConsumerMessages | undefined;
  const inflight = new Set<Promise<void>>();

  const consumeOnce = async (): Promise<void> => {
    const consumer = await js.consumers.get(stream, durable);
    const iter = await consumer.consume({ max_messages: concurrency, expires: pullExpiresMs, abort_on_missing_resource: true });
    messages = iter;
    if (stopping) iter.stop();
    for await (const msg of iter) {
      if (stopping) {
        // Not started: hand it back at once so another instance (or the next start) takes it.
        msg.nak();
        continue;
      }
      while (inflight.size >= concurrency) await Promise.race(inflight);
      const task: Promise<void> = handle(msg)
        .catch((err: unknown) => {
          logger.error({ err, durable, streamSeq: msg.info.streamSequence }, 'unexpected failure while handling a message');
        })
        .finally(() => inflight.delete(task));
      inflight.add(task);
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      try {
        await consumeOnce();
      } catch (err) {
        if (stopping) break;
        // The consumer or its stream went away (a wiped broker) or the connection broke:
        // wait, set the consumer up again and carry on.
        logger.warn({ err, durable, stream }, 'consumer interrupted; setting it up again');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await ensureConsumer(jsm, stream, { durable, filterSubject, maxDeliver, ackWaitMs }).catch((setupErr: unknown) => {
          logger.warn({ err: setupErr, durable, stream }, 'consumer setup failed; will retry');
        });
      }
    }
  };
  const running = loop();

  return {
    durable,
    async redeliver(body, delivery, also) {
      let event: E;
      try {
        event = parse(JSON.parse(body));
      } catch (err) {
        throw MessagingErrors.MESSAGING_ERR_INVALID_EVENT(`the dead letter of ${durable} from ${delivery.stream}#${delivery.streamSeq} is not a valid event: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      return handleOnce(event, delivery, also);
    },
    async stop() {
      stopping = true;
      messages?.stop();
      await running;
      await Promise.all(inflight);
    },
  };
}

interface ConsumerSettings {
  durable: string;
  filterSubject: string;
  maxDeliver: number;
  ackWaitMs: number;
}

/** Creates the durable consumer, or updates the settings of an existing one. */
async function ensureConsumer(jsm: JetStreamManager, stream: string, settings: ConsumerSettings): Promise<void> {
  const wanted = {
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: settings.maxDeliver + 1,
    filter_subject: settings.filterSubject,
  };
  try {
    const existing = await jsm.consumers.info(stream, settings.durable).catch((err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
      throw err;
    });
    if (existing === undefined) {
      await jsm.consumers.add(stream, {
        durable_name: settings.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        replay_policy: ReplayPolicy.Instant,
        ...wanted,
      });
    } else if (
      existing.config.ack_wait !== wanted.ack_wait ||
      existing.config.max_deliver !== wanted.max_deliver ||
      existing.config.filter_subject !== wanted.filter_subject
    ) {
      await jsm.consumers.update(stream, settings.durable, wanted);
    }
  } catch (err) {
    throw MessagingErrors.MESSAGING_ERR_CONSUMER_SETUP(`consumer ${settings.durable} on ${stream}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** For tests and admin pages: whether a consumer has recorded `eventId` as handled. */
export async function wasHandled(store: DocumentStore, durable: string, eventId: string): Promise<boolean> {
  return (await store.collection(inboxCollection).get(`${durable}:${eventId}`)) !== undefined;
}
