// The lab-wide custody log: every custody event hash, in the order the store numbered them
// (logIndex), in a Merkle tree; signed checkpoints over it; proof bundles per item.
import { BUNDLE_FORMAT, MerkleLog, encodePublicKey, signCheckpoint, verifyBundle, type BundleReport, type CustodyBundle } from '@tamga/custody';
import type { KeyObject } from 'node:crypto';
import type { DocumentStore } from '@tamga/store';
import { IntakeErrors } from '../domain/errors.ts';
import { checkpoints, custodyEvents, type CheckpointDoc } from './collections.ts';

export interface CustodyKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface Ledger {
  /** Appends to the in-memory log every stored event it has not seen yet, in logIndex order. */
  sync(): Promise<void>;
  /** Signs and stores a checkpoint of the log as it is now, unless the latest one already covers it. */
  checkpoint(now: Date): Promise<CheckpointDoc>;
  bundle(labNo: string, now: Date): Promise<CustodyBundle>;
  verify(labNo: string, now: Date): Promise<{ bundle: CustodyBundle; report: BundleReport }>;
  /** A fresh checkpoint with the RFC 9162 proof that the log at `fromSize` is a prefix of it. */
  consistency(fromSize: number, now: Date): Promise<{ checkpoint: CheckpointDoc; fromSize: number; proof: string[] }>;
  /**
   * Recomputes the root at every stored checkpoint's size from the stored events: an event
   * rewritten in the store together with its hash still breaks the root signed back then.
   */
  auditCheckpoints(): Promise<{ ok: true; checked: number } | { ok: false; size: number; detail: string }>;
  readonly publicKey: KeyObject;
  readonly size: number;
}

export function createLedger(store: DocumentStore, key: CustodyKey, origin: string): Ledger {
  const log = new MerkleLog();
  let syncing: Promise<void> = Promise.resolve();

  async function syncOnce(): Promise<void> {
    const fresh = await store.collection(custodyEvents).find({ logIndex: { $gte: log.size } }, { sort: { logIndex: 1 } });
    for (const doc of fresh) {
      // Stop at a hole: an index taken by a transaction still in flight elsewhere; the next sync fills it.
      if (doc.logIndex !== log.size) break;
      log.append(doc.event.hash);
    }
  }

  function sync(): Promise<void> {
    syncing = syncing.then(syncOnce, syncOnce);
    return syncing;
  }

  async function checkpoint(now: Date): Promise<CheckpointDoc> {
    await sync();
    const [latest] = await store.collection(checkpoints).find({}, { sort: { size: -1 }, limit: 1 });
    if (latest && latest.size === log.size) return latest;
    const head = log.head();
    const signed = signCheckpoint({ origin, size: head.size, rootHash: head.rootHash, time: now.toISOString() }, key.privateKey);
    const doc = { size: signed.size, rootHash: signed.rootHash, time: signed.time, note: signed.note };
    try {
      await store.collection(checkpoints).insert({ _id: String(signed.size).padStart(12, '0'), ...doc });
    } catch (err) {
      // Another request signed this size first; theirs is as good as ours.
      const existing = await store.collection(checkpoints).get(String(signed.size).padStart(12, '0'));
      if (!existing) throw err;
      return existing;
    }
    return doc;
  }

  async function bundle(labNo: string, now: Date): Promise<CustodyBundle> {
    const cp = await checkpoint(now);
    const docs = await store.collection(custodyEvents).find({ item: labNo }, { sort: { seq: 1 } });
    const covered = docs.filter((d) => d.logIndex < cp.size);
    // Proofs come from the log at each event's recorded index, not from looking its hash up: an
    // event altered in the store then fails verification by name instead of going missing.
    return {
      format: BUNDLE_FORMAT,
      item: labNo,
      events: covered.map((d) => d.event),
      checkpoint: cp.note,
      inclusionProofs: covered.map((d) => ({
        eventId: d.event.eventId,
        leafIndex: d.logIndex,
        hashes: log.proveInclusion(d.logIndex, cp.size).map((h) => h.toString('hex')),
      })),
      publicKey: encodePublicKey(key.publicKey),
    };
  }

  return {
    sync,
    checkpoint,
    bundle,
    async verify(labNo, now) {
      const b = await bundle(labNo, now);
      return { bundle: b, report: verifyBundle(b, key.publicKey) };
    },
    async consistency(fromSize, now) {
      const cp = await checkpoint(now);
      if (fromSize > cp.size) throw IntakeErrors.INTAKE_ERR_LOG_SIZE(`The log holds ${cp.size} entries, fewer than ${fromSize}`, { errors: [{ field: 'query.from', message: `at most ${cp.size}` }] });
      return { checkpoint: cp, fromSize, proof: log.proveConsistency(fromSize, cp.size).map((h) => h.toString('hex')) };
    },
    async auditCheckpoints() {
      const fresh = new MerkleLog();
      const docs = await store.collection(custodyEvents).find({}, { sort: { logIndex: 1 } });
      for (const doc of docs) fresh.append(doc.event.hash);
      const signed = await store.collection(checkpoints).find({}, { sort: { size: 1 } });
      for (const cp of signed) {
        if (cp.size > fresh.size) return { ok: false, size: cp.size, detail: `checkpoint of size ${cp.size} but only ${fresh.size} events are stored: events were deleted` };
        if (fresh.head(cp.size).rootHash !== cp.rootHash) return { ok: false, size: cp.size, detail: `the stored events no longer produce the root signed at size ${cp.size}` };
      }
      return { ok: true, checked: signed.length };
    },
    publicKey: key.publicKey,
    get size() {
      return log.size;
    },
  };
}
