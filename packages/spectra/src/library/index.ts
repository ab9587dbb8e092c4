// An exact top-k spectral index. Two structures carry the speed:
// - per spectrum, its peaks in canonical m/z order plus a scan order by weight (mz*I, heaviest
//   first), so a spectrum can be abandoned after a few peaks once an upper bound on its score
//   falls below the current k-th best (early abandoning, as in the UCR suite for time series);
// - an inverted index of peak *pairs* (consecutive bins p, j): the identity MF's peak-pair term
//   only rewards pairs both spectra share, so counting shared pairs bounds that term for every
//   spectrum at once. The top spectra by shared pairs also seed the k-th best score.
// Measures with a weighted-cosine part (composite, dot) first get every spectrum's cosine bound
// at once from blocked postings (blocked.ts): most spectra are dismissed there without touching
// their peaks, and only the rest go on to the per-spectrum identity bound.
// Every bound is a proven upper bound (Cauchy-Schwarz on the remaining peaks); survivors are
// scored by the same kernels as brute force, so the result equals brute force exactly.
import { SpectraErrors } from '../errors.ts';
import { dotKernel, entropyKernel, entropyTerm, entropyWeights, identityKernel, powerTables, queryWeights, type PowerTables } from '../scoring/core.ts';
import { toNominal, type NominalSpectrum } from '../scoring/nominal.ts';
import { COMPOSITE_DOT_POWERS, COMPOSITE_MF_WEIGHT, DEFAULT_DOT_POWERS, DEFAULT_MEASURE, DERIVATIVE_MISMATCH_PENALTY } from '../scoring/defaults.ts';
import { derivativeLabel, derivativePenalty } from '../scoring/derivative.ts';
import { matchProbabilities } from '../scoring/probability.ts';
import type { LibraryMeta, LibrarySpectrum, Peaks } from '../types.ts';
import { packLibrary, type PackedLibrary } from './packed.ts';
import { accumulateBlock, BLOCK, buildCosinePostings, type CosinePostings } from './blocked.ts';

export type Measure = 'identity' | 'reverse' | 'dot' | 'entropy' | 'composite';
export const MEASURES: readonly Measure[] = ['composite', 'identity', 'reverse', 'dot', 'entropy'];

export { DEFAULT_MEASURE, COMPOSITE_MF_WEIGHT, DEFAULT_DOT_POWERS, COMPOSITE_DOT_POWERS };

export interface SearchOptions {
  measure?: Measure;
  /** Hits to return (default 10). */
  top?: number;
  /** Powers of the weighted dot product (measure `dot`, and the cosine part of `composite`). */
  dotPowers?: { mz: number; intensity: number };
  /** Subtracted from the score (0..1000 scale) when both sides carry a retention index. */
  riPenalty?: { tolerance: number; perUnit: number };
  /**
   * Subtracted from the score (0..1000 scale) of a hit whose derivative label differs from the
   * query's, when the query declares one (its MSP `Derivative:` field: how the sample was
   * prepared). Default DERIVATIVE_MISMATCH_PENALTY; 0 turns the check off.
   */
  derivativePenalty?: number;
}

export interface Hit {
  rank: number;
  /** Library record id (DB#). */
  id: string;
  /** Position of the record in the library. */
  index: number;
  name: string;
  inchikey: string;
  /** Derivative label, `none` when the record has none. */
  derivative: string;
  /** Score of the chosen measure, 0..1000. */
  score: number;
  /** Identity match factor, 0..1000. */
  mf: number;
  /** Reverse match factor, 0..1000. */
  rmf: number;
  /** Probability-like confidence in percent, relative to the other hits (see probability.ts). */
  probability: number;
  /** The record's comments: its licence and attribution. */
  comments: string;
}

export interface SearchResult {
  library: LibraryMeta;
  measure: Measure;
  hits: Hit[];
}

export interface IndexParts extends PackedLibrary {
  /** Scan order: order[offsets[s] + k] is the in-spectrum position of its k-th heaviest peak. */
  order: Uint16Array;
  /** Sum of mz * I per spectrum (the identity weight's squared norm). */
  mass: Float64Array;
  /** Sorted pair keys p * 65536 + j with their postings (spectrum ids, ascending). */
  pairKeys: Uint32Array;
  pairOffsets: Uint32Array;
  pairPostings: Uint32Array;
  /** Library intensities at p and j of each posting, for the exact peak-pair ratio. */
  pairFrom: Uint16Array;
  pairTo: Uint16Array;
  maxMz: number;
  /**
   * Blocked postings of the composite's cosine weights (blocked.ts), built with the index on
   * shared memory so that worker threads share one copy; other powers are built on first use.
   */
  cosinePostings?: CosinePostings;
}

