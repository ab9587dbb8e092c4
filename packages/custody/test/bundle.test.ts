import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson, encodePublicKey, hashEvent, signCheckpoint, verifyBundle, type ChainedEvent, type CustodyBundle } from '../src/index.ts';
import { ORIGIN, makeLabLog } from './lab-log.ts';

const lab = makeLabLog({ items: 4, perItem: 7 });
const ITEM = 'KZ01-2025-000102-01';
const pristine = lab.bundleFor(ITEM);
const copy = (): CustodyBundle => structuredClone(pristine);
const events = (b: CustodyBundle) => b.events as ChainedEvent[];
const rehash = (e: Record<string, unknown>): ChainedEvent => ({ ...e, hash: hashEvent(e) }) as ChainedEvent;

describe('verifyBundle', () => {
  it('accepts an honest bundle with only the lab public key and reports the head and checkpoint', () => {
    const report = verifyBundle(JSON.parse(JSON.stringify(pristine)), lab.keys.publicKey);
    expect(report).toMatchObject({
      ok: true,
      item: ITEM,
      head: { length: 7, hash: events(pristine)[6]?.hash },
      checkpoint: { origin: ORIGIN, size: 28, rootHash: lab.checkpoint.rootHash },
    });
  });

  it('accepts the public key as PEM or base64 too', () => {
    expect(verifyBundle(pristine, lab.keys.publicKey.export({ format: 'pem', type: 'spki' }).toString()).ok).toBe(true);
    expect(verifyBundle(pristine, encodePublicKey(lab.keys.publicKey)).ok).toBe(true);
  });

  type Case = [name: string, tamper: (b: CustodyBundle) => void, reason: string, index?: number];
  const cases: Case[] = [
    ['an event edited in place', (b) => void (events(b)[3] = { ...events(b)[3], kind: 'destroyed' } as ChainedEvent), 'CUSTODY_ERR_HASH_MISMATCH', 3],
    ['an event edited and re-hashed', (b) => void (events(b)[3] = rehash({ ...events(b)[3], kind: 'destroyed' })), 'CUSTODY_ERR_INCLUSION', 3],
    ['an event deleted with its proof', (b) => void (b.events.splice(2, 1), b.inclusionProofs.splice(2, 1)), 'CUSTODY_ERR_CHAIN_BROKEN', 2],
    ['the last event deleted, its proof left', (b) => void b.events.pop(), 'CUSTODY_ERR_TRUNCATED', 6],
    [
      'a forged event inserted with a borrowed proof',
      (b) => {
        const prev = events(b)[3] as ChainedEvent;
        b.events.splice(4, 0, rehash({ ...prev, eventId: 'forged', seq: 4, prevHash: prev.hash, kind: 'returned_to_agency' }));
        b.inclusionProofs.splice(4, 0, { ...(b.inclusionProofs[4] as CustodyBundle['inclusionProofs'][number]), eventId: 'forged' });
      },
      'CUSTODY_ERR_INCLUSION',
      4,
    ],
    [
      'two events swapped with their proofs',
      (b) => {
        [b.events[1], b.events[2]] = [b.events[2], b.events[1]];
        [b.inclusionProofs[1], b.inclusionProofs[2]] = [b.inclusionProofs[2] as never, b.inclusionProofs[1] as never];
      },
      'CUSTODY_ERR_CHAIN_BROKEN',
      1,
    ],
    ['a proof hash changed', (b) => void ((b.inclusionProofs[5] as { hashes: string[] }).hashes[0] = 'f'.repeat(64)), 'CUSTODY_ERR_INCLUSION', 5],
    ['a proof leaf index changed', (b) => void ((b.inclusionProofs[0] as { leafIndex: number }).leafIndex += 1), 'CUSTODY_ERR_INCLUSION', 0],
    ['a proof for the wrong event', (b) => void ((b.inclusionProofs[2] as { eventId: string }).eventId = 'other'), 'CUSTODY_ERR_INCLUSION', 2],
    ['another item named', (b) => void (b.item = 'KZ01-2025-000101-01'), 'CUSTODY_ERR_ITEM_MISMATCH', 0],
    ['the checkpoint root replaced', (b) => void (b.checkpoint = b.checkpoint.replace(/\n(\d+)\n/, '\n29\n')), 'CUSTODY_ERR_CHECKPOINT_SIGNATURE'],
    ['the bundle key replaced', (b) => void (b.publicKey = encodePublicKey(generateKeyPairSync('ed25519').publicKey)), 'CUSTODY_ERR_KEY_MISMATCH'],
    ['the events field missing', (b) => void delete (b as Partial<CustodyBundle>).events, 'CUSTODY_ERR_BUNDLE_MALFORMED'],
  ];

  it.each(cases)('names the first bad event when %s', (_name, tamper, reason, index) => {
    const b = copy();
    tamper(b);
    const report = verifyBundle(b, lab.keys.publicKey);
    expect(report).toMatchObject({ ok: false, reason, ...(index === undefined ? {} : { index }) });
  });

  it('refuses a bundle whose checkpoint was re-signed by a key other than the trusted one', () => {
    const mallory = generateKeyPairSync('ed25519');
    const b = copy();
    b.checkpoint = signCheckpoint({ ...lab.checkpoint }, mallory.privateKey).note;
    b.publicKey = encodePublicKey(mallory.publicKey);
    expect(verifyBundle(b, lab.keys.publicKey)).toMatchObject({ ok: false, reason: 'CUSTODY_ERR_KEY_MISMATCH' });
    // Trusting the bundle's own key is exactly what an attacker wants: it passes, which is why the CLI warns.
    expect(verifyBundle(b, b.publicKey).ok).toBe(true);
  });

  it('notices the last event cut together with its proof only against a recorded head', () => {
    const head = { length: 7, hash: (events(pristine)[6] as ChainedEvent).hash };
    const b = copy();
    b.events.pop();
    b.inclusionProofs.pop();
    expect(verifyBundle(b, lab.keys.publicKey).ok).toBe(true);
    expect(verifyBundle(b, lab.keys.publicKey, { expectedHead: head })).toMatchObject({ ok: false, reason: 'CUSTODY_ERR_TRUNCATED', index: 6 });
  });
});

