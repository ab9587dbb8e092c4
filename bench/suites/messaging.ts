// Events through JetStream with the guarantees on (real nats-server, SQLite store in WAL mode):
// - outbox relay: events committed one per transaction, then flushed by the relay (publish with
//   Nats-Msg-Id, awaited ack, mark sent). Baseline: the same number of bare awaited JetStream
//   publishes of the same bodies, same run, same server.
// - consumer with inbox: each event handled in one store transaction (inbox record + an effect
//   document), then acked. Baseline: a bare pull consumer that acks the same messages.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newEventId, systemActor, EventEnvelope } from '../../packages/contracts/src/index.ts';
import type { EventEnvelope as Envelope } from '../../packages/contracts/src/index.ts';
import {
  connectNats,
  enqueueEvent,
  ensureStreams,
  inboxCollection,
  jetstream,
  jetstreamManager,
  outboxCollection,
  startConsumer,
  startOutboxRelay,
} from '../../packages/messaging/src/index.ts';
import { defineCollection, openSqliteStore } from '../../packages/store/src/index.ts';
import { startNats, tempDir } from '../../packages/testkit/src/index.ts';
import { round, type Measurement, type Suite } from '../lib.ts';

const N = Number(process.env.MESSAGING_BENCH_EVENTS ?? 2_000);
const effects = defineCollection<{ n: number }>({ name: 'effects', keepVersions: false });

function event(type: string, n: number): Envelope {
  return { id: newEventId(), type, source: 'bench', time: new Date().toISOString(), subject: `LAB-${n}`, actor: systemActor('bench'), data: { n } };
}

async function timed(work: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

async function drained(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}

export const suite: Suite = {
  name: 'messaging',
  async run(): Promise<Omit<Measurement, 'ratio'>[]> {
    const nats = await startNats();
    const dir = tempDir('tamga-bench-messaging');
    const nc = await connectNats({ servers: nats.url, name: 'bench' });
    try {
      await ensureStreams(nc);
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const store = await openSqliteStore({ file: join(dir, 'bench.db') });
      await store.ensure([outboxCollection, inboxCollection, effects]);

      // Baseline: bare awaited publishes.
      const bare = Array.from({ length: N }, (_, i) => event('intake.bare.recorded', i));
      const bareSeconds = await timed(async () => {
        for (const e of bare) await js.publish(e.type, JSON.stringify(e), { msgID: e.id });
      });

      // Outbox: commit each event in its own transaction, then let the relay publish them all.
      for (let i = 0; i < N; i++) {
        const e = event('intake.outbox.recorded', i);
        await store.transaction((tx) => enqueueEvent(tx, e));
      }
      const relay = startOutboxRelay({ store, js, pollMs: 60_000 });
      const relaySeconds = await timed(async () => {
        await relay.flush();
        await drained(async () => (await store.collection(outboxCollection).count({ sentAt: null })) === 0);
      });
      await relay.stop();

      // Baseline consumer: pull and ack, nothing else.
      await jsm.consumers.add('INTAKE', { durable_name: 'bench-bare', ack_policy: 'explicit', filter_subject: 'intake.bare.recorded' });
      const bareConsumer = await js.consumers.get('INTAKE', 'bench-bare');
      const bareConsumeSeconds = await timed(async () => {
        const messages = await bareConsumer.consume({ max_messages: 1 });
        let seen = 0;
        for await (const m of messages) {
          await m.ackAck();
          if (++seen === N) break;
        }
      });

      // Consumer with inbox and an effect, one transaction each.
      const settled = async (): Promise<boolean> => {
        const info = await jsm.consumers.info('INTAKE', 'bench-inbox').catch(() => undefined);
        return info !== undefined && info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0;
      };
      let consumer: Awaited<ReturnType<typeof startConsumer<Envelope>>> | undefined;
      const inboxSeconds = await timed(async () => {
        consumer = await startConsumer<Envelope>({
          nc,
          store,
          stream: 'INTAKE',
          durable: 'bench-inbox',
          filterSubject: 'intake.outbox.recorded',
          parse: (raw) => EventEnvelope.parse(raw),
          handler: async (e, tx) => {
            await tx.collection(effects).insert({ _id: e.id, n: 1 });
          },
        });
        await drained(settled);
      });
      await consumer?.stop();
      const handled = await store.collection(effects).count({});
      if (handled !== N) throw new Error(`consumer handled ${handled} of ${N} events`);
      await store.close();

      return [
        { name: 'messaging.outbox_relay_events_per_s', value: round(N / relaySeconds, 1), unit: 'events/s', baseline: 'bare awaited JetStream publish', baselineValue: round(N / bareSeconds, 1) },
        { name: 'messaging.consumer_inbox_events_per_s', value: round(N / inboxSeconds, 1), unit: 'events/s', baseline: 'bare pull consumer with ackAck', baselineValue: round(N / bareConsumeSeconds, 1) },
      ];
    } finally {
      await nc.close();
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
