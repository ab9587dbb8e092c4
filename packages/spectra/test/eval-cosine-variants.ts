// Variants of the default measure's cosine part, extra components and reranks, on the library
// replicates and the dev queries (run by hand:
// `pnpm exec tsx packages/spectra/test/eval-cosine-variants.ts [--limit N] [--show a;b]`).
// The NIST identity MF stays exactly as shipped (full spectra, no pre-processing); only the
// cosine of m/z^1.5 * I^0.5 is varied:
// - "decomposable" variants (a per-spectrum weight vector on each side, so an index bounds them
//   like the shipped cosine once it holds that variant's library weights and norms): noise floor
//   on the query and/or library side, low-m/z cut-off, intensity cap;
// - "pair" variants whose weights depend on both spectra (cosine over the common m/z range,
//   reverse cosine whose query norm only counts bins present in the library spectrum, cosine
//   over the query's high-mass region): usable only as a rerank of an exact top-N;
// plus spectral entropy similarity and the reverse MF as third components, and a penalty for hits
// whose highest significant m/z lies above the query's (it only lowers scores, so an index's
// bounds stay valid, like the derivative check).
// Sets and counting as test/eval-measures.ts: "rep" = every library record of a compound
// (InChIKey skeleton + derivative) with >= 2 records, searched against the library without
// itself, top-1/top-5 counted once per compound, overall and on the underivatised EI-B records;
// "dev" = the 100 dev queries. The derivative check of the default (-0.2 when the query is
// labelled and the hit's label differs) applies to every combination.
// Components are scored brute force; each query keeps the union of every component's top-K and
// of every "0.2*MF + 0.8*cosine variant"'s top-K, and each component's K-th value; a combination
// whose 5th best shortlisted score is below the weighted sum of the K-th values is "unsure".
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { parseMsp } from '../src/formats/msp.ts';
import { packLibrary } from '../src/library/packed.ts';
import { entropyTerm, entropyWeights, identityKernel } from '../src/scoring/core.ts';
import { derivativeLabel } from '../src/scoring/derivative.ts';
import { toNominal, type NominalSpectrum } from '../src/scoring/nominal.ts';

const DATA = resolve(import.meta.dirname, '../../../../shared/data/ei-library');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? args[k + 1] : undefined;
};
if (!existsSync(resolve(DATA, 'library.msp'))) {
  console.warn(`eval-cosine-variants: ${DATA}/library.msp is absent, nothing to do`);
  process.exit(0);
}

// ---------------------------------------------------------------- data
const libSpectra = parseMsp(readFileSync(resolve(DATA, 'library.msp'), 'utf8'));
const lib = packLibrary(libSpectra);
const devSpectra = parseMsp(readFileSync(resolve(DATA, 'queries-dev.msp'), 'utf8'));
const N = lib.offsets.length - 1;
const keyOf = (ik: string, d: string): string => `${ik.slice(0, 14)}|${derivativeLabel(d) || 'none'}`;
const libKey = Array.from({ length: N }, (_, s) => keyOf(lib.inchikeys?.[s] ?? '', lib.derivatives?.[s] ?? ''));
const libDeriv = Array.from({ length: N }, (_, s) => derivativeLabel(lib.derivatives?.[s]));

interface Query {
  q: NominalSpectrum;
  key: string;
  self: number;
  deriv: string;
  eib: boolean;
  /** Magnetic-sector EI-B record (unit resolution, the old Japanese collection). */
  sector: boolean;
}
const devQueries: Query[] = devSpectra.map((s) => {
  const c = s.comments ?? '';
  return {
    q: toNominal(s),
    key: keyOf(/Expected_skeleton=([^;"]*)/.exec(c)?.[1] ?? '?', /Expected_derivative=([^;"]*)/.exec(c)?.[1] ?? ''),
    self: -1,
    deriv: derivativeLabel(s.derivative),
    eib: s.instrumentType === 'EI-B' && derivativeLabel(s.derivative) === '',
    sector: s.instrumentType === 'EI-B',
  };
});
const groupSize = new Map<string, number>();
for (let s = 0; s < N; s++) if ((lib.inchikeys?.[s] ?? '').length >= 14) groupSize.set(libKey[s] ?? '', (groupSize.get(libKey[s] ?? '') ?? 0) + 1);
let repQueries: Query[] = [];
for (let s = 0; s < N; s++) {
  const k = libKey[s] ?? '';
  if ((lib.inchikeys?.[s] ?? '').length < 14 || (groupSize.get(k) ?? 0) < 2) continue;
  const a = lib.offsets[s] ?? 0;
  const b = lib.offsets[s + 1] ?? 0;
  if (b <= a) continue;
  const deriv = libDeriv[s] ?? '';
  repQueries.push({ q: { mz: lib.mz.slice(a, b), intensity: lib.intensity.slice(a, b) }, key: k, self: s, deriv, eib: libSpectra[s]?.instrumentType === 'EI-B' && deriv === '', sector: libSpectra[s]?.instrumentType === 'EI-B' });
}
const limit = Number(opt('limit') ?? 'Infinity');
if (repQueries.length > limit) repQueries = repQueries.filter((_, k) => k % Math.ceil(repQueries.length / limit) === 0);
console.log(`library ${N} spectra; replicate queries ${repQueries.length}; dev queries ${devQueries.length}`);

