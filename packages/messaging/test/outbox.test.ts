import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { defineCollection, createMemoryStore, openSqliteStore } from '@tamga/store';
import type { DocumentStore } from '@tamga/store';
import { startNats, tempDir } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';
import {
  connectNats,
  enqueueEvent,
  ensureStreams,
  jetstream,
  jetstreamManager,
  outboxCollection,
  replayOutbox,
  startOutboxRelay,
} from '@tamga/messaging';
import type { JetStreamClient, JetStreamManager, NatsConnection } from '@tamga/messaging';
import { eventually, testEvent } from './support.ts';

const samples = defineCollection<{ labNo: string }>({ name: 'samples' });

let nats: NatsServer;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let dir: string;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: nats.url, name: 'outbox-test' });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await ensureStreams(nc);
  dir = tempDir('tamga-outbox');
});
afterAll(async () => {
  await nc.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await jsm.streams.purge('INTAKE');
});

async function intakeMessages(): Promise<{ seq: number; msgId: string; body: { id: string } }[]> {
  const info = await jsm.streams.info('INTAKE');
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage('INTAKE', { seq });
    if (m !== null) out.push({ seq, msgId: m.header.get('Nats-Msg-Id'), body: m.json<{ id: string }>() });
  }
  return out;
}

function memoryStore(): DocumentStore {
  return createMemoryStore({ quiet: true });
}

describe('outbox and relay', () => {
  it('publishes events written with a state change, in order, each with Nats-Msg-Id = event id, and marks them sent', async () => {
    const store = memoryStore();
    const events = [testEvent(), testEvent(), testEvent()];
    await store.transaction(async (tx) => {
      await tx.collection(samples).insert({ _id: 'S1', labNo: 'LAB-1' });
      for (const event of events) await enqueueEvent(tx, event);
    });
    const relay = startOutboxRelay({ store, js, pollMs: 60_000 });
    try {
      expect(await relay.flush()).toBe(3);
      expect(await relay.flush()).toBe(0);
    } finally {
      await relay.stop();
    }
    const published = await intakeMessages();
    expect(published.map((m) => m.msgId)).toEqual(events.map((e) => e.id));
    expect(published.map((m) => m.body.id)).toEqual(events.map((e) => e.id));
    const entries = await store.collection(outboxCollection).find({}, { sort: { _id: 1 } });
    expect(entries.map((e) => [e.sentAt !== null, e.stream, e.streamSeq])).toEqual(published.map((m) => [true, 'INTAKE', m.seq]));
  });

  it('writes no event when the state change fails', async () => {
    const store = memoryStore();
    await store.collection(samples).insert({ _id: 'S1', labNo: 'LAB-1' });
    await expect(
      store.transaction(async (tx) => {
        await enqueueEvent(tx, testEvent());
        await tx.collection(samples).insert({ _id: 'S1', labNo: 'LAB-1' });
      }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_DUPLICATE' });
    expect(await store.collection(outboxCollection).count({})).toBe(0);
  });

  it('refuses an event whose envelope does not validate, naming the field', async () => {
    const store = memoryStore();
    await expect(store.transaction((tx) => enqueueEvent(tx, { ...testEvent(), type: 'NotDotted' }))).rejects.toMatchObject({
      code: 'MESSAGING_ERR_INVALID_EVENT',
      errors: [expect.objectContaining({ field: 'type' })],
    });
  });

  it('publishes at once when notified after a commit, without waiting for the poll', async () => {
    const store = memoryStore();
    const relay = startOutboxRelay({ store, js, pollMs: 60_000 });
    try {
      await store.transaction((tx) => enqueueEvent(tx, testEvent()));
      relay.notify();
      await eventually('the event is in the stream', async () => (await intakeMessages()).length === 1, 2_000);
    } finally {
      await relay.stop();
    }
  });

  it('after a crash between publishing and marking, a restarted relay publishes again and JetStream keeps one copy', async () => {
    const file = join(dir, 'crash.db');
    let store = await openSqliteStore({ file });
    await store.ensure([outboxCollection, samples]);
    const first = testEvent();
    const second = testEvent();
    await store.transaction(async (tx) => {
      await enqueueEvent(tx, first);
      await enqueueEvent(tx, second);
    });
    // What the relay did before it died: `first` published (same id, same subject), nothing marked.
    const h = natsHeaders();
    const crashAck = await js.publish(first.type, JSON.stringify(first), { msgID: first.id, headers: h });
    await store.close();

    store = await openSqliteStore({ file });
    const relay = startOutboxRelay({ store, js, pollMs: 60_000 });
    try {
      expect(await relay.flush()).toBe(2);
    } finally {
      await relay.stop();
    }
    const published = await intakeMessages();
    expect(published.map((m) => m.msgId)).toEqual([first.id, second.id]);
    const marked = await store.collection(outboxCollection).get(first.id);
    expect(marked?.streamSeq).toBe(crashAck.seq);

    // A second restart finds everything marked and publishes nothing.
    await store.close();
    store = await openSqliteStore({ file });
    const again = startOutboxRelay({ store, js, pollMs: 60_000 });
    try {
      expect(await again.flush()).toBe(0);
    } finally {
      await again.stop();
      await store.close();
    }
    expect(await intakeMessages()).toHaveLength(2);
  });

  it('keeps trying while NATS is down and publishes once it is back', async () => {
    const store = memoryStore();
    const relay = startOutboxRelay({ store, js, pollMs: 200 });
    try {
      await nats.restart({ signal: 'SIGKILL' }).then(async () => {
        // While it restarts the client reconnects; an event enqueued meanwhile must still go out.
        await store.transaction((tx) => enqueueEvent(tx, testEvent()));
        relay.notify();
      });
      await eventually('the event is in the stream', async () => (await intakeMessages()).length === 1, 15_000);
      expect((await store.collection(outboxCollection).find({ sentAt: null })).length).toBe(0);
    } finally {
      await relay.stop();
    }
  });

  it.each(['memory', 'sqlite'] as const)('replays every kept event to a broker that lost its data; inside the duplicate window a replay adds nothing (%s store)', async (backend) => {
    const store = backend === 'memory' ? memoryStore() : await openSqliteStore({ file: join(dir, 'replay.db') });
    await store.ensure([outboxCollection]);
    const events = [testEvent(), testEvent(), testEvent(), testEvent()];
    await store.transaction(async (tx) => {
      for (const event of events) await enqueueEvent(tx, event);
    });
    const relay = startOutboxRelay({ store, js, pollMs: 60_000 });
    await relay.flush();
    await relay.stop();

    await nats.wipe();
    await eventually('JetStream answers after the wipe', () => ensureStreams(nc).then(() => true), 15_000);
    expect(await intakeMessages()).toHaveLength(0);

    expect(await replayOutbox({ store, js })).toEqual({ published: 4, duplicates: 0 });
    expect((await intakeMessages()).map((m) => m.msgId)).toEqual(events.map((e) => e.id));
    expect(await replayOutbox({ store, js })).toEqual({ published: 0, duplicates: 4 });

    const since = new Date(Date.now() + 60_000);
    expect(await replayOutbox({ store, js, since })).toEqual({ published: 0, duplicates: 0 });
    await store.close();
  });
});
