// The admin's dead-letter routes against a real nats-server: a handler that always fails
// dead-letters its message, the admin sees it, the handler is fixed, the replay processes the
// event exactly once and the audit trail names who replayed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEventId, systemActor } from '@tamga/contracts';
import type { EventEnvelope, Principal } from '@tamga/contracts';
import {
  connectNats,
  createDeadLetterDesk,
  deadLetterReplays,
  ensureStreams,
  inboxCollection,
  jetstream,
  jetstreamManager,
  startConsumer,
} from '@tamga/messaging';
import type { DeadLetterDesk, NatsConnection, RunningConsumer } from '@tamga/messaging';
import { createMemoryStore, defineCollection } from '@tamga/store';
import type { DocumentStore } from '@tamga/store';
import { findNatsServer, startNats } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';
import { createJwtAuthenticator, createLogger, createServiceApp, createTokenIssuer, generateSigningKeyPair, registerDeadLetterRoutes } from '@tamga/service-kit';
import type { ServiceApp, TokenIssuer } from '@tamga/service-kit';

const noNats = process.env.NATS_URL === undefined && findNatsServer() === undefined;
if (noNats) console.warn('dead-letter route tests skipped: no nats-server on PATH and no NATS_URL (apt-get install nats-server)');

const admin: Principal = { sub: 'u-admin', name: 'Aigerim Admin', roles: ['admin'], lab: 'TMG' };
const qa: Principal = { sub: 'u-qa', name: 'Qadir QA', roles: ['qa_manager'], lab: 'TMG' };
const effects = defineCollection<{ eventId: string }>({ name: 'effects' });

let nats: NatsServer;
let nc: NatsConnection;
let tokens: TokenIssuer;
let auth: ReturnType<typeof createJwtAuthenticator>;

beforeAll(async () => {
  if (noNats) return;
  nats = await startNats();
  nc = await connectNats({ servers: nats.url, name: 'dead-letter-routes-test' });
  await ensureStreams(nc);
  const keys = await generateSigningKeyPair();
  tokens = createTokenIssuer({ privateKey: keys.privateKey, kid: keys.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 600 });
  auth = createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', audience: 'tamga' });
});
afterAll(async () => {
  if (noNats) return;
  await nc.close();
  await nats.stop();
});

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function event(type: string): EventEnvelope {
  return { id: newEventId(), type, source: 'intake', time: new Date().toISOString(), subject: 'TMG-26-000001', actor: systemActor('intake'), data: { n: 1 } };
}

interface Service {
  app: ServiceApp;
  store: DocumentStore;
  desk: DeadLetterDesk;
  consumer: RunningConsumer;
  calls: () => number;
  fix: () => void;
}

/** A service whose one consumer fails on every event until `fix()` is called. */
async function poisonedService(durable: string, subject: string): Promise<Service> {
  const store = createMemoryStore({ quiet: true });
  await store.ensure([inboxCollection, effects]);
  let broken = true;
  let calls = 0;
  const consumer = await startConsumer<EventEnvelope>({
    nc,
    store,
    stream: 'INTAKE',
    durable,
    filterSubject: subject,
    maxDeliver: 3,
    retryDelayMs: () => 50,
    parse: (raw) => raw as EventEnvelope,
    handler: async (e, tx) => {
      calls += 1;
      if (broken) throw new Error('the library index is missing');
      await tx.collection(effects).insert({ _id: e.id, eventId: e.id });
    },
  });
  const desk = await createDeadLetterDesk({ js: jetstream(nc), store });
  const app = await createServiceApp({ name: 'test', auth, logger: createLogger({ name: 'test', level: 'silent' }) });
  registerDeadLetterRoutes(app, desk);
  desk.attach(consumer);
  return {
    app,
    store,
    desk,
    consumer,
    calls: () => calls,
    fix: () => {
      broken = false;
    },
  };
}

