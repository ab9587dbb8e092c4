import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelope } from '@tamga/contracts';
import type { EventEnvelope as Envelope } from '@tamga/contracts';
import { createMemoryStore, defineCollection } from '@tamga/store';
import type { DocumentStore } from '@tamga/store';
import { startNats } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';
import {
  MessageHeaders,
  connectNats,
  ensureStreams,
  inboxCollection,
  jetstream,
  jetstreamManager,
  listDeadLetters,
  replayDeadLetter,
  startConsumer,
  wasHandled,
} from '@tamga/messaging';
import type { ConsumerOptions, JetStreamClient, JetStreamManager, NatsConnection, RunningConsumer } from '@tamga/messaging';
import { eventually, sleep, testEvent } from './support.ts';

/** The effect the handlers write: one record per handled event. */
const effects = defineCollection<{ eventId: string; n: number }>({ name: 'effects' });

let nats: NatsServer;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let durableNo = 0;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: nats.url, name: 'consumer-test' });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await ensureStreams(nc);
});
afterAll(async () => {
  await nc.close();
  await nats.stop();
});

/** Each test consumes its own subject with its own durable, so tests do not see each other's messages. */
function lane(): { durable: string; type: string } {
  durableNo += 1;
  return { durable: `test-${durableNo}`, type: `intake.lane${durableNo}.recorded` };
}

async function publish(event: Envelope, msgID = event.id): Promise<void> {
  await js.publish(event.type, JSON.stringify(event), { msgID });
}

async function consume(
  store: DocumentStore,
  durable: string,
  type: string,
  handler: ConsumerOptions<Envelope>['handler'],
  extra: Partial<ConsumerOptions<Envelope>> = {},
): Promise<RunningConsumer> {
  return startConsumer<Envelope>({
    nc,
    store,
    stream: 'INTAKE',
    durable,
    filterSubject: type,
    parse: (raw) => EventEnvelope.parse(raw),
    retryDelayMs: () => 50,
    handler,
    ...extra,
  });
}

const recordEffect: ConsumerOptions<Envelope>['handler'] = async (event, tx) => {
  await tx.collection(effects).insert({ _id: event.id, eventId: event.id, n: 1 });
};

async function settled(durable: string): Promise<boolean> {
  const info = await jsm.consumers.info('INTAKE', durable);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}