interface Prepared {
  q: NominalSpectrum;
  ri: number;
  /** The query's derivative label as compared ('' = none declared). */
  derivative: string;
  /** Query intensity by bin (0 when absent). */
  dense: Float64Array;
  /** Query mass (mz*I) at bins >= m. */
  suffix: Float64Array;
}

const MARGIN_EXACT = 1e-9;
const MARGIN_F32 = 1e-4;

export class SpectralIndex {
  readonly meta: LibraryMeta;
  readonly parts: IndexParts;
  readonly count: number;
  private readonly dotCache = new Map<string, Float32Array>();
  private entropyCache: Float32Array | undefined;
  private stamp: Uint32Array;
  private generation = 0;
  private pairCount: Uint16Array;
  private pairNum: Float64Array;
  private pairDen: Float64Array;
  private peakMax = 0;
  private readonly postingsCache = new Map<string, CosinePostings>();
  private acc: Float32Array | undefined;
  private touchedBuf: Uint32Array | undefined;

  constructor(meta: LibraryMeta, parts: IndexParts) {
    this.meta = { name: meta.name, version: meta.version };
    this.parts = parts;
    this.count = parts.offsets.length - 1;
    this.stamp = new Uint32Array(this.count);
    this.pairCount = new Uint16Array(this.count);
    this.pairNum = new Float64Array(this.count);
    this.pairDen = new Float64Array(this.count);
  }

  /** Exact top-k hits for one query spectrum. */
  search(query: Peaks & { ri?: number; derivative?: string }, opts: SearchOptions = {}): SearchResult {
    return this.run(query, opts, false);
  }

  /** The same result by scoring every spectrum (no bounds): the reference for exactness. */
  bruteForce(query: Peaks & { ri?: number; derivative?: string }, opts: SearchOptions = {}): SearchResult {
    return this.run(query, opts, true);
  }

  private run(query: Peaks & { ri?: number; derivative?: string }, opts: SearchOptions, brute: boolean): SearchResult {
    const measure = opts.measure ?? DEFAULT_MEASURE;
    if (!MEASURES.includes(measure)) throw SpectraErrors.SPECTRA_ERR_BAD_QUERY(`unknown measure "${String(measure)}"`);
    const top = opts.top ?? 10;
    if (!Number.isInteger(top) || top < 1) throw SpectraErrors.SPECTRA_ERR_BAD_QUERY(`top must be a positive integer, got ${top}`);
    const prep = this.prepare(query);
    const scorer = this.scorer(measure, prep, opts);
    const heap = new TopK(Math.min(top, this.count));
    if (prep.q.mz.length > 0) {
      if (brute) {
        for (let s = 0; s < this.count; s++) heap.offer(scorer.exact(s), s);
      } else {
        this.searchPruned(prep, scorer, heap);
      }
    }
    return { library: this.meta, measure, hits: this.hits(prep, heap.sorted()) };
  }

  private prepare(query: Peaks & { ri?: number; derivative?: string }): Prepared {
    const q = toNominal(query);
    const size = this.parts.maxMz + 2;
    const dense = new Float64Array(size);
    const suffix = new Float64Array(size);
    let beyond = 0;
    for (let k = 0; k < q.mz.length; k++) {
      const m = q.mz[k] ?? 0;
      const v = q.intensity[k] ?? 0;
      if (m < size) {
        dense[m] = v;
        suffix[m] = m * v;
      } else beyond += m * v;
    }
    let acc = beyond;
    for (let m = size - 1; m >= 0; m--) {
      acc += suffix[m] ?? 0;
      suffix[m] = acc;
    }
    return { q, ri: query.ri ?? Number.NaN, derivative: derivativeLabel(query.derivative), dense, suffix };
  }

  /**
   * The exact score's adjustments, each only ever lowering it (so every bound stays valid): the
   * derivative check (see scoring/derivative.ts), then the retention-index penalty.
   */
  private riAdjust(raw: number, s: number, prep: Prepared, opts: SearchOptions): number {
    const dpen = opts.derivativePenalty ?? DERIVATIVE_MISMATCH_PENALTY;
    const score =
      prep.derivative === '' || dpen === 0 ? raw : Math.max(0, raw - derivativePenalty(prep.derivative, this.parts.derivatives?.[s], dpen));
    const pen = opts.riPenalty;
    if (pen === undefined) return score;
    const lri = this.parts.ri[s] ?? Number.NaN;
    if (Number.isNaN(lri) || Number.isNaN(prep.ri)) return score;
    const over = Math.abs(lri - prep.ri) - pen.tolerance;
    return over > 0 ? Math.max(0, score - over * pen.perUnit) : score;
  }

