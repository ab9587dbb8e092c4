import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LOW_CUTS } from '../src/library/blocked.ts';
import { buildIndex, buildIndexFromPacked, COMPOSITE_DOT_POWERS, createSearchPool, identityMatchFactor, loadIndex, makeSpectrum, MEASURES, parseMsp, reverseMatchFactor, serializeIndex, type LibrarySpectrum, type Measure } from '../src/index.ts';

const meta = { name: 'test-lib', version: '1' };

// EI-like random spectra: a few fragment families, so that some library spectra resemble each
// other and the queries (noisy copies) have close competitors.
const arbLibrary = fc.array(
  fc.uniqueArray(fc.tuple(fc.integer({ min: 30, max: 120 }), fc.integer({ min: 1, max: 999 })), { minLength: 1, maxLength: 30, selector: (p) => p[0] }),
  { minLength: 1, maxLength: 60 },
);

function toLibrary(raw: [number, number][][]): LibrarySpectrum[] {
  return raw.map((peaks, k) => ({
    ...makeSpectrum(peaks, { name: `S${k}`, dbId: `ID${k}`, inchikey: `KEY${k % 7}`, ri: k % 3 === 0 ? 1000 + k : undefined, derivative: k % 4 === 1 ? '2 TMS' : undefined }),
  }));
}

const view = (r: { hits: { index: number; score: number }[] }) => r.hits.map((h) => [h.index, h.score]);

