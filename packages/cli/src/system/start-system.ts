// Runs the whole system locally as separate processes: nats-server with JetStream (data under
// the data folder), then each service. MongoDB from MONGO_URL, else the embedded SQLite backend
// in the same data folder, so a restart keeps everything.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadOrCreateSigningKey } from '@tamga/service-kit';

export const SERVICES = ['intake', 'analysis', 'reporting', 'portal'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface SystemOptions {
  dataDir: string;
  natsPort?: number;
  /** First service port; services take consecutive ports in SERVICES order. */
  basePort?: number;
  mongoUrl?: string;
  labCode?: string;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url?: string;
}

export interface RunningSystem {
  natsUrl: string;
  backend: 'mongo' | 'sqlite';
  services: Record<ServiceName, { url: string; pid: number }>;
  /** Kills one service with a signal and starts it again with the same settings. */
  restartService(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export function natsServerAvailable(): boolean {
  return spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir);
  const natsPort = options.natsPort ?? 4222;
  const basePort = options.basePort ?? 3001;
  const backend = options.mongoUrl ? 'mongo' : 'sqlite';
  mkdirSync(join(dataDir, 'logs'), { recursive: true });

  if (!natsServerAvailable()) {
    throw new Error('nats-server is not on PATH. Install it with: sudo apt-get install nats-server (or run infra/bootstrap.sh)');
  }
  const natsDir = join(dataDir, 'nats');
  mkdirSync(natsDir, { recursive: true });
  const natsArgs = ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', natsDir];
  const nats = launch('nats', 'nats-server', natsArgs, {}, join(dataDir, 'logs', 'nats.log'));
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  await waitForTcp('127.0.0.1', natsPort, nats, 20_000);

  // The token-signing key lives in the data folder's keys: the portal signs with it, every other
  // service verifies tokens with its public half.
  const keysDir = join(dataDir, 'keys');
  const tokenKey = await loadOrCreateSigningKey(keysDir);

  const startedAt = Date.now();
  const procs = new Map<ServiceName, RunningProcess>();
  const envFor = (name: ServiceName, port: number): Record<string, string> => ({
    PORT: String(port),
    HOST: '127.0.0.1',
    NATS_URL: natsUrl,
    STORE_BACKEND: backend,
    ...(options.mongoUrl ? { MONGO_URL: options.mongoUrl, MONGO_DB: `tamga-${name}` } : {}),
    DATA_DIR: join(dataDir, name),
    KEYS_DIR: keysDir,
    AUTH_PUBLIC_KEY_FILE: tokenKey.publicKeyFile,
    LAB_CODE: options.labCode ?? 'LAB',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    // The portal reaches the other services for the browser (one origin); they still check tokens.
    ...(name === 'portal'
      ? Object.fromEntries(SERVICES.filter((s) => s !== 'portal').map((s) => [`${s.toUpperCase()}_URL`, `http://127.0.0.1:${basePort + SERVICES.indexOf(s)}`]))
      : {}),
    ...options.env,
  });
  const startOne = async (name: ServiceName, index: number): Promise<void> => {
    const port = basePort + index;
    const url = `http://127.0.0.1:${port}`;
    const child = launch(
      name,
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'services', name, 'src', 'main.ts')],
      envFor(name, port),
      join(dataDir, 'logs', `${name}.log`),
    );
    procs.set(name, { name, child, url });
    // The portal builds its web UI on first start, which takes a while on two cores.
    await waitForReady(`${url}/ready`, child, name === 'portal' ? 240_000 : 60_000, join(dataDir, 'logs', `${name}.log`));
  };
  try {
    // Sequential: each service ensures the streams it needs; starting one at a time keeps logs readable.
    for (const [i, name] of SERVICES.entries()) await startOne(name, i);
  } catch (err) {
    for (const p of procs.values()) p.child.kill('SIGKILL');
    nats.kill('SIGTERM');
    throw err;
  }
  const services = Object.fromEntries(
    SERVICES.map((name, i) => [name, { url: `http://127.0.0.1:${basePort + i}`, pid: procs.get(name)?.child.pid ?? -1 }]),
  ) as Record<ServiceName, { url: string; pid: number }>;
  log(`NATS (JetStream)  ${natsUrl}   data ${natsDir}`);
  for (const name of SERVICES) log(`${name.padEnd(17)} ${services[name].url}`);
  // The portal writes the first start's random passwords once; show them to whoever started it.
  const passwords = join(dataDir, 'portal', 'initial-passwords.txt');
  if (existsSync(passwords) && statSync(passwords).mtimeMs >= startedAt) {
    log(`\nFirst start: users and their one-time passwords (also in ${passwords}):\n${readFileSync(passwords, 'utf8')}`);
  }
  log(`web UI            ${services.portal.url}/`);
  log(`store backend     ${backend === 'mongo' ? `mongo (${redactUrl(options.mongoUrl ?? '')})` : `sqlite (${dataDir}/<service>/)`}`);

  return {
    natsUrl,
    backend,
    services,
    async restartService(name, signal = 'SIGKILL') {
      const p = procs.get(name);
      if (p) await stopChild(p.child, signal);
      await startOne(name, SERVICES.indexOf(name));
      services[name].pid = procs.get(name)?.child.pid ?? -1;
    },
    async stop() {
      for (const name of [...SERVICES].reverse()) {
        const p = procs.get(name);
        if (p) await stopChild(p.child, 'SIGTERM');
      }
      await stopChild(nats, 'SIGTERM');
    },
  };
}

function launch(name: string, cmd: string, args: string[], env: Record<string, string>, logFile: string): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  child.on('error', (err) => out.write(`[${name}] failed to start: ${err.message}\n`));
  return child;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitForTcp(host: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, host, () => {
        s.end();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nats-server did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} process exited with code ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms; see ${logFile}`);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
