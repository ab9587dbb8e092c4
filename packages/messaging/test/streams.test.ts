import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNats } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';
import { connectNats, ensureStreams, jetstreamManager, pingNats } from '@tamga/messaging';
import type { NatsConnection } from '@tamga/messaging';

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: nats.url, name: 'streams-test' });
});
afterAll(async () => {
  await nc.close();
  await nats.stop();
});

describe('ensureStreams', () => {
  it('creates one file-backed stream per context that keeps its events, plus the dead-letter stream', async () => {
    expect(await ensureStreams(nc)).toEqual(['INTAKE', 'ANALYSIS', 'REPORTING', 'DEADLETTER']);
    const jsm = await jetstreamManager(nc);
    const intake = await jsm.streams.info('INTAKE');
    expect(intake.config).toMatchObject({
      subjects: ['intake.>'],
      storage: 'file',
      retention: 'limits',
      max_age: 0,
      duplicate_window: 120_000_000_000,
      num_replicas: 1,
    });
    expect((await jsm.streams.info('DEADLETTER')).config.subjects).toEqual(['deadletter.>']);
  });

  it('is idempotent and brings an existing stream to the asked configuration', async () => {
    await ensureStreams(nc);
    await ensureStreams(nc, { duplicateWindowMs: 30_000 });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('ANALYSIS')).config.duplicate_window).toBe(30_000_000_000);
    await ensureStreams(nc);
    expect((await jsm.streams.info('ANALYSIS')).config.duplicate_window).toBe(120_000_000_000);
  });
});

describe('connectNats', () => {
  it('names the address it could not reach', async () => {
    await expect(connectNats({ servers: 'nats://127.0.0.1:1', name: 'nobody', timeoutMs: 1_000 })).rejects.toMatchObject({
      code: 'MESSAGING_ERR_UNAVAILABLE',
      message: expect.stringContaining('nats://127.0.0.1:1') as unknown,
    });
  });

  it('pingNats answers while connected and fails once the connection is closed', async () => {
    const other = await connectNats({ servers: nats.url, name: 'ping' });
    await pingNats(other);
    await other.close();
    await expect(pingNats(other)).rejects.toMatchObject({ code: 'MESSAGING_ERR_UNAVAILABLE' });
  });
});