// ---------------------------------------------------------------- cosine variants
const A = 1.5;
const B = 0.5;
/** Weight of one peak on one side: 0 drops it. */
type Side = (m: number, i: number, sector?: boolean) => number;
const plain: Side = (m, i) => m ** A * i ** B;
const floorAt = (f: number): Side => (m, i) => (i >= f ? plain(m, i) : 0);
const cutBelow = (lo: number): Side => (m, i) => (m >= lo ? plain(m, i) : 0);
const capAt = (c: number): Side => (m, i) => plain(m, Math.min(i, c));
// Floor only on spectra that are not EI-B (TOF/Orbitrap/quadrupole records merged to nominal
// mass carry many small peaks); a per-spectrum choice, so still one weight vector per spectrum.
const floorNonSector = (f: number): Side => (m, i, sector) => (sector || i >= f ? plain(m, i, sector) : 0);
/** Decomposable variants: [name, query side, library side]. */
const DEC: [string, Side, Side][] = [
  ['base', plain, plain],
  ['qfloor5', floorAt(5), plain],
  ['qfloor10', floorAt(10), plain],
  ['qfloor20', floorAt(20), plain],
  ['lfloor10', plain, floorAt(10)],
  ['bfloor5', floorAt(5), floorAt(5)],
  ['bfloor10', floorAt(10), floorAt(10)],
  ['bfloor20', floorAt(20), floorAt(20)],
  ['qcut40', cutBelow(40), plain],
  ['bcut40', cutBelow(40), cutBelow(40)],
  ['bcap300', capAt(300), capAt(300)],
  ['bcap100', capAt(100), capAt(100)],
  ['nfloor5', floorNonSector(5), floorNonSector(5)],
  ['nfloor10', floorNonSector(10), floorNonSector(10)],
  ['nfloor20', floorNonSector(20), floorNonSector(20)],
];
const V = DEC.length;
// Pair variants (computed with the base weights): cosine over m >= max of the two lowest m/z;
// reverse cosine (query norm over bins the library spectrum has); cosine over m >= f * the
// query's highest significant m/z (>= 1 % of base peak), f = 0.5 and 0.7.
const PAIR = ['range', 'rcos', 'hi50', 'hi70'];
const COMP = ['mf', 'rmf', 'ent', ...DEC.map(([n]) => `cos:${n}`), ...PAIR.map((n) => `cos:${n}`)];
const C = COMP.length;
const cIdx = (n: string): number => {
  const k = COMP.indexOf(n);
  if (k < 0) throw new Error(`unknown component ${n}`);
  return k;
};
const K = 40;
const SIG = 10; // "significant": >= 1 % of the base peak (999 scale)

const libW = new Float32Array(lib.mz.length * V);
const libN2 = new Float64Array(N * V);
const libMax = new Uint16Array(N); // highest significant m/z
const libEnt = new Float64Array(lib.mz.length);
for (let s = 0; s < N; s++) {
  const a = lib.offsets[s] ?? 0;
  const b = lib.offsets[s + 1] ?? 0;
  for (let p = a; p < b; p++) {
    const m = lib.mz[p] ?? 0;
    const i = lib.intensity[p] ?? 0;
    if (i >= SIG) libMax[s] = m;
    for (let v = 0; v < V; v++) {
      const w = (DEC[v] as [string, Side, Side])[2](m, i, libSpectra[s]?.instrumentType === 'EI-B');
      libW[p * V + v] = w;
      libN2[s * V + v] = (libN2[s * V + v] ?? 0) + w * w;
    }
  }
  if (b > a) {
    const tmp = new Float64Array(b - a);
    entropyWeights(lib.intensity, a, b, tmp);
    libEnt.set(tmp, a);
  }
}
const qMaxOf = (q: NominalSpectrum): number => {
  let mx = 0;
  q.mz.forEach((m, k) => {
    if ((q.intensity[k] ?? 0) >= SIG) mx = m;
  });
  return mx;
};

