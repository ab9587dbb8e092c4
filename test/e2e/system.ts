// The whole system for end-to-end tests: nats-server and every service as separate processes
// on free loopback ports, SQLite in a temp data folder, and tokens for the demo's people.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import {
  natsServerAvailable,
  SERVICES,
  startSystem,
  type RunningSystem,
} from '../../packages/cli/src/system/start-system.ts';
import { demoCredentials, type DemoCredentials } from '../../packages/cli/src/demo/tokens.ts';
import type { LabUrls } from '../../packages/cli/src/demo/flow.ts';
import { freePort, tempDir } from '../../packages/testkit/src/index.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const LAB = 'TST';

export function missingTools(tools: readonly string[]): string[] {
  return tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
}

/** Why the whole-system tests cannot run here, or undefined when they can. Printed by each file. */
export function whyNotRunnable(extraTools: readonly string[] = []): string | undefined {
  if (!natsServerAvailable()) return 'nats-server is not on PATH (apt-get install nats-server)';
  const missing = missingTools(extraTools);
  return missing.length > 0 ? `missing ${missing.join(', ')} (apt-get install poppler-utils qpdf)` : undefined;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const server = createServer();
    server.unref();
    server.once('error', () => res(false));
    server.listen(port, '127.0.0.1', () => server.close(() => res(true)));
  });
}

/** `count` consecutive free ports (the services take consecutive ports from a base). */
async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const checks = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error(`no run of ${count} free ports found`);
}

export interface TestSystem {
  dataDir: string;
  system: RunningSystem;
  urls: LabUrls;
  credentials: DemoCredentials;
  /** Stops the whole system and starts it again on the same data folder and ports. */
  restartAll(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestSystem(name: string): Promise<TestSystem> {
  const dataDir = tempDir(`tamga-e2e-${name}`);
  const natsPort = await freePort();
  const basePort = await freePortRun(SERVICES.length);
  const start = () =>
    startSystem({
      dataDir,
      natsPort,
      basePort,
      labCode: LAB,
      // The portal serves its API only (no UI build) and hashes its seed passwords cheaply.
      env: { LOG_LEVEL: 'warn', WEB_BUILD: 'false', SCRYPT_LOG2N: '14' },
      log: () => undefined,
    });
  let system = await start();
  const urls = (): LabUrls => ({
    intake: system.services.intake.url,
    analysis: system.services.analysis.url,
    reporting: system.services.reporting.url,
  });
  const credentials = await demoCredentials({ keysDir: join(dataDir, 'keys'), lab: LAB });
  const handle: TestSystem = {
    dataDir,
    get system() {
      return system;
    },
    get urls() {
      return urls();
    },
    credentials,
    async restartAll() {
      await system.stop();
      system = await start();
    },
    async stop() {
      await system.stop();
      if (process.env.TAMGA_E2E_KEEP === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** GET a service with a role's token, parsed as JSON, throwing on anything but 200. */
export async function getJson<T>(
  ts: TestSystem,
  role: Parameters<DemoCredentials['token']>[0],
  url: string,
): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${await ts.credentials.token(role)}` } });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
