// Where tests get a NATS server with JetStream, in order: NATS_URL; a nats container through
// testcontainers when a container runtime answers; the `nats-server` binary on a free loopback
// port with a temporary store folder. restart() keeps the stored streams (broker restart tests);
// wipe() throws them away (broker-loss tests: the outbox replay must repair it).
import { accessSync, constants, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TestkitErrors } from './errors.ts';
import { freePort, tempDir } from './fs.ts';
import { startProcess } from './process.ts';
import type { RunningProcess } from './process.ts';

export interface StartNatsOptions {
  /** Start JetStream (default true). */
  jetstream?: boolean;
}

export interface RestartOptions {
  /** How the running server is ended before it starts again: SIGTERM (default) or SIGKILL (a crash). */
  signal?: 'SIGTERM' | 'SIGKILL';
}

export interface NatsServer {
  /** `nats://127.0.0.1:PORT`; stays the same across restart() and wipe(). */
  readonly url: string;
  /** How the server was obtained: `NATS_URL`, `testcontainers (IMAGE)` or `nats-server binary (PATH)`. */
  readonly via: string;
  /** The JetStream store folder on this machine; undefined for NATS_URL and containers. */
  readonly dataDir: string | undefined;
  /** Ends the server and removes its store. A server from NATS_URL is left running. */
  stop(): Promise<void>;
  /** Ends the server and starts it again with the same port and the same store. */
  restart(options?: RestartOptions): Promise<void>;
  /** Ends the server, deletes its store and starts it again empty on the same port. */
  wipe(): Promise<void>;
  /** The server's output so far (empty for NATS_URL). */
  logs(): string;
}

const NATS_IMAGE = 'nats:2.10-alpine';
const RUNTIME_PROBE_MS = 5_000;
const CONTAINER_START_MS = 60_000;
const READY = /Server is ready/;
const INSTALL_HINT =
  'install nats-server (Debian/Ubuntu: `sudo apt-get install nats-server`; elsewhere https://docs.nats.io/running-a-nats-service/introduction/installation), or set NATS_URL to a server with JetStream';

export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const jetstream = options.jetstream ?? true;
  const fromEnv = process.env.NATS_URL;
  if (fromEnv !== undefined && fromEnv !== '') return external(fromEnv);

  const failures: string[] = [];
  try {
    return await fromContainer(jetstream);
  } catch (err) {
    failures.push(`testcontainers: ${reason(err)}`);
  }
  const binary = findNatsServer();
  if (binary === undefined) {
    const explicit = process.env.NATS_SERVER_BIN;
    failures.push(explicit === undefined || explicit === '' ? 'nats-server: not found on PATH' : `NATS_SERVER_BIN: ${explicit} is not an executable`);
    throw TestkitErrors.TESTKIT_ERR_NO_NATS(`no NATS server available (${failures.join('; ')}); ${INSTALL_HINT}`);
  }
  return fromBinary(binary, jetstream);
}

function external(url: string): NatsServer {
  const refuse = (what: string) => () =>
    Promise.reject(TestkitErrors.TESTKIT_ERR_UNSUPPORTED(`cannot ${what} the NATS server at NATS_URL (${url}); unset NATS_URL to let the testkit start its own`));
  return {
    url,
    via: 'NATS_URL',
    dataDir: undefined,
    stop: () => Promise.resolve(),
    restart: refuse('restart'),
    wipe: refuse('wipe'),
    logs: () => '',
  };
}

/** The nats-server binary: NATS_SERVER_BIN, else PATH, else the sbin folders Debian installs it into. */
export function findNatsServer(): string | undefined {
  const explicit = process.env.NATS_SERVER_BIN;
  if (explicit !== undefined && explicit !== '') return isExecutable(explicit) ? explicit : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];
  return dirs.filter((dir) => dir !== '').map((dir) => join(dir, 'nats-server')).find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function fromBinary(binary: string, jetstream: boolean): Promise<NatsServer> {
  const port = await freePort();
  const dataDir = jetstream ? tempDir('tamga-nats') : undefined;
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(dataDir === undefined ? [] : ['-js', '-sd', dataDir])];
  const earlier: string[] = [];
  const launch = (): Promise<RunningProcess> => startProcess({ name: 'nats-server', cmd: binary, args, readyPattern: READY, timeoutMs: 20_000 });
  let current: RunningProcess | undefined = await launch();

  const end = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const running = current;
    if (running === undefined) return;
    current = undefined;
    if (signal === 'SIGKILL') {
      running.kill('SIGKILL');
      await running.exited;
    } else {
      await running.stop(10_000);
    }
    earlier.push(running.logs());
  };

  return {
    url: `nats://127.0.0.1:${port}`,
    via: `nats-server binary (${binary})`,
    dataDir,
    async stop() {
      await end('SIGTERM');
      if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    },
    async restart(restartOptions = {}) {
      await end(restartOptions.signal ?? 'SIGTERM');
      current = await launch();
    },
    async wipe() {
      await end('SIGKILL');
      if (dataDir !== undefined) {
        rmSync(join(dataDir, 'jetstream'), { recursive: true, force: true });
      }
      current = await launch();
    },
    logs: () => [...earlier, current?.logs() ?? ''].join('\n'),
  };
}

let runtimeProbe: Promise<unknown> | undefined;

async function fromContainer(jetstream: boolean): Promise<NatsServer> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  // Probed once per test process: without a runtime this fails in milliseconds, and every later
  // call gets the same answer without asking again.
  runtimeProbe ??= withTimeout(getContainerRuntimeClient(), RUNTIME_PROBE_MS, 'no container runtime answered');
  await runtimeProbe;
  const port = await freePort();
  const launch = () =>
    withTimeout(
      new GenericContainer(NATS_IMAGE)
        .withCommand(jetstream ? ['-js', '-sd', '/data'] : [])
        .withExposedPorts({ container: 4222, host: port })
        .withWaitStrategy(Wait.forLogMessage(READY))
        .start(),
      CONTAINER_START_MS,
      `the ${NATS_IMAGE} container did not start`,
    );
  let container = await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    via: `testcontainers (${NATS_IMAGE})`,
    dataDir: undefined,
    async stop() {
      await container.stop();
    },
    async restart(restartOptions = {}) {
      // A container restart keeps its file system, so the JetStream store survives.
      await container.restart({ timeout: restartOptions.signal === 'SIGKILL' ? 0 : 10_000 });
    },
    async wipe() {
      await container.stop({ timeout: 0 });
      container = await launch();
    },
    logs: () => '',
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').slice(0, 300);
}