async function as(principal: Principal): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await tokens.issue(principal)}` };
}

describe.skipIf(noNats)('admin dead-letter routes', () => {
  it('lists a poisoned event, replays it after the fix exactly once, and records who replayed it', async () => {
    const svc = await poisonedService('routes-poison', 'intake.poison.recorded');
    try {
      const poisoned = event('intake.poison.recorded');
      await jetstream(nc).publish(poisoned.type, JSON.stringify(poisoned), { msgID: poisoned.id });
      await eventually('the message is dead-lettered', async () => (await svc.desk.list()).letters.length === 1);
      expect(svc.calls()).toBe(3);

      const listed = await svc.app.inject({ method: 'GET', url: '/v1/admin/dead-letters', headers: await as(admin) });
      expect(listed.statusCode).toBe(200);
      const body = listed.json<{ items: { id: number; subject: string; eventId: string; eventType: string; consumer: string; deliveries: number; lastError: string }[]; next: number | null }>();
      expect(body.next).toBeNull();
      expect(body.items).toHaveLength(1);
      const [letter] = body.items;
      expect(letter).toMatchObject({
        subject: 'intake.poison.recorded',
        eventId: poisoned.id,
        eventType: 'intake.poison.recorded',
        consumer: 'routes-poison',
        deliveries: 3,
        lastError: 'the library index is missing',
      });
      const id = letter?.id ?? 0;

      // Replaying before the fix fails again, keeps the letter, and is recorded.
      const early = await svc.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${id}/replay`, headers: await as(admin) });
      expect(early.statusCode).toBe(409);
      expect(early.json<{ code: string }>().code).toBe('MESSAGING_ERR_REPLAY_FAILED');
      expect((await svc.desk.list()).letters).toHaveLength(1);

      svc.fix();
      const replay = await svc.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${id}/replay`, headers: await as(admin) });
      expect(replay.statusCode).toBe(200);
      expect(replay.json()).toMatchObject({ id, consumer: 'routes-poison', eventId: poisoned.id, outcome: 'handled' });
      expect(await svc.store.collection(effects).count({})).toBe(1);
      expect((await svc.desk.list()).letters).toEqual([]);

      // The same event arriving again (a re-publish) is skipped by the inbox: still one effect.
      await jetstream(nc).publish(poisoned.type, JSON.stringify(poisoned), { msgID: `${poisoned.id}:again` });
      const jsm = await jetstreamManager(nc);
      await eventually('the re-published copy is acknowledged', async () => {
        const info = await jsm.consumers.info('INTAKE', 'routes-poison');
        return info.num_pending === 0 && info.num_ack_pending === 0;
      });
      expect(await svc.store.collection(effects).count({})).toBe(1);

      const again = await svc.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${id}/replay`, headers: await as(admin) });
      expect(again.statusCode).toBe(404);
      expect(again.json<{ code: string }>().code).toBe('MESSAGING_ERR_DEAD_LETTER_NOT_FOUND');

      const audit = await svc.store.collection(deadLetterReplays).find({ seq: id }, { sort: { at: 1 } });
      expect(audit.map((r) => [r.outcome, r.by.userId, r.by.name])).toEqual([
        ['failed', admin.sub, admin.name],
        ['handled', admin.sub, admin.name],
      ]);
    } finally {
      await svc.consumer.stop();
    }
  });

  it('answers 403 to anyone but an admin, 401 without a token, and changes nothing', async () => {
    const svc = await poisonedService('routes-guarded', 'intake.guarded.recorded');
    try {
      const poisoned = event('intake.guarded.recorded');
      await jetstream(nc).publish(poisoned.type, JSON.stringify(poisoned), { msgID: poisoned.id });
      await eventually('the message is dead-lettered', async () => (await svc.desk.list()).letters.length === 1);
      const id = (await svc.desk.list()).letters[0]?.seq ?? 0;
      svc.fix();
      expect((await svc.app.inject({ method: 'GET', url: '/v1/admin/dead-letters', headers: await as(qa) })).statusCode).toBe(403);
      expect((await svc.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${id}/replay`, headers: await as(qa) })).statusCode).toBe(403);
      expect((await svc.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${id}/replay` })).statusCode).toBe(401);
      expect((await svc.desk.list()).letters).toHaveLength(1);
      expect(await svc.store.collection(effects).count({})).toBe(0);
    } finally {
      await svc.consumer.stop();
    }
  });

  it('shows only the dead letters of its own consumers and pages through them', async () => {
    const mine = await poisonedService('routes-mine', 'intake.mine.recorded');
    const theirs = await poisonedService('routes-theirs', 'intake.theirs.recorded');
    try {
      const js = jetstream(nc);
      for (let i = 0; i < 3; i++) {
        const e = event('intake.mine.recorded');
        await js.publish(e.type, JSON.stringify(e), { msgID: e.id });
        const t = event('intake.theirs.recorded');
        await js.publish(t.type, JSON.stringify(t), { msgID: t.id });
      }
      await eventually('all six are dead-lettered', async () => (await mine.desk.list()).letters.length === 3 && (await theirs.desk.list()).letters.length === 3);
      const headers = await as(admin);
      const first = (await mine.app.inject({ method: 'GET', url: '/v1/admin/dead-letters?limit=2', headers })).json<{ items: { id: number; consumer: string }[]; next: number | null }>();
      expect(first.items.map((l) => l.consumer)).toEqual(['routes-mine', 'routes-mine']);
      expect(first.next).toBe(first.items[1]?.id);
      const second = (await mine.app.inject({ method: 'GET', url: `/v1/admin/dead-letters?limit=2&after=${first.next ?? 0}`, headers })).json<{ items: { id: number; consumer: string }[]; next: number | null }>();
      expect(second.items).toHaveLength(1);
      expect(second.next).toBeNull();
      // A letter of another service's consumer is not this service's to replay.
      const foreign = (await theirs.desk.list()).letters[0]?.seq ?? 0;
      const refused = await mine.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${foreign}/replay`, headers });
      expect(refused.statusCode).toBe(404);
      expect((await theirs.desk.list()).letters).toHaveLength(3);
      expect((await mine.app.inject({ method: 'GET', url: '/v1/admin/dead-letters?limit=0', headers })).statusCode).toBe(400);
    } finally {
      await mine.consumer.stop();
      await theirs.consumer.stop();
    }
  });
});
