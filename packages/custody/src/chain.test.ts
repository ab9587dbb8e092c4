import { describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import { hashEvent } from './canonical.ts';
import { GENESIS_HASH, appendToChain, verifyChain, type ChainedEvent, type CustodyEntry } from './chain.ts';
import type { CustodyErrorCode } from './errors.ts';

const ITEM = 'KZ01-2025-000042-01';
const KINDS = ['received', 'stored', 'transferred', 'seal_opened', 'resealed', 'sent_for_analysis'];

function entry(n: number, item = ITEM): CustodyEntry {
  return {
    eventId: `evt-${item}-${n}`,
    item,
    kind: KINDS[n % KINDS.length],
    time: `2025-03-0${1 + (n % 9)}T10:00:00.000Z`,
    actor: { userId: `u${n % 3}`, name: ['А. Касымова', 'B. Ivanov', 'C. Lee'][n % 3] },
    sealsIn: [`S-${1000 + n}`],
    sealsOut: n % 2 ? [`S-${1001 + n}`] : [],
  };
}

function chainOf(n: number): ChainedEvent[] {
  const chain: ChainedEvent[] = [];
  for (let i = 0; i < n; i++) chain.push(appendToChain(chain, entry(i)));
  return chain;
}

/** Re-hashes an event after an edit, as someone rewriting the store would. */
function rehash(event: Record<string, unknown>): ChainedEvent {
  return { ...event, hash: hashEvent(event) } as ChainedEvent;
}

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isDomainError(err) ? err.code : 'not a DomainError';
  }
  return undefined;
}

