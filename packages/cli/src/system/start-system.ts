// Runs the whole system locally as separate processes: nats-server with JetStream (data under
// the data folder), then each service. MongoDB from MONGO_URL, else the embedded SQLite backend
// in the same data folder, so a restart keeps everything.
//
// Two shapes: one NATS server and one instance of each service (the default), or the production
// shape (`cluster: true`): three NATS nodes on loopback with streams of three replicas, and two
// instances of intake, analysis and reporting sharing work through their durable pull consumers
// (and, on SQLite, one database file per service, which WAL and a busy timeout make safe).
// Either way every service connects as its own NATS user (see nats-auth.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectNats, ensureStreams } from '@tamga/messaging';
import { loadTokenKeys } from '@tamga/service-kit';
import { SystemErrors } from './errors.ts';
import { NATS_ADMIN_USER, NATS_CREDENTIALS_FILE, NATS_SERVICE_USERS, loadOrCreateNatsCredentials, writeNatsConfig } from './nats-auth.ts';
import type { NatsCredentials, NatsServiceUser } from './nats-auth.ts';

export const SERVICES = ['intake', 'analysis', 'reporting', 'portal'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface SystemOptions {
  dataDir: string;
  /** Client port of the (first) NATS node; cluster nodes take consecutive ports. Default 4222. */
  natsPort?: number;
  /** Route port of the first cluster node; the others take consecutive ports. Default 6222. */
  clusterPort?: number;
  /**
   * First service port; services take consecutive ports in SERVICES order, and the second
   * instances of a cluster the same ports plus 10. Default 3001.
   */
  basePort?: number;
  /** Three NATS nodes, streams with three replicas, two instances of intake, analysis and reporting. */
  cluster?: boolean;
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

export interface NatsNode {
  readonly name: string;
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  /** Where the other nodes reach it (cluster only). */
  readonly routeUrl: string | undefined;
  readonly storeDir: string;
  readonly configFile: string;
  pid: number;
}

export interface ServiceInstance {
  readonly service: ServiceName;
  /** 1-based. */
  readonly instance: number;
  readonly url: string;
  pid: number;
}

export interface RunningSystem {
  /** Every node's client URL, comma-separated (what services get as NATS_URL). */
  natsUrl: string;
  natsNodes: readonly NatsNode[];
  /** The operators' NATS user, with every right: for tools (dead-letter replay, outbox replay) and tests. */
  natsAdmin: { user: string; pass: string };
  /** Copies of each stream: 3 in the cluster shape, else 1. */
  streamReplicas: number;
  backend: 'mongo' | 'sqlite';
  /** The first instance of each service (the one the portal routes to). */
  services: Record<ServiceName, { url: string; pid: number }>;
  instances: Record<ServiceName, readonly ServiceInstance[]>;
  /** Kills one service instance with a signal and starts it again with the same settings. */
  restartService(name: ServiceName, signal?: NodeJS.Signals, instance?: number): Promise<void>;
  /** Ends one service instance (SIGKILL simulates a crash) and waits until it has exited. */
  stopInstance(name: ServiceName, instance: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped service instance again and waits for its /ready. */
  startInstance(name: ServiceName, instance: number): Promise<void>;
  /** Ends NATS node `index` (0-based); SIGKILL simulates a crash. */
  stopNatsNode(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts NATS node `index` again on its store and waits until it listens. */
  startNatsNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const CLUSTER_NAME = 'tamga';
const CLUSTER_NODES = 3;
const CLUSTER_INSTANCES = 2;
/** Port offset of a service's second instance. */
const INSTANCE_PORT_STEP = 10;

export function natsServerAvailable(): boolean {
  return spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** How many instances of a service a shape runs: the portal is always one (it holds sessions). */
export function instanceCount(service: ServiceName, cluster: boolean): number {
  return cluster && service !== 'portal' ? CLUSTER_INSTANCES : 1;
}

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir);
  const cluster = options.cluster ?? false;
  const natsPort = options.natsPort ?? 4222;
  const clusterPort = options.clusterPort ?? 6222;
  const basePort = options.basePort ?? 3001;
  const backend = options.mongoUrl ? 'mongo' : 'sqlite';
  const streamReplicas = cluster ? CLUSTER_NODES : 1;
  const logsDir = join(dataDir, 'logs');
  mkdirSync(logsDir, { recursive: true });

  if (!natsServerAvailable()) {
    throw SystemErrors.SYSTEM_ERR_NO_NATS_SERVER('nats-server is not on PATH. Install it with: sudo apt-get install nats-server (or run infra/bootstrap.sh)');
  }
  // Keys: the token-signing key (the portal signs, every other service verifies with its public
  // half) and the NATS users' passwords, both created on first start and kept in the data folder.
  const keysDir = join(dataDir, 'keys');
  const natsCredentials = loadOrCreateNatsCredentials(keysDir);
  // The current key, and keys rotated out that still verify (their public halves stay in the file).
  const tokenKey = (await loadTokenKeys(keysDir)).current;

  // ---- NATS: one server, or three nodes routed to each other
  const natsNodes = planNatsNodes({ dataDir, cluster, natsPort, clusterPort, credentials: natsCredentials });
  const natsProcs: (ChildProcess | undefined)[] = natsNodes.map(() => undefined);
  const startNats = async (index: number): Promise<void> => {
    const node = natsNodes[index];
    if (node === undefined) throw SystemErrors.SYSTEM_ERR_NO_SUCH_PROCESS(`no NATS node ${index}`);
    const child = launch(node.name, 'nats-server', ['-c', node.configFile], {}, join(logsDir, `${node.name}.log`));
    natsProcs[index] = child;
    node.pid = child.pid ?? -1;
    await waitForTcp('127.0.0.1', Number(new URL(node.url).port), child, 20_000);
  };
  const stopAllNats = async (): Promise<void> => {
    await Promise.all(natsProcs.filter((child) => child !== undefined).map((child) => stopChild(child, 'SIGTERM')));
  };
  const natsUrl = natsNodes.map((n) => n.url).join(',');
  const natsAdmin = { user: NATS_ADMIN_USER, pass: natsCredentials[NATS_ADMIN_USER] };

  const startedAt = Date.now();
  const procs = new Map<string, RunningProcess>();
  const instances = Object.fromEntries(
    SERVICES.map((service, i) => [
      service,
      Array.from({ length: instanceCount(service, cluster) }, (_, n) => ({
        service,
        instance: n + 1,
        url: `http://127.0.0.1:${basePort + i + n * INSTANCE_PORT_STEP}`,
        pid: -1,
      })),
    ]),
  ) as Record<ServiceName, ServiceInstance[]>;
  const instanceOf = (name: ServiceName, n: number): ServiceInstance => {
    const found = instances[name][n - 1];
    if (found === undefined) throw SystemErrors.SYSTEM_ERR_NO_SUCH_PROCESS(`${name} has no instance ${n}`);
    return found;
  };
  const firstUrl = (name: ServiceName): string => instanceOf(name, 1).url;

  const envFor = (name: ServiceName, port: number): Record<string, string> => ({
    PORT: String(port),
    HOST: '127.0.0.1',
    NATS_URL: natsUrl,
    NATS_STREAM_REPLICAS: String(streamReplicas),
    ...(isNatsUser(name) ? { NATS_USER: name, NATS_PASSWORD: natsCredentials[name] } : {}),
    STORE_BACKEND: backend,
    ...(options.mongoUrl ? { MONGO_URL: options.mongoUrl, MONGO_DB: `tamga-${name}` } : {}),
    // Instances of one service share its data folder: the same SQLite file, blobs and keys.
    DATA_DIR: join(dataDir, name),
    KEYS_DIR: keysDir,
    AUTH_PUBLIC_KEY_FILE: tokenKey.publicKeyFile,
    LAB_CODE: options.labCode ?? 'LAB',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    // The QR code on every report page opens the report's public status at reporting.
    ...(name === 'reporting' ? { PUBLIC_VERIFY_URL: `http://127.0.0.1:${basePort + SERVICES.indexOf('reporting')}/v1/verifications` } : {}),
    // The portal reaches the other services for the browser (one origin); they still check tokens.
    ...(name === 'portal' ? Object.fromEntries(SERVICES.filter((s) => s !== 'portal').map((s) => [`${s.toUpperCase()}_URL`, firstUrl(s)])) : {}),
    ...options.env,
  });
  const processKey = (name: ServiceName, n: number): string => `${name}#${n}`;
  const startOne = async (name: ServiceName, n: number): Promise<void> => {
    const target = instanceOf(name, n);
    const port = Number(new URL(target.url).port);
    const logFile = join(logsDir, n === 1 ? `${name}.log` : `${name}-${n}.log`);
    const child = launch(`${name}#${n}`, process.execPath, ['--import', 'tsx', join(repoRoot, 'services', name, 'src', 'main.ts')], envFor(name, port), logFile);
    procs.set(processKey(name, n), { name, child, url: target.url });
    target.pid = child.pid ?? -1;
    // The portal builds its web UI on first start, which takes a while on two cores.
    await waitForReady(`${target.url}/ready`, child, name === 'portal' ? 240_000 : 60_000, logFile);
  };
  const stopOne = async (name: ServiceName, n: number, signal: NodeJS.Signals): Promise<void> => {
    instanceOf(name, n);
    const p = procs.get(processKey(name, n));
    if (p) await stopChild(p.child, signal);
  };

  try {
    await Promise.all(natsNodes.map((_, i) => startNats(i)));
    // The streams are set up once by the operator's user, with the shape's replicas, as soon as
    // JetStream answers (a cluster needs a moment to elect its meta leader).
    await prepareStreams({ servers: natsUrl, admin: natsAdmin, replicas: streamReplicas, timeoutMs: 60_000 });
    // One at a time: the first instance of each creates the keys and files the second shares;
    // and starting one by one keeps the logs readable.
    for (const name of SERVICES) await startOne(name, 1);
    for (const name of SERVICES) for (let n = 2; n <= instances[name].length; n += 1) await startOne(name, n);
  } catch (err) {
    for (const p of procs.values()) p.child.kill('SIGKILL');
    await stopAllNats();
    throw err;
  }

  const services: Record<ServiceName, ServiceInstance> = {
    intake: instanceOf('intake', 1),
    analysis: instanceOf('analysis', 1),
    reporting: instanceOf('reporting', 1),
    portal: instanceOf('portal', 1),
  };
  for (const line of describeShape({ natsNodes, cluster, streamReplicas, instances, keysDir, logsDir })) log(line);
  // The portal writes the first start's random passwords once; show them to whoever started it.
  const passwords = join(dataDir, 'portal', 'initial-passwords.txt');
  if (existsSync(passwords) && statSync(passwords).mtimeMs >= startedAt) {
    log(`\nFirst start: users and their one-time passwords (also in ${passwords}):\n${readFileSync(passwords, 'utf8')}`);
  }
  log(`web UI            ${services.portal.url}/`);
  log(`store backend     ${backend === 'mongo' ? `mongo (${redactUrl(options.mongoUrl ?? '')})` : `sqlite (${dataDir}/<service>/)`}`);

  return {
    natsUrl,
    natsNodes,
    natsAdmin,
    streamReplicas,
    backend,
    services,
    instances,
    async restartService(name, signal = 'SIGKILL', instance = 1) {
      await stopOne(name, instance, signal);
      await startOne(name, instance);
    },
    stopInstance: (name, instance, signal = 'SIGTERM') => stopOne(name, instance, signal),
    startInstance: (name, instance) => startOne(name, instance),
    async stopNatsNode(index, signal = 'SIGTERM') {
      const child = natsProcs[index];
      if (child === undefined) throw SystemErrors.SYSTEM_ERR_NO_SUCH_PROCESS(`no NATS node ${index}`);
      await stopChild(child, signal);
    },
    startNatsNode: (index) => startNats(index),
    async stop() {
      for (const name of [...SERVICES].reverse()) {
        await Promise.all(instances[name].map((i) => stopOne(name, i.instance, 'SIGTERM')));
      }
      await stopAllNats();
    },
  };
}

function isNatsUser(name: ServiceName): name is NatsServiceUser {
  return (NATS_SERVICE_USERS as readonly string[]).includes(name);
}

interface NatsPlan {
  dataDir: string;
  cluster: boolean;
  natsPort: number;
  clusterPort: number;
  credentials: NatsCredentials;
}

/** Names, ports, store folders and configuration files of the NATS nodes; writes the files (0600). */
function planNatsNodes(plan: NatsPlan): NatsNode[] {
  if (!plan.cluster) {
    // The single server keeps the store folder `tamga start` has always used.
    const storeDir = join(plan.dataDir, 'nats');
    mkdirSync(storeDir, { recursive: true });
    const configFile = writeNatsConfig(join(storeDir, 'nats-server.conf'), {
      serverName: 'tamga-nats-1',
      host: '127.0.0.1',
      port: plan.natsPort,
      storeDir,
      credentials: plan.credentials,
    });
    return [{ name: 'nats', url: `nats://127.0.0.1:${plan.natsPort}`, routeUrl: undefined, storeDir, configFile, pid: -1 }];
  }
  const root = join(plan.dataDir, 'nats-cluster');
  const routeUrls = Array.from({ length: CLUSTER_NODES }, (_, i) => `nats-route://127.0.0.1:${plan.clusterPort + i}`);
  return routeUrls.map((routeUrl, i) => {
    const name = `nats-${i + 1}`;
    const storeDir = join(root, name);
    mkdirSync(storeDir, { recursive: true });
    const configFile = writeNatsConfig(join(root, `${name}.conf`), {
      serverName: `tamga-${name}`,
      host: '127.0.0.1',
      port: plan.natsPort + i,
      storeDir,
      credentials: plan.credentials,
      cluster: { name: CLUSTER_NAME, port: plan.clusterPort + i, routes: routeUrls.filter((_, j) => j !== i) },
    });
    return { name, url: `nats://127.0.0.1:${plan.natsPort + i}`, routeUrl, storeDir, configFile, pid: -1 };
  });
}

async function prepareStreams(options: { servers: string; admin: { user: string; pass: string }; replicas: number; timeoutMs: number }): Promise<void> {
  const nc = await connectNats({ servers: options.servers, name: 'tamga-start', user: options.admin.user, pass: options.admin.pass, timeoutMs: 10_000 });
  const deadline = Date.now() + options.timeoutMs;
  try {
    for (;;) {
      try {
        await ensureStreams(nc, { replicas: options.replicas });
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw SystemErrors.SYSTEM_ERR_JETSTREAM_UNAVAILABLE(`JetStream did not take the streams within ${options.timeoutMs} ms: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        await sleep(500);
      }
    }
  } finally {
    await nc.close();
  }
}

function describeShape(shape: {
  natsNodes: readonly NatsNode[];
  cluster: boolean;
  streamReplicas: number;
  instances: Record<ServiceName, readonly ServiceInstance[]>;
  keysDir: string;
  logsDir: string;
}): string[] {
  const lines = [
    shape.cluster
      ? `NATS cluster "${CLUSTER_NAME}" (JetStream, ${shape.natsNodes.length} nodes, streams with ${shape.streamReplicas} replicas)`
      : `NATS (JetStream, streams with ${shape.streamReplicas} replica)`,
  ];
  for (const node of shape.natsNodes) {
    lines.push(`  ${node.name.padEnd(15)} ${node.url}${node.routeUrl === undefined ? '' : `   routes ${node.routeUrl}`}   data ${node.storeDir}`);
  }
  lines.push(`NATS users        ${[...NATS_SERVICE_USERS, NATS_ADMIN_USER].join(', ')} (passwords in ${join(shape.keysDir, NATS_CREDENTIALS_FILE)})`);
  for (const name of SERVICES) {
    const list = shape.instances[name];
    lines.push(`${name.padEnd(17)} ${list.map((i) => (list.length > 1 ? `#${i.instance} ${i.url}` : i.url)).join('   ')}`);
  }
  lines.push(`logs              ${shape.logsDir}`);
  return lines;
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
    if (child.exitCode !== null) throw SystemErrors.SYSTEM_ERR_NOT_READY(`nats-server on port ${port} exited with code ${child.exitCode}`);
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
  throw SystemErrors.SYSTEM_ERR_NOT_READY(`nats-server did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw SystemErrors.SYSTEM_ERR_NOT_READY(`${url} process exited with code ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw SystemErrors.SYSTEM_ERR_NOT_READY(`${url} was not ready within ${timeoutMs} ms; see ${logFile}`);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
