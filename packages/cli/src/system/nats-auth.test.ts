import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats, createDeadLetterDesk, ensureStreams, jetstream, jetstreamManager, startConsumer } from '@tamga/messaging';
import type { NatsConnection, RunningConsumer } from '@tamga/messaging';
import { openStore } from '@tamga/store';
import { findNatsServer, freePort, startProcess, tempDir } from '@tamga/testkit';
import type { RunningProcess } from '@tamga/testkit';
import {
  NATS_ADMIN_USER,
  NATS_GRANTS,
  NATS_SERVICE_USERS,
  loadOrCreateNatsCredentials,
  natsPermissions,
  writeNatsConfig,
} from './nats-auth.ts';
import type { NatsCredentials } from './nats-auth.ts';

describe('NATS grants', () => {
  it('lets each service publish only its own context and no other event subject', () => {
    for (const user of NATS_SERVICE_USERS) {
      const eventSubjects = natsPermissions(NATS_GRANTS[user]).publish.filter((s) => !s.startsWith('$JS.') && !s.startsWith('deadletter.'));
      expect(eventSubjects).toEqual([`${user}.>`]);
    }
  });

  it('gives no service a plain subscription except its reply inbox', () => {
    for (const user of NATS_SERVICE_USERS) expect(natsPermissions(NATS_GRANTS[user]).subscribe).toEqual(['_INBOX.>']);
  });

  it('has no NATS user for the portal, which speaks HTTP only', () => {
    expect(NATS_SERVICE_USERS).not.toContain('portal');
  });

  it('keeps the passwords in a private file and reuses them on the next start', () => {
    const keys = join(tempDir('tamga-nats-keys'), 'keys');
    const first = loadOrCreateNatsCredentials(keys);
    const file = join(keys, 'nats-users.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new Set(Object.values(first)).size).toBe(NATS_SERVICE_USERS.length + 1);
    expect(loadOrCreateNatsCredentials(keys)).toEqual(first);
  });
});

const binary = findNatsServer();
if (binary === undefined) console.warn('nats-auth: nats-server is not installed; the authorization tests against a real server are skipped');

describe.skipIf(binary === undefined)('NATS authorization on a real nats-server', () => {
  let server: RunningProcess;
  let url: string;
  let credentials: NatsCredentials;
  const connections: NatsConnection[] = [];
  const connectAs = async (user: keyof NatsCredentials): Promise<NatsConnection> => {
    const nc = await connectNats({ servers: url, name: `test-${user}`, user, pass: credentials[user] });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    const dir = tempDir('tamga-nats-auth');
    credentials = loadOrCreateNatsCredentials(join(dir, 'keys'));
    const port = await freePort();
    const config = writeNatsConfig(join(dir, 'nats.conf'), {
      serverName: 'auth-test',
      host: '127.0.0.1',
      port,
      storeDir: join(dir, 'jetstream'),
      credentials,
    });
    expect(statSync(config).mode & 0o777).toBe(0o600);
    url = `nats://127.0.0.1:${port}`;
    server = await startProcess({ name: 'nats-server', cmd: binary ?? 'nats-server', args: ['-c', config], readyPattern: /Server is ready/, timeoutMs: 20_000 });
    // The services set the streams up themselves, each with its own user.
    for (const user of NATS_SERVICE_USERS) await ensureStreams(await connectAs(user));
  }, 40_000);

  afterAll(async () => {
    for (const nc of connections) await nc.close();
    await server.stop();
  });

  const intakeSubjects = async (): Promise<Record<string, number>> => {
    const jsm = await jetstreamManager(await connectAs(NATS_ADMIN_USER));
    const info = await jsm.streams.info('INTAKE', { subjects_filter: '>' });
    return info.state.subjects ?? {};
  };

  it('refuses a connection without a user or with a wrong password', async () => {
    await expect(connectNats({ servers: url, name: 'anonymous' })).rejects.toThrow(/Authorization/i);
    await expect(connectNats({ servers: url, name: 'guess', user: 'intake', pass: 'not-the-password' })).rejects.toThrow(/Authorization/i);
  });

  it('refuses a forged intake event published by the analysis user, and keeps it out of the stream', async () => {
    const analysis = await connectAs('analysis');
    const violations: string[] = [];
    void (async () => {
      for await (const status of analysis.status()) if (status.type === 'error') violations.push(String(status.error));
    })();

    await expect(jetstream(analysis).publish('intake.item.received', JSON.stringify({ forged: true }), { timeout: 2_000 })).rejects.toThrow(
      /permissions violation/i,
    );
    expect((await intakeSubjects())['intake.item.received']).toBeUndefined();
    expect(violations.join('\n')).toMatch(/Permissions Violation for Publish to "intake\.item\.received"/i);

    // The owner's publish of the same subject lands.
    const ack = await jetstream(await connectAs('intake')).publish('intake.item.received', JSON.stringify({ genuine: true }));
    expect(ack.stream).toBe('INTAKE');
    expect((await intakeSubjects())['intake.item.received']).toBe(1);
  });

  it('refuses an approved result published by the reporting user', async () => {
    const reporting = await connectAs('reporting');
    await expect(jetstream(reporting).publish('analysis.result.approved', '{}', { timeout: 2_000 })).rejects.toThrow(/permissions violation/i);
  });

  it('lets analysis consume its own durable end to end, and nothing wider', async () => {
    const analysis = await connectAs('analysis');
    const store = await openStore({ backend: 'memory', service: 'analysis' });
    const seen: string[] = [];
    const [consumer] = NATS_GRANTS.analysis.consumes;
    if (consumer === undefined) throw new Error('analysis has a consumer grant');
    const running: RunningConsumer = await startConsumer<{ id: string; type: string }>({
      nc: analysis,
      store,
      ...consumer,
      parse: (raw) => raw as { id: string; type: string },
      handler: (event) => {
        seen.push(event.id);
        return Promise.resolve();
      },
    });
    await jetstream(await connectAs('intake')).publish('intake.analysis.requested', JSON.stringify({ id: 'req-1', type: 'intake.analysis.requested' }));
    const deadline = Date.now() + 10_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await running.stop();
    expect(seen).toEqual(['req-1']);
    // The delivery was acked with the analysis user's permissions: nothing is left pending.
    const jsm = await jetstreamManager(await connectAs(NATS_ADMIN_USER));
    const info = await jsm.consumers.info(consumer.stream, consumer.durable);
    expect(info.num_ack_pending + info.num_pending).toBe(0);

    // Widening its filter to every intake event, or taking reporting's consumer, is refused.
    const analysisJsm = await jetstreamManager(analysis);
    await expect(analysisJsm.consumers.add('INTAKE', { durable_name: consumer.durable, filter_subject: 'intake.>' })).rejects.toThrow(/permissions violation/i);
    await expect(analysisJsm.consumers.info('INTAKE', 'reporting-intake')).rejects.toThrow(/permissions violation/i);
    await expect(analysisJsm.streams.delete('INTAKE')).rejects.toThrow(/permissions violation/i);
  });

  it('lets the reporting user list and replay its own dead letter through its desk', async () => {
    const reporting = await connectAs('reporting');
    const store = await openStore({ backend: 'memory', service: 'reporting' });
    const grant = NATS_GRANTS.reporting.consumes.find((c) => c.stream === 'ANALYSIS');
    if (grant === undefined) throw new Error('reporting consumes analysis events');
    let broken = true;
    const handled: string[] = [];
    const running = await startConsumer<{ id: string; type: string }>({
      nc: reporting,
      store,
      ...grant,
      maxDeliver: 2,
      retryDelayMs: () => 20,
      parse: (raw) => raw as { id: string; type: string },
      handler: (event) => {
        if (broken) return Promise.reject(new Error('template missing'));
        handled.push(event.id);
        return Promise.resolve();
      },
    });
    try {
      const desk = await createDeadLetterDesk({ js: jetstream(reporting), store, consumers: [running] });
      await jetstream(await connectAs('analysis')).publish('analysis.result.approved', JSON.stringify({ id: 'res-1', type: 'analysis.result.approved' }));
      const deadline = Date.now() + 15_000;
      while ((await desk.list()).letters.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const [letter] = (await desk.list()).letters;
      expect(letter).toMatchObject({ durable: grant.durable, subject: 'analysis.result.approved', eventId: 'res-1' });
      broken = false;
      expect(await desk.replay(letter?.seq ?? 0, { userId: 'u-admin', name: 'Admin' })).toMatchObject({ outcome: 'handled' });
      expect(handled).toEqual(['res-1']);
      expect((await desk.list()).letters).toEqual([]);
    } finally {
      await running.stop();
    }
  });

  it('refuses a plain subscription to another context’s events', async () => {
    const analysis = await connectAs('analysis');
    const sub = analysis.subscribe('intake.>');
    // The server refuses the subscription and the client closes it with the server's reason.
    const outcome = await Promise.race([sub.closed, new Promise((r) => setTimeout(() => r('still open'), 3_000))]);
    expect(outcome).toBeInstanceOf(Error);
    expect(String(outcome)).toMatch(/permissions violation for subscription to "intake\.>"/i);
  });
});