describe('appendToChain', () => {
  it('links the first event to the genesis hash and each next one to the previous hash', () => {
    const chain = chainOf(3);
    expect(chain.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(chain[0]?.prevHash).toBe(GENESIS_HASH);
    expect(chain[1]?.prevHash).toBe(chain[0]?.hash);
    expect(chain[2]?.prevHash).toBe(chain[1]?.hash);
    for (const e of chain) expect(e.hash).toBe(hashEvent(e));
  });

  it('returns the stored event when the same entry is appended again (idempotent)', () => {
    const chain = chainOf(4);
    const again = appendToChain(chain, entry(2));
    expect(again).toBe(chain[2]);
    expect(again.seq).toBeLessThan(chain.length);
  });

  it('refuses an event id already used with different content', () => {
    const chain = chainOf(4);
    expect(thrownCode(() => appendToChain(chain, { ...entry(2), kind: 'destroyed' }))).toBe('CUSTODY_ERR_EVENT_ID_CONFLICT');
  });

  it('refuses an event for another item', () => {
    expect(thrownCode(() => appendToChain(chainOf(2), entry(9, 'KZ01-2025-000043-01')))).toBe('CUSTODY_ERR_ITEM_MISMATCH');
  });

  it.each(['seq', 'prevHash', 'hash'])('refuses an entry that sets %s itself', (field) => {
    expect(thrownCode(() => appendToChain([], { ...entry(0), [field]: 'x' }))).toBe('CUSTODY_ERR_MALFORMED_EVENT');
  });

  it('refuses an entry with no eventId', () => {
    expect(thrownCode(() => appendToChain([], { ...entry(0), eventId: '' }))).toBe('CUSTODY_ERR_MALFORMED_EVENT');
  });
});

describe('verifyChain', () => {
  const chain = chainOf(6);
  const other = chainOf(6).map((e) => ({ ...e }));

  type Case = [name: string, tamper: (c: ChainedEvent[]) => unknown[], reason: CustodyErrorCode, index: number];
  const cases: Case[] = [
    ['a field changed in place', (c) => c.with(2, { ...(c[2] as ChainedEvent), kind: 'destroyed' }), 'CUSTODY_ERR_HASH_MISMATCH', 2],
    ['a nested field changed', (c) => c.with(1, { ...(c[1] as ChainedEvent), actor: { userId: 'u9', name: 'Mallory' } }), 'CUSTODY_ERR_HASH_MISMATCH', 1],
    ['a field added', (c) => c.with(4, { ...(c[4] as ChainedEvent), remarks: 'added later' }), 'CUSTODY_ERR_HASH_MISMATCH', 4],
    ['the stored hash changed', (c) => c.with(3, { ...(c[3] as ChainedEvent), hash: 'f'.repeat(64) }), 'CUSTODY_ERR_HASH_MISMATCH', 3],
    ['a field changed and the event re-hashed', (c) => c.with(2, rehash({ ...(c[2] as ChainedEvent), kind: 'destroyed' })), 'CUSTODY_ERR_CHAIN_BROKEN', 3],
    ['an event deleted', (c) => c.toSpliced(2, 1), 'CUSTODY_ERR_CHAIN_BROKEN', 2],
    ['the first event deleted', (c) => c.slice(1), 'CUSTODY_ERR_CHAIN_BROKEN', 0],
    [
      'a forged event inserted, linked and hashed',
      (c) => c.toSpliced(2, 0, rehash({ ...entry(77), seq: 2, prevHash: (c[1] as ChainedEvent).hash })),
      'CUSTODY_ERR_CHAIN_BROKEN',
      3,
    ],
    ['two events swapped', (c) => c.with(2, c[3] as ChainedEvent).with(3, c[2] as ChainedEvent), 'CUSTODY_ERR_CHAIN_BROKEN', 2],
    ['the last event moved to the front', (c) => [c[5], ...c.slice(0, 5)], 'CUSTODY_ERR_CHAIN_BROKEN', 0],
    ['an event duplicated', (c) => c.toSpliced(3, 0, c[2] as ChainedEvent), 'CUSTODY_ERR_CHAIN_BROKEN', 3],
    ['the sequence number rewritten and re-hashed', (c) => c.with(4, rehash({ ...(c[4] as ChainedEvent), seq: 9 })), 'CUSTODY_ERR_SEQUENCE', 4],
    ['an event of another item spliced in', () => [...chain.slice(0, 2), { ...(other[2] as ChainedEvent), item: 'X' }], 'CUSTODY_ERR_HASH_MISMATCH', 2],
    ['a genesis prevHash of null', (c) => c.with(0, { ...(c[0] as ChainedEvent), prevHash: null } as unknown as ChainedEvent), 'CUSTODY_ERR_MALFORMED_EVENT', 0],
    ['an upper-case hash', (c) => c.with(1, { ...(c[1] as ChainedEvent), hash: (c[1] as ChainedEvent).hash.toUpperCase() }), 'CUSTODY_ERR_MALFORMED_EVENT', 1],
    ['an event that is not an object', (c) => c.with(5, 'received' as unknown as ChainedEvent), 'CUSTODY_ERR_MALFORMED_EVENT', 5],
  ];

  it('accepts an intact chain and returns its head', () => {
    expect(verifyChain(chain)).toEqual({ ok: true, head: { length: 6, hash: chain[5]?.hash } });
  });

  it('accepts the empty chain with the genesis head', () => {
    expect(verifyChain([])).toEqual({ ok: true, head: { length: 0, hash: GENESIS_HASH } });
  });

  it.each(cases)('names the first bad event when %s', (_name, tamper, reason, index) => {
    const verdict = verifyChain(tamper(chain.map((e) => ({ ...e }))));
    expect(verdict).toMatchObject({ ok: false, reason, index });
    if (!verdict.ok && typeof verdict.index === 'number' && index < chain.length && reason !== 'CUSTODY_ERR_MALFORMED_EVENT') {
      expect(verdict.eventId).toMatch(/^evt-/);
    }
  });

  it('refuses an item switch in a correctly linked chain', () => {
    const mixed: ChainedEvent[] = [...chain.slice(0, 3)];
    mixed.push(rehash({ ...entry(3, 'KZ01-2025-000043-01'), seq: 3, prevHash: (chain[2] as ChainedEvent).hash }));
    expect(verifyChain(mixed)).toMatchObject({ ok: false, reason: 'CUSTODY_ERR_ITEM_MISMATCH', index: 3 });
  });

  it('refuses a repeated event id in a correctly linked chain', () => {
    const repeated: ChainedEvent[] = [...chain.slice(0, 3)];
    repeated.push(rehash({ ...entry(1), kind: 'destroyed', seq: 3, prevHash: (chain[2] as ChainedEvent).hash }));
    expect(verifyChain(repeated)).toMatchObject({ ok: false, reason: 'CUSTODY_ERR_DUPLICATE_EVENT', index: 3, eventId: entry(1).eventId });
  });

  it('cannot see events cut from the end on its own, but can against a recorded head', () => {
    const head = { length: 6, hash: (chain[5] as ChainedEvent).hash };
    const cut = chain.slice(0, 4);
    expect(verifyChain(cut).ok).toBe(true);
    expect(verifyChain(cut, { expectedHead: head })).toMatchObject({ ok: false, reason: 'CUSTODY_ERR_TRUNCATED', index: 4 });
  });

  it('accepts a chain that grew after the recorded head', () => {
    const head = { length: 4, hash: (chain[3] as ChainedEvent).hash };
    expect(verifyChain(chain, { expectedHead: head }).ok).toBe(true);
  });

  it('notices a history rewritten consistently from genesis against a recorded head', () => {
    const head = { length: 6, hash: (chain[5] as ChainedEvent).hash };
    const rewritten: ChainedEvent[] = [];
    for (let i = 0; i < 6; i++) rewritten.push(appendToChain(rewritten, i === 1 ? { ...entry(1), kind: 'destroyed' } : entry(i)));
    expect(verifyChain(rewritten).ok).toBe(true);
    expect(verifyChain(rewritten, { expectedHead: head })).toMatchObject({ ok: false, reason: 'CUSTODY_ERR_HEAD_MISMATCH', index: 5 });
  });
});