describe('index search equals brute force', () => {
  it('returns exactly the brute-force top-k for every measure on random libraries', () => {
    fc.assert(
      fc.property(
        arbLibrary,
        fc.nat(),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 300 })), { maxLength: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom<Measure>(...MEASURES),
        fc.boolean(),
        (raw, pick, noise, top, measure, ri) => {
          const lib = toLibrary(raw);
          const index = buildIndex(lib, meta);
          const base = lib[pick % lib.length];
          if (base === undefined) return;
          // Query: a library spectrum with some peaks disturbed and extra peaks.
          const peaks: [number, number][] = Array.from(base.mz, (m, k) => [m, (base.intensity[k] ?? 1) * (1 + ((k * 37) % 5) / 10)]);
          for (const [dm, a] of noise) peaks.push([30 + dm * 2 + 0.3, a]);
          // Some queries declare a derivative: mismatching hits lose points, which the bounds must allow.
          const query = { ...makeSpectrum(peaks), ri: 1000 + (pick % 50), ...(pick % 3 === 0 ? { derivative: '2 TMS' } : {}) };
          const opts = { measure, top, ...(ri ? { riPenalty: { tolerance: 10, perUnit: 2 } } : {}) };
          expect(view(index.search(query, opts))).toEqual(view(index.bruteForce(query, opts)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ranks the spectrum of the declared derivative above the same spectrum filed without it', () => {
    const peaks: [number, number][] = [[73, 999], [147, 300], [204, 120], [217, 80]];
    const lib = [
      makeSpectrum(peaks, { name: 'Glucose', dbId: 'PLAIN', inchikey: 'WQZGKKKJIJFFOK-GASJEMHNSA-N' }),
      makeSpectrum(peaks, { name: 'Glucose', dbId: 'TMS', inchikey: 'WQZGKKKJIJFFOK-GASJEMHNSA-N', derivative: '5 TMS' }),
    ];
    const index = buildIndex(lib, meta);
    const labelled = index.search({ ...makeSpectrum(peaks), derivative: '5 TMS' }, { top: 2 });
    expect(labelled.hits.map((h) => [h.id, h.derivative])).toEqual([['TMS', '5 TMS'], ['PLAIN', 'none']]);
    expect(labelled.hits[1]?.score).toBe((labelled.hits[0]?.score ?? 0) - 200);
    // an unlabelled query is not assumed underivatised: both score the same
    const plain = index.search(makeSpectrum(peaks), { top: 2 });
    expect(plain.hits[0]?.score).toBe(plain.hits[1]?.score);
    // the check can be turned off
    const off = index.search({ ...makeSpectrum(peaks), derivative: '5 TMS' }, { top: 2, derivativePenalty: 0 });
    expect(off.hits[0]?.score).toBe(off.hits[1]?.score);
  });

  it('scores hits as the pairwise functions do and names the library version', () => {
    const lib = toLibrary([[[41, 100], [43, 999], [57, 300]], [[41, 999], [43, 100]], [[43, 999], [57, 999], [71, 50]]]);
    const index = buildIndex(lib, meta);
    const q = makeSpectrum([[41, 120], [43, 999], [57, 280], [60, 5]]);
    const r = index.search(q, { measure: 'identity', top: 3 });
    expect(r.library).toEqual(meta);
    for (const h of r.hits) {
      const ref = lib[h.index];
      if (ref === undefined) throw new Error('hit outside the library');
      expect(h.mf).toBe(identityMatchFactor(q, ref));
      expect(h.rmf).toBe(reverseMatchFactor(q, ref));
      expect(h.score).toBe(h.mf);
    }
    expect(r.hits.map((h) => h.rank)).toEqual([1, 2, 3]);
    expect(r.hits[0]?.id).toBe('ID0');
  });
});

describe('pruning edge cases equal brute force', () => {
  const same = (lib: LibrarySpectrum[], queries: LibrarySpectrum[] | ReturnType<typeof makeSpectrum>[], tops: number[], extra: { dotPowers?: { mz: number; intensity: number } } = {}) => {
    const index = buildIndex(lib, meta);
    for (const q of queries)
      for (const measure of MEASURES)
        for (const top of tops) {
          const opts = { measure, top, ...extra };
          expect(view(index.search(q, opts)), `${measure} top ${top}`).toEqual(view(index.bruteForce(q, opts)));
        }
  };

  it('ranks many near-duplicate spectra exactly, ties broken by library position', () => {
    const bases: [number, number][][] = [
      [[41, 300], [43, 999], [57, 640], [71, 120], [85, 60], [99, 15]],
      [[51, 200], [77, 999], [105, 700], [122, 300]],
      [[39, 80], [65, 120], [91, 999], [92, 600]],
    ];
    const raw = Array.from({ length: 240 }, (_, k) => (bases[k % 3] ?? []).map(([m, a], j): [number, number] => [m, Math.max(1, a + ((k * (j + 1)) % 3) - 1)]));
    const lib = toLibrary(raw);
    same(lib, [lib[0], lib[1], lib[5]].filter((x) => x !== undefined), [1, 10, 50, 239]);
  });

  it('fills a top k larger than the spectra sharing a bin with zero scores in library order', () => {
    const low = Array.from({ length: 20 }, (_, k): [number, number][] => [[30 + (k % 10), 999], [45, 100 + k]]);
    const high = Array.from({ length: 20 }, (_, k): [number, number][] => [[300 + (k % 10), 999], [320, 100 + k]]);
    const lib = toLibrary([...high, ...low]);
    same(lib, [makeSpectrum([[31, 999], [45, 300]])], [5, 25, 40]);
  });

  it('answers queries of one peak and queries that share no bin with the library', () => {
    const raw = Array.from({ length: 80 }, (_, k) => Array.from({ length: 6 }, (_, j): [number, number] => [40 + ((k * 11 + j * 7) % 90), 1 + ((k * 37 + j * 101) % 999)]));
    const lib = toLibrary(raw);
    same(lib, [makeSpectrum([[57, 999]]), makeSpectrum([[129, 10]]), makeSpectrum([[700, 999], [701, 50]])], [1, 3, 80]);
  });

  it('stays exact on libraries where the query meets a small share of the peaks', () => {
    // Twelve disjoint m/z regions: most spectra share no bin with the query, so pruning is deep.
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 15 }), fc.constantFrom<Measure>(...MEASURES), (seed, top, measure) => {
        const raw = Array.from({ length: 240 }, (_, k) => {
          const base = 30 + (k % 12) * 40;
          return Array.from({ length: 8 }, (_, j): [number, number] => [base + ((k * 7 + j * 5 + seed) % 38), 1 + ((k * 131 + j * 17 + seed) % 999)]);
        });
        const lib = toLibrary(raw);
        const index = buildIndex(lib, meta);
        const src = lib[seed % lib.length];
        if (src === undefined) return;
        const query = makeSpectrum(Array.from(src.mz, (m, k): [number, number] => [m, (src.intensity[k] ?? 1) * (1 + (k % 3) / 7)]));
        const opts = { measure, top };
        expect(view(index.search(query, opts))).toEqual(view(index.bruteForce(query, opts)));
      }),
      { numRuns: 60 },
    );
  });

  it('stays exact with cosine powers other than the ones the postings are ordered by', () => {
    const raw = Array.from({ length: 120 }, (_, k) => Array.from({ length: 10 }, (_, j): [number, number] => [35 + ((k * 13 + j * 9) % 150), 1 + ((k * 53 + j * 29) % 999)]));
    const lib = toLibrary(raw);
    same(lib, [lib[3], lib[77]].filter((x) => x !== undefined), [1, 10], { dotPowers: { mz: 1, intensity: 1 } });
  });
});

