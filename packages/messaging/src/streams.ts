// One stream per bounded context, plus the dead-letter stream. Events are kept (limits
// retention, no age limit) so the outbox is not the only copy and consumers can be rebuilt.
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { MessagingErrors } from './errors.ts';

export const DEADLETTER_STREAM = 'DEADLETTER';
export const DEADLETTER_PREFIX = 'deadletter';

const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

export interface EnsureStreamsOptions {
  /** Copies of each stream in a cluster (3 in production). Default 1. */
  replicas?: number;
  /** The contexts that get a stream; the subjects are `<context in lower case>.>`. */
  contexts?: readonly string[];
  /** How long JetStream remembers a `Nats-Msg-Id` to drop a re-published event. Default 2 minutes. */
  duplicateWindowMs?: number;
}

/** The subject filter of a context's stream: `INTAKE` -> `intake.>`. */
export function streamSubject(context: string): string {
  return `${context.toLowerCase()}.>`;
}

/** The configuration of one stream of ours: file-backed, kept without limits. */
function streamConfig(name: string, subjects: string[], replicas: number, duplicateWindowMs: number): Partial<StreamConfig> {
  return {
    name,
    subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    duplicate_window: nanos(duplicateWindowMs),
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
  };
}

/** Creates the stream, or brings an existing one to this configuration. */
async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig>): Promise<void> {
  const name = config.name ?? '';
  try {
    const existing = await jsm.streams.info(name).catch((err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return undefined;
      throw err;
    });
    if (existing === undefined) {
      await jsm.streams.add({ ...config, name });
    } else {
      await jsm.streams.update(name, { ...existing.config, ...config });
    }
  } catch (err) {
    throw MessagingErrors.MESSAGING_ERR_STREAM_SETUP(`stream ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Creates the streams, or brings existing ones to this configuration. Returns their names. */
export async function ensureStreams(nc: NatsConnection, options: EnsureStreamsOptions = {}): Promise<string[]> {
  const replicas = options.replicas ?? 1;
  const contexts = options.contexts ?? ['INTAKE', 'ANALYSIS', 'REPORTING'];
  const window = options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  const jsm = await jetstreamManager(nc);
  const wanted = [
    ...contexts.map((context) => streamConfig(context.toUpperCase(), [streamSubject(context)], replicas, window)),
    streamConfig(DEADLETTER_STREAM, [`${DEADLETTER_PREFIX}.>`], replicas, window),
  ];
  const names: string[] = [];
  for (const config of wanted) {
    await ensureStream(jsm, config);
    names.push(config.name ?? '');
  }
  return names;
}

/**
 * Puts the dead-letter stream back when the broker has lost it (its state wiped, a stream
 * deleted by hand): a consumer giving up on a message then has somewhere to leave it.
 * Returns false when the stream was there.
 */
export async function restoreDeadLetterStream(jsm: JetStreamManager, replicas: number): Promise<boolean> {
  const there = await jsm.streams.info(DEADLETTER_STREAM).then(
    () => true,
    (err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return false;
      throw err;
    },
  );
  if (there) return false;
  await ensureStream(jsm, streamConfig(DEADLETTER_STREAM, [`${DEADLETTER_PREFIX}.>`], replicas, DEFAULT_DUPLICATE_WINDOW_MS));
  return true;
}