  private scorer(measure: Measure, prep: Prepared, opts: SearchOptions): Scorer {
    const { offsets, mz, intensity } = this.parts;
    const { q } = prep;
    const adjust = (sc: number, s: number): number => this.riAdjust(sc, s, prep, opts);
    const dotPart = (powers: { mz: number; intensity: number }) => {
      const t = powerTables(powers.mz, powers.intensity);
      const { w, n2 } = queryWeights(q.mz, q.intensity, t);
      // Per-peak library weights: only the per-spectrum bounds read them, so built on first use.
      let lw: Float32Array | undefined;
      const libraryWeights = (): Float32Array => (lw ??= this.dotWeights(t));
      return { t, w, n2, libraryWeights };
    };
    switch (measure) {
      case 'identity':
      case 'reverse': {
        const rev = measure === 'reverse';
        return {
          exact: (s) => adjust(identityKernel(q.mz, q.intensity, mz, intensity, offsets[s] ?? 0, offsets[s + 1] ?? 0, rev), s),
          bound: (s, theta) => this.identityBound(s, theta / 1000, prep, rev, 1, 0, undefined),
        };
      }
      case 'dot': {
        const d = dotPart(opts.dotPowers ?? DEFAULT_DOT_POWERS);
        const qhat = this.denseWeights(prep, d.w, d.n2);
        return {
          exact: (s) => adjust(1000 * dotKernel(q.mz, d.w, d.n2, mz, intensity, offsets[s] ?? 0, offsets[s + 1] ?? 0, d.t), s),
          bound: (s, theta) => this.dotBound(s, theta / 1000, qhat, d.libraryWeights()),
          cosine: { post: this.cosinePostings(d.t), qhat, wmf: 0, wdot: 1 },
        };
      }
      case 'composite': {
        const d = dotPart(opts.dotPowers ?? COMPOSITE_DOT_POWERS);
        const qhat = this.denseWeights(prep, d.w, d.n2);
        const wmf = COMPOSITE_MF_WEIGHT;
        return {
          exact: (s) => {
            const a = offsets[s] ?? 0;
            const b = offsets[s + 1] ?? 0;
            const mf = identityKernel(q.mz, q.intensity, mz, intensity, a, b, false);
            return adjust(wmf * mf + (1 - wmf) * 1000 * dotKernel(q.mz, d.w, d.n2, mz, intensity, a, b, d.t), s);
          },
          bound: (s, theta) => this.identityBound(s, theta / 1000, prep, false, wmf, 1 - wmf, { qhat, lw: d.libraryWeights() }),
          cosine: { post: this.cosinePostings(d.t), qhat, wmf, wdot: 1 - wmf },
          mfBound: (s, theta) => this.identityBound(s, theta / 1000, prep, false, wmf, 0, undefined),
        };
      }
      case 'entropy': {
        const qa = new Float64Array(q.mz.length);
        entropyWeights(q.intensity, 0, q.mz.length, qa);
        const qad = new Float64Array(this.parts.maxMz + 2);
        q.mz.forEach((m, k) => {
          if (m < qad.length) qad[m] = qa[k] ?? 0;
        });
        const lb = this.entropyLibraryWeights();
        const scratch = new Float64Array(this.maxPeaks());
        return {
          exact: (s) => adjust(1000 * entropyKernel(q.mz, qa, mz, intensity, offsets[s] ?? 0, offsets[s + 1] ?? 0, scratch), s),
          bound: (s, theta) => this.entropyBound(s, theta / 1000, qad, lb),
        };
      }
    }
  }

  private maxPeaks(): number {
    if (this.peakMax > 0) return this.peakMax;
    const { offsets } = this.parts;
    let m = 1;
    for (let s = 0; s < this.count; s++) m = Math.max(m, (offsets[s + 1] ?? 0) - (offsets[s] ?? 0));
    this.peakMax = m;
    return m;
  }

  private denseWeights(prep: Prepared, w: Float64Array, n2: number): Float64Array {
    const out = new Float64Array(this.parts.maxMz + 2);
    const norm = Math.sqrt(n2);
    prep.q.mz.forEach((m, k) => {
      if (m < out.length && norm > 0) out[m] = (w[k] ?? 0) / norm;
    });
    return out;
  }

  /** Library weights mz^a * I^b normalised per spectrum, in Float32 (bounds only). */
  private dotWeights(t: PowerTables): Float32Array {
    const key = `${t.a}/${t.b}`;
    let lw = this.dotCache.get(key);
    if (lw !== undefined) return lw;
    const { offsets, mz, intensity } = this.parts;
    lw = normalisedWeights(offsets, mz, intensity, t, new Float32Array(mz.length));
    this.dotCache.set(key, lw);
    return lw;
  }

