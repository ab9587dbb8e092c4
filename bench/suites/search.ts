// `pnpm bench:search`: library search accuracy on the public dev queries and speed of the exact
// index beside a brute-force scan, on the real 12,585-spectrum EI library and on a synthetic
// EI-like library (SEARCH_BENCH_SYNTHETIC spectra, default 1,000,000; e.g. 200000 while iterating).
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { buildIndex, buildIndexFromPacked, createSearchPool, loadIndex, makeSpectrum, MEASURES, DEFAULT_MEASURE, parseMsp, serializeIndex, type LibrarySpectrum, type Measure, type PackedLibrary, type SpectralIndex } from '../../packages/spectra/src/index.ts';
import { percentile, round, type Measurement, type Suite } from '../lib.ts';

type M = Omit<Measurement, 'ratio'>;
const DATA = resolve(import.meta.dirname, '../../../shared/data/ei-library');

/** mulberry32: a small seeded PRNG so the synthetic library is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * EI-like synthetic spectra: a molecular mass M in 150..600, 30..150 distinct nominal peaks in
 * 30..M, intensities heavy-tailed (999 * u^3, most peaks small) with one base peak of 999.
 */
export function syntheticLibrary(count: number, seed = 1): PackedLibrary {
  const rand = rng(seed);
  const offsets = new Uint32Array(count + 1);
  // Written straight into shared memory sized for 150 peaks a spectrum: pages never written are
  // never resident, and the index and the worker threads keep these very arrays (no copies).
  const mzAll = new Uint16Array(new SharedArrayBuffer(2 * 150 * count));
  const intAll = new Uint16Array(new SharedArrayBuffer(2 * 150 * count));
  let total = 0;
  const used = new Uint8Array(601);
  for (let s = 0; s < count; s++) {
    const mMax = 150 + Math.floor(rand() * 451);
    const n = Math.min(30 + Math.floor(rand() * 121), mMax - 29);
    used.fill(0);
    let placed = 0;
    while (placed < n) {
      const m = 30 + Math.floor(rand() * (mMax - 29));
      if (used[m] === 1) continue;
      used[m] = 1;
      placed++;
    }
    offsets[s] = total;
    let k = total;
    for (let m = 30; m <= mMax; m++) if (used[m] === 1) mzAll[k++] = m;
    for (let j = 0; j < n; j++) intAll[total + j] = Math.max(1, Math.round(999 * rand() ** 3));
    intAll[total + Math.floor(rand() * n)] = 999;
    total += n;
  }
  offsets[count] = total;
  return { offsets, mz: mzAll.subarray(0, total), intensity: intAll.subarray(0, total), ri: new Float32Array(count).fill(Number.NaN) };
}

/** A replicate-like query: a library spectrum with intensity noise, lost small peaks and extra noise peaks. */
export function syntheticQuery(lib: PackedLibrary, s: number, seed: number) {
  const rand = rng(seed);
  const a = lib.offsets[s] ?? 0;
  const b = lib.offsets[s + 1] ?? 0;
  const peaks: [number, number][] = [];
  for (let p = a; p < b; p++) {
    const v = (lib.intensity[p] ?? 0) * Math.exp(0.25 * (rand() + rand() + rand() - 1.5));
    if (v < 8 && rand() < 0.5) continue;
    peaks.push([lib.mz[p] ?? 0, v]);
  }
  const extra = 3 + Math.floor(rand() * 8);
  for (let k = 0; k < extra; k++) peaks.push([30 + Math.floor(rand() * 300), 1 + 40 * rand()]);
  return makeSpectrum(peaks);
}

const hitKey = (inchikey: string, derivative: string) => `${inchikey.slice(0, 14)}|${derivative}`;

function timeQueries(index: SpectralIndex, queries: readonly Parameters<SpectralIndex['search']>[0][], opts: { measure: Measure; brute?: boolean }): number[] {
  return queries.map((q) => {
    const t0 = performance.now();
    if (opts.brute === true) index.bruteForce(q, { measure: opts.measure });
    else index.search(q, { measure: opts.measure });
    return performance.now() - t0;
  });
}

async function throughput(bytes: Uint8Array | SpectralIndex, queries: readonly Parameters<SpectralIndex['search']>[0][], measure: Measure): Promise<number> {
  const pool = createSearchPool(bytes, { threads: availableParallelism() });
  try {
    await pool.searchMany(queries.slice(0, 4), { measure });
    const t0 = performance.now();
    await pool.searchMany(queries, { measure });
    return queries.length / ((performance.now() - t0) / 1000);
  } finally {
    await pool.close();
  }
}

const mib = (bytes: number) => round(bytes / 2 ** 20, 1);

