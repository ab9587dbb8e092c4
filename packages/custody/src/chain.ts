// Per-item hash chain. Each event carries its position (`seq`), the hash of the event before it
// (`prevHash`) and its own hash over everything else, so changing, deleting, inserting or
// reordering an event breaks the chain at (or right after) the altered place.
import { hashEvent, canonicalJson } from './canonical.ts';
import { CustodyErrors, type CustodyErrorCode, type CustodyFailure } from './errors.ts';
import { isHex64 } from './digest.ts';

/**
 * prevHash of the first event of every chain: 64 zeros. Always a 64-hex string (never null) so
 * one schema covers every event and the genesis link is hashed like any other.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** What the caller records: any JSON object naming the event and the item it belongs to. */
export interface CustodyEntry {
  eventId: string;
  item: string;
  [field: string]: unknown;
}

/** Fields the chain adds; an entry must not carry them itself. */
// A type alias, not an interface: an interface has no implicit index signature, which would stop
// ChainedEvent<MyEntry> from being passed where a ChainedEvent (CustodyEntry & ChainLink) is expected.
export type ChainLink = {
  /** 0-based position in the item's chain. */
  seq: number;
  prevHash: string;
  /** Hex SHA-256 of the canonical JSON of the event without `hash`. */
  hash: string;
};

export type ChainedEvent<E extends CustodyEntry = CustodyEntry> = E & ChainLink;

/** The last link of a verified chain: what a report embeds to pin an item's history. */
export interface ChainHead {
  length: number;
  /** Hash of the last event, GENESIS_HASH for an empty chain. */
  hash: string;
}

export type ChainVerdict = { ok: true; head: ChainHead } | CustodyFailure;

const LINK_FIELDS = ['seq', 'prevHash', 'hash'] as const;

/**
 * Appends an entry to an item's chain and returns the chained event (the chain itself is not
 * changed; the caller stores the event). Idempotent: if an event with the same eventId and
 * identical content is already in the chain, that stored event is returned (its `seq` is then
 * below `chain.length`). The same eventId with different content is CUSTODY_ERR_EVENT_ID_CONFLICT.
 */
export function appendToChain<E extends CustodyEntry>(chain: readonly ChainedEvent[], entry: E): ChainedEvent<E> {
  assertEntry(entry);
  const existing = chain.find((e) => e.eventId === entry.eventId);
  if (existing) {
    if (canonicalJson(entryOf(existing)) === canonicalJson(entry)) return existing as ChainedEvent<E>;
    throw CustodyErrors.CUSTODY_ERR_EVENT_ID_CONFLICT(`event ${entry.eventId} is already in the chain with different content`);
  }
  const last = chain.at(-1);
  if (last && last.item !== entry.item) {
    throw CustodyErrors.CUSTODY_ERR_ITEM_MISMATCH(`event ${entry.eventId} is for item ${entry.item}, the chain is item ${last.item}`);
  }
  const linked = { ...entry, seq: chain.length, prevHash: last ? last.hash : GENESIS_HASH };
  return { ...linked, hash: hashEvent(linked) };
}

/** The entry an event was made from: the event without seq, prevHash and hash. */
export function entryOf<E extends CustodyEntry>(event: ChainedEvent<E>): E {
  const { seq: _s, prevHash: _p, hash: _h, ...entry } = event;
  return entry as unknown as E;
}

/**
 * Verifies an item's chain from genesis and names the FIRST bad event. With `expectedHead`
 * (e.g. the head embedded in a signed report) the chain must also extend that head, which is
 * the only way to notice events removed from the END of a chain.
 */
export function verifyChain(events: readonly unknown[], options: { expectedHead?: ChainHead } = {}): ChainVerdict {
  const walk = new ChainWalk();
  for (let i = 0; i < events.length; i++) {
    const failure = walk.next(events[i], i);
    if (failure) return failure;
  }
  const head = walk.head();
  return options.expectedHead ? checkExtends(events as readonly ChainedEvent[], head, options.expectedHead) : { ok: true, head };
}

/**
 * Checks events one at a time in chain order; verifyChain and the bundle verifier share it so
 * both apply the same checks in the same order (shape, hash, item, link, sequence).
 */
export class ChainWalk {
  private prevHash = GENESIS_HASH;
  private length = 0;
  private item: string | undefined;
  private readonly seen = new Set<string>();

  constructor(item?: string) {
    this.item = item;
  }

