// The sqlite backend translates filters and sorts to SQL; the memory backend evaluates them in
// JavaScript. Both claim MongoDB's semantics, so for any documents and any filter they must return
// the same documents in the same order. fast-check hunts for a counterexample.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore, defineCollection, openSqliteStore } from '../src/index.ts';
import type { FieldOps, Filter, FindOptions, Scalar } from '../src/index.ts';

const root = mkdtempSync(join(tmpdir(), 'tamga-store-filters-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  fc.constantFrom<Scalar>(null, true, false, 0, 1, 2.5, -3, '', 'a', 'b', 'B', 'é', '10', '2'),
  fc.integer({ min: -5, max: 5 }),
);
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ c: scalar }) },
);
const nested = fc.oneof(
  fc.record({ c: value }, { requiredKeys: [] }),
  fc.array(fc.record({ c: scalar }, { requiredKeys: [] }), { maxLength: 3 }),
  scalar,
);
const doc = fc.record({ a: value, b: nested, n: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: ['n'] });

const bound = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0.5, 'a', 'b', '1', ''));
const ops: fc.Arbitrary<FieldOps> = fc.record(
  {
    $eq: scalar,
    $ne: scalar,
    $in: fc.array(scalar, { maxLength: 3 }),
    $nin: fc.array(scalar, { maxLength: 3 }),
    $gt: bound,
    $gte: bound,
    $lt: bound,
    $lte: bound,
    $exists: fc.boolean(),
  },
  { requiredKeys: [] },
);
const path = fc.constantFrom('a', 'b', 'b.c', 'a.c', 'n', '_id');
const filter: fc.Arbitrary<Filter> = fc.dictionary(path, fc.oneof(scalar, ops), { maxKeys: 2 });
const direction = fc.constantFrom<1 | -1>(1, -1);

const things = defineCollection<Record<string, unknown>>({ name: 'things' });

describe('filters: sqlite SQL and the JavaScript matcher agree', () => {
  it('return the same documents in the same order for any filter and sort', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(doc, { maxLength: 12 }), filter, direction, direction, async (docs, where, dirN, dirA) => {
        run += 1;
        const memory = createMemoryStore({ quiet: true });
        const sqlite = await openSqliteStore({ file: join(root, `run-${run}.sqlite`) });
        try {
          for (const [i, d] of docs.entries()) {
            await memory.collection(things).insert({ ...d, _id: `d${i}` });
            await sqlite.collection(things).insert({ ...d, _id: `d${i}` });
          }
          const expected = (await memory.collection(things).find(where)).map((d) => d._id).sort();
          const actual = (await sqlite.collection(things).find(where)).map((d) => d._id).sort();
          expect(actual).toEqual(expected);
          expect(await sqlite.collection(things).count(where)).toBe(expected.length);
          // Sort keys that hold scalars of mixed types or nothing; array sort keys are outside the contract.
          const scalarA = (d: { a?: unknown }): boolean => !Array.isArray(d.a) && (typeof d.a !== 'object' || d.a === null);
          if (!docs.every(scalarA)) return;
          const sortable: FindOptions['sort'] = { a: dirA, n: dirN };
          const sortedMemory = (await memory.collection(things).find({}, { sort: sortable, skip: 1, limit: 5 })).map((d) => d._id);
          const sortedSqlite = (await sqlite.collection(things).find({}, { sort: sortable, skip: 1, limit: 5 })).map((d) => d._id);
          expect(sortedSqlite).toEqual(sortedMemory);
        } finally {
          await memory.close();
          await sqlite.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});