async function realLibrary(out: M[]): Promise<void> {
  const libPath = resolve(DATA, 'library.msp');
  if (!existsSync(libPath)) {
    console.warn(`search bench: ${libPath} is absent, skipping the real-library figures`);
    return;
  }
  let t0 = performance.now();
  const lib: LibrarySpectrum[] = parseMsp(readFileSync(libPath, 'utf8'), { source: 'library.msp' });
  const parseMs = performance.now() - t0;
  const queries = parseMsp(readFileSync(resolve(DATA, 'queries-dev.msp'), 'utf8'));
  const rss0 = process.memoryUsage().rss;
  t0 = performance.now();
  const index = buildIndex(lib, { name: 'MassBank EI', version: '2025.05.1' });
  const buildMs = performance.now() - t0;
  const rss1 = process.memoryUsage().rss;
  const expected = queries.map((q) => {
    const c = q.comments ?? '';
    return hitKey(/Expected_skeleton=([^;"]*)/.exec(c)?.[1] ?? '?', /Expected_derivative=([^;"]*)/.exec(c)?.[1]?.trim() ?? 'none');
  });
  const accuracy = (measure: Measure, dotPowers?: { mz: number; intensity: number }) => {
    let top1 = 0;
    let top5 = 0;
    queries.forEach((q, k) => {
      const hits = index.search(q, { measure, top: 5, ...(dotPowers ? { dotPowers } : {}) }).hits.map((h) => hitKey(h.inchikey, h.derivative));
      if (hits[0] === expected[k]) top1++;
      if (hits.includes(expected[k] ?? '')) top5++;
    });
    return { top1, top5 };
  };
  index.search(queries[0] ?? makeSpectrum([[50, 1]]), { measure: 'entropy' });
  const base = accuracy('dot', { mz: 1, intensity: 0.5 });
  const baseName = 'plain cosine (m/z * I^0.5), same run';
  for (const measure of MEASURES) {
    const a = accuracy(measure);
    out.push({ name: `search.real.${measure}.top1`, value: a.top1, unit: 'of 100 dev queries', baseline: baseName, baselineValue: base.top1 });
    out.push({ name: `search.real.${measure}.top5`, value: a.top5, unit: 'of 100 dev queries', baseline: baseName, baselineValue: base.top5 });
  }
  const m = DEFAULT_MEASURE;
  timeQueries(index, queries.slice(0, 10), { measure: m });
  const fast = timeQueries(index, queries, { measure: m });
  const brute = timeQueries(index, queries, { measure: m, brute: true });
  out.push({ name: 'search.real.ms_per_query.p50', value: round(percentile(fast, 50)), unit: 'ms', baseline: 'brute-force scan p50', baselineValue: round(percentile(brute, 50)) });
  out.push({ name: 'search.real.ms_per_query.p95', value: round(percentile(fast, 95)), unit: 'ms', baseline: 'brute-force scan p95', baselineValue: round(percentile(brute, 95)) });
  for (const measure of MEASURES.filter((x) => x !== m)) {
    const f = timeQueries(index, queries, { measure });
    const b = timeQueries(index, queries, { measure, brute: true });
    out.push({ name: `search.real.${measure}.ms_per_query.p50`, value: round(percentile(f, 50)), unit: 'ms', baseline: 'brute-force scan p50', baselineValue: round(percentile(b, 50)) });
    out.push({ name: `search.real.${measure}.ms_per_query.p95`, value: round(percentile(f, 95)), unit: 'ms', baseline: 'brute-force scan p95', baselineValue: round(percentile(b, 95)) });
  }
  const bytes = serializeIndex(index, { shared: true });
  t0 = performance.now();
  loadIndex(bytes);
  const loadMs = performance.now() - t0;
  const qps = await throughput(bytes, [...queries, ...queries, ...queries], m);
  const bruteQps = 1000 / (brute.reduce((x, y) => x + y, 0) / brute.length);
  out.push({ name: 'search.real.queries_per_s.all_cores', value: round(qps, 1), unit: 'queries/s', baseline: 'brute-force scan, one thread', baselineValue: round(bruteQps, 1) });
  out.push({ name: 'search.real.build_s', value: round(buildMs / 1000), unit: 's', baseline: 'parsing the MSP text', baselineValue: round(parseMs / 1000) });
  out.push({ name: 'search.real.index_load_ms', value: round(loadMs), unit: 'ms', baseline: 'parsing the MSP text', baselineValue: round(parseMs) });
  out.push({ name: 'search.real.index_resident_mib', value: mib(rss1 - rss0), unit: 'MiB', baseline: 'index file size', baselineValue: mib(bytes.byteLength) });
}

