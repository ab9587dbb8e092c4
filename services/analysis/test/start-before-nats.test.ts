// A service started before NATS (a broker started later, a cluster re-electing its leaders after a
// node loss) keeps running: /health answers, /ready says JetStream is pending, the set-up retries
// with warnings naming the reason, and once a nats-server listens it becomes ready and handles
// an analysis request from the INTAKE stream.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeEvent, systemActor } from '@tamga/contracts';
import { connectNats, jetstream } from '@tamga/messaging';
import { createTokenIssuer, loadOrCreateSigningKey } from '@tamga/service-kit';
import { findNatsServer, freePort, startProcess, tsxCommand } from '@tamga/testkit';
import type { RunningProcess } from '@tamga/testkit';

const natsServer = findNatsServer();
if (natsServer === undefined) console.warn('analysis start-before-NATS test skipped: no nats-server binary on this machine');

const main = resolve(import.meta.dirname, '../src/main.ts');
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(natsServer === undefined)('starting analysis before NATS', () => {
  it('waits for JetStream, reporting not-ready, then becomes ready and handles an analysis request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tamga-analysis-start-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const key = await loadOrCreateSigningKey(join(dir, 'auth'));
    const natsPort = await freePort();
    const httpPort = await freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const { cmd, args } = tsxCommand(main);
    const service: RunningProcess = await startProcess({
      name: 'analysis',
      cmd,
      args,
      env: {
        STORE_BACKEND: 'memory',
        NATS_URL: `nats://127.0.0.1:${natsPort}`,
        AUTH_PUBLIC_KEY_FILE: key.publicKeyFile,
        PORT: String(httpPort),
        DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: 'info',
      },
      readyUrl: `${base}/health`,
      timeoutMs: 90_000,
    });
    cleanups.push(() => service.stop());

    // Up, not ready, and saying why; the retries are warnings naming the reason.
    const notReady = await fetch(`${base}/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toMatch(/JetStream set-up pending: connecting to NATS/);
    await until('two retries were logged', () => Promise.resolve((service.logs().match(/JetStream is not available yet; retrying/g) ?? []).length >= 2), 30_000);
    expect(service.logs()).toMatch(/"level":40.*"reason":"cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+/);
    expect(service.running()).toBe(true);

    if (natsServer === undefined) throw new Error('unreachable: guarded by skipIf');
    const nats = await startProcess({
      name: 'nats-server',
      cmd: natsServer,
      args: ['-a', '127.0.0.1', '-js', '-p', String(natsPort), '-sd', join(dir, 'nats')],
      readyPattern: /Server is ready/,
    });
    cleanups.push(() => nats.stop());
    await until('analysis is ready', async () => (await fetch(`${base}/ready`)).status === 200, 60_000);

    const nc = await connectNats({ servers: `nats://127.0.0.1:${natsPort}`, name: 'start-test' });
    cleanups.push(() => nc.close());
    const event = makeEvent(
      {
        type: 'intake.analysis.requested',
        source: 'intake',
        subject: 'TMG-2026-000777-01',
        actor: systemActor('intake'),
        data: { labNo: 'TMG-2026-000777-01', caseId: 'case-1', agencyId: 'police-1', determinations: ['identification'], priority: 'routine', requestId: 'req-777' },
      },
      new Date(),
    );
    await jetstream(nc).publish(event.type, JSON.stringify(event), { msgID: event.id });

    const token = await createTokenIssuer({ privateKey: key.privateKey, kid: key.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 600 }).issue({
      sub: 'u-ana',
      name: 'Aigerim Analyst',
      roles: ['analyst'],
      lab: 'TMG',
    });
    await until(
      'the request is in the work queue',
      async () => {
        const res = await fetch(`${base}/v1/work-items`, { headers: { authorization: `Bearer ${token}` } });
        return res.status === 200 && (await res.text()).includes('TMG-2026-000777-01');
      },
      30_000,
    );
  }, 240_000);

  it('still stops with exit 78 naming NATS_PASSWORD when NATS refuses its credentials', async () => {
    if (natsServer === undefined) throw new Error('unreachable: guarded by skipIf');
    const dir = mkdtempSync(join(tmpdir(), 'tamga-analysis-auth-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const key = await loadOrCreateSigningKey(join(dir, 'auth'));
    const natsPort = await freePort();
    const nats = await startProcess({
      name: 'nats-server',
      cmd: natsServer,
      args: ['-a', '127.0.0.1', '-js', '-p', String(natsPort), '-sd', join(dir, 'nats'), '--user', 'analysis', '--pass', 'the-right-one'],
      readyPattern: /Server is ready/,
    });
    cleanups.push(() => nats.stop());
    const { PATH, HOME } = process.env;
    const run = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: {
        PATH,
        HOME,
        STORE_BACKEND: 'memory',
        NATS_URL: `nats://127.0.0.1:${natsPort}`,
        NATS_USER: 'analysis',
        NATS_PASSWORD: 'a-wrong-one',
        AUTH_PUBLIC_KEY_FILE: key.publicKeyFile,
        PORT: String(await freePort()),
        DATA_DIR: join(dir, 'data'),
      },
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(run.status, run.stderr).toBe(78);
    expect(run.stderr).toMatch(/NATS_PASSWORD/);
  }, 120_000);
});