  private cosinePostings(t: PowerTables): CosinePostings {
    const key = `${t.a}/${t.b}`;
    const have = this.parts.cosinePostings?.key === key ? this.parts.cosinePostings : this.postingsCache.get(key);
    if (have !== undefined) return have;
    const post = buildCosinePostings(this.parts, t, this.parts.maxMz, false);
    this.postingsCache.set(key, post);
    return post;
  }

  private entropyLibraryWeights(): Float32Array {
    if (this.entropyCache !== undefined) return this.entropyCache;
    const { offsets, intensity } = this.parts;
    const out = new Float32Array(intensity.length);
    const scratch = new Float64Array(this.maxPeaks());
    for (let s = 0; s < this.count; s++) {
      const a = offsets[s] ?? 0;
      const b = offsets[s + 1] ?? 0;
      entropyWeights(intensity, a, b, scratch);
      for (let p = a; p < b; p++) out[p] = scratch[p - a] ?? 0;
    }
    this.entropyCache = out;
    return out;
  }

  /**
   * For every spectrum, the consecutive-bin pairs it shares with the query: exactly the pairs
   * of the identity MF's peak-pair term (a common peak whose predecessor in the merged walk is
   * common is a pair of adjacent peaks in both spectra), so n2 and F2 come out exact here.
   */
  private countPairs(q: NominalSpectrum): Uint32Array {
    const { pairKeys, pairOffsets, pairPostings, pairFrom, pairTo } = this.parts;
    const cnt = this.pairCount;
    const num = this.pairNum;
    const den = this.pairDen;
    cnt.fill(0);
    // One buffer per index, not a growing array per query: at 1M spectra that array was a large
    // heap object left to the major GC each query, and the garbage showed in peak resident.
    this.touchedBuf ??= new Uint32Array(this.count);
    const touched = this.touchedBuf;
    let nt = 0;
    for (let k = 1; k < q.mz.length; k++) {
      const mj = q.mz[k] ?? 0;
      const pu = q.intensity[k - 1] ?? 0;
      const iu = q.intensity[k] ?? 0;
      const key = (q.mz[k - 1] ?? 0) * 65536 + mj;
      let lo = 0;
      let hi = pairKeys.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = pairKeys[mid] ?? 0;
        if (v < key) lo = mid + 1;
        else if (v > key) hi = mid - 1;
        else {
          const end = pairOffsets[mid + 1] ?? 0;
          for (let p = pairOffsets[mid] ?? 0; p < end; p++) {
            const s = pairPostings[p] ?? 0;
            if (cnt[s] === 0) {
              touched[nt++] = s;
              num[s] = 0;
              den[s] = 0;
            }
            cnt[s] = (cnt[s] ?? 0) + 1;
            const x = iu * (pairFrom[p] ?? 0);
            const y = pu * (pairTo[p] ?? 0);
            num[s] = (num[s] ?? 0) + mj * Math.sqrt(x < y ? x / y : y / x);
            den[s] = (den[s] ?? 0) + mj;
          }
          break;
        }
      }
    }
    return touched.subarray(0, nt);
  }

  private searchPruned(prep: Prepared, scorer: Scorer, heap: TopK): void {
    const touched = this.countPairs(prep.q);
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.stamp.fill(0);
      this.generation = 1;
    }
    const gen = this.generation;
    const stamp = this.stamp;
    // Seed the k-th best with the spectra sharing the most peak pairs with the query.
    const cnt = this.pairCount;
    const hist = new Uint32Array(prep.q.mz.length + 1);
    for (const s of touched) hist[cnt[s] ?? 0] = (hist[cnt[s] ?? 0] ?? 0) + 1;
    const want = Math.max(4 * heap.capacity, 64);
    let cut = hist.length - 1;
    let taken = hist[cut] ?? 0;
    while (cut > 1 && taken + (hist[cut - 1] ?? 0) <= want) taken += hist[--cut] ?? 0;
    for (const s of touched) {
      if ((cnt[s] ?? 0) >= cut) {
        stamp[s] = gen;
        heap.offer(scorer.exact(s), s);
      }
    }
    if (scorer.cosine !== undefined) {
      this.scanBlocked(prep, scorer, scorer.cosine, heap, gen);
      return;
    }
    for (let s = 0; s < this.count; s++) {
      if (stamp[s] === gen) continue;
      if (heap.full && scorer.bound(s, heap.worstScore) < heap.worstScore) continue;
      heap.offer(scorer.exact(s), s);
    }
  }

  /**
   * The scan for measures with a cosine part: per block of spectra, the cosine upper bounds of
   * all its spectra at once (blocked.ts); a spectrum goes on to the identity bound and the exact
   * score only when wmf * 1000 + wdot * 1000 * cosine bound reaches the k-th best.
   */
  private scanBlocked(prep: Prepared, scorer: Scorer, cos: CosinePart, heap: TopK, gen: number): void {
    const { post, qhat, wmf, wdot } = cos;
    const maxMz = this.parts.maxMz;
    const binsAll: number[] = [];
    const wAll: number[] = [];
    for (const m of prep.q.mz) {
      if (m > maxMz) continue;
      const w = qhat[m] ?? 0;
      if (w > 0) {
        binsAll.push(m);
        wAll.push(w / 65535);
      }
    }
    const bins = Uint16Array.from(binsAll);
    const qw = Float64Array.from(wAll);
    this.acc ??= new Float32Array(BLOCK);
    const acc = this.acc;
    const stamp = this.stamp;
    const top = 1000 * wmf * (1 + MARGIN_EXACT) + MARGIN_EXACT * 1000;
    const mfBound = scorer.mfBound;
    for (let b = 0; b < post.blocks; b++) {
      acc.fill(0);
      accumulateBlock(post, b, bins, qw, acc);
      const base = b * BLOCK;
      const end = Math.min(this.count, base + BLOCK);
      for (let s = base; s < end; s++) {
        if (stamp[s] === gen) continue;
        if (heap.full) {
          const theta = heap.worstScore;
          const cb = 1000 * wdot * ((acc[s - base] ?? 0) + MARGIN_F32);
          if (top + cb < theta) continue;
          if (mfBound !== undefined && mfBound(s, theta - cb) + cb < theta) continue;
        }
        heap.offer(scorer.exact(s), s);
      }
    }
  }

  /**
   * Upper bound (0..1 scale, compared with t) of wmf * MF/1000 + wdot * cosine for spectrum s.
   * n2 and F2 are exact (countPairs) and n1 >= n2 + 1, so with F1 <= f:
   * MF/1000 <= max(f, ((n2+1) f + n2 F2) / (2 n2 + 1)), where
   * F1 is bounded from the peaks seen so far: with A the partial Sul, Ls the seen in-range
   * library mass, Ru the query mass not yet matched and X the unseen library mass,
   * F1 <= (A + sqrt(Ru X'))^2 / (Suu (Ls + X')) with X' = min(X, Ru Ls^2 / A^2).
   */
  private identityBound(
    s: number,
    t: number,
    prep: Prepared,
    reverse: boolean,
    wmf: number,
    wdot: number,
    dot: { qhat: Float64Array; lw: Float32Array } | undefined,
  ): number {
    const { offsets, mz, intensity, order, mass } = this.parts;
    const a = offsets[s] ?? 0;
    const n = (offsets[s + 1] ?? 0) - a;
    const q = prep.q;
    const m0 = Math.max(q.mz[0] ?? 0, mz[a] ?? 0);
    const suu = m0 < prep.suffix.length ? (prep.suffix[m0] ?? 0) : 0;
    if (!reverse && suu <= 0 && dot === undefined) return 0;
    const n2 = this.pairCount[s] ?? 0;
    const f2 = n2 === 0 ? 0 : (this.pairNum[s] ?? 0) / (this.pairDen[s] ?? 1);
    const total = mass[s] ?? 0;
    const dense = prep.dense;
    const qhat = dot?.qhat;
    const lw = dot?.lw;
    let seen = 0;
    let ls = 0;
    let sul = 0;
    let cu = 0;
    let cl = 0;
    let dp = 0;
    let sl2 = 0;
    let sq2 = 0;
    let bound = wmf + wdot;
    for (let k = 0; k < n; k++) {
      const p = a + (order[a + k] ?? 0);
      const m = mz[p] ?? 0;
      const il = intensity[p] ?? 0;
      const wl2 = m * il;
      seen += wl2;
      const iu = dense[m] ?? 0;
      if (m >= m0) {
        ls += wl2;
        if (iu > 0) {
          sul += m * Math.sqrt(iu * il);
          cu += m * iu;
          cl += wl2;
        }
      }
      if (qhat !== undefined && lw !== undefined) {
        const wq = qhat[m] ?? 0;
        const wlv = lw[p] ?? 0;
        dp += wq * wlv;
        sl2 += wlv * wlv;
        sq2 += wq * wq;
      }
      if ((k & 3) !== 3 && k !== n - 1) continue;
      const x = Math.max(0, total - seen);
      let f1: number;
      if (reverse) {
        f1 = ls + x > 0 ? (cl + x) / (ls + x) : 0;
      } else if (suu <= 0) {
        f1 = 0;
      } else {
        const ru = Math.max(0, suu - cu);
        const xe = sul > 0 ? Math.min(x, (ru * ls * ls) / (sul * sul)) : x;
        const num = sul + Math.sqrt(ru * xe);
        f1 = ls + xe > 0 ? (num * num) / (suu * (ls + xe)) : 0;
      }
      if (f1 > 1) f1 = 1;
      const mfb = n2 === 0 ? f1 : Math.max(f1, ((n2 + 1) * f1 + n2 * f2) / (2 * n2 + 1));
      let db = 0;
      if (wdot > 0) db = dp + Math.sqrt(Math.max(0, 1 - sl2) * Math.max(0, 1 - sq2)) + MARGIN_F32;
      bound = wmf * (mfb * (1 + MARGIN_EXACT) + MARGIN_EXACT) + wdot * db;
      if (bound < t) return bound * 1000;
    }
    return bound * 1000;
  }

  /** Cosine bound: partial dot + |rest of l| * |query not yet matched| (Cauchy-Schwarz). */
  private dotBound(s: number, t: number, qhat: Float64Array, lw: Float32Array): number {
    const { offsets, mz, order } = this.parts;
    const a = offsets[s] ?? 0;
    const n = (offsets[s + 1] ?? 0) - a;
    let dp = 0;
    let sl2 = 0;
    let sq2 = 0;
    let bound = 1;
    for (let k = 0; k < n; k++) {
      const p = a + (order[a + k] ?? 0);
      const wq = qhat[mz[p] ?? 0] ?? 0;
      const wl = lw[p] ?? 0;
      dp += wq * wl;
      sl2 += wl * wl;
      sq2 += wq * wq;
      if ((k & 3) !== 3 && k !== n - 1) continue;
      bound = dp + Math.sqrt(Math.max(0, 1 - sl2) * Math.max(0, 1 - sq2)) + MARGIN_F32;
      if (bound < t) return bound * 1000;
    }
    return bound * 1000;
  }

  /** Entropy bound: each matched term h(a, b) <= sqrt(a b), so the rest is <= sqrt(A_rest B_rest). */
  private entropyBound(s: number, t: number, qa: Float64Array, lb: Float32Array): number {
    const { offsets, mz, order } = this.parts;
    const a = offsets[s] ?? 0;
    const n = (offsets[s + 1] ?? 0) - a;
    let h = 0;
    let sa = 0;
    let sb = 0;
    let bound = 1;
    for (let k = 0; k < n; k++) {
      const p = a + (order[a + k] ?? 0);
      const qv = qa[mz[p] ?? 0] ?? 0;
      const lv = lb[p] ?? 0;
      sb += lv;
      if (qv > 0 && lv > 0) {
        h += entropyTerm(qv, lv);
        sa += qv;
      }
      if ((k & 3) !== 3 && k !== n - 1) continue;
      bound = h + Math.sqrt(Math.max(0, 1 - sa) * Math.max(0, 1 - sb)) + MARGIN_F32;
      if (bound < t) return bound * 1000;
    }
    return bound * 1000;
  }

  private hits(prep: Prepared, ranked: readonly { score: number; s: number }[]): Hit[] {
    const { offsets, mz, intensity, ids, names, inchikeys, derivatives, comments } = this.parts;
    const q = prep.q;
    const base = ranked.map(({ score, s }, k) => {
      const a = offsets[s] ?? 0;
      const b = offsets[s + 1] ?? 0;
      return {
        rank: k + 1,
        id: ids?.[s] ?? String(s + 1),
        index: s,
        name: names?.[s] ?? `${this.meta.name} #${s + 1}`,
        inchikey: inchikeys?.[s] ?? '',
        derivative: derivatives?.[s] || 'none',
        score,
        mf: identityKernel(q.mz, q.intensity, mz, intensity, a, b, false),
        rmf: identityKernel(q.mz, q.intensity, mz, intensity, a, b, true),
        probability: 0,
        comments: comments?.[s] ?? '',
      };
    });
    const probs = matchProbabilities(base.map((h) => ({ score: h.score, compound: `${h.inchikey.slice(0, 14) || h.name}|${h.derivative}` })));
    return base.map((h, k) => ({ ...h, probability: probs[k] ?? 0 }));
  }
}