interface Scored {
  cand: Int32Array;
  vals: Float32Array; // [r * C + c]
  ok: Uint8Array;
  kth: Float32Array;
  lmax: Uint16Array;
  qmax: number;
  /** Rank of each candidate under the shipped default (0.2*MF + 0.8*cos:base - derivative). */
  baseRank: Int16Array;
}

function topK(v: Float32Array, k: number): number[] {
  const top: number[] = [];
  let floor = -Infinity;
  for (let s = 0; s < v.length; s++) {
    const x = v[s] ?? 0;
    if (top.length === k && x <= floor) continue;
    let at = top.length;
    while (at > 0 && (v[top[at - 1] ?? 0] ?? 0) < x) at--;
    top.splice(at, 0, s);
    if (top.length > k) top.pop();
    if (top.length === k) floor = v[top[k - 1] ?? 0] ?? 0;
  }
  return top;
}

const qW = new Float64Array(65536 * V);
const qWset = new Uint8Array(65536);
const qE = new Float64Array(65536);
const qCum = new Float64Array(65537); // base-weight squared norm of query bins < m

const cos = (d: number, x: number, y: number): number => (x > 0 && y > 0 ? Math.min(1, d / Math.sqrt(x * y)) : 0);

function scoreQuery(query: Query): Scored {
  const { q } = query;
  const all = Array.from({ length: C }, () => new Float32Array(N));
  const qn2 = new Float64Array(V);
  const qEnt = new Float64Array(q.mz.length);
  if (q.mz.length > 0) entropyWeights(q.intensity, 0, q.mz.length, qEnt);
  const qmax = qMaxOf(q);
  const qmin = q.mz[0] ?? 0;
  const qtop = q.mz[q.mz.length - 1] ?? 0;
  q.mz.forEach((m, k) => {
    const i = q.intensity[k] ?? 0;
    qWset[m] = 1;
    qE[m] = qEnt[k] ?? 0;
    for (let v = 0; v < V; v++) {
      const w = (DEC[v] as [string, Side, Side])[1](m, i, query.sector);
      qW[m * V + v] = w;
      qn2[v] = (qn2[v] ?? 0) + w * w;
    }
  });
  qCum[0] = 0;
  for (let m = 1; m <= qtop + 1; m++) qCum[m] = (qCum[m - 1] ?? 0) + (qWset[m - 1] ? (qW[(m - 1) * V] ?? 0) ** 2 : 0);
  const qTotal = qCum[qtop + 1] ?? 0;
  const hi0 = Math.ceil(0.5 * qmax);
  const hi1 = Math.ceil(0.7 * qmax);
  const qHi0 = qTotal - (qCum[Math.min(hi0, qtop + 1)] ?? 0);
  const qHi1 = qTotal - (qCum[Math.min(hi1, qtop + 1)] ?? 0);
  const dots = new Float64Array(V);
  const cMf = 0;
  for (let s = 0; s < N; s++) {
    if (s === query.self) {
      for (let c = 0; c < C; c++) (all[c] as Float32Array)[s] = -1;
      continue;
    }
    const a = lib.offsets[s] ?? 0;
    const b = lib.offsets[s + 1] ?? 0;
    (all[cMf] as Float32Array)[s] = identityKernel(q.mz, q.intensity, lib.mz, lib.intensity, a, b, false) / 1000;
    (all[1] as Float32Array)[s] = identityKernel(q.mz, q.intensity, lib.mz, lib.intensity, a, b, true) / 1000;
    const m0 = Math.max(qmin, lib.mz[a] ?? 0);
    let ent = 0;
    dots.fill(0);
    let rDot = 0; // range
    let rL = 0;
    let rcQ = 0; // reverse: query norm over common bins
    let h0Dot = 0;
    let h1Dot = 0;
    let h0L = 0;
    let h1L = 0;
    for (let p = a; p < b; p++) {
      const m = lib.mz[p] ?? 0;
      const wl = libW[p * V] ?? 0;
      if (m >= m0) rL += wl * wl;
      if (m >= hi0) h0L += wl * wl;
      if (m >= hi1) h1L += wl * wl;
      if (qWset[m] !== 1) continue;
      ent += entropyTerm(qE[m] ?? 0, libEnt[p] ?? 0);
      const qo = m * V;
      const lo = p * V;
      for (let v = 0; v < V; v++) dots[v] = (dots[v] ?? 0) + (qW[qo + v] ?? 0) * (libW[lo + v] ?? 0);
      const d0 = (qW[qo] ?? 0) * wl;
      rcQ += (qW[qo] ?? 0) ** 2;
      if (m >= m0) rDot += d0;
      if (m >= hi0) h0Dot += d0;
      if (m >= hi1) h1Dot += d0;
    }
    (all[2] as Float32Array)[s] = Math.min(1, ent);
    for (let v = 0; v < V; v++) {
      const den = Math.sqrt((qn2[v] ?? 0) * (libN2[s * V + v] ?? 0));
      (all[3 + v] as Float32Array)[s] = den > 0 ? Math.min(1, (dots[v] ?? 0) / den) : 0;
    }
    (all[3 + V] as Float32Array)[s] = cos(rDot, qTotal - (qCum[Math.min(m0, qtop + 1)] ?? 0), rL);
    (all[4 + V] as Float32Array)[s] = cos(dots[0] ?? 0, rcQ, libN2[s * V] ?? 0);
    (all[5 + V] as Float32Array)[s] = cos(h0Dot, qHi0, h0L);
    (all[6 + V] as Float32Array)[s] = cos(h1Dot, qHi1, h1L);
  }
  q.mz.forEach((m) => {
    qWset[m] = 0;
  });
  const pick = new Set<number>();
  const kth = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const v = all[c] as Float32Array;
    const top = topK(v, K);
    top.forEach((s) => pick.add(s));
    kth[c] = v[top[top.length - 1] ?? 0] ?? 0;
  }
  // Composite variants with the derivative check, so reranks of the default's top-N are exact.
  const comp = new Float32Array(N);
  let baseTop: number[] = [];
  for (let c = 3; c < C; c++) {
    const mf = all[0] as Float32Array;
    const cv = all[c] as Float32Array;
    for (let s = 0; s < N; s++) comp[s] = 0.2 * (mf[s] ?? 0) + 0.8 * (cv[s] ?? 0) - (query.deriv !== '' && libDeriv[s] !== query.deriv ? 0.2 : 0);
    const top = topK(comp, K);
    top.forEach((s) => pick.add(s));
    if (c === 3) baseTop = top;
  }
  const cand = Int32Array.from([...pick].sort((x, y) => x - y));
  const vals = new Float32Array(cand.length * C);
  cand.forEach((s, r) => {
    for (let c = 0; c < C; c++) vals[r * C + c] = (all[c] as Float32Array)[s] ?? 0;
  });
  const baseRank = Int16Array.from(cand, (s) => {
    const k = baseTop.indexOf(s);
    return k < 0 ? 999 : k;
  });
  return { cand, vals, ok: Uint8Array.from(cand, (s) => (libKey[s] === query.key ? 1 : 0)), kth, lmax: Uint16Array.from(cand, (s) => libMax[s] ?? 0), qmax, baseRank };
}

