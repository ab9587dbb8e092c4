// The consumer's timings after a crash: a short ack wait lets the other instance take a message
// a killed one held, and the "working" heartbeats keep a long handler from being redelivered
// meanwhile. (The recovery times under SIGKILL are printed by the chaos suite, test/chaos.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '@tamga/store';
import { startNats } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';
import { connectNats, ensureStreams, jetstream, jetstreamManager, startConsumer } from '@tamga/messaging';
import type { EventEnvelope } from '@tamga/contracts';
import type { NatsConnection } from '@tamga/messaging';
import { eventually, sleep, testEvent } from './support.ts';

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: nats.url, name: 'consumer-recovery-test' });
  await ensureStreams(nc);
});
afterAll(async () => {
  await nc.close();
  await nats.stop();
});

describe('consumer recovery timings', () => {
  it('does not redeliver a message whose handler runs three times the ack wait', async () => {
    const store = createMemoryStore({ quiet: true });
    let calls = 0;
    const consumer = await startConsumer({
      nc,
      store,
      stream: 'INTAKE',
      durable: 'slow-handler',
      filterSubject: 'intake.slow.>',
      ackWaitMs: 1_000,
      parse: (raw) => raw as EventEnvelope,
      handler: async () => {
        calls += 1;
        await sleep(3_000);
      },
    });
    try {
      const event = testEvent({ type: 'intake.slow.recorded' });
      await jetstream(nc).publish(event.type, JSON.stringify(event), { msgID: event.id });
      const jsm = await jetstreamManager(nc);
      await eventually('the message is acknowledged', async () => {
        const info = await jsm.consumers.info('INTAKE', 'slow-handler');
        return info.delivered.stream_seq > 0 && info.num_ack_pending === 0 && info.num_pending === 0;
      }, 15_000);
      const info = await jsm.consumers.info('INTAKE', 'slow-handler');
      expect(calls).toBe(1);
      expect(info.num_redelivered).toBe(0);
      expect(info.config.ack_wait).toBe(1_000_000_000);
    } finally {
      await consumer.stop();
    }
  }, 30_000);

  it('sets a 10 s ack wait by default (a killed instance\'s message moves on after that long)', async () => {
    const store = createMemoryStore({ quiet: true });
    const consumer = await startConsumer({ nc, store, stream: 'INTAKE', durable: 'default-timings', filterSubject: 'intake.defaults.>', handler: () => Promise.resolve() });
    try {
      const info = await (await jetstreamManager(nc)).consumers.info('INTAKE', 'default-timings');
      expect(info.config.ack_wait).toBe(10_000_000_000);
    } finally {
      await consumer.stop();
    }
  });
});
