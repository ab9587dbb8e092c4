// Items through the whole pipeline (registration -> analysis request -> work item -> spectrum,
// library search, findings -> e-signed approval -> signed report issued), on the system
// `tamga start` runs: the single-node shape and the cluster shape (3 NATS nodes, R3 streams,
// two instances of each service). Tokens and e-signatures come from the portal's own routes:
// the seeded lab people sign in and re-enter their password for each signed act.
//
// Baseline, same run and same servers: acknowledged JetStream publishes (one at a time, awaited)
// of the mean size of the events the pipeline wrote, into a stream with the same replicas.
// Latency is from the item's registration request to the report being listed (polled every
// 250 ms by the flow, so figures are coarse at that grain); its baseline is the publish-ack
// latency of those raw publishes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectNats, jetstream, jetstreamManager } from '../../packages/messaging/src/index.ts';
import { runItemThroughLab } from '../../packages/cli/src/demo/flow.ts';
import type { DemoRole, ESigner, TokenMinter } from '../../packages/cli/src/demo/tokens.ts';
import { startSystem } from '../../packages/cli/src/system/start-system.ts';
import type { RunningSystem } from '../../packages/cli/src/system/start-system.ts';
import { tempDir } from '../../packages/testkit/src/index.ts';
import { percentile, round, type Measurement, type Suite } from '../lib.ts';

const ITEMS = Number(process.env.E2E_BENCH_ITEMS ?? 24);
const CONCURRENCY = Number(process.env.E2E_BENCH_CONCURRENCY ?? 4);
const RAW_PUBLISHES = Number(process.env.E2E_BENCH_RAW ?? 1_000);
const EVENT_STREAMS = ['INTAKE', 'ANALYSIS', 'REPORTING'] as const;

/** The portal account each role of the flow signs in as (seeded demo users). */
const ACCOUNTS: Record<DemoRole, string> = { technician: 'technician', analyst: 'analyst', reviewer: 'reviewer', librarian: 'qa.manager' };

interface PortalPeople {
  tokens: TokenMinter;
  eSign: ESigner;
}