interface CosinePart {
  post: CosinePostings;
  /** Normalised query weights by bin. */
  qhat: Float64Array;
  /** The score is <= 1000 * (wmf * MF/1000 + wdot * cosine). */
  wmf: number;
  wdot: number;
}

interface Scorer {
  exact(s: number): number;
  /** An upper bound of exact(s); may stop early once it is below theta. */
  bound(s: number, theta: number): number;
  /** Measures with a weighted-cosine part: searched by blocked accumulation (blocked.ts). */
  cosine?: CosinePart;
  /** Upper bound of the score's identity part alone (1000 * wmf * MF/1000), stopping below theta. */
  mfBound?: (s: number, theta: number) => number;
}

/** Keeps the k best (score desc, then library position asc): a min-heap on that order. */
class TopK {
  readonly capacity: number;
  private scores: number[] = [];
  private ids: number[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get full(): boolean {
    return this.scores.length >= this.capacity;
  }

  get worstScore(): number {
    return this.scores[0] ?? -Infinity;
  }

  /** true when (sa, a) ranks below (sb, b). */
  private static worse(sa: number, a: number, sb: number, b: number): boolean {
    return sa < sb || (sa === sb && a > b);
  }

  offer(score: number, s: number): void {
    if (this.capacity === 0) return;
    const sc = this.scores;
    const id = this.ids;
    if (sc.length < this.capacity) {
      sc.push(score);
      id.push(s);
      let i = sc.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!TopK.worse(sc[i] ?? 0, id[i] ?? 0, sc[parent] ?? 0, id[parent] ?? 0)) break;
        this.swap(i, parent);
        i = parent;
      }
      return;
    }
    if (!TopK.worse(sc[0] ?? 0, id[0] ?? 0, score, s)) return;
    sc[0] = score;
    id[0] = s;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < sc.length && TopK.worse(sc[l] ?? 0, id[l] ?? 0, sc[m] ?? 0, id[m] ?? 0)) m = l;
      if (r < sc.length && TopK.worse(sc[r] ?? 0, id[r] ?? 0, sc[m] ?? 0, id[m] ?? 0)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const s = this.scores[i] ?? 0;
    this.scores[i] = this.scores[j] ?? 0;
    this.scores[j] = s;
    const d = this.ids[i] ?? 0;
    this.ids[i] = this.ids[j] ?? 0;
    this.ids[j] = d;
  }

  sorted(): { score: number; s: number }[] {
    return this.scores.map((score, k) => ({ score, s: this.ids[k] ?? 0 })).sort((x, y) => y.score - x.score || x.s - y.s);
  }
}

