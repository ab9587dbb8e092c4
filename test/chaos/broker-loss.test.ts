// Broker loss with the whole system running: items go through the lab, then NATS is stopped,
// its JetStream store deleted and NATS started again, empty. Nobody replays anything by hand:
// each service's outbox relay notices its stream lost what it had acknowledged, puts it back and
// replays; the consumers are given every old event again and their inboxes drop them. More items
// follow. The end state is the one a run without the fault reaches: each item one intact
// custody chain, one work item, one approved result, one current report.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsServerAvailable, startSystem, type RunningSystem } from '../../packages/cli/src/system/start-system.ts';
import { demoCredentials, type DemoCredentials } from '../../packages/cli/src/demo/tokens.ts';
import { runItemThroughLab, type LabUrls } from '../../packages/cli/src/demo/flow.ts';
import { connectNats, jetstreamManager } from '../../packages/messaging/src/index.ts';
import { tempDir } from '../../packages/testkit/src/index.ts';
import { auditEndState } from './audit.ts';
import { freePorts } from './run-chaos.ts';

const why = natsServerAvailable() ? undefined : 'nats-server is not on PATH (apt-get install nats-server)';
if (why !== undefined) console.warn(`broker-loss test skipped: ${why}`);

const LAB = 'BLS';
const AGENCY = 'broker-loss-police';

describe.skipIf(why !== undefined)('broker loss: NATS restarted with its data deleted', () => {
  let dataDir: string;
  let system: RunningSystem | undefined;
  let credentials: DemoCredentials;
  let urls: LabUrls;

  beforeAll(async () => {
    dataDir = tempDir('tamga-broker-loss');
    const { natsPort, basePort } = await freePorts();
    system = await startSystem({
      dataDir,
      natsPort,
      basePort,
      labCode: LAB,
      env: { WEB_BUILD: 'false', SCRYPT_LOG2N: '14', LOG_LEVEL: 'warn' },
      log: () => undefined,
    });
    credentials = await demoCredentials({ keysDir: join(dataDir, 'keys'), lab: LAB });
    urls = { intake: system.services.intake.url, analysis: system.services.analysis.url, reporting: system.services.reporting.url };
  }, 300_000);

  afterAll(async () => {
    await system?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const driveItems = async (count: number): Promise<string[]> => {
    const labNos: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const result = await runItemThroughLab({ urls, tokens: credentials.token, eSign: credentials.eSign, agencyId: AGENCY, timeoutMs: 120_000 });
      labNos.push(result.labNo);
    }
    return labNos;
  };

  it('replays every outbox by itself, drops the redelivered events, and ends as a run without the fault', async () => {
    const running = system;
    if (running === undefined) throw new Error('the system did not start');
    const node = running.natsNodes[0];
    if (node === undefined) throw new Error('no NATS node');
    const before = await driveItems(3);

    const admin = await connectNats({ servers: running.natsUrl, name: 'broker-loss-test', user: running.natsAdmin.user, pass: running.natsAdmin.pass });
    try {
      const jsm = await jetstreamManager(admin);
      const lastSeqBefore = Object.fromEntries(
        await Promise.all(['INTAKE', 'ANALYSIS', 'REPORTING'].map(async (s) => [s, (await jsm.streams.info(s)).state.last_seq] as const)),
      );

      const wipedAt = Date.now();
      await running.stopNatsNode(0, 'SIGTERM');
      // The JetStream data only: the single server keeps its configuration file in the same folder.
      rmSync(join(node.storeDir, 'jetstream'), { recursive: true, force: true });
      await running.startNatsNode(0);
      console.log(`[broker-loss] NATS wiped and back after ${Date.now() - wipedAt} ms (streams before: ${JSON.stringify(lastSeqBefore)})`);

      // New work right after the loss; it waits in the outboxes until the streams are back.
      const after = await driveItems(2);
      const doneMs = Date.now() - wipedAt;

      // The streams hold again at least everything they held before (replayed) plus the new events.
      const jsmAfter = await jetstreamManager(admin, { checkAPI: false });
      for (const [stream, seq] of Object.entries(lastSeqBefore)) {
        const info = await jsmAfter.streams.info(stream);
        expect(info.state.messages, stream).toBeGreaterThanOrEqual(seq);
      }
      // The consumers have taken everything (replayed and new) and have nothing left to do.
      for (const [stream, durable] of [
        ['INTAKE', 'analysis-requests'],
        ['INTAKE', 'reporting-intake'],
        ['ANALYSIS', 'reporting-analysis'],
      ] as const) {
        const info = await jsmAfter.consumers.info(stream, durable);
        expect(info.num_pending, durable).toBe(0);
      }

      const bundles = new Map<string, unknown>();
      for (const labNo of [...before, ...after]) {
        const res = await fetch(`${urls.intake}/v1/items/${encodeURIComponent(labNo)}/custody`, { headers: { authorization: `Bearer ${await credentials.token('technician')}` } });
        expect(res.status).toBe(200);
        bundles.set(labNo, ((await res.json()) as { bundle: unknown }).bundle);
      }
      const custodyPublicKey = readFileSync(join(dataDir, 'keys', 'custody-signing.pub.pem'), 'utf8');
      await running.stop();
      const audit = await auditEndState({ where: { backend: running.backend, dataDir }, agencyId: AGENCY, labNos: [...before, ...after], bundles, custodyPublicKey });
      expect(audit.verdicts.filter((v) => v.problems.length > 0)).toEqual([]);
      expect({ lost: audit.lost, duplicated: audit.duplicated, unexpectedItems: audit.unexpectedItems }).toEqual({ lost: 0, duplicated: 0, unexpectedItems: 0 });
      console.log(`[broker-loss] ${before.length} items before the loss, ${after.length} after; lost ${audit.lost}, duplicated ${audit.duplicated}; the items after the loss were reported ${doneMs} ms after the wipe`);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }, 600_000);
});
