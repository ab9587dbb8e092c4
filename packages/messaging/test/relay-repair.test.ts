// Broker loss without an operator: the NATS server is stopped, its JetStream store deleted and
// the server started again while a producer's relay and a consumer keep running. The relay sees
// that the stream lost what it had acknowledged, puts the stream back and replays its outbox by
// itself; the consumer's inbox drops what it had handled; the end state is the one a run
// without the fault reaches: every event handled exactly once, each in the stream exactly once.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCollection, openSqliteStore } from '@tamga/store';
import type { DocumentStore } from '@tamga/store';
import { findNatsServer, startNats, tempDir } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';
import { connectNats, enqueueEvent, ensureStreams, jetstreamManager, jetstream, outboxCollection, startConsumer, startOutboxRelay } from '@tamga/messaging';
import type { EventEnvelope } from '@tamga/contracts';
import type { NatsConnection } from '@tamga/messaging';
import { eventually, testEvent } from './support.ts';

// A wipe needs a server whose store this machine can delete: the binary, not NATS_URL.
const why = process.env.NATS_URL ? 'NATS_URL is set (its store cannot be wiped from here)' : findNatsServer() === undefined ? 'nats-server is not on PATH' : undefined;
if (why !== undefined) console.warn(`relay repair tests skipped: ${why}`);

/** The consumer's effect: one document per handled event. */
const effects = defineCollection<{ eventId: string; handledAt: string }>({ name: 'effects' });

interface StreamCopy {
  msgId: string;
  seq: number;
}