describe('blocked postings', () => {
  it('stays exact across several blocks of 65,536 spectra, with near copies of the query in every block', () => {
    // 140,000 spectra of 6 peaks: three blocks of cosine postings, and near copies of the query
    // spread through all of them, so hits and the k-th best come from every block.
    const count = 140_000;
    const per = 6;
    const offsets = new Uint32Array(count + 1);
    const mz = new Uint16Array(count * per);
    const intensity = new Uint16Array(count * per);
    for (let s = 0; s < count; s++) {
      offsets[s] = s * per;
      const copy = s % 9973 === 17;
      for (let j = 0; j < per; j++) {
        mz[s * per + j] = copy ? 41 + 14 * j : 30 + j * 40 + ((s * 7 + j * 13) % 40);
        intensity[s * per + j] = copy ? 999 - 100 * j + (s % 5) : 1 + ((s * 131 + j * 71) % 999);
      }
    }
    offsets[count] = count * per;
    const index = buildIndexFromPacked({ offsets, mz, intensity, ri: new Float32Array(count).fill(Number.NaN) }, meta);
    const queries = [
      makeSpectrum(Array.from({ length: per }, (_, j): [number, number] => [41 + 14 * j, 990 - 95 * j])),
      makeSpectrum([[41, 999], [55, 400], [150, 300], [231, 80]]),
    ];
    for (const q of queries)
      for (const measure of ['composite', 'dot', 'identity', 'reverse'] as const)
        for (const top of [1, 10, 25]) {
          const opts = { measure, top };
          expect(view(index.search(q, opts)), `${measure} top ${top}`).toEqual(view(index.bruteForce(q, opts)));
        }
  });
});

describe('low-m/z bins left out of the pass', () => {
  it("stores each spectrum's cosine norm below every cut, rounded up", () => {
    const lib = toLibrary([
      [[41, 999], [57, 500], [91, 300], [120, 40], [180, 700], [250, 999]],
      [[200, 10], [300, 999]],
      [[35, 999]],
    ]);
    const post = buildIndex(lib, meta).parts.cosinePostings;
    if (post === undefined) throw new Error('no postings');
    const w = (m: number, i: number) => m ** COMPOSITE_DOT_POWERS.mz * i ** COMPOSITE_DOT_POWERS.intensity;
    lib.forEach((sp, s) => {
      const weights = Array.from(sp.mz, (m, k) => [m, w(m, sp.intensity[k] ?? 0)] as const);
      const norm = Math.hypot(...weights.map(([, v]) => v));
      LOW_CUTS.forEach((cut, c) => {
        const below = Math.hypot(...weights.filter(([m]) => m < cut).map(([, v]) => v)) / norm;
        const stored = (post.lowNorm[c * lib.length + s] ?? 0) / 65535;
        expect(stored).toBeGreaterThanOrEqual(below);
        expect(stored - below).toBeLessThan(1 / 65535 + 1e-12);
      });
    });
  });

  it('stays exact when queries reaching high m/z leave their densest low bins out of the pass', () => {
    // Spectra up to m/z 400 with many intense low ions: with m/z-weighted cosines the query's norm
    // below m/z 100-150 is small, so those bins are bounded per spectrum instead of read. Most
    // spectra share the same heavy ions, so their low ions decide the ranking.
    const arbWide = fc.array(
      fc.tuple(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 30, max: 150 }), fc.integer({ min: 1, max: 999 })), { minLength: 1, maxLength: 25, selector: (p) => p[0] }),
        fc.oneof(
          fc.constant<[number, number][]>([[250, 999], [331, 800]]),
          fc.uniqueArray(fc.tuple(fc.integer({ min: 151, max: 400 }), fc.integer({ min: 1, max: 999 })), { maxLength: 8, selector: (p) => p[0] }),
        ),
      ),
      // More spectra than the seeds the search scores before it prunes.
      { minLength: 100, maxLength: 300 },
    );
    fc.assert(
      fc.property(arbWide, fc.nat(), fc.integer({ min: 1, max: 10 }), fc.constantFrom<Measure>('composite', 'dot'), (raw, pick, top, measure) => {
        const lib = toLibrary(raw.map(([lo, hi]) => [...lo, ...hi]));
        const index = buildIndex(lib, meta);
        const base = lib[pick % lib.length];
        if (base === undefined) return;
        const peaks: [number, number][] = Array.from(base.mz, (m, k) => [m, (base.intensity[k] ?? 1) * (1 + ((k * 37) % 5) / 10)]);
        peaks.push([33, 999], [44, 700]);
        const query = makeSpectrum(peaks);
        expect(view(index.search(query, { measure, top }))).toEqual(view(index.bruteForce(query, { measure, top })));
      }),
      { numRuns: 100 },
    );
  });
});