/** Signs the seeded people in at the portal; e-signatures come from its POST /v1/e-signatures. */
async function portalPeople(system: RunningSystem, dataDir: string): Promise<PortalPeople> {
  const text = readFileSync(join(dataDir, 'portal', 'initial-passwords.txt'), 'utf8');
  const passwords = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [username, password] = line.trim().split(/\s+/);
    if (username !== undefined && password !== undefined && line.includes('(')) passwords.set(username, password);
  }
  const portal = system.services.portal.url;
  const passwordOf = (role: DemoRole): string => {
    const password = passwords.get(ACCOUNTS[role]);
    if (password === undefined) throw new Error(`e2e bench: no initial password for ${ACCOUNTS[role]} in the portal's initial-passwords.txt`);
    return password;
  };
  const tokens = new Map<DemoRole, string>();
  for (const role of Object.keys(ACCOUNTS) as DemoRole[]) {
    const res = await fetch(`${portal}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ACCOUNTS[role], password: passwordOf(role) }),
    });
    if (res.status !== 201) throw new Error(`e2e bench: sign-in of ${ACCOUNTS[role]} answered ${res.status}: ${await res.text()}`);
    tokens.set(role, ((await res.json()) as { accessToken: string }).accessToken);
  }
  const tokenOf = (role: DemoRole): string => {
    const token = tokens.get(role);
    if (token === undefined) throw new Error(`e2e bench: ${role} is not signed in`);
    return token;
  };
  return {
    tokens: (role) => Promise.resolve(tokenOf(role)),
    async eSign(role, act) {
      const res = await fetch(`${portal}/v1/e-signatures`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(role)}` },
        body: JSON.stringify({ password: passwordOf(role), ...act }),
      });
      if (res.status !== 201) throw new Error(`e2e bench: e-signature of ${role} answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
  };
}

async function eventTotals(system: RunningSystem): Promise<{ messages: number; bytes: number }> {
  const nc = await connectNats({ servers: system.natsUrl, name: 'bench-e2e-info', ...system.natsAdmin });
  try {
    const jsm = await jetstreamManager(nc);
    let messages = 0;
    let bytes = 0;
    for (const stream of EVENT_STREAMS) {
      const info = await jsm.streams.info(stream);
      messages += info.state.messages;
      bytes += info.state.bytes;
    }
    return { messages, bytes };
  } finally {
    await nc.close();
  }
}

/** Awaited publishes of `size`-byte bodies into a stream with the pipeline's replicas. */
async function rawPublishes(system: RunningSystem, size: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const nc = await connectNats({ servers: system.natsUrl, name: 'bench-e2e-raw', ...system.natsAdmin });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'BENCHRAW', subjects: ['benchraw.>'], num_replicas: system.streamReplicas });
    const js = jetstream(nc);
    const body = new Uint8Array(size).fill(0x61);
    for (let i = 0; i < 50; i++) await js.publish('benchraw.warmup', body);
    const latencies: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < RAW_PUBLISHES; i++) {
      const s = performance.now();
      await js.publish('benchraw.event', body, { msgID: `raw-${i}` });
      latencies.push(performance.now() - s);
    }
    const seconds = (performance.now() - t0) / 1000;
    await jsm.streams.delete('BENCHRAW');
    return { perSecond: RAW_PUBLISHES / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await nc.close();
  }
}

/** Ports no other run on this machine is likely to hold; each shape takes its own block. */
function portBlock(): { natsPort: number; clusterPort: number; basePort: number } {
  const base = 20_000 + Math.floor(Math.random() * 400) * 100;
  return { natsPort: base, clusterPort: base + 10, basePort: base + 30 };
}

async function measureShape(shape: 'single' | 'cluster'): Promise<Omit<Measurement, 'ratio'>[]> {
  const dataDir = tempDir(`tamga-bench-e2e-${shape}`);
  const system = await startSystem({
    dataDir,
    cluster: shape === 'cluster',
    ...portBlock(),
    env: { LOG_LEVEL: 'warn', WEB_BUILD: 'false', SEED_DEMO_USERS: 'true' },
    log: () => undefined,
  });
  try {
    const people = await portalPeople(system, dataDir);
    const urls = { intake: system.services.intake.url, analysis: system.services.analysis.url, reporting: system.services.reporting.url };
    const runOne = async (): Promise<number> => {
      let registeredAt = 0;
      let issuedAt = 0;
      await runItemThroughLab({
        urls,
        tokens: people.tokens,
        eSign: people.eSign,
        timeoutMs: 120_000,
        onStep: (step) => {
          // The item's registration is the request right after the case is opened.
          if (step === 'case-opened') registeredAt = performance.now();
          if (step === 'report-issued') issuedAt = performance.now();
        },
      });
      return issuedAt - registeredAt;
    };

    // Warm-up: imports the library, fills caches and JITs the paths; not measured.
    await runOne();
    const before = await eventTotals(system);
    const latencies: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ITEMS) {
          next += 1;
          latencies.push(await runOne());
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const after = await eventTotals(system);
    const events = after.messages - before.messages;
    const meanEventBytes = Math.max(64, Math.round((after.bytes - before.bytes) / Math.max(1, events)));
    const raw = await rawPublishes(system, meanEventBytes);

    const itemsPerSecond = ITEMS / seconds;
    const shapeText = shape === 'single' ? '1 NATS node, R1, 1 instance each' : '3 NATS nodes, R3, 2 instances each';
    const rawText = `raw acked JetStream publishes of ${meanEventBytes} B (mean event size), same servers`;
    console.log(`e2e ${shape}: ${ITEMS} items (${CONCURRENCY} at a time) in ${round(seconds, 1)} s; ${round(events / ITEMS, 1)} events per item; ${shapeText}`);
    return [
      { name: `e2e.${shape}.items_per_s`, value: round(itemsPerSecond, 3), unit: 'items/s', baseline: `${rawText} (publishes/s)`, baselineValue: round(raw.perSecond, 1) },
      { name: `e2e.${shape}.latency_p50_ms`, value: round(percentile(latencies, 50), 0), unit: 'ms', baseline: `${rawText} (ack p50)`, baselineValue: round(raw.p50, 3) },
      { name: `e2e.${shape}.latency_p99_ms`, value: round(percentile(latencies, 99), 0), unit: 'ms', baseline: `${rawText} (ack p99)`, baselineValue: round(raw.p99, 3) },
      { name: `e2e.${shape}.events_per_item`, value: round(events / ITEMS, 2), unit: 'events', baseline: 'items', baselineValue: 1 },
    ];
  } finally {
    await system.stop();
  }
}

export const suite: Suite = {
  name: 'e2e',
  async run(): Promise<Omit<Measurement, 'ratio'>[]> {
    const shapes = (process.env.E2E_BENCH_SHAPES ?? 'single,cluster').split(',').filter((s): s is 'single' | 'cluster' => s === 'single' || s === 'cluster');
    const out: Omit<Measurement, 'ratio'>[] = [];
    for (const shape of shapes) out.push(...(await measureShape(shape)));
    return out;
  },
};
