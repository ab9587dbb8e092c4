// Where tests get MongoDB (a replica set, since the store's transactions need one), in order:
// MONGO_URL; a mongo:7 container through testcontainers when a container runtime answers;
// mongodb-memory-server when it can obtain a mongod binary. Otherwise the answer is a reason to
// skip that names why each attempt failed. Each attempt fails within seconds when its way is shut.
import { defineCollection, openMongoStore } from '@tamga/store';

export interface MongoServer {
  /** A connection string that reaches a replica-set primary. */
  url: string;
  /** Which way the server was obtained (MONGO_URL, testcontainers, mongodb-memory-server). */
  via: string;
  stop(): Promise<void>;
}

export type MongoResolution = MongoServer | { skip: string };

const RUNTIME_PROBE_MS = 5_000;
const CONTAINER_START_MS = 180_000;
const MEMORY_SERVER_MS = 20_000;
const PROBE_MS = 5_000;

export async function resolveMongo(): Promise<MongoResolution> {
  const failures: string[] = [];

  const fromEnv = process.env.MONGO_URL;
  if (fromEnv !== undefined && fromEnv !== '') {
    const problem = await probeReplicaSet(fromEnv);
    if (problem === undefined) return { url: fromEnv, via: 'MONGO_URL', stop: () => Promise.resolve() };
    failures.push(`MONGO_URL: ${problem}`);
  } else {
    failures.push('MONGO_URL: not set');
  }

  try {
    return await fromContainer();
  } catch (err) {
    failures.push(`testcontainers: ${reason(err)}`);
  }

  try {
    return await fromMemoryServer();
  } catch (err) {
    failures.push(`mongodb-memory-server: ${reason(err)}`);
  }

  return { skip: `no MongoDB replica set available (${failures.join('; ')})` };
}

/** Undefined when the server takes a transaction; otherwise what went wrong. */
async function probeReplicaSet(url: string): Promise<string | undefined> {
  try {
    const store = await openMongoStore({ url, dbName: 'tamga-testkit-probe', serverSelectionTimeoutMS: PROBE_MS });
    try {
      const probe = defineCollection<{ at: number }>({ name: 'probe' });
      await store.ensure([probe]);
      await store.transaction((tx) => tx.collection(probe).count({}));
      return undefined;
    } finally {
      await store.close();
    }
  } catch (err) {
    return reason(err);
  }
}

async function fromContainer(): Promise<MongoServer> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  await withTimeout(getContainerRuntimeClient(), RUNTIME_PROBE_MS, 'no container runtime answered');
  const container = await withTimeout(
    new GenericContainer('mongo:7')
      .withCommand(['--replSet', 'rs0', '--bind_ip_all'])
      .withExposedPorts(27017)
      .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/i))
      .start(),
    CONTAINER_START_MS,
    'the mongo:7 container did not start',
  );
  try {
    const initiated = await container.exec([
      'mongosh',
      '--quiet',
      '--eval',
      'try { rs.status().ok } catch (e) { rs.initiate({ _id: "rs0", members: [{ _id: 0, host: "127.0.0.1:27017" }] }).ok }',
    ]);
    if (initiated.exitCode !== 0) throw new Error(`rs.initiate failed: ${initiated.output}`);
    const url = `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/?directConnection=true`;
    await waitForPrimary(url);
    return {
      url,
      via: 'testcontainers (mongo:7, single-node replica set)',
      stop: async () => {
        await container.stop();
      },
    };
  } catch (err) {
    await container.stop();
    throw err;
  }
}

async function waitForPrimary(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const problem = await probeReplicaSet(url);
    if (problem === undefined) return;
    if (Date.now() > deadline) throw new Error(`the replica set did not elect a primary: ${problem}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function fromMemoryServer(): Promise<MongoServer> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server');
  const starting = MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } });
  let replSet;
  try {
    replSet = await withTimeout(starting, MEMORY_SERVER_MS, 'mongod did not start in time');
  } catch (err) {
    // If it starts after all, do not leave a mongod behind.
    starting.then((late) => late.stop(), () => undefined).catch(() => undefined);
    throw err;
  }
  const started = replSet;
  await started.waitUntilRunning();
  return {
    url: started.getUri(),
    via: 'mongodb-memory-server (single-node replica set)',
    stop: async () => {
      await started.stop();
    },
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
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${message}${cause}`.replace(/\s*\n\s*/g, ' ').slice(0, 300);
}