async function synthetic(out: M[]): Promise<void> {
  const n = Number(process.env.SEARCH_BENCH_SYNTHETIC ?? process.env.BENCH_SEARCH_SYNTHETIC ?? 1_000_000);
  const measure = DEFAULT_MEASURE;
  let rssMax = process.memoryUsage().rss;
  const sample = (): void => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  };
  let t0 = performance.now();
  const lib = syntheticLibrary(n, 42);
  const genMs = performance.now() - t0;
  const rand = rng(7);
  const queries = Array.from({ length: 100 }, (_, k) => syntheticQuery(lib, Math.floor(rand() * n), 1000 + k));
  sample();
  const rss0 = process.memoryUsage().rss;
  t0 = performance.now();
  const built = buildIndexFromPacked(lib, { name: `synthetic-${n}`, version: 'seed-42' });
  const buildMs = performance.now() - t0;
  sample();
  const time = (qs: typeof queries, o: { measure: Measure; brute?: boolean }): number[] => {
    const t = timeQueries(built, qs, o);
    sample();
    return t;
  };
  time(queries.slice(0, 3), { measure });
  const fast = time(queries, { measure });
  time(queries.slice(0, 3), { measure: 'identity' });
  const fastId = time(queries.slice(0, 50), { measure: 'identity' });
  const big = n >= 500_000;
  const brute = time(queries.slice(0, big ? 5 : 20), { measure, brute: true });
  const bruteId = time(queries.slice(0, big ? 3 : 10), { measure: 'identity', brute: true });
  // The index must agree with brute force (score and library position of every hit).
  for (const q of queries.slice(0, 2)) {
    const r = built.search(q, { measure });
    const b = built.bruteForce(q, { measure });
    if (JSON.stringify(r.hits.map((h) => [h.index, h.score])) !== JSON.stringify(b.hits.map((h) => [h.index, h.score]))) throw new Error('index and brute force disagree');
  }
  const qps = await throughput(built, queries, measure);
  sample();
  // Peak resident through generation, build and search (before the index is saved below).
  const rssPeak = Math.max(rssMax, process.resourceUsage().maxRSS * 1024);
  const p = built.parts;
  const indexBytes = Object.values(p).reduce((x: number, v) => x + (ArrayBuffer.isView(v) ? v.byteLength : 0), 0) + Object.values(p.cosinePostings ?? {}).reduce((x: number, v) => x + (ArrayBuffer.isView(v) ? v.byteLength : 0), 0);
  const bytes = serializeIndex(built);
  t0 = performance.now();
  loadIndex(bytes);
  const loadMs = performance.now() - t0;
  const tag = `search.synthetic_${n}`;
  const bruteMean = brute.reduce((x, y) => x + y, 0) / brute.length;
  out.push({ name: `${tag}.build_s`, value: round(buildMs / 1000), unit: 's', baseline: 'generating the library', baselineValue: round(genMs / 1000) });
  out.push({ name: `${tag}.ms_per_query.p50`, value: round(percentile(fast, 50)), unit: 'ms', baseline: 'brute-force scan p50 (sample)', baselineValue: round(percentile(brute, 50)) });
  out.push({ name: `${tag}.ms_per_query.p95`, value: round(percentile(fast, 95)), unit: 'ms', baseline: 'brute-force scan p95 (sample)', baselineValue: round(percentile(brute, 95)) });
  out.push({ name: `${tag}.identity.ms_per_query.p50`, value: round(percentile(fastId, 50)), unit: 'ms', baseline: 'brute-force scan p50 (sample)', baselineValue: round(percentile(bruteId, 50)) });
  out.push({ name: `${tag}.identity.ms_per_query.p95`, value: round(percentile(fastId, 95)), unit: 'ms', baseline: 'brute-force scan p95 (sample)', baselineValue: round(percentile(bruteId, 95)) });
  out.push({ name: `${tag}.queries_per_s.all_cores`, value: round(qps, 1), unit: 'queries/s', baseline: 'brute-force scan, one thread', baselineValue: round(1000 / bruteMean, 2) });
  out.push({ name: `${tag}.peak_resident_mib`, value: mib(rssPeak), unit: 'MiB', baseline: 'resident before the index (library generated)', baselineValue: mib(rss0) });
  out.push({ name: `${tag}.index_mib`, value: mib(indexBytes), unit: 'MiB', baseline: 'packed library alone (offsets, m/z, intensities)', baselineValue: mib(p.offsets.byteLength + p.mz.byteLength + p.intensity.byteLength) });
  out.push({ name: `${tag}.index_load_ms`, value: round(loadMs), unit: 'ms', baseline: 'building the index', baselineValue: round(buildMs) });
}

export const suite: Suite = {
  name: 'search',
  async run() {
    const out: M[] = [];
    await realLibrary(out);
    // SEARCH_BENCH_SYNTHETIC=0 measures the real library only (the 1M run takes many minutes).
    if (Number(process.env.SEARCH_BENCH_SYNTHETIC ?? 1) > 0) await synthetic(out);
    return out;
  },
};