describe('durable consumer with inbox', () => {
  it('handles an event once although it was published twice under different message ids', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    let calls = 0;
    const consumer = await consume(store, durable, type, async (event, tx) => {
      calls += 1;
      await recordEffect(event, tx, { subject: type, stream: 'INTAKE', streamSeq: 0, deliveryCount: 1, traceparent: undefined });
    });
    try {
      const event = testEvent({ type });
      await publish(event);
      await publish(event, `${event.id}-again`);
      await eventually('both copies are acknowledged', () => settled(durable));
      expect(calls).toBe(1);
      expect(await store.collection(effects).count({})).toBe(1);
      expect(await wasHandled(store, durable, event.id)).toBe(true);
    } finally {
      await consumer.stop();
    }
  });

  it('skips a redelivered event whose effect was committed before the ack got through', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    const event = testEvent({ type });
    // The state a crash after commit and before ack leaves: effect and inbox written, message unacked.
    await store.transaction(async (tx) => {
      await tx.collection(effects).insert({ _id: event.id, eventId: event.id, n: 1 });
      await tx.collection(inboxCollection).insert({ _id: `${durable}:${event.id}`, durable, eventId: event.id, type, handledAt: new Date().toISOString() });
    });
    let calls = 0;
    const consumer = await consume(store, durable, type, () => {
      calls += 1;
      return Promise.resolve();
    });
    try {
      await publish(event);
      await eventually('the redelivery is acknowledged', () => settled(durable));
      expect(calls).toBe(0);
      expect(await store.collection(effects).count({})).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it('rolls the effect and the inbox record back together when the handler throws, then retries', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    let attempts = 0;
    let afterFirstFailure: { effects: number; handled: boolean } | undefined;
    const event = testEvent({ type });
    const consumer = await consume(
      store,
      durable,
      type,
      async (e, tx, delivery) => {
        attempts += 1;
        await tx.collection(effects).insert({ _id: e.id, eventId: e.id, n: delivery.deliveryCount });
        if (delivery.deliveryCount === 1) throw new Error('the analysis service is not ready yet');
      },
      {
        retryDelayMs: () => 400,
      },
    );
    try {
      await publish(event);
      await eventually('the first attempt failed', () => attempts === 1);
      await sleep(100);
      afterFirstFailure = { effects: await store.collection(effects).count({}), handled: await wasHandled(store, durable, event.id) };
      await eventually('the retry succeeded', () => settled(durable));
    } finally {
      await consumer.stop();
    }
    expect(afterFirstFailure).toEqual({ effects: 0, handled: false });
    expect(attempts).toBe(2);
    expect(await store.collection(effects).find({})).toMatchObject([{ eventId: event.id, n: 2 }]);
  });

  it('dead-letters a poisoned message after maxDeliver attempts while the others still flow, and replays it on request', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    const poison = testEvent({ type, data: { poison: true } });
    const good = [testEvent({ type }), testEvent({ type }), testEvent({ type })];
    let poisonAttempts = 0;
    let cured = false;
    const consumer = await consume(
      store,
      durable,
      type,
      async (event, tx) => {
        if (event.id === poison.id && !cured) {
          poisonAttempts += 1;
          throw new Error(`cannot read spectrum\nline 2 of the reason`);
        }
        await recordEffect(event, tx, { subject: type, stream: 'INTAKE', streamSeq: 0, deliveryCount: 1, traceparent: undefined });
      },
      { maxDeliver: 3, retryDelayMs: () => 200 },
    );
    try {
      await publish(poison);
      for (const event of good) await publish(event);
      // The good events behind the poisoned one are handled before its retries run out.
      await eventually('the good events are handled', async () => (await store.collection(effects).count({})) === 3, 5_000);
      expect(poisonAttempts).toBeLessThan(3);

      await eventually('the poisoned message is dead-lettered', async () => (await listDeadLetters(js, durable)).length === 1);
      await eventually('the consumer has nothing left', () => settled(durable));
      expect(poisonAttempts).toBe(3);
      expect(await wasHandled(store, durable, poison.id)).toBe(false);
      const [letter] = await listDeadLetters(js, durable);
      expect(letter).toMatchObject({
        durable,
        subject: type,
        stream: 'INTAKE',
        deliveries: 3,
        error: 'cannot read spectrum line 2 of the reason',
        errorCode: 'MESSAGING_ERR_HANDLER_FAILED',
        msgId: poison.id,
      });
      expect(JSON.parse(letter?.payload ?? '{}')).toMatchObject({ id: poison.id });
      expect((await listDeadLetters(js)).some((l) => l.seq === letter?.seq)).toBe(true);

      // The admin fixes the cause and sends it round again.
      cured = true;
      await replayDeadLetter(js, letter?.seq ?? 0);
      await eventually('the replayed event is handled', () => wasHandled(store, durable, poison.id));
      expect(await listDeadLetters(js, durable)).toEqual([]);
      await expect(replayDeadLetter(js, letter?.seq ?? 0)).rejects.toMatchObject({ code: 'MESSAGING_ERR_DEAD_LETTER_NOT_FOUND' });
    } finally {
      await consumer.stop();
    }
  });

  it('dead-letters, without another attempt, a message whose every attempt ended in a crash', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    let calls = 0;
    const options = { maxDeliver: 2, ackWaitMs: 300 };
    await (await consume(store, durable, type, recordEffect, options)).stop();
    const event = testEvent({ type });
    await publish(event);
    // Two processes took the message and died before acking (nothing acks it here).
    const raw = await js.consumers.get('INTAKE', durable);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const taken = await raw.next({ expires: 2_000 });
      expect(taken?.info.deliveryCount).toBe(attempt);
      await sleep(400);
    }
    const consumer = await consume(
      store,
      durable,
      type,
      () => {
        calls += 1;
        return Promise.resolve();
      },
      options,
    );
    try {
      await eventually('it is dead-lettered', async () => (await listDeadLetters(js, durable)).length === 1);
      await eventually('the consumer has nothing left', () => settled(durable));
      const [letter] = await listDeadLetters(js, durable);
      expect(letter).toMatchObject({ deliveries: 3, errorCode: 'MESSAGING_ERR_HANDLER_FAILED', msgId: event.id });
      expect(letter?.error).toContain('gave up after 2 attempts');
      expect(calls).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it('puts the dead-letter stream back when the broker has lost it, and dead-letters there', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    await jsm.streams.delete('DEADLETTER');
    const consumer = await consume(store, durable, type, () => Promise.reject(new Error('unreadable')), { maxDeliver: 2, retryDelayMs: () => 100 });
    try {
      const event = testEvent({ type });
      await publish(event);
      await eventually('it is dead-lettered in a stream put back', async () => (await listDeadLetters(js, durable)).length === 1);
      const info = await jsm.streams.info('DEADLETTER');
      expect(info.config.subjects).toEqual(['deadletter.>']);
      expect(info.config.num_replicas).toBe((await jsm.streams.info('INTAKE')).config.num_replicas);
      const [letter] = await listDeadLetters(js, durable);
      expect(letter).toMatchObject({ durable, msgId: event.id, deliveries: 2, errorCode: 'MESSAGING_ERR_HANDLER_FAILED' });
      expect(await wasHandled(store, durable, event.id)).toBe(false);
    } finally {
      await consumer.stop();
      await ensureStreams(nc);
    }
  });

  it('dead-letters a message that is not an event at once, without calling the handler', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    let calls = 0;
    const consumer = await consume(store, durable, type, () => {
      calls += 1;
      return Promise.resolve();
    });
    try {
      await js.publish(type, 'not json', { msgID: `garbage-${durable}` });
      await js.publish(type, JSON.stringify({ id: 'x', type }), { msgID: `half-${durable}` });
      await eventually('both are dead-lettered', async () => (await listDeadLetters(js, durable)).length === 2);
      const letters = await listDeadLetters(js, durable);
      expect(letters.map((l) => [l.deliveries, l.errorCode])).toEqual([
        [1, 'MESSAGING_ERR_INVALID_EVENT'],
        [1, 'MESSAGING_ERR_INVALID_EVENT'],
      ]);
      expect(letters[0]?.payload).toBe('not json');
      expect(calls).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it('passes the traceparent header to the handler', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    let seen: string | undefined;
    const consumer = await consume(store, durable, type, (_event, _tx, delivery) => {
      seen = delivery.traceparent;
      return Promise.resolve();
    });
    try {
      const event = testEvent({ type, traceparent });
      const { headers } = await import('@nats-io/transport-node');
      const h = headers();
      h.set(MessageHeaders.traceparent, traceparent);
      await js.publish(type, JSON.stringify(event), { msgID: event.id, headers: h });
      await eventually('the event is handled', () => settled(durable));
      expect(seen).toBe(traceparent);
    } finally {
      await consumer.stop();
    }
  });

  it('stop() lets the message being handled finish and commit before it returns', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    let release: () => void = () => undefined;
    let started = false;
    const consumer = await consume(store, durable, type, async (event, tx) => {
      started = true;
      await new Promise<void>((resolve) => (release = resolve));
      await recordEffect(event, tx, { subject: type, stream: 'INTAKE', streamSeq: 0, deliveryCount: 1, traceparent: undefined });
    });
    const event = testEvent({ type });
    await publish(event);
    await eventually('the handler is running', () => started);
    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await sleep(200);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await wasHandled(store, durable, event.id)).toBe(true);
    expect(await settled(durable)).toBe(true);

    // Nothing is consumed after stop(): a new event stays pending for the next start.
    await publish(testEvent({ type }));
    await sleep(300);
    expect((await jsm.consumers.info('INTAKE', durable)).num_pending).toBe(1);
  });

  it('handles events concurrently when asked, each once', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    let calls = 0;
    const consumer = await consume(
      store,
      durable,
      type,
      async (event, tx) => {
        calls += 1;
        await sleep(20);
        await recordEffect(event, tx, { subject: type, stream: 'INTAKE', streamSeq: 0, deliveryCount: 1, traceparent: undefined });
      },
      { concurrency: 4 },
    );
    // The memory store runs one transaction at a time, so concurrency shows as messages held
    // unacknowledged at once by the consumer, not as handlers overlapping: up to `concurrency`
    // being handled plus as many prefetched.
    let peakInFlight = 0;
    try {
      const events = Array.from({ length: 20 }, () => testEvent({ type }));
      for (const event of events) await publish(event);
      await eventually('all are handled', async () => {
        const info = await jsm.consumers.info('INTAKE', durable);
        peakInFlight = Math.max(peakInFlight, info.num_ack_pending);
        return (await store.collection(effects).count({})) === 20;
      });
      await eventually('all are acknowledged', () => settled(durable));
    } finally {
      await consumer.stop();
    }
    expect(calls).toBe(20);
    expect(peakInFlight).toBeGreaterThan(1);
    expect(peakInFlight).toBeLessThanOrEqual(8);
  });

  it('picks up where it left off after the broker restarts', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    const consumer = await consume(store, durable, type, recordEffect);
    try {
      await publish(testEvent({ type }));
      await eventually('the first event is handled', async () => (await store.collection(effects).count({})) === 1);
      await nats.restart();
      await eventually('the broker answers', () => publish(testEvent({ type })).then(() => true), 15_000);
      await eventually('the second event is handled', async () => (await store.collection(effects).count({})) === 2, 20_000);
    } finally {
      await consumer.stop();
    }
  });

  it('sets its consumer up again after the broker lost its data, once the streams are back', async () => {
    const store = createMemoryStore({ quiet: true });
    const { durable, type } = lane();
    const consumer = await consume(store, durable, type, recordEffect);
    try {
      await publish(testEvent({ type }));
      await eventually('the first event is handled', async () => (await store.collection(effects).count({})) === 1);
      await nats.wipe();
      await eventually('JetStream answers after the wipe', () => ensureStreams(nc).then(() => true), 15_000);
      await eventually('the consumer exists again', () => jsm.consumers.info('INTAKE', durable).then(() => true), 15_000);
      await publish(testEvent({ type }));
      await eventually('the event published after the loss is handled', async () => (await store.collection(effects).count({})) === 2, 15_000);
    } finally {
      await consumer.stop();
    }
  });
});