describe.skipIf(why !== undefined)('the relay repairs a broker that lost its data', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let dir: string;
  let producer: DocumentStore;
  let consumerStore: DocumentStore;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats({ servers: nats.url, name: 'relay-repair-test' });
    await ensureStreams(nc);
    dir = tempDir('tamga-relay-repair');
    producer = await openSqliteStore({ file: join(dir, 'producer.db') });
    consumerStore = await openSqliteStore({ file: join(dir, 'consumer.db') });
    await producer.ensure([outboxCollection]);
    await consumerStore.ensure([effects]);
  });
  afterAll(async () => {
    await producer.close();
    await consumerStore.close();
    await nc.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function streamCopies(): Promise<StreamCopy[]> {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('INTAKE');
    const out: StreamCopy[] = [];
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq += 1) {
      const m = await jsm.streams.getMessage('INTAKE', { seq });
      if (m !== null) out.push({ seq, msgId: m.header.get('Nats-Msg-Id') });
    }
    return out;
  }

  async function enqueue(events: readonly EventEnvelope[], store: DocumentStore = producer): Promise<void> {
    await store.transaction(async (tx) => {
      for (const event of events) await enqueueEvent(tx, event);
    });
  }

  it('replays the outbox into the wiped stream on its own; the inbox drops what was handled; each event is handled once', async () => {
    let handlerCalls = 0;
    const repairs: { loss: string; republished: number }[] = [];
    const relay = startOutboxRelay({ store: producer, js: jetstream(nc), pollMs: 200, streamCheckMs: 500, onStreamRepaired: (r) => repairs.push(r) });
    const consumer = await startConsumer({
      nc,
      store: consumerStore,
      stream: 'INTAKE',
      durable: 'repair-test',
      filterSubject: 'intake.>',
      parse: (raw) => raw as EventEnvelope,
      handler: async (event, tx) => {
        handlerCalls += 1;
        await tx.collection(effects).insert({ _id: event.id, eventId: event.id, handledAt: new Date().toISOString() });
      },
    });
    try {
      const before = Array.from({ length: 12 }, () => testEvent());
      await enqueue(before);
      relay.notify();
      await eventually('the first events are handled', async () => (await consumerStore.collection(effects).count({})) === before.length, 20_000);
      expect(handlerCalls).toBe(before.length);

      const wipedAt = Date.now();
      await nats.wipe();
      // Work goes on while the broker is empty: these wait in the outbox.
      const after = Array.from({ length: 5 }, () => testEvent());
      await enqueue(after);
      relay.notify();

      const all = [...before, ...after];
      await eventually(
        'every event is handled and the stream holds each once',
        async () => (await consumerStore.collection(effects).count({})) === all.length && (await streamCopies()).length === all.length,
        60_000,
      );
      const repairedMs = Date.now() - wipedAt;

      // The end state of a run without the fault: each event handled once, in the stream once.
      const handled = await consumerStore.collection(effects).find({});
      expect(handled.map((e) => e._id).sort()).toEqual(all.map((e) => e.id).sort());
      expect(handlerCalls).toBe(all.length);
      const copies = await streamCopies();
      expect(copies.map((c) => c.msgId).sort()).toEqual(all.map((e) => e.id).sort());
      // The events from before the wipe come back in their original order.
      const beforeIds = new Set(before.map((e) => e.id));
      expect(copies.map((c) => c.msgId).filter((id) => beforeIds.has(id))).toEqual(before.map((e) => e.id));
      // The repair was automatic, and the consumer was given the old events again (dropped by its inbox).
      expect(repairs.length).toBeGreaterThanOrEqual(1);
      expect(repairs[0]?.republished).toBeGreaterThanOrEqual(before.length);
      const jsm = await jetstreamManager(nc);
      const consumerInfo = await jsm.consumers.info('INTAKE', 'repair-test');
      expect(consumerInfo.delivered.stream_seq).toBe(all.length);
      // Every outbox entry points at its new place in the stream.
      const outbox = await producer.collection(outboxCollection).find({}, { sort: { _id: 1 } });
      expect(outbox.every((e) => e.sentAt !== null && e.stream === 'INTAKE')).toBe(true);
      expect(new Set(outbox.map((e) => e.streamSeq)).size).toBe(all.length);
      console.log(`[relay-repair] broker wiped with ${before.length} events handled and ${after.length} more enqueued; repaired (${repairs.map((r) => `${r.loss}: ${r.republished} republished`).join(', ')}) and all handled once ${repairedMs} ms after the wipe`);
    } finally {
      await consumer.stop();
      await relay.stop();
    }
  }, 120_000);

  it('two relays on one store (two instances of a service) both repair; the stream keeps each event once', async () => {
    const store = await openSqliteStore({ file: join(dir, 'two-relays.db') });
    const events = Array.from({ length: 6 }, () => testEvent());
    const repairs: string[] = [];
    const relays = [1, 2].map((n) =>
      startOutboxRelay({ store, js: jetstream(nc), pollMs: 200, streamCheckMs: 300, onStreamRepaired: (r) => repairs.push(`relay ${n}: ${r.loss}`) }),
    );
    try {
      await enqueue(events.slice(0, 4), store);
      for (const relay of relays) relay.notify();
      await eventually('the first events are sent', async () => (await store.collection(outboxCollection).count({ sentAt: null })) === 0, 20_000);
      await nats.wipe();
      await enqueue(events.slice(4), store);
      for (const relay of relays) relay.notify();
      await eventually('every event is back in the stream', async () => (await streamCopies()).length >= events.length && repairs.length > 0, 60_000);
      // Both relays check within a few rounds; wait for a round of each past the repair.
      for (const relay of relays) await relay.flush();
      const copies = await streamCopies();
      expect(copies.map((c) => c.msgId).sort()).toEqual(events.map((e) => e.id).sort());
      expect(repairs.length).toBeGreaterThanOrEqual(1);
    } finally {
      for (const relay of relays) await relay.stop();
      await store.close();
    }
  }, 120_000);

  it('replays a stream that came back shorter than the sequences it acknowledged', async () => {
    // A stream recreated by someone else (here: deleted and added again with the same config)
    // before this relay checked: the acknowledged sequences are higher than the stream's.
    const store = await openSqliteStore({ file: join(dir, 'truncated.db') });
    const repairs: { loss: string; republished: number }[] = [];
    const events = Array.from({ length: 4 }, () => testEvent());
    await store.transaction(async (tx) => {
      for (const event of events) await enqueueEvent(tx, event);
    });
    const jsm = await jetstreamManager(nc);
    const first = startOutboxRelay({ store, js: jetstream(nc), pollMs: 60_000, streamCheckMs: 0 });
    await first.flush();
    await first.stop();
    const config = (await jsm.streams.info('INTAKE')).config;
    await jsm.streams.delete('INTAKE');
    await jsm.streams.add(config);

    const relay = startOutboxRelay({ store, js: jetstream(nc), pollMs: 60_000, streamCheckMs: 60_000, onStreamRepaired: (r) => repairs.push(r) });
    try {
      await relay.flush();
      expect(repairs.map((r) => r.loss)).toEqual(['truncated']);
      expect((await streamCopies()).map((c) => c.msgId)).toEqual(events.map((e) => e.id));
    } finally {
      await relay.stop();
      await store.close();
    }
  });
});