/** Builds the index from parsed library records. */
export function buildIndex(library: readonly LibrarySpectrum[], meta: LibraryMeta): SpectralIndex {
  return buildIndexFromPacked(packLibrary(library), meta);
}

/** Builds the index from an already packed library (large or synthetic libraries). */
export function buildIndexFromPacked(lib: PackedLibrary, meta: LibraryMeta): SpectralIndex {
  // Every array lives on shared memory, so worker threads view the index without a copy;
  // packed arrays already shared (large synthetic libraries) are kept as they are.
  const offsets = shared(lib.offsets, Uint32Array);
  const mz = shared(lib.mz, Uint16Array);
  const intensity = shared(lib.intensity, Uint16Array);
  const ri = shared(lib.ri, Float32Array);
  const count = offsets.length - 1;
  const order = new Uint16Array(new SharedArrayBuffer(2 * mz.length));
  const mass = new Float64Array(new SharedArrayBuffer(8 * count));
  let maxPeaks = 1;
  let maxMz = 0;
  for (let s = 0; s < count; s++) maxPeaks = Math.max(maxPeaks, (offsets[s + 1] ?? 0) - (offsets[s] ?? 0));
  const keys = new Float64Array(maxPeaks);
  for (let s = 0; s < count; s++) {
    const a = offsets[s] ?? 0;
    const n = (offsets[s + 1] ?? 0) - a;
    let total = 0;
    for (let k = 0; k < n; k++) {
      const m = mz[a + k] ?? 0;
      if (m > maxMz) maxMz = m;
      const w = m * (intensity[a + k] ?? 0);
      total += w;
      // Heaviest first; the position breaks ties so the order is deterministic.
      keys[k] = -(w * 1024 + (1023 - (k & 1023)));
    }
    mass[s] = total;
    const view = keys.subarray(0, n).sort();
    for (let k = 0; k < n; k++) {
      // Recover the position: keys are exact integers below 2^53.
      const w = -(view[k] ?? 0);
      order[a + k] = positionOf(w, mz, intensity, a, n);
    }
  }
  const pairs = buildPairs(offsets, mz, intensity, maxMz);
  const t = powerTables(COMPOSITE_DOT_POWERS.mz, COMPOSITE_DOT_POWERS.intensity);
  const cosinePostings = buildCosinePostings({ offsets, mz, intensity }, t, maxMz, true);
  return new SpectralIndex(meta, { ...lib, offsets, mz, intensity, ri, order, mass, ...pairs, maxMz, cosinePostings });
}

