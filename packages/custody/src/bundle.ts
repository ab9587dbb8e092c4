// An item's custody with everything needed to check it offline: its events, a signed checkpoint
// of the lab-wide log, one inclusion proof per event against that checkpoint, and the lab's
// public key. verifyBundle trusts only the key it is given.
import { z } from 'zod';
import { CustodyErrors, type CustodyFailure } from './errors.ts';
import { HEX64, fromHex, toHex } from './digest.ts';
import { ChainWalk, checkExtends, type ChainedEvent, type ChainHead } from './chain.ts';
import { verifyCheckpoint, type CheckpointBody, type SignedCheckpoint } from './checkpoint.ts';
import { encodePublicKey, rawPublicKey, toPublicKey, type PublicKeyInput } from './keys.ts';
import { leafHash } from './log/tree-hash.ts';
import { verifyInclusion } from './log/verify-proofs.ts';
import type { MerkleLog } from './log/merkle-log.ts';

export const BUNDLE_FORMAT = 'tamga.custody-bundle/v1';

export const InclusionProof = z.object({
  eventId: z.string().min(1),
  /** Index of the event's leaf in the lab-wide log. */
  leafIndex: z.number().int().nonnegative(),
  /** RFC 9162 inclusion path (hex), from the leaf's sibling up. */
  hashes: z.array(z.string().regex(HEX64)),
});
export type InclusionProof = z.infer<typeof InclusionProof>;

export const CustodyBundle = z.object({
  format: z.literal(BUNDLE_FORMAT),
  item: z.string().min(1),
  /** The item's chained events in order; each is checked (and named when bad) by verifyBundle. */
  events: z.array(z.unknown()),
  /** Signed checkpoint note (C2SP tlog-checkpoint text). */
  checkpoint: z.string(),
  /** One per event, in the same order. */
  inclusionProofs: z.array(InclusionProof),
  /** The lab's Ed25519 public key as base64 of its 32 raw bytes, or PEM. Informative: verifyBundle uses the key it is given. */
  publicKey: z.string(),
});
export type CustodyBundle = z.infer<typeof CustodyBundle>;

export type BundleReport =
  | { ok: true; item: string; head: ChainHead; checkpoint: CheckpointBody; keyId: string }
  | CustodyFailure;

export interface BuildBundleOptions {
  item: string;
  events: readonly ChainedEvent[];
  log: MerkleLog;
  checkpoint: SignedCheckpoint;
  publicKey: PublicKeyInput;
}

/** Assembles an item's bundle: proves every event against the checkpoint's size of the log. */
export function buildBundle({ item, events, log, checkpoint, publicKey }: BuildBundleOptions): CustodyBundle {
  if (log.head(checkpoint.size).rootHash !== checkpoint.rootHash) {
    throw CustodyErrors.CUSTODY_ERR_INCLUSION(`the checkpoint (size ${checkpoint.size}) is not a checkpoint of this log`);
  }
  const inclusionProofs = events.map((event) => {
    const leafIndex = log.indexOf(event.hash);
    if (leafIndex >= checkpoint.size) {
      throw CustodyErrors.CUSTODY_ERR_NOT_IN_LOG(`event ${event.eventId} entered the log after the checkpoint (size ${checkpoint.size}); sign a newer one`);
    }
    return { eventId: event.eventId, leafIndex, hashes: log.proveInclusion(leafIndex, checkpoint.size).map(toHex) };
  });
  return { format: BUNDLE_FORMAT, item, events: [...events], checkpoint: checkpoint.note, inclusionProofs, publicKey: encodePublicKey(publicKey) };
}

/**
 * Checks a bundle offline with the lab's public key: the bundle's shape, that it names that key,
 * the checkpoint signature, then each event in order (shape, hash, item, link to the previous
 * event, sequence, inclusion in the signed log). Returns the first failure, naming the event.
 * Events cut from the END of a chain, together with their proofs, can only be noticed against a
 * head recorded earlier: pass it as `expectedHead` (a report embeds one per item).
 */
export function verifyBundle(bundle: unknown, publicKey: PublicKeyInput, options: { expectedHead?: ChainHead } = {}): BundleReport {
  const parsed = CustodyBundle.safeParse(bundle);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'bundle';
    return { ok: false, reason: 'CUSTODY_ERR_BUNDLE_MALFORMED', detail: `${where}: ${issue?.message ?? 'invalid'}` };
  }
  const b = parsed.data;
  const trusted = toPublicKey(publicKey);
  let named: Buffer;
  try {
    named = rawPublicKey(b.publicKey);
  } catch {
    return { ok: false, reason: 'CUSTODY_ERR_BUNDLE_MALFORMED', detail: 'publicKey: not an Ed25519 public key' };
  }
  if (!named.equals(rawPublicKey(trusted))) {
    return { ok: false, reason: 'CUSTODY_ERR_KEY_MISMATCH', detail: `the bundle names key ${named.toString('base64')}, not the trusted key ${encodePublicKey(trusted)}` };
  }
  const cp = verifyCheckpoint(b.checkpoint, trusted);
  if (!cp.ok) return cp;
  const root = fromHex(cp.checkpoint.rootHash);

  const walk = new ChainWalk(b.item);
  for (let i = 0; i < b.events.length; i++) {
    const failure = walk.next(b.events[i], i);
    if (failure) return failure;
    const event = b.events[i] as ChainedEvent;
    const proof = b.inclusionProofs[i];
    const fail = (detail: string): CustodyFailure => ({ ok: false, reason: 'CUSTODY_ERR_INCLUSION', detail, index: i, eventId: event.eventId });
    if (!proof) return fail(`event #${i} (${event.eventId}) has no inclusion proof`);
    if (proof.eventId !== event.eventId) return fail(`inclusion proof #${i} is for event ${proof.eventId}, not ${event.eventId}`);
    if (proof.leafIndex >= cp.checkpoint.size) {
      return fail(`event #${i} (${event.eventId}) claims leaf ${proof.leafIndex}, beyond the checkpoint's ${cp.checkpoint.size} entries`);
    }
    const ok = verifyInclusion(leafHash(fromHex(event.hash)), proof.leafIndex, cp.checkpoint.size, proof.hashes.map(fromHex), root);
    if (!ok) return fail(`event #${i} (${event.eventId}) is not in the signed log at leaf ${proof.leafIndex}: it was altered, forged or its proof was changed`);
  }
  const head = walk.head();
  if (b.inclusionProofs.length > b.events.length) {
    const missing = b.inclusionProofs[b.events.length];
    return {
      ok: false,
      reason: 'CUSTODY_ERR_TRUNCATED',
      detail: `${b.inclusionProofs.length} inclusion proofs for ${b.events.length} events: event #${b.events.length} was removed`,
      index: b.events.length,
      ...(missing ? { eventId: missing.eventId } : {}),
    };
  }
  if (options.expectedHead) {
    const extended = checkExtends(b.events as ChainedEvent[], head, options.expectedHead);
    if (!extended.ok) return extended;
  }
  return { ok: true, item: b.item, head, checkpoint: cp.checkpoint, keyId: cp.keyId };
}