describe('saved index and worker pool', () => {
  const lib = toLibrary(Array.from({ length: 200 }, (_, k) => Array.from({ length: 12 }, (_, j): [number, number] => [30 + ((k * 7 + j * 13) % 200), 1 + ((k * 31 + j * 17) % 999)])));
  const index = buildIndex(lib, meta);
  const queries = lib.slice(0, 20);
  const pools: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('loads a saved index that answers exactly as the original', () => {
    const bytes = serializeIndex(index);
    const again = loadIndex(new Uint8Array(bytes));
    for (const q of queries) for (const measure of MEASURES) expect(view(again.search(q, { measure }))).toEqual(view(index.search(q, { measure })));
    expect(again.meta).toEqual(meta);
  });

  it.each([2, 3])('reads an index saved in an earlier file format (%i) by indexing its packed library again', (format) => {
    // Formats 2 and 3 began with the same four packed arrays; what followed (pairs and postings
    // of the older layouts) is not read, so it is left empty here.
    const p = index.parts;
    const packed = [p.offsets, p.mz, p.intensity, p.ri];
    const header = { format, library: meta, maxMz: p.maxMz, lengths: [...packed.map((a) => a.length), ...Array.from({ length: 10 }, () => 0)], strings: { ids: p.ids, names: p.names, inchikeys: p.inchikeys, derivatives: p.derivatives, comments: p.comments } };
    const json = new TextEncoder().encode(JSON.stringify(header));
    const align = (n: number) => (n + 7) & ~7;
    let size = align(16 + json.length);
    for (const a of packed) size += align(a.byteLength);
    const bytes = new Uint8Array(size);
    bytes.set(new TextEncoder().encode('TAMGAIDX'), 0);
    new DataView(bytes.buffer).setUint32(8, format, true);
    new DataView(bytes.buffer).setUint32(12, json.length, true);
    bytes.set(json, 16);
    let at = align(16 + json.length);
    for (const a of packed) {
      bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += align(a.byteLength);
    }
    const old = loadIndex(bytes);
    for (const q of queries.slice(0, 5)) for (const measure of MEASURES) expect(view(old.search(q, { measure }))).toEqual(view(index.search(q, { measure })));
    new DataView(bytes.buffer).setUint32(8, 1, true);
    expect(() => loadIndex(bytes)).toThrow(/format 1 is not supported/);
  });

  it('refuses bytes that are not an index', () => {
    expect(() => loadIndex(new TextEncoder().encode('not an index at all'))).toThrow(/SPECTRA_ERR_BAD_INDEX|not a Tamga/);
  });

  it('hands the index itself to worker threads (shared arrays, no copy) with the same results', async () => {
    const pool = createSearchPool(index, { threads: 2 });
    pools.push(pool);
    const results = await pool.searchMany(queries.slice(0, 6), { measure: 'identity', top: 4 });
    results.forEach((r, k) => expect(view(r)).toEqual(view(index.search(queries[k] ?? makeSpectrum([]), { measure: 'identity', top: 4 }))));
  });

  it('searches on worker threads with the same results', async () => {
    const pool = createSearchPool(serializeIndex(index), { threads: 2 });
    pools.push(pool);
    const results = await pool.searchMany(queries, { measure: 'composite', top: 5 });
    results.forEach((r, k) => expect(view(r)).toEqual(view(index.search(queries[k] ?? queries[0] ?? lib[0] ?? makeSpectrum([]), { measure: 'composite', top: 5 }))));
  });
});

const LIB_DIR = resolve(import.meta.dirname, '../../../../shared/data/ei-library');
const haveLib = existsSync(resolve(LIB_DIR, 'library.msp'));
if (!haveLib) console.warn(`skipping the shared-library tests: ${LIB_DIR}/library.msp is absent`);

describe.skipIf(!haveLib)('the shared 12,585-spectrum EI library', () => {
  it('parses every record with its licence, indexes it, and reloads the index in well under a second', () => {
    const lib = parseMsp(readFileSync(resolve(LIB_DIR, 'library.msp'), 'utf8'), { source: 'library.msp' });
    expect(lib).toHaveLength(12585);
    expect(lib.every((s) => (s.comments ?? '').includes('License='))).toBe(true);
    const index = buildIndex(lib, { name: 'MassBank EI', version: '2025.05.1' });
    const bytes = serializeIndex(index);
    const t0 = performance.now();
    const again = loadIndex(bytes);
    expect(performance.now() - t0).toBeLessThan(500);
    const queries = parseMsp(readFileSync(resolve(LIB_DIR, 'queries-dev.msp'), 'utf8'));
    for (const q of queries.slice(0, 10)) for (const measure of MEASURES) expect(view(again.search(q, { measure }))).toEqual(view(index.bruteForce(q, { measure })));
  });
});
