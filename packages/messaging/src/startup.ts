// A service's JetStream set-up at start: connect, create the streams, start the consumers, each
// retried with a capped backoff while NATS is down or JetStream has no leaders yet (a broker
// started after the service, a cluster re-electing after a node loss). The HTTP server can run
// meanwhile: `check` is its readiness check and names what is still missing. Only a refused
// authorization stops the retrying (MESSAGING_ERR_NATS_AUTH): it is configuration, not weather.
import { AuthorizationError, UserAuthenticationExpiredError } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { connectNats, pingNats } from './connection.ts';
import type { ConnectNatsOptions } from './connection.ts';
import { createDeadLetterDesk } from './dead-letter-desk.ts';
import type { DeadLetterDesk } from './dead-letter-desk.ts';
import type { RunningConsumer } from './consumer.ts';
import { MessagingErrors } from './errors.ts';
import type { MessagingLogger } from './logger.ts';
import { ensureStreams } from './streams.ts';
import type { DocumentStore } from '@tamga/store';

export interface JetStreamStartupOptions {
  connect: ConnectNatsOptions;
  /** Stream replicas (see ensureStreams). Default 1. */
  replicas?: number | undefined;
  logger: MessagingLogger;
  /** First delay after a failed attempt; it doubles up to `maxDelayMs`. Default 250 ms. */
  initialDelayMs?: number | undefined;
  /** Longest delay between attempts. Default 5 s. */
  maxDelayMs?: number | undefined;
}

export interface JetStreamStartup {
  /** Connects and creates the streams, retrying until it works; resolves with the connection. */
  connect(): Promise<NatsConnection>;
  /** Runs one idempotent set-up step (a consumer) the same way, retrying until it works. */
  retry<T>(what: string, step: () => Promise<T>): Promise<T>;
  /** Marks the set-up complete: from now on readiness follows the connection. */
  ready(): void;
  /** A readiness check: throws naming the pending step and its last failure until `ready()`. */
  check(): Promise<void>;
  /** The connection, once `connect()` resolved. */
  readonly connection: NatsConnection | undefined;
  /** Stops retrying (shutdown during start-up): pending steps reject with MESSAGING_ERR_STOPPED. */
  stop(): void;
  readonly stopped: boolean;
  /**
   * The service's messaging shutdown, in order: stop the set-up's retries, stop the consumers
   * (they finish what they handle), stop the outbox relay, drain the connection. Read through
   * getters, as the consumers and the relay only exist once the set-up got that far.
   */
  closers(parts: { consumers?: () => readonly RunningConsumer[]; relay: () => { stop(): Promise<void> } | undefined }): (() => Promise<void>)[];
}

/** Authorization refusals do not heal by waiting: a wrong NATS_USER/NATS_PASSWORD. */
function isPermanent(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof AuthorizationError || e instanceof UserAuthenticationExpiredError) return true;
  }
  return false;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function jetStreamStartup(options: JetStreamStartupOptions): JetStreamStartup {
  const { logger } = options;
  const initialDelayMs = options.initialDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const servers = typeof options.connect.servers === 'string' ? options.connect.servers : options.connect.servers.join(',');
  let pending = 'connecting to NATS';
  let lastFailure: string | undefined;
  let done = false;
  let stopped = false;
  let nc: NatsConnection | undefined;
  const aborts = new Set<() => void>();

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const abort = (): void => {
        clearTimeout(timer);
        reject(MessagingErrors.MESSAGING_ERR_STOPPED('start-up stopped while waiting for NATS'));
      };
      const timer = setTimeout(() => {
        aborts.delete(abort);
        resolve();
      }, ms);
      aborts.add(abort);
    });

  async function retry<T>(what: string, step: () => Promise<T>): Promise<T> {
    pending = what;
    lastFailure = undefined;
    for (let attempt = 1; ; attempt += 1) {
      if (stopped) throw MessagingErrors.MESSAGING_ERR_STOPPED(`start-up stopped before ${what}`);
      try {
        const value = await step();
        if (attempt > 1) logger.info({ step: what, attempts: attempt }, 'JetStream set-up step succeeded after retrying');
        return value;
      } catch (err) {
        if (isPermanent(err)) {
          const message = `NATS at ${servers} refused this service's credentials: ${describe(err)}`;
          throw MessagingErrors.MESSAGING_ERR_NATS_AUTH(message, {
            cause: err,
            errors: [
              { field: 'NATS_USER', message },
              { field: 'NATS_PASSWORD', message },
            ],
          });
        }
        lastFailure = describe(err);
        const delayMs = Math.min(initialDelayMs * 2 ** (attempt - 1), maxDelayMs);
        logger.warn({ step: what, attempt, delayMs, reason: lastFailure }, 'JetStream is not available yet; retrying');
        await sleep(delayMs);
      }
    }
  }

  function stop(): void {
    stopped = true;
    for (const abort of aborts) abort();
    aborts.clear();
  }

  return {
    async connect() {
      nc ??= await retry(`connecting to NATS at ${servers}`, () => connectNats(options.connect));
      const connected = nc;
      await retry('creating the JetStream streams', () => ensureStreams(connected, { replicas: options.replicas ?? 1 }));
      return connected;
    },
    retry,
    ready() {
      done = true;
    },
    async check() {
      if (!done) {
        throw MessagingErrors.MESSAGING_ERR_UNAVAILABLE(`JetStream set-up pending: ${pending}${lastFailure === undefined ? '' : ` (last failure: ${lastFailure})`}`);
      }
      if (nc !== undefined) await pingNats(nc);
    },
    get connection() {
      return nc;
    },
    stop,
    get stopped() {
      return stopped;
    },
    closers(parts) {
      return [
        () => {
          stop();
          return Promise.resolve();
        },
        async () => {
          await Promise.all((parts.consumers?.() ?? []).map((c) => c.stop()));
        },
        () => parts.relay()?.stop() ?? Promise.resolve(),
        () => nc?.drain() ?? Promise.resolve(),
      ];
    },
  };
}

/**
 * A dead-letter desk the HTTP app can hold before NATS is there: it answers
 * MESSAGING_ERR_UNAVAILABLE until `open(js)` built the real one, and remembers consumers attached
 * before that.
 */
export interface PendingDeadLetterDesk extends DeadLetterDesk {
  open(nc: NatsConnection): Promise<void>;
}

export function pendingDeadLetterDesk(store: DocumentStore): PendingDeadLetterDesk {
  let desk: DeadLetterDesk | undefined;
  const early: RunningConsumer[] = [];
  const open = (): DeadLetterDesk => {
    if (desk === undefined) throw MessagingErrors.MESSAGING_ERR_UNAVAILABLE('dead letters are readable once the service is connected to JetStream');
    return desk;
  };
  return {
    async open(nc) {
      desk = await createDeadLetterDesk({ js: jetstream(nc), store, consumers: early });
    },
    get durables() {
      return desk === undefined ? early.map((c) => c.durable) : desk.durables;
    },
    attach(...consumers) {
      if (desk === undefined) early.push(...consumers);
      else desk.attach(...consumers);
    },
    list(page) {
      return Promise.resolve().then(() => open().list(page));
    },
    get(seq) {
      return Promise.resolve().then(() => open().get(seq));
    },
    replay(seq, by) {
      return Promise.resolve().then(() => open().replay(seq, by));
    },
  };
}
