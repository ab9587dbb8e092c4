// The relay's guard against a broker that lost what it had acknowledged (a wiped or replaced
// JetStream store). The store, not the broker, is the system of record: when a stream the relay
// publishes to comes back empty, recreated or shorter than the sequences the outbox recorded,
// the relay puts the stream back (with the configuration it last saw) and publishes every sent
// outbox entry of that stream again, oldest first, with its original `Nats-Msg-Id`. Copies the
// broker still has inside its duplicate window are dropped by JetStream; older ones reach the
// consumers again, whose inboxes skip them.
//
// How a loss is seen, without stream metadata (nats-server 2.9):
// - the stream is missing;
// - its `created` time differs from the one recorded in the store (it was recreated);
// - its last sequence is below the highest sequence an acknowledgement gave this relay;
// - a new (non-duplicate) acknowledgement carries a sequence at or below that highest one.
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager, PubAck, StreamConfig } from '@nats-io/jetstream';
import { isDomainError } from '@tamga/contracts';
import { defineCollection } from '@tamga/store';
import type { CollectionSpec, DocumentStore, Stored } from '@tamga/store';
import type { MessagingLogger } from './logger.ts';
import type { OutboxEntry } from './outbox.ts';

/** What the relays of one store last saw of a stream they publish to. `_id` is the stream name. */
export interface StreamMark {
  /** The stream's creation time as the server reported it. */
  created: string;
  /** Its configuration, to put a missing stream back as it was. */
  config: Partial<StreamConfig>;
  checkedAt: string;
}

export const streamMarksCollection = defineCollection<StreamMark>({ name: 'outbox_streams', keepVersions: false });

/** Why a stream is to be replayed. */
export type StreamLoss = 'missing' | 'recreated' | 'truncated';

export interface StreamRepairReport {
  stream: string;
  loss: StreamLoss;
  /** Sent outbox entries published again. */
  republished: number;
  /** Of those, how many JetStream still had (dropped as duplicates). */
  duplicates: number;
}

export interface StreamGuardOptions {
  store: DocumentStore;
  js: JetStreamClient;
  logger: MessagingLogger;
  now: () => Date;
  /** The outbox collection (passed in so this module and the relay do not import each other). */
  outbox: CollectionSpec<OutboxEntry>;
  publish: (entry: OutboxEntry) => Promise<PubAck>;
}

export interface StreamGuard {
  /**
   * Notes an acknowledgement; true when the relay should check at once: its sequence went
   * backwards, or the stream is new to this store (its configuration is not recorded yet).
   */
  observe(ack: PubAck): boolean;
  /** Checks every stream this store's relays published to, repairs the ones that lost messages. */
  checkAndRepair(): Promise<StreamRepairReport[]>;
}

const REPLAY_PAGE = 200;