/** Peak weights mz^a * I^b divided by their spectrum's norm, written into `out`. */
function normalisedWeights(offsets: Uint32Array, mz: Uint16Array, intensity: Uint16Array, t: PowerTables, out: Float32Array): Float32Array {
  const count = offsets.length - 1;
  for (let s = 0; s < count; s++) {
    const a = offsets[s] ?? 0;
    const b = offsets[s + 1] ?? 0;
    let n2 = 0;
    for (let p = a; p < b; p++) {
      const v = (t.mzPow[mz[p] ?? 0] ?? 0) * (t.intPow[intensity[p] ?? 0] ?? 0);
      n2 += v * v;
    }
    const norm = Math.sqrt(n2);
    for (let p = a; p < b; p++) out[p] = norm > 0 ? ((t.mzPow[mz[p] ?? 0] ?? 0) * (t.intPow[intensity[p] ?? 0] ?? 0)) / norm : 0;
  }
  return out;
}

type TypedArray = Uint16Array | Uint32Array | Float32Array;

/** The array itself when it is on shared memory, else a copy that is. */
function shared<T extends TypedArray>(arr: T, Ctor: new (b: SharedArrayBuffer) => T): T {
  if (arr.buffer instanceof SharedArrayBuffer) return arr;
  const out = new Ctor(new SharedArrayBuffer(arr.byteLength));
  out.set(arr);
  return out;
}

