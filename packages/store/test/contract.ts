// The one contract every backend passes. Each backend's test file calls `storeContract` with a
// factory that opens a fresh, empty store; nothing here knows which backend it is talking to.
import { createHash } from 'node:crypto';
import { isDomainError } from '@tamga/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineCollection } from '../src/index.ts';
import type { DocumentStore } from '../src/index.ts';

export interface ContractOptions {
  /** Skips the whole suite, printing why (used when a backend's server is absent). */
  skip?: string;
}

interface Item {
  labNo: string;
  caseId: string;
  weight: number;
  status: string;
  seal?: { number: string; intact: boolean } | null;
  tags?: string[];
  findings?: { substance: string; purity: number }[];
  note?: string | null;
}

interface Counter {
  value: number;
}

const items = defineCollection<Item>({
  name: 'contract.items',
  indexes: [{ fields: ['labNo'], unique: true }, { fields: ['caseId'] }],
});
const seals = defineCollection<{ agency: string; number: string }>({
  name: 'contract.seals',
  indexes: [{ fields: ['agency', 'number'], unique: true }],
});
const badges = defineCollection<{ code?: string | null }>({ name: 'contract.badges', indexes: [{ fields: ['code'], unique: true }] });
const counters = defineCollection<Counter>({ name: 'contract.counters', keepVersions: false });
const ledger = defineCollection<{ seq: number }>({ name: 'contract.ledger', indexes: [{ fields: ['seq'], unique: true }] });