export function createStreamGuard(options: StreamGuardOptions): StreamGuard {
  const { store, js, logger, now } = options;
  const marks = store.collection(streamMarksCollection);
  const outbox = store.collection(options.outbox);
  /** The highest sequence acknowledged to this relay per stream (seeded from the outbox). */
  const highest = new Map<string, number>();
  /** Streams whose mark is in the store (a new one is checked at once, to record its config). */
  const marked = new Set<string>();
  let jsm: JetStreamManager | undefined;
  let ready = false;

  const manager = async (): Promise<JetStreamManager> => {
    jsm ??= await js.jetstreamManager(false);
    return jsm;
  };

  /** Streams to watch: those with a mark, and the one the newest sent entry went to. */
  const prepare = async (): Promise<void> => {
    if (ready) return;
    await store.ensure([streamMarksCollection]);
    const names = new Set((await marks.find({})).map((m) => m._id));
    for (const name of names) marked.add(name);
    const newest = await outbox.find({ sentAt: { $ne: null } }, { sort: { _id: -1 }, limit: 1 });
    for (const entry of newest) if (entry.stream !== null) names.add(entry.stream);
    for (const name of names) {
      const top = await outbox.find({ stream: name }, { sort: { streamSeq: -1 }, limit: 1 });
      highest.set(name, Math.max(highest.get(name) ?? 0, top[0]?.streamSeq ?? 0));
    }
    ready = true;
  };

  const saveMark = async (stream: string, created: string, config: Partial<StreamConfig>): Promise<void> => {
    const at = now().toISOString();
    const existing = await marks.get(stream);
    if (existing === undefined) {
      await marks.insert({ _id: stream, created, config, checkedAt: at }).catch((err: unknown) => {
        // Another relay on the same store recorded it first; its mark is as good.
        if (!isDomainError(err, 'STORE_ERR_DUPLICATE')) throw err;
      });
    } else if (existing.created !== created || JSON.stringify(existing.config) !== JSON.stringify(config)) {
      await marks.update(stream, existing._v, { created, config, checkedAt: at }).catch((err: unknown) => {
        if (!isDomainError(err, 'STORE_ERR_VERSION_CONFLICT')) throw err;
      });
    }
  };

  /** Publishes every sent entry of `stream` again, oldest first, and records the new sequences. */
  const replay = async (stream: string, loss: StreamLoss): Promise<StreamRepairReport> => {
    const report: StreamRepairReport = { stream, loss, republished: 0, duplicates: 0 };
    let after = '';
    let top = 0;
    for (;;) {
      const page = await outbox.find({ stream, _id: { $gt: after } }, { sort: { _id: 1 }, limit: REPLAY_PAGE });
      const acks: { entry: Stored<OutboxEntry>; ack: PubAck }[] = [];
      for (const entry of page) {
        const ack = await options.publish(entry);
        acks.push({ entry, ack });
        report.republished += 1;
        if (ack.duplicate) report.duplicates += 1;
        top = Math.max(top, ack.seq);
      }
      await store.transaction(async (tx) => {
        const entries = tx.collection(options.outbox);
        for (const { entry, ack } of acks) {
          const current = await entries.get(entry._id);
          if (current === undefined || current.streamSeq === ack.seq) continue;
          const { _id, _v, ...doc } = current;
          await entries.update(_id, _v, { ...doc, stream: ack.stream, streamSeq: ack.seq });
        }
      });
      const last = page.at(-1);
      if (last === undefined || page.length < REPLAY_PAGE) break;
      after = last._id;
    }
    highest.set(stream, top);
    return report;
  };

  const checkOne = async (stream: string): Promise<StreamRepairReport | undefined> => {
    const m = await manager();
    const mark = await marks.get(stream);
    let info = await m.streams.info(stream).catch((err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return undefined;
      throw err;
    });
    let loss: StreamLoss | undefined;
    if (info === undefined) {
      if (mark === undefined) {
        logger.warn({ stream }, 'stream is missing and its configuration was never recorded; cannot put it back');
        return undefined;
      }
      loss = 'missing';
      // Another relay may put it back at the same moment: then the add fails and info finds it.
      await m.streams.add({ ...mark.config, name: stream }).catch((err: unknown) => {
        logger.warn({ err, stream }, 'could not recreate the stream (another relay may have)');
      });
      info = await m.streams.info(stream);
    } else if (mark !== undefined && mark.created !== info.created) {
      loss = 'recreated';
    } else if (info.state.last_seq < (highest.get(stream) ?? 0)) {
      loss = 'truncated';
    }
    let report: StreamRepairReport | undefined;
    if (loss !== undefined) {
      logger.warn({ stream, loss, lastSeq: info.state.last_seq, acknowledgedUpTo: highest.get(stream) ?? 0 }, 'the broker lost acknowledged events; replaying the outbox');
      report = await replay(stream, loss);
      logger.warn({ ...report }, 'outbox replayed to the stream');
    }
    // Recorded after a replay, so a crash during one makes the next relay replay again.
    await saveMark(stream, info.created, info.config);
    marked.add(stream);
    return report;
  };

  return {
    observe(ack) {
      const top = highest.get(ack.stream);
      if (top === undefined) highest.set(ack.stream, ack.seq);
      if (!marked.has(ack.stream)) return true;
      if (top === undefined) return false;
      if (ack.duplicate) return false;
      if (ack.seq <= top) return true;
      highest.set(ack.stream, ack.seq);
      return false;
    },
    async checkAndRepair() {
      await prepare();
      const reports: StreamRepairReport[] = [];
      for (const stream of [...highest.keys()]) {
        const report = await checkOne(stream);
        if (report !== undefined) reports.push(report);
      }
      return reports;
    },
  };
}