function positionOf(key: number, mz: Uint16Array, intensity: Uint16Array, a: number, n: number): number {
  const low = 1023 - (key % 1024);
  const w = Math.floor(key / 1024);
  if (n <= 1024) return low;
  // Spectra beyond 1024 peaks: find the position with this weight whose low bits match.
  for (let k = low; k < n; k += 1024) if ((mz[a + k] ?? 0) * (intensity[a + k] ?? 0) === w) return k;
  return low;
}

function buildPairs(
  offsets: Uint32Array,
  mz: Uint16Array,
  intensity: Uint16Array,
  maxMz: number,
): Pick<IndexParts, 'pairKeys' | 'pairOffsets' | 'pairPostings' | 'pairFrom' | 'pairTo'> {
  const count = offsets.length - 1;
  const side = maxMz + 1;
  const dense = side * side <= 1 << 25;
  const denseCount = dense ? new Uint32Array(side * side) : undefined;
  const mapCount = new Map<number, number>();
  let pairsTotal = 0;
  for (let s = 0; s < count; s++) {
    const b = offsets[s + 1] ?? 0;
    for (let p = (offsets[s] ?? 0) + 1; p < b; p++) {
      const key = (mz[p - 1] ?? 0) * side + (mz[p] ?? 0);
      if (denseCount !== undefined) denseCount[key] = (denseCount[key] ?? 0) + 1;
      else mapCount.set(key, (mapCount.get(key) ?? 0) + 1);
      pairsTotal++;
    }
  }
  const present: number[] = [];
  if (denseCount !== undefined) {
    for (let key = 0; key < denseCount.length; key++) if ((denseCount[key] ?? 0) > 0) present.push(key);
  } else {
    present.push(...[...mapCount.keys()].sort((x, y) => x - y));
  }
  const pairKeys = new Uint32Array(new SharedArrayBuffer(4 * present.length));
  const pairOffsets = new Uint32Array(new SharedArrayBuffer(4 * (present.length + 1)));
  const slot = new Map<number, number>();
  let at = 0;
  present.forEach((key, k) => {
    const p = Math.floor(key / side);
    const j = key % side;
    pairKeys[k] = p * 65536 + j;
    pairOffsets[k] = at;
    const c = denseCount !== undefined ? (denseCount[key] ?? 0) : (mapCount.get(key) ?? 0);
    if (denseCount !== undefined) denseCount[key] = at;
    else slot.set(key, at);
    at += c;
  });
  pairOffsets[present.length] = at;
  const pairPostings = new Uint32Array(new SharedArrayBuffer(4 * pairsTotal));
  const pairFrom = new Uint16Array(new SharedArrayBuffer(2 * pairsTotal));
  const pairTo = new Uint16Array(new SharedArrayBuffer(2 * pairsTotal));
  for (let s = 0; s < count; s++) {
    const b = offsets[s + 1] ?? 0;
    for (let p = (offsets[s] ?? 0) + 1; p < b; p++) {
      const key = (mz[p - 1] ?? 0) * side + (mz[p] ?? 0);
      if (denseCount !== undefined) {
        const pos = denseCount[key] ?? 0;
        pairPostings[pos] = s;
        pairFrom[pos] = intensity[p - 1] ?? 0;
        pairTo[pos] = intensity[p] ?? 0;
        denseCount[key] = pos + 1;
      } else {
        const pos = slot.get(key) ?? 0;
        pairPostings[pos] = s;
        pairFrom[pos] = intensity[p - 1] ?? 0;
        pairTo[pos] = intensity[p] ?? 0;
        slot.set(key, pos + 1);
      }
    }
  }
  return { pairKeys, pairOffsets, pairPostings, pairFrom, pairTo };
}