// Any single mutation of any event or proof: change a field (with or without re-hashing), drop a
// field, delete, duplicate or move an event, or change, drop or add a proof hash, the leaf index
// or the proof's event id. The verdict must fail and name the mutated position.
describe('verifyBundle against single mutations (property)', () => {
  const n = pristine.events.length;
  const head = { length: n, hash: (events(pristine)[n - 1] as ChainedEvent).hash };
  const json = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
  const eventField = fc.constantFrom('eventId', 'item', 'seq', 'prevHash', 'hash', 'kind', 'time', 'releasedBy', 'sealsIn', 'weights', 'extra');

  type Mutation = { apply: (b: CustodyBundle) => void; index: number };
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ i: fc.nat(n - 1), field: eventField, value: json, rehashed: fc.boolean() }).map(({ i, field, value, rehashed }) => ({
      index: i,
      apply: (b: CustodyBundle) => {
        const old = b.events[i] as Record<string, unknown>;
        // A "change" to the same value is no change: wrap it so the field really differs.
        const same = field in old && canonicalJson(old[field]) === canonicalJson(value);
        const e = { ...old, [field]: same ? [value] : value };
        b.events[i] = rehashed && field !== 'hash' ? rehash(e) : e;
      },
    })),
    fc.record({ i: fc.nat(n - 1), field: eventField }).map(({ i, field }) => ({
      index: i,
      apply: (b: CustodyBundle) => {
        const e = { ...(b.events[i] as Record<string, unknown>) };
        delete e[field];
        b.events[i] = field === 'extra' ? { ...e, extra: 1 } : e;
      },
    })),
    fc.nat(n - 1).map((i) => ({ index: i, apply: (b: CustodyBundle) => void (b.events.splice(i, 1), b.inclusionProofs.splice(i, 1)) })),
    fc.nat(n - 1).map((i) => ({ index: i, apply: (b: CustodyBundle) => void b.events.splice(i, 1) })),
    fc.nat(n - 1).map((i) => ({ index: i + 1, apply: (b: CustodyBundle) => void (b.events.splice(i, 0, b.events[i]), b.inclusionProofs.splice(i, 0, b.inclusionProofs[i] as never)) })),
    fc.tuple(fc.nat(n - 1), fc.nat(n - 1)).filter(([a, c]) => a !== c).map(([a, c]) => ({
      index: Math.min(a, c),
      apply: (b: CustodyBundle) => {
        [b.events[a], b.events[c]] = [b.events[c], b.events[a]];
        [b.inclusionProofs[a], b.inclusionProofs[c]] = [b.inclusionProofs[c] as never, b.inclusionProofs[a] as never];
      },
    })),
    fc.record({ i: fc.nat(n - 1), j: fc.nat(), kind: fc.constantFrom('flip', 'drop', 'add', 'index', 'eventId') }).map(({ i, j, kind }) => ({
      index: i,
      apply: (b: CustodyBundle) => {
        const p = structuredClone(b.inclusionProofs[i] as CustodyBundle['inclusionProofs'][number]);
        const k = j % p.hashes.length;
        if (kind === 'flip') p.hashes[k] = ((p.hashes[k] as string)[0] === '0' ? '1' : '0') + (p.hashes[k] as string).slice(1);
        if (kind === 'drop') p.hashes.splice(k, 1);
        if (kind === 'add') p.hashes.push(p.hashes[k] as string);
        if (kind === 'index') p.leafIndex = (p.leafIndex + 1 + (j % 27)) % 28;
        if (kind === 'eventId') p.eventId = `${p.eventId}x`;
        b.inclusionProofs[i] = p;
      },
    })),
  );

  it('detects every single mutation and names the mutated event', () => {
    fc.assert(
      fc.property(mutation, ({ apply, index }) => {
        const b = copy();
        apply(b);
        // Verified as a report would: against the item's head recorded when it was issued.
        const report = verifyBundle(b, lab.keys.publicKey, { expectedHead: head });
        expect(report.ok).toBe(false);
        if (!report.ok) expect(report.index).toBe(index);
        // Without the recorded head, only cutting the last event together with its proof passes.
        if (verifyBundle(b, lab.keys.publicKey).ok) {
          expect([b.events.length, b.inclusionProofs.length, index]).toEqual([n - 1, n - 1, n - 1]);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