function item(n: number, over: Partial<Item> = {}): Item & { _id: string } {
  return {
    _id: `item-${n}`,
    labNo: `LAB-2025-${String(n).padStart(6, '0')}-01`,
    caseId: n % 2 === 0 ? 'case-even' : 'case-odd',
    weight: n * 1.5,
    status: 'received',
    ...over,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${code} error`).toBeDefined();
  expect(isDomainError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

export function storeContract(name: string, open: () => Promise<DocumentStore>, options: ContractOptions = {}): void {
  describe.skipIf(options.skip !== undefined)(`document store contract: ${name}`, () => {
    let store: DocumentStore;

    beforeEach(async () => {
      store = await open();
      await store.ensure([items, seals, badges, counters, ledger]);
    });
    afterEach(async () => {
      await store.close();
    });

    describe('documents', () => {
      it('returns an inserted document by its id, at version 1', async () => {
        const inserted = await store.collection(items).insert(item(1));
        expect(inserted._v).toBe(1);
        const got = await store.collection(items).get('item-1');
        expect(got).toEqual({ ...item(1), _v: 1 });
        expect(await store.collection(items).get('nobody')).toBeUndefined();
      });

      it('refuses a second document with the same _id', async () => {
        await store.collection(items).insert(item(1));
        await rejectsWith(store.collection(items).insert(item(1, { labNo: 'other' })), 'STORE_ERR_DUPLICATE');
        expect(await store.collection(items).count({})).toBe(1);
      });

      it('refuses a second document with the same unique key, also on a compound key', async () => {
        await store.collection(items).insert(item(1));
        await rejectsWith(store.collection(items).insert({ ...item(2), labNo: item(1).labNo }), 'STORE_ERR_DUPLICATE');
        await store.collection(seals).insert({ _id: 's1', agency: 'police', number: '42' });
        await store.collection(seals).insert({ _id: 's2', agency: 'customs', number: '42' });
        await rejectsWith(store.collection(seals).insert({ _id: 's3', agency: 'police', number: '42' }), 'STORE_ERR_DUPLICATE');
        expect(await store.collection(seals).count({})).toBe(2);
      });

      it('leaves documents without a unique field unconstrained, but treats null as a value', async () => {
        const c = store.collection(badges);
        await c.insert({ _id: 'b1' });
        await c.insert({ _id: 'b2' });
        await c.insert({ _id: 'b3', code: null });
        await rejectsWith(c.insert({ _id: 'b4', code: null }), 'STORE_ERR_DUPLICATE');
        expect(await c.count({})).toBe(3);
      });

      it('refuses an update that would take another document’s unique key', async () => {
        await store.collection(items).insert(item(1));
        const second = await store.collection(items).insert(item(2));
        await rejectsWith(store.collection(items).update('item-2', second._v, { ...item(2), labNo: item(1).labNo }), 'STORE_ERR_DUPLICATE');
        expect((await store.collection(items).get('item-2'))?.labNo).toBe(item(2).labNo);
      });

      it('drops undefined members, as JSON does', async () => {
        await store.collection(items).insert({ ...item(1), note: undefined });
        const got = await store.collection(items).get('item-1');
        expect(got !== undefined && 'note' in got).toBe(false);
      });

      it('hands out copies: changing a returned document does not change the store', async () => {
        const inserted = await store.collection(items).insert(item(1, { tags: ['a'] }));
        inserted.tags?.push('b');
        const got = await store.collection(items).get('item-1');
        got?.tags?.push('c');
        expect((await store.collection(items).get('item-1'))?.tags).toEqual(['a']);
      });
    });

    describe('find', () => {
      beforeEach(async () => {
        const c = store.collection(items);
        await c.insert(item(1, { status: 'received', tags: ['cannabis', 'urgent'], seal: { number: 'S-1', intact: true } }));
        await c.insert(item(2, { status: 'stored', tags: ['heroin'], seal: { number: 'S-2', intact: false } }));
        await c.insert(item(3, { status: 'stored', seal: null, note: null, findings: [{ substance: 'cocaine', purity: 0.8 }] }));
        await c.insert(
          item(4, {
            status: 'analysed',
            tags: [],
            findings: [
              { substance: 'heroin', purity: 0.3 },
              { substance: 'caffeine', purity: 0.1 },
            ],
          }),
        );
      });
      const ids = (docs: { _id: string }[]): string[] => docs.map((d) => d._id).sort();
      const find = async (filter: Parameters<ReturnType<DocumentStore['collection']>['find']>[0]): Promise<string[]> =>
        ids(await store.collection(items).find(filter));

      it('matches equality, $eq and $ne', async () => {
        expect(await find({ status: 'stored' })).toEqual(['item-2', 'item-3']);
        expect(await find({ status: { $eq: 'stored' } })).toEqual(['item-2', 'item-3']);
        expect(await find({ status: { $ne: 'stored' } })).toEqual(['item-1', 'item-4']);
        expect(await find({ weight: 3 })).toEqual(['item-2']);
        expect(await find({ weight: '3' })).toEqual([]);
        expect(await find({})).toEqual(['item-1', 'item-2', 'item-3', 'item-4']);
      });

      it('matches $in and $nin', async () => {
        expect(await find({ status: { $in: ['received', 'analysed'] } })).toEqual(['item-1', 'item-4']);
        expect(await find({ status: { $nin: ['received', 'analysed'] } })).toEqual(['item-2', 'item-3']);
        expect(await find({ status: { $in: [] } })).toEqual([]);
      });

      it('compares numbers and strings only with their own kind', async () => {
        expect(await find({ weight: { $gt: 3 } })).toEqual(['item-3', 'item-4']);
        expect(await find({ weight: { $gte: 3 } })).toEqual(['item-2', 'item-3', 'item-4']);
        expect(await find({ weight: { $lt: 3 } })).toEqual(['item-1']);
        expect(await find({ weight: { $lte: 3 } })).toEqual(['item-1', 'item-2']);
        expect(await find({ weight: { $gt: 1, $lt: 6 } })).toEqual(['item-1', 'item-2', 'item-3']);
        expect(await find({ labNo: { $gte: 'LAB-2025-000003' } })).toEqual(['item-3', 'item-4']);
        expect(await find({ weight: { $gt: '0' } })).toEqual([]);
        expect(await find({ labNo: { $gt: 0 } })).toEqual([]);
      });

      it('matches $exists and null the way MongoDB does', async () => {
        expect(await find({ seal: { $exists: true } })).toEqual(['item-1', 'item-2', 'item-3']);
        expect(await find({ seal: { $exists: false } })).toEqual(['item-4']);
        expect(await find({ seal: null })).toEqual(['item-3', 'item-4']);
        expect(await find({ note: null })).toEqual(['item-1', 'item-2', 'item-3', 'item-4']);
        expect(await find({ note: { $ne: null } })).toEqual([]);
        expect(await find({ seal: { $ne: null } })).toEqual(['item-1', 'item-2']);
      });

      it('follows dotted paths into nested objects', async () => {
        expect(await find({ 'seal.number': 'S-2' })).toEqual(['item-2']);
        expect(await find({ 'seal.intact': true })).toEqual(['item-1']);
        expect(await find({ 'seal.intact': { $ne: true } })).toEqual(['item-2', 'item-3', 'item-4']);
        expect(await find({ 'seal.number': { $exists: true } })).toEqual(['item-1', 'item-2']);
        expect(await find({ 'seal.number': { $in: ['S-1', 'S-9'] } })).toEqual(['item-1']);
      });

      it('matches an array field when any element matches', async () => {
        expect(await find({ tags: 'urgent' })).toEqual(['item-1']);
        expect(await find({ tags: { $in: ['heroin', 'urgent'] } })).toEqual(['item-1', 'item-2']);
        expect(await find({ tags: { $ne: 'urgent' } })).toEqual(['item-2', 'item-3', 'item-4']);
        expect(await find({ tags: { $nin: ['urgent', 'heroin'] } })).toEqual(['item-3', 'item-4']);
        expect(await find({ tags: { $exists: true } })).toEqual(['item-1', 'item-2', 'item-4']);
      });

      it('follows dotted paths through arrays of objects', async () => {
        expect(await find({ 'findings.substance': 'heroin' })).toEqual(['item-4']);
        expect(await find({ 'findings.purity': { $gt: 0.5 } })).toEqual(['item-3']);
        expect(await find({ 'findings.purity': { $lt: 0.5 }, status: 'analysed' })).toEqual(['item-4']);
        expect(await find({ 'findings.substance': { $exists: true } })).toEqual(['item-3', 'item-4']);
      });

      it('combines conditions on several fields with AND', async () => {
        expect(await find({ status: 'stored', caseId: 'case-even' })).toEqual(['item-2']);
        expect(await find({ _id: { $in: ['item-1', 'item-4', 'nobody'] }, tags: { $exists: true } })).toEqual(['item-1', 'item-4']);
      });

      it('sorts, skips and limits; ties come in _id order', async () => {
        const c = store.collection(items);
        const byWeightDesc = await c.find({}, { sort: { weight: -1 } });
        expect(byWeightDesc.map((d) => d._id)).toEqual(['item-4', 'item-3', 'item-2', 'item-1']);
        const page2 = await c.find({}, { sort: { weight: 1 }, skip: 1, limit: 2 });
        expect(page2.map((d) => d._id)).toEqual(['item-2', 'item-3']);
        const skipOnly = await c.find({}, { sort: { weight: 1 }, skip: 3 });
        expect(skipOnly.map((d) => d._id)).toEqual(['item-4']);
        const byStatus = await c.find({}, { sort: { status: 1 } });
        expect(byStatus.map((d) => d._id)).toEqual(['item-4', 'item-1', 'item-2', 'item-3']);
        const byStatusThenWeight = await c.find({}, { sort: { status: -1, weight: -1 } });
        expect(byStatusThenWeight.map((d) => d._id)).toEqual(['item-3', 'item-2', 'item-1', 'item-4']);
        const bySealNumber = await c.find({}, { sort: { 'seal.number': -1 } });
        expect(bySealNumber.map((d) => d._id)).toEqual(['item-2', 'item-1', 'item-3', 'item-4']);
        const limited = await c.find({ status: 'stored' }, { limit: 1 });
        expect(limited.map((d) => d._id)).toEqual(['item-2']);
      });

      it('counts and finds one', async () => {
        const c = store.collection(items);
        expect(await c.count({})).toBe(4);
        expect(await c.count({ caseId: 'case-odd' })).toBe(2);
        expect(await c.count({ caseId: 'nobody' })).toBe(0);
        expect((await c.findOne({ 'seal.number': 'S-1' }))?._id).toBe('item-1');
        expect(await c.findOne({ status: 'destroyed' })).toBeUndefined();
      });

      it('refuses operators outside the filter language', async () => {
        const sneaky = { status: { $where: 'sleep(1000)' } } as never;
        await expect(store.collection(items).find(sneaky)).rejects.toThrow(/unknown operator/);
        await expect(store.collection(items).find({ $where: 'x' })).rejects.toThrow(/not a valid field path/);
      });
    });

    describe('optimistic concurrency and history', () => {
      it('updates at the expected version and keeps the earlier versions', async () => {
        const c = store.collection(items);
        const v1 = await c.insert(item(1));
        const v2 = await c.update('item-1', v1._v, { ...item(1), status: 'stored' });
        expect(v2._v).toBe(2);
        const v3 = await c.update('item-1', v2._v, { ...v2, status: 'analysed' });
        expect(v3).toMatchObject({ _id: 'item-1', _v: 3, status: 'analysed' });
        expect(await c.get('item-1')).toEqual(v3);
        const history = await c.versions('item-1');
        expect(history.map((h) => [h._v, h.status])).toEqual([
          [1, 'received'],
          [2, 'stored'],
        ]);
        expect(await c.versions('nobody')).toEqual([]);
      });

      it('refuses an update at a stale version and changes nothing', async () => {
        const c = store.collection(items);
        const v1 = await c.insert(item(1));
        await c.update('item-1', v1._v, { ...item(1), status: 'stored' });
        await rejectsWith(c.update('item-1', v1._v, { ...item(1), status: 'lost' }), 'STORE_ERR_VERSION_CONFLICT');
        expect(await c.get('item-1')).toMatchObject({ _v: 2, status: 'stored' });
        expect(await c.versions('item-1')).toHaveLength(1);
      });

      it('refuses an update of a missing document', async () => {
        await rejectsWith(store.collection(items).update('nobody', 1, item(9)), 'STORE_ERR_NOT_FOUND');
      });

      it('keeps no history for a collection that opted out', async () => {
        const c = store.collection(counters);
        const v1 = await c.insert({ _id: 'n', value: 0 });
        await c.update('n', v1._v, { value: 1 });
        expect(await c.versions('n')).toEqual([]);
      });
    });

    describe('transactions', () => {
      it('commits every write of the callback together and returns its result', async () => {
        const result = await store.transaction(async (tx) => {
          await tx.collection(items).insert(item(1));
          const inTx = await tx.collection(items).get('item-1');
          expect(inTx?.labNo).toBe(item(1).labNo);
          await tx.collection(ledger).insert({ _id: 'l1', seq: 1 });
          return 'done';
        });
        expect(result).toBe('done');
        expect(await store.collection(items).count({})).toBe(1);
        expect(await store.collection(ledger).count({})).toBe(1);
      });

      it('writes nothing when the callback throws', async () => {
        const before = await store.collection(items).insert(item(1));
        const failure = new Error('analyst cancelled');
        await expect(
          store.transaction(async (tx) => {
            await tx.collection(items).insert(item(2));
            await tx.collection(items).update('item-1', before._v, { ...item(1), status: 'stored' });
            await tx.collection(ledger).insert({ _id: 'l1', seq: 1 });
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect(await store.collection(items).count({})).toBe(1);
        expect(await store.collection(items).get('item-1')).toEqual(before);
        expect(await store.collection(items).versions('item-1')).toEqual([]);
        expect(await store.collection(ledger).count({})).toBe(0);
      });

      it('writes nothing when a write inside fails on a unique key', async () => {
        await store.collection(ledger).insert({ _id: 'l1', seq: 1 });
        await rejectsWith(
          store.transaction(async (tx) => {
            await tx.collection(items).insert(item(1));
            await tx.collection(ledger).insert({ _id: 'l2', seq: 1 });
          }),
          'STORE_ERR_DUPLICATE',
        );
        expect(await store.collection(items).count({})).toBe(0);
        expect(await store.collection(ledger).count({})).toBe(1);
      });

      it('refuses a plain store call made inside a transaction instead of hanging on it', async () => {
        await expect(
          store.transaction(async () => {
            await store.collection(items).insert(item(1));
          }),
        ).rejects.toThrow(/inside a transaction/);
        await expect(store.transaction(() => store.transaction(() => Promise.resolve(1)))).rejects.toThrow(/inside a transaction/);
        expect(await store.collection(items).count({})).toBe(0);
      });

      it('never shows a plain read half of a running transaction', async () => {
        let release = (): void => undefined;
        const hold = new Promise<void>((resolve) => (release = resolve));
        let firstWritten = (): void => undefined;
        const written = new Promise<void>((resolve) => (firstWritten = resolve));
        const running = store.transaction(async (tx) => {
          await tx.collection(items).insert(item(1));
          firstWritten();
          await hold;
          await tx.collection(items).insert(item(2));
        });
        await written;
        const counting = store.collection(items).count({});
        await new Promise((resolve) => setTimeout(resolve, 20));
        release();
        await running;
        expect([0, 2]).toContain(await counting);
        expect(await store.collection(items).count({})).toBe(2);
      });

      it('refuses to use a transaction handle after the transaction ended', async () => {
        let leaked: Parameters<Parameters<DocumentStore['transaction']>[0]>[0] | undefined;
        await store.transaction((tx) => {
          leaked = tx;
          return Promise.resolve();
        });
        await expect(leaked?.collection(items).insert(item(1))).rejects.toThrow(/already finished/);
        expect(await store.collection(items).count({})).toBe(0);
      });

      it('gives concurrent transactions a gap-free counter: 50 parallel increments end at 50', async () => {
        await store.collection(counters).insert({ _id: 'labNo', value: 0 });
        const taken = await Promise.all(
          Array.from({ length: 50 }, () =>
            store.transaction(async (tx) => {
              const current = await tx.collection(counters).get('labNo');
              if (current === undefined) throw new Error('counter missing');
              const next = await tx.collection(counters).update('labNo', current._v, { value: current.value + 1 });
              await tx.collection(ledger).insert({ _id: `seq-${next.value}`, seq: next.value });
              return next.value;
            }),
          ),
        );
        expect((await store.collection(counters).get('labNo'))?.value).toBe(50);
        expect(taken.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(await store.collection(ledger).count({})).toBe(50);
      });
    });

    describe('blobs', () => {
      it('stores bytes by their SHA-256 and returns them', async () => {
        const bytes = new TextEncoder().encode('%PDF-1.7 signed report');
        const ref = await store.blobs.put(bytes, 'application/pdf');
        expect(ref).toEqual({
          sha256: createHash('sha256').update(bytes).digest('hex'),
          size: bytes.byteLength,
          contentType: 'application/pdf',
        });
        expect(await store.blobs.has(ref.sha256)).toBe(true);
        expect(Buffer.from(await store.blobs.get(ref.sha256))).toEqual(Buffer.from(bytes));
      });

      it('gives the same content the same ref, stored once', async () => {
        const a = await store.blobs.put(new Uint8Array([1, 2, 3]), 'application/octet-stream');
        const b = await store.blobs.put(new Uint8Array([1, 2, 3]), 'application/octet-stream');
        expect(b).toEqual(a);
        const empty = await store.blobs.put(new Uint8Array(), 'text/plain');
        expect(empty.size).toBe(0);
        expect((await store.blobs.get(empty.sha256)).byteLength).toBe(0);
      });

      it('says a blob is absent and refuses to get it', async () => {
        const missing = '0'.repeat(64);
        expect(await store.blobs.has(missing)).toBe(false);
        await rejectsWith(store.blobs.get(missing), 'STORE_ERR_NOT_FOUND');
      });
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