  next(raw: unknown, index: number): CustodyFailure | undefined {
    const fail = (reason: CustodyErrorCode, detail: string, eventId?: string): CustodyFailure => ({
      ok: false,
      reason,
      detail,
      index,
      ...(eventId === undefined ? {} : { eventId }),
    });
    const shape = checkShape(raw);
    if (typeof shape === 'string') return fail('CUSTODY_ERR_MALFORMED_EVENT', `event #${index}: ${shape}`, eventIdOf(raw));
    const event = shape;
    const id = event.eventId;
    let actual: string;
    try {
      actual = hashEvent(event);
    } catch (err) {
      return fail('CUSTODY_ERR_MALFORMED_EVENT', `event #${index}: ${err instanceof Error ? err.message : String(err)}`, id);
    }
    if (actual !== event.hash) {
      return fail('CUSTODY_ERR_HASH_MISMATCH', `event #${index} (${id}) was changed: its content hashes to ${actual}, not the recorded ${event.hash}`, id);
    }
    if (this.item !== undefined && event.item !== this.item) {
      return fail('CUSTODY_ERR_ITEM_MISMATCH', `event #${index} (${id}) is for item ${event.item}, not ${this.item}`, id);
    }
    if (event.prevHash !== this.prevHash) {
      return fail(
        'CUSTODY_ERR_CHAIN_BROKEN',
        `event #${index} (${id}) does not follow the event before it (prevHash ${event.prevHash}, expected ${this.prevHash}): an event was removed, inserted or moved here`,
        id,
      );
    }
    if (event.seq !== index) return fail('CUSTODY_ERR_SEQUENCE', `event #${index} (${id}) says it is #${event.seq}`, id);
    if (this.seen.has(id)) return fail('CUSTODY_ERR_DUPLICATE_EVENT', `event #${index} repeats event id ${id}`, id);
    this.seen.add(id);
    this.item = event.item;
    this.prevHash = event.hash;
    this.length = index + 1;
    return undefined;
  }

  head(): ChainHead {
    return { length: this.length, hash: this.prevHash };
  }
}

/** Checks that a verified chain with `head` extends `expected` (a prefix recorded earlier). */
export function checkExtends(events: readonly ChainedEvent[], head: ChainHead, expected: ChainHead): ChainVerdict {
  if (head.length < expected.length) {
    return {
      ok: false,
      reason: 'CUSTODY_ERR_TRUNCATED',
      detail: `the chain has ${head.length} events but a head with ${expected.length} was recorded: events from #${head.length} on are missing`,
      index: head.length,
    };
  }
  const at = events[expected.length - 1];
  const hashAt = at ? at.hash : GENESIS_HASH;
  if (hashAt !== expected.hash) {
    return {
      ok: false,
      reason: 'CUSTODY_ERR_HEAD_MISMATCH',
      detail: `event #${expected.length - 1} hashes to ${hashAt}, the recorded head is ${expected.hash}: the history up to the recorded head was rewritten`,
      ...(at ? { index: expected.length - 1, eventId: at.eventId } : {}),
    };
  }
  return { ok: true, head };
}

function assertEntry(entry: CustodyEntry): void {
  if (typeof entry.eventId !== 'string' || entry.eventId === '') throw CustodyErrors.CUSTODY_ERR_MALFORMED_EVENT('an entry needs a non-empty eventId');
  if (typeof entry.item !== 'string' || entry.item === '') throw CustodyErrors.CUSTODY_ERR_MALFORMED_EVENT('an entry needs a non-empty item');
  for (const f of LINK_FIELDS) {
    if (f in entry) throw CustodyErrors.CUSTODY_ERR_MALFORMED_EVENT(`an entry must not carry '${f}': the chain sets it`);
  }
}

function checkShape(raw: unknown): ChainedEvent | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not a JSON object';
  const e = raw as Record<string, unknown>;
  if (typeof e.eventId !== 'string' || e.eventId === '') return 'eventId is missing';
  if (typeof e.item !== 'string' || e.item === '') return 'item is missing';
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 0) return 'seq is not a non-negative integer';
  if (!isHex64(e.prevHash)) return 'prevHash is not 64 lowercase hex digits';
  if (!isHex64(e.hash)) return 'hash is not 64 lowercase hex digits';
  return e as ChainedEvent;
}

function eventIdOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as Record<string, unknown>).eventId;
  return typeof id === 'string' ? id : undefined;
}