const t0 = Date.now();
function cached(qs: Query[], label: string): Scored[] {
  const file = resolve(tmpdir(), `tamga-evalcos-${label}-${qs.length}-${C}-${K}.json`);
  if (existsSync(file)) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { cand: number[]; vals: number[]; ok: number[]; kth: number[]; lmax: number[]; qmax: number; baseRank: number[] }[];
    return raw.map((r) => ({ cand: Int32Array.from(r.cand), vals: Float32Array.from(r.vals), ok: Uint8Array.from(r.ok), kth: Float32Array.from(r.kth), lmax: Uint16Array.from(r.lmax), qmax: r.qmax, baseRank: Int16Array.from(r.baseRank) }));
  }
  const out = qs.map((q, k) => {
    if (k % 250 === 0) console.log(`  ${label} ${k}/${qs.length} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    return scoreQuery(q);
  });
  writeFileSync(
    file,
    JSON.stringify(out.map((r) => ({ cand: [...r.cand], vals: [...r.vals], ok: [...r.ok], kth: [...r.kth], lmax: [...r.lmax], qmax: r.qmax, baseRank: [...r.baseRank] }))),
  );
  return out;
}
const dev = cached(devQueries, 'dev');
const rep = cached(repQueries, 'rep');
console.log(`scored in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

// ---------------------------------------------------------------- combinations
/** Score adjustment after the weighted sum (penalties only lower: index bounds stay valid). */
type Adjust = { name: string; apply: (s: Float64Array, sc: Scored, q: Query) => void };
interface Combo {
  name: string;
  w: [number, number][];
  adjust?: Adjust;
  /** Rerank only the shipped default's top-N (exact when the index's top-N is). */
  topN?: number;
}
const combos: Combo[] = [];
const add = (parts: [string, number][], adjust?: Adjust, topN?: number): void => {
  const live = parts.filter(([, x]) => x > 0);
  const name = live.map(([n, x]) => `${+x.toFixed(3)}*${n}`).join(' + ') + (adjust ? ` | ${adjust.name}` : '') + (topN ? ` | rerank default top-${topN}` : '');
  if (combos.some((c) => c.name === name)) return;
  combos.push({ name, w: live.map(([n, x]) => [cIdx(n), x]), adjust, topN });
};
const DEFAULT = '0.2*mf + 0.8*cos:base';
add([['mf', 0.2], ['cos:base', 0.8]]);
for (const c of COMP.slice(3)) for (const w of [0.15, 0.2, 0.25, 0.3]) add([['mf', w], [c, 1 - w]]);
for (const x of ['ent', 'rmf']) for (const w of [0.05, 0.1, 0.2, 0.3]) {
  add([['mf', 0.2], ['cos:base', 0.8], [x, w]]);
  add([['mf', 0.2], ['cos:base', 0.8 - w], [x, w]]);
}
for (const x of PAIR) for (const w of [0.05, 0.1, 0.2, 0.4]) {
  add([['mf', 0.2], ['cos:base', 0.8], [`cos:${x}`, w]]);
  for (const n of [5, 10]) add([['mf', 0.2], ['cos:base', 0.8], [`cos:${x}`, w]], undefined, n);
}
for (const n of [5, 10]) for (const x of ['ent', 'rmf']) for (const w of [0.1, 0.2, 0.3]) add([['mf', 0.2], ['cos:base', 0.8], [x, w]], undefined, n);
// High-mass penalty: the hit's highest significant m/z lies more than d above the query's.
const highMass = (d: number, p: number): Adjust => ({
  name: `hit max m/z > query max + ${d}: -${p}`,
  apply: (s, sc) => {
    sc.cand.forEach((_, r) => {
      if ((sc.lmax[r] ?? 0) > sc.qmax + d) s[r] = (s[r] ?? 0) - p;
    });
  },
});
const highMassGraded = (scale: number, p: number): Adjust => ({
  name: `graded high-mass -${p}*min(1, excess/${scale})`,
  apply: (s, sc) => {
    sc.cand.forEach((_, r) => {
      const ex = (sc.lmax[r] ?? 0) - sc.qmax;
      if (ex > 0) s[r] = (s[r] ?? 0) - p * Math.min(1, ex / scale);
    });
  },
});
for (const d of [0, 2, 5, 10, 20]) for (const p of [0.01, 0.02, 0.05, 0.1]) add([['mf', 0.2], ['cos:base', 0.8]], highMass(d, p));
for (const sc of [10, 30, 100]) for (const p of [0.02, 0.05, 0.1]) add([['mf', 0.2], ['cos:base', 0.8]], highMassGraded(sc, p));
// The other direction: the hit's highest m/z (peaks >= lThr of 999) lies more than d BELOW the
// query's highest m/z (peaks >= qThr): the hit cannot explain the query's heaviest ions, often
// its molecular ion. Both maxima are per-spectrum values, so an index stores one number per
// library spectrum; the penalty only lowers scores (bounds stay valid).
const THRS = [1, 10, 50];
const libMaxAt = THRS.map((thr) => {
  const out = new Uint16Array(N);
  for (let s = 0; s < N; s++)
    for (let p = lib.offsets[s] ?? 0; p < (lib.offsets[s + 1] ?? 0); p++) if ((lib.intensity[p] ?? 0) >= thr) out[s] = lib.mz[p] ?? 0;
  return out;
});
const maxAt = (q: NominalSpectrum, thr: number): number => {
  let mx = 0;
  q.mz.forEach((m, k) => {
    if ((q.intensity[k] ?? 0) >= thr) mx = m;
  });
  return mx;
};
const lowMass = (d: number, p: number, qThr = 10, lThr = 10): Adjust => {
  const lm = libMaxAt[THRS.indexOf(lThr)] as Uint16Array;
  return {
    name: `hit max m/z${lThr === 10 ? '' : `@${lThr}`} < query max${qThr === 10 ? '' : `@${qThr}`} - ${d}: -${p}`,
    apply: (s, sc, q) => {
      const qmax = maxAt(q.q, qThr);
      sc.cand.forEach((pos, r) => {
        if ((lm[pos] ?? 0) < qmax - d) s[r] = (s[r] ?? 0) - p;
      });
    },
  };
};
const lowMassGraded = (scale: number, p: number): Adjust => ({
  name: `graded low-mass -${p}*min(1, shortfall/${scale})`,
  apply: (s, sc) => {
    sc.cand.forEach((_, r) => {
      const ex = sc.qmax - (sc.lmax[r] ?? 0);
      if (ex > 0) s[r] = (s[r] ?? 0) - p * Math.min(1, ex / scale);
    });
  },
});
for (const d of [0, 2, 5, 10, 20, 40]) for (const p of [0.01, 0.02, 0.03, 0.05, 0.07, 0.1]) add([['mf', 0.2], ['cos:base', 0.8]], lowMass(d, p));
for (const sc of [10, 30, 100]) for (const p of [0.02, 0.05, 0.1]) add([['mf', 0.2], ['cos:base', 0.8]], lowMassGraded(sc, p));
for (const [qt, lt] of [[10, 1], [50, 1], [50, 10], [1, 1], [50, 50]] as [number, number][])
  for (const d of [2, 5, 10, 20]) for (const p of [0.03, 0.05, 0.07]) add([['mf', 0.2], ['cos:base', 0.8]], lowMass(d, p, qt, lt));
for (const base of ['bfloor5', 'lfloor10', 'qfloor5', 'nfloor5', 'nfloor10', 'nfloor20'])
  for (const d of [5, 10]) for (const p of [0.03, 0.05]) add([['mf', 0.2], [`cos:${base}`, 0.8]], lowMass(d, p));
// Graded form: the share of the query's cosine weight (m/z^1.5 I^0.5, squared) lying above the
// hit's highest m/z (any intensity), times p. Per library spectrum one stored m/z; per query a
// prefix sum of its weights; only lowers scores.
const libTop = Uint16Array.from({ length: N }, (_, s) => lib.mz[(lib.offsets[s + 1] ?? 1) - 1] ?? 0);
const aboveShare = (p: number, useSig: boolean): Adjust => ({
  name: `share of query weight above hit max${useSig ? ' (>= 1 %)' : ''} * -${p}`,
  apply: (s, sc, q) => {
    let tot = 0;
    const w2 = Array.from(q.q.mz, (m, k) => {
      const v = m ** 3 * (q.q.intensity[k] ?? 0);
      tot += v;
      return v;
    });
    sc.cand.forEach((pos, r) => {
      const top = useSig ? (libMaxAt[1]?.[pos] ?? 0) : (libTop[pos] ?? 0);
      let above = 0;
      q.q.mz.forEach((m, k) => {
        if (m > top) above += w2[k] ?? 0;
      });
      if (tot > 0) s[r] = (s[r] ?? 0) - (p * above) / tot;
    });
  },
});
for (const base of ['base', 'qfloor5']) for (const p of [0.05, 0.1, 0.2, 0.3, 0.5]) for (const sig of [false, true]) add([['mf', 0.2], [`cos:${base}`, 0.8]], aboveShare(p, sig));
// Neighbourhood of the finalist (query floor + low-mass penalty): MF weight and floor.
for (const w of [0.15, 0.25, 0.3]) for (const p of [0.03, 0.05]) add([['mf', w], ['cos:qfloor5', 1 - w]], lowMass(10, p));
for (const base of ['qfloor10', 'qfloor20']) for (const p of [0.03, 0.05]) add([['mf', 0.2], [`cos:${base}`, 0.8]], lowMass(10, p));
// TMS marker: a hit labelled as a TMS derivative when the query's m/z 73 (Si(CH3)3+, present in
// every TMS spectrum) is below f of its base peak.
const tmsMarker = (f: number, p: number): Adjust => ({
  name: `TMS hit, query m/z 73 < ${f / 10} %: -${p}`,
  apply: (s, sc, q) => {
    const k = q.q.mz.indexOf(73);
    const i73 = k < 0 ? 0 : (q.q.intensity[k] ?? 0);
    if (i73 >= f) return;
    sc.cand.forEach((pos, r) => {
      if (/TMS/i.test(libDeriv[pos] ?? '')) s[r] = (s[r] ?? 0) - p;
    });
  },
});
for (const f of [20, 50, 100]) for (const p of [0.05, 0.1, 0.2]) add([['mf', 0.2], ['cos:base', 0.8]], tmsMarker(f, p));
for (const extra of (opt('add') ?? '').split(';').filter(Boolean)) {
  // --add "mf:0.2,cos:bfloor10:0.8" style extra combinations
  add(extra.split(',').map((t) => {
    const k = t.lastIndexOf(':');
    return [t.slice(0, k), Number(t.slice(k + 1))] as [string, number];
  }));
}

interface Result {
  top1: Uint8Array;
  top5: Uint8Array;
  unsure: number;
}
function evaluate(set: Scored[], qs: Query[], combo: Combo): Result {
  const top1 = new Uint8Array(set.length);
  const top5 = new Uint8Array(set.length);
  let unsure = 0;
  set.forEach((sc, qi) => {
    const query = qs[qi] as Query;
    const n = sc.cand.length;
    const s = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let t = 0;
      for (const [c, w] of combo.w) t += w * (sc.vals[r * C + c] ?? 0);
      if (query.deriv !== '' && libDeriv[sc.cand[r] ?? 0] !== query.deriv) t -= 0.2;
      s[r] = t;
    }
    let bound = 0;
    for (const [c, w] of combo.w) bound += w * (sc.kth[c] ?? 0);
    combo.adjust?.apply(s, sc, query);
    const order: number[] = [];
    if (combo.topN !== undefined) {
      // Default's top-N, reordered by the combination; the rest keep the default's order.
      const top = Array.from({ length: n }, (_, r) => r).filter((r) => (sc.baseRank[r] ?? 999) < (combo.topN ?? 0));
      top.sort((x, y) => (s[y] ?? 0) - (s[x] ?? 0) || (sc.cand[x] ?? 0) - (sc.cand[y] ?? 0));
      const rest = Array.from({ length: n }, (_, r) => r).filter((r) => (sc.baseRank[r] ?? 999) >= (combo.topN ?? 0) && (sc.baseRank[r] ?? 999) < 999);
      rest.sort((x, y) => (sc.baseRank[x] ?? 0) - (sc.baseRank[y] ?? 0));
      order.push(...top, ...rest);
    } else {
      for (let r = 0; r < n; r++) {
        const v = s[r] ?? 0;
        if (order.length === 5 && v <= (s[order[4] ?? 0] ?? 0)) continue;
        let at = order.length;
        while (at > 0 && (s[order[at - 1] ?? 0] ?? 0) < v) at--;
        order.splice(at, 0, r);
        if (order.length > 5) order.pop();
      }
      if ((s[order[Math.min(4, n - 1)] ?? 0] ?? 0) < bound) unsure++;
    }
    top1[qi] = sc.ok[order[0] ?? 0] ?? 0;
    top5[qi] = order.slice(0, 5).some((r) => sc.ok[r] === 1) ? 1 : 0;
  });
  return { top1, top5, unsure };
}

// Per-compound weights (each compound counts once, spread over its records), overall and EI-B.
const perCompound = (idx: number[]) => {
  const cnt = new Map<string, number>();
  for (const k of idx) cnt.set((repQueries[k] as Query).key, (cnt.get((repQueries[k] as Query).key) ?? 0) + 1);
  const w = new Float64Array(repQueries.length);
  for (const k of idx) w[k] = 1 / (cnt.get((repQueries[k] as Query).key) ?? 1);
  return { w, n: cnt.size, idx };
};
const allIdx = repQueries.map((_, k) => k);
const ALL = perCompound(allIdx);
const EIB = perCompound(allIdx.filter((k) => (repQueries[k] as Query).eib));
const pc = (v: Uint8Array, g: { w: Float64Array; n: number; idx: number[] }) => (100 * g.idx.reduce((t, k) => t + (v[k] ?? 0) * (g.w[k] ?? 0), 0)) / g.n;
const count = (v: Uint8Array) => v.reduce((t, x) => t + x, 0);

const rows = combos.map((c) => ({ c, rep: evaluate(rep, repQueries, c), dev: evaluate(dev, devQueries, c) }));
const show = (r: (typeof rows)[number]) =>
  [
    pc(r.rep.top1, ALL).toFixed(2),
    pc(r.rep.top5, ALL).toFixed(2),
    pc(r.rep.top1, EIB).toFixed(2),
    pc(r.rep.top5, EIB).toFixed(2),
    count(r.dev.top1),
    count(r.dev.top5),
    `${r.rep.unsure + r.dev.unsure > 0 ? `(unsure ${r.rep.unsure}/${r.dev.unsure}) ` : ''}${r.c.name}`,
  ].join('\t');
console.log(`\n${combos.length} combinations; rep ${rep.length} queries = ${ALL.n} compounds (EI-B underivatised: ${EIB.idx.length} queries, ${EIB.n} compounds); dev ${dev.length}`);
console.log('columns: rep top-1 %, rep top-5 % (per compound), EI-B top-1 %, EI-B top-5 % (per compound), dev top-1, dev top-5, combination');
const def = rows.find((r) => r.c.name === DEFAULT);
if (def === undefined) throw new Error('default missing');
console.log(`-- default\n${show(def)}`);
const better = (r: (typeof rows)[number]) => pc(r.rep.top1, ALL) - pc(def.rep.top1, ALL);
const sorted = [...rows].sort((x, y) => better(y) - better(x));
console.log('-- all, by rep top-1 (per compound)');
for (const r of sorted) console.log(show(r));
console.log('-- winning on rep top-1 AND EI-B top-1 AND not losing rep top-5');
for (const r of sorted.filter((r) => better(r) > 0 && pc(r.rep.top1, EIB) > pc(def.rep.top1, EIB) && pc(r.rep.top5, ALL) >= pc(def.rep.top5, ALL))) console.log(show(r));
// Paired comparison with the default: compounds (weighted) gained and lost, and dev flips.
const paired = (r: (typeof rows)[number]) => {
  const gl = (g: typeof ALL) => {
    let gain = 0;
    let loss = 0;
    for (const k of g.idx) {
      const d = (r.rep.top1[k] ?? 0) - (def.rep.top1[k] ?? 0);
      if (d > 0) gain += g.w[k] ?? 0;
      if (d < 0) loss += g.w[k] ?? 0;
    }
    return `+${gain.toFixed(1)}/-${loss.toFixed(1)}`;
  };
  const flips = devQueries.map((_, k) => k).filter((k) => r.dev.top1[k] !== def.dev.top1[k]).map((k) => `${r.dev.top1[k] ? '+' : '-'}#${k + 1}`);
  return `rep compounds ${gl(ALL)}, EI-B ${gl(EIB)}; dev ${flips.join(' ') || 'no flips'}`;
};
console.log('-- paired against the default (top 12 of the winners above)');
for (const r of sorted.filter((r) => better(r) > 0 && pc(r.rep.top1, EIB) > pc(def.rep.top1, EIB) && pc(r.rep.top5, ALL) >= pc(def.rep.top5, ALL)).slice(0, 12)) console.log(`${paired(r)}\t${r.c.name}`);
for (const n of (opt('show') ?? '').split(';').filter(Boolean)) {
  const r = rows.find((x) => x.c.name === n);
  if (r !== undefined) console.log(`-- ${n}\n${show(r)}\n${paired(r)}`);
}

// Split-half by compound: choose the best combination on half the compounds (rep top-1), count
// it on the other half against the default.
let seed = 13;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const keys = [...new Set(repQueries.map((q) => q.key))];
const gains: number[] = [];
const picks = new Map<string, number>();
for (let it = 0; it < 20; it++) {
  const half = new Set(keys.filter(() => rand() < 0.5));
  const tune = perCompound(allIdx.filter((k) => half.has((repQueries[k] as Query).key)));
  const hold = perCompound(allIdx.filter((k) => !half.has((repQueries[k] as Query).key)));
  let pick = def;
  for (const r of rows) if (pc(r.rep.top1, tune) > pc(pick.rep.top1, tune)) pick = r;
  picks.set(pick.c.name, (picks.get(pick.c.name) ?? 0) + 1);
  gains.push(pc(pick.rep.top1, hold) - pc(def.rep.top1, hold));
}
const mean = gains.reduce((x, y) => x + y, 0) / gains.length;
console.log(`-- split-half by compound: held-out gain of the tuned pick over the default ${mean.toFixed(2)} points (min ${Math.min(...gains).toFixed(2)}, max ${Math.max(...gains).toFixed(2)})`);
console.log(`   picks: ${[...picks.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([n, c]) => `${n} x${c}`).join('; ')}`);
console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
