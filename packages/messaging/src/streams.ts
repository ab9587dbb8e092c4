// One stream per bounded context, plus the dead-letter stream. Events are kept (limits
// retention, no age limit) so the outbox is not the only copy and consumers can be rebuilt.
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, jetstreamManager } from '@nats-io/jetstream';
import type { StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { MessagingErrors } from './errors.ts';

export const DEADLETTER_STREAM = 'DEADLETTER';
export const DEADLETTER_PREFIX = 'deadletter';

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

/** Creates the streams, or brings existing ones to this configuration. Returns their names. */
export async function ensureStreams(nc: NatsConnection, options: EnsureStreamsOptions = {}): Promise<string[]> {
  const replicas = options.replicas ?? 1;
  const contexts = options.contexts ?? ['INTAKE', 'ANALYSIS', 'REPORTING'];
  const duplicateWindow = nanos(options.duplicateWindowMs ?? 120_000);
  const jsm = await jetstreamManager(nc);
  const wanted: Partial<StreamConfig>[] = [
    ...contexts.map((context) => ({ name: context.toUpperCase(), subjects: [streamSubject(context)] })),
    { name: DEADLETTER_STREAM, subjects: [`${DEADLETTER_PREFIX}.>`] },
  ].map((stream) => ({
    ...stream,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    duplicate_window: duplicateWindow,
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
  }));

  const names: string[] = [];
  for (const config of wanted) {
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
    names.push(name);
  }
  return names;
}
