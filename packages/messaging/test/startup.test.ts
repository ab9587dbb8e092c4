// Start-up while NATS is absent: the set-up retries (warning with the reason each time), the
// readiness check says what is pending, and it all goes on once a nats-server appears.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import { findNatsServer, freePort } from '@tamga/testkit';
import { jetStreamStartup, jetstreamManager, startConsumer } from '../src/index.ts';
import type { MessagingLogger } from '../src/index.ts';
import { createMemoryStore } from '@tamga/store';
import { eventually } from './support.ts';

const natsServer = findNatsServer();
if (natsServer === undefined) console.warn('startup tests skipped: no nats-server binary on this machine');

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLogger(lines: Line[]): MessagingLogger {
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts nats-server on `port` (with JetStream unless told otherwise); returns how to stop it early. */
function launchNats(port: number, withJetStream = true): () => Promise<void> {
  if (natsServer === undefined) throw new Error('no nats-server');
  const dir = mkdtempSync(join(tmpdir(), 'tamga-startup-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(withJetStream ? ['-js', '-sd', dir] : [])];
  const child = spawn(natsServer, args, { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  cleanups.push(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return stop;
}

describe.skipIf(natsServer === undefined)('JetStream start-up without NATS', () => {
  it('retries the connection until a nats-server listens, then creates the streams and a consumer', async () => {
    const port = await freePort();
    const lines: Line[] = [];
    const startup = jetStreamStartup({
      connect: { servers: `nats://127.0.0.1:${port}`, name: 'startup-test' },
      logger: recordingLogger(lines),
      initialDelayMs: 50,
      maxDelayMs: 200,
    });
    cleanups.push(() => startup.stop());
    const connecting = startup.connect();

    await eventually('two retries were logged', () => lines.filter((l) => l.level === 'warn').length >= 2);
    const warning = lines.find((l) => l.level === 'warn');
    expect(warning?.obj.step).toMatch(/connecting to NATS/);
    expect(String(warning?.obj.reason)).toMatch(/cannot connect to NATS/);
    // The delays grow and stay under the cap.
    const delays = lines.filter((l) => l.level === 'warn').map((l) => Number(l.obj.delayMs));
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);
    expect(Math.max(...delays)).toBeLessThanOrEqual(200);
    await expect(startup.check()).rejects.toThrow(/JetStream set-up pending: connecting to NATS.*last failure/);

    launchNats(port);
    const nc = await connecting;
    cleanups.push(() => nc.close());
    const store = createMemoryStore({ quiet: true });
    const consumer = await startup.retry('starting the test consumer', () =>
      startConsumer({ nc, store, stream: 'INTAKE', durable: 'startup-test', filterSubject: 'intake.>', handler: () => Promise.resolve() }),
    );
    cleanups.push(() => consumer.stop());
    await expect(startup.check()).rejects.toThrow(/pending: starting the test consumer/);
    startup.ready();
    await startup.check();

    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('INTAKE')).config.subjects).toEqual(['intake.>']);
    expect((await jsm.consumers.info('INTAKE', 'startup-test')).name).toBe('startup-test');
  }, 60_000);

  it('stops retrying when the service shuts down during start-up', async () => {
    const port = await freePort();
    const startup = jetStreamStartup({ connect: { servers: `nats://127.0.0.1:${port}`, name: 'startup-test' }, logger: recordingLogger([]), initialDelayMs: 50 });
    const connecting = startup.connect();
    startup.stop();
    const err: unknown = await connecting.catch((e: unknown) => e);
    expect(isDomainError(err) && err.code).toBe('MESSAGING_ERR_STOPPED');
    expect(startup.stopped).toBe(true);
  }, 30_000);

  it('retries the streams while the server answers without JetStream, as a cluster without leaders does', async () => {
    const port = await freePort();
    const lines: Line[] = [];
    const stopPlain = launchNats(port, false);
    const startup = jetStreamStartup({
      connect: { servers: `nats://127.0.0.1:${port}`, name: 'startup-test' },
      logger: recordingLogger(lines),
      initialDelayMs: 50,
      maxDelayMs: 200,
    });
    cleanups.push(() => startup.stop());
    const connecting = startup.connect();
    await eventually('the stream set-up was retried', () => lines.some((l) => l.level === 'warn' && l.obj.step === 'creating the JetStream streams'), 20_000);
    await expect(startup.check()).rejects.toThrow(/pending: creating the JetStream streams/);

    // The same address comes back with JetStream: the connection reconnects and the streams follow.
    await stopPlain();
    launchNats(port);
    const nc = await connecting;
    cleanups.push(() => nc.close());
    expect((await (await jetstreamManager(nc)).streams.info('ANALYSIS')).config.subjects).toEqual(['analysis.>']);
  }, 60_000);
});
