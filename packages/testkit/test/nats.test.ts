import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNatsServer, startNats } from '@tamga/testkit';
import type { NatsServer } from '@tamga/testkit';

/** The INFO line a NATS server sends to every new client. */
function readInfo(url: string): Promise<{ server_id: string; jetstream?: boolean }> {
  const { hostname, port } = new URL(url.replace(/^nats:/, 'http:'));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.setTimeout(3_000, () => socket.destroy(new Error('no INFO within 3 s')));
    socket.once('error', reject);
    socket.once('data', (chunk) => {
      socket.destroy();
      const line = chunk.toString('utf8');
      resolve(JSON.parse(line.slice(line.indexOf('{'), line.lastIndexOf('}') + 1)) as { server_id: string; jetstream?: boolean });
    });
  });
}

const usable = (process.env.NATS_URL ?? '') === '' && findNatsServer() !== undefined;
if (!usable) console.warn('[testkit] skipping the nats-server lifecycle tests: NATS_URL is set or nats-server is not installed');

describe.skipIf(!usable)('startNats with the nats-server binary', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('serves JetStream on a loopback port with a temporary store folder', async () => {
    expect(nats.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(nats.via).toContain('nats-server binary');
    const info = await readInfo(nats.url);
    expect(info.jetstream).toBe(true);
    expect(nats.dataDir !== undefined && existsSync(nats.dataDir)).toBe(true);
  });

  it('restarts on the same address, after a crash too, keeping its store folder', async () => {
    const before = await readInfo(nats.url);
    await nats.restart({ signal: 'SIGKILL' });
    const after = await readInfo(nats.url);
    expect(after.server_id).toBeTruthy();
    expect(before.jetstream).toBe(true);
    expect(nats.dataDir !== undefined && existsSync(`${nats.dataDir}/jetstream`)).toBe(true);
    expect(nats.logs()).toMatch(/Server is ready[\s\S]*Server is ready/);
  });

  it('wipe() throws the JetStream store away and serves again', async () => {
    await nats.wipe();
    const info = await readInfo(nats.url);
    expect(info.jetstream).toBe(true);
  });

  it('stop() ends the server and removes its store folder', async () => {
    const other = await startNats();
    const dir = other.dataDir;
    await other.stop();
    await expect(readInfo(other.url)).rejects.toThrow();
    expect(dir !== undefined && existsSync(dir)).toBe(false);
  });
});

describe('startNats with NATS_URL', () => {
  it('uses the given server and refuses to restart or wipe it', async () => {
    const saved = process.env.NATS_URL;
    process.env.NATS_URL = 'nats://127.0.0.1:1';
    try {
      const nats = await startNats();
      expect(nats.url).toBe('nats://127.0.0.1:1');
      expect(nats.via).toBe('NATS_URL');
      await expect(nats.restart()).rejects.toMatchObject({ code: 'TESTKIT_ERR_UNSUPPORTED' });
      await expect(nats.wipe()).rejects.toMatchObject({ code: 'TESTKIT_ERR_UNSUPPORTED' });
    } finally {
      if (saved === undefined) delete process.env.NATS_URL;
      else process.env.NATS_URL = saved;
    }
  });
});

describe('startNats without any server', () => {
  it('says how to install nats-server', async () => {
    const saved = { url: process.env.NATS_URL, bin: process.env.NATS_SERVER_BIN };
    delete process.env.NATS_URL;
    // An explicit binary that is not there stands for a machine without nats-server.
    process.env.NATS_SERVER_BIN = '/nonexistent/nats-server';
    try {
      await expect(startNats()).rejects.toMatchObject({
        code: 'TESTKIT_ERR_NO_NATS',
        message: expect.stringMatching(/testcontainers: .*NATS_SERVER_BIN: \/nonexistent\/nats-server is not an executable.*apt-get install nats-server/) as unknown,
      });
    } finally {
      for (const [key, value] of [['NATS_URL', saved.url], ['NATS_SERVER_BIN', saved.bin]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
