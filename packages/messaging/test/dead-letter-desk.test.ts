// The dead-letter desk against a real nats-server: a replay of an event the consumer has handled
// meanwhile changes nothing, and is still recorded and taken off the list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelope } from '@tamga/contracts';
import type { EventEnvelope as Envelope } from '@tamga/contracts';
import { createMemoryStore, defineCollection } from '@tamga/store';
import { startNats } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';
import { connectNats, createDeadLetterDesk, deadLetterReplays, ensureStreams, jetstream, startConsumer } from '@tamga/messaging';
import type { NatsConnection } from '@tamga/messaging';
import { eventually, testEvent } from './support.ts';

const effects = defineCollection<{ eventId: string }>({ name: 'effects' });

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: nats.url, name: 'desk-test' });
  await ensureStreams(nc);
});
afterAll(async () => {
  await nc.close();
  await nats.stop();
});

describe('dead-letter desk', () => {
  it('replays an event the consumer handled meanwhile as a harmless duplicate, recorded with who asked', async () => {
    const store = createMemoryStore({ quiet: true });
    const type = 'intake.desk.recorded';
    let broken = true;
    const consumer = await startConsumer<Envelope>({
      nc,
      store,
      stream: 'INTAKE',
      durable: 'desk-duplicate',
      filterSubject: type,
      maxDeliver: 2,
      retryDelayMs: () => 20,
      parse: (raw) => EventEnvelope.parse(raw),
      handler: async (event, tx) => {
        if (broken) throw new Error('not yet');
        await tx.collection(effects).insert({ _id: event.id, eventId: event.id });
      },
    });
    try {
      const desk = await createDeadLetterDesk({ js: jetstream(nc), store, consumers: [consumer] });
      expect(desk.durables).toEqual(['desk-duplicate']);
      const event = testEvent({ type });
      await jetstream(nc).publish(type, JSON.stringify(event), { msgID: event.id });
      await eventually('it is dead-lettered', async () => (await desk.list()).letters.length === 1);
      const [letter] = (await desk.list()).letters;
      expect(letter).toMatchObject({ eventId: event.id, eventType: type, deliveries: 2, error: 'not yet' });

      // Fixed, and the producer's outbox replay sends the event again: handled normally.
      broken = false;
      await jetstream(nc).publish(type, JSON.stringify(event), { msgID: `${event.id}:outbox-replay` });
      await eventually('the re-sent event is handled', async () => (await store.collection(effects).count({})) === 1);

      const replay = await desk.replay(letter?.seq ?? 0, { userId: 'u-admin', name: 'Admin' });
      expect(replay.outcome).toBe('duplicate');
      expect(await store.collection(effects).count({})).toBe(1);
      expect((await desk.list()).letters).toEqual([]);
      const audit = await store.collection(deadLetterReplays).find({});
      expect(audit.map((r) => ({ outcome: r.outcome, by: r.by.userId, eventId: r.eventId }))).toEqual([{ outcome: 'duplicate', by: 'u-admin', eventId: event.id }]);
      await expect(desk.get(letter?.seq ?? 0)).rejects.toMatchObject({ code: 'MESSAGING_ERR_DEAD_LETTER_NOT_FOUND' });
    } finally {
      await consumer.stop();
    }
  });
});
