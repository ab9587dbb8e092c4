// An exact top-k spectral index. Every bound below is a proven upper bound of the score, and
// survivors are scored by the same kernels as brute force, so the result equals brute force.
// - Identity, dot and the composite (the default) stream blocked postings (blocked.ts): per
//   nominal m/z bin and per consecutive-peak pair, the library's postings in spectrum order, cut
//   into blocks of 65,536 spectra so the accumulators stay in cache. One pass gives every
//   spectrum an O(1) bound from its accumulated sums (scanBounds); spectra are then scored in
//   decreasing order of bound. The composite streams its cosine part only and replaces the
//   identity part's maximum by the spectrum's own identity match factor, walked from its peaks
//   against the query's dense arrays, for just the spectra whose cosine bound can still make
//   the top k (scoreCosineFirst).
// - Reverse and entropy walk every spectrum's peaks in a scan order by weight (heaviest first),
//   abandoning a spectrum once its bound falls below the k-th best (early abandoning, as in the
//   UCR suite for time series); shared peak pairs, counted for all spectra at once from the pair
//   postings, bound the identity match factor's peak-pair term and seed the k-th best.
import { SpectraErrors } from '../errors.ts';
import { dotKernel, entropyKernel, entropyTerm, entropyWeights, identityKernel, matchFactor, pairRatio, powerTables, queryWeights, type PowerTables } from '../scoring/core.ts';
import { toNominal, type NominalSpectrum } from '../scoring/nominal.ts';
import { COMPOSITE_DOT_POWERS, COMPOSITE_MF_WEIGHT, COMPOSITE_QUERY_FLOOR, DEFAULT_DOT_POWERS, DEFAULT_MEASURE, DERIVATIVE_MISMATCH_PENALTY, LOW_MASS_CHECK } from '../scoring/defaults.ts';
import { derivativeLabel, derivativePenalty } from '../scoring/derivative.ts';
import { matchProbabilities } from '../scoring/probability.ts';
import type { LibraryMeta, LibrarySpectrum, Peaks } from '../types.ts';
import { packLibrary, type PackedLibrary } from './packed.ts';
import { accumulateBlock, accumulateBoth, accumulateIdentity, accumulateMass, accumulatePairs, BLOCK, BLOCK_BITS, buildCosinePostings, buildPairPostings, findPair, float32Up, LOW_CUTS, ratioBound, RATIO_SCALE, WEIGHT_SCALE, type CosinePostings } from './blocked.ts';

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
  /**
   * Score units (0..1000) taken from a hit whose heaviest significant ion lies more than
   * LOW_MASS_CHECK.gap below the query's (see scoring/defaults.ts). Default LOW_MASS_CHECK.penalty
   * for the composite, 0 (off) for the other measures, which keep their published definitions.
   */
  lowMassPenalty?: number;
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
  /** What was taken from the score and why (empty when nothing): the score is max(0, raw - their sum). */
  adjustments: Adjustment[];
  /** The record's comments: its licence and attribution. */
  comments: string;
}

/** Points taken from a hit's score by one of the search's checks. */
export interface Adjustment {
  reason: 'derivative' | 'low-mass' | 'retention-index';
  points: number;
}

export interface SearchResult {
  library: LibraryMeta;
  measure: Measure;
  hits: Hit[];
}

export interface IndexParts extends PackedLibrary {
  /** Scan order: order[offsets[s] + k] is the in-spectrum position of its k-th heaviest peak. */
  order: Uint16Array;
  /** Heaviest ion of each spectrum with intensity >= LOW_MASS_CHECK.significant (0 when none). */
  highMz: Uint16Array;
  /** Lowest m/z bin of each spectrum (0 when it has none), read in one sequential pass per query. */
  lowMz: Uint16Array;
  /** Sum of mz * I per spectrum (the identity weight's squared norm). */
  mass: Float64Array;
  /**
   * Per spectrum, TOP_WIDTH slots: its TOP_PEAKS heaviest peaks by mz * I as (mz << 16 | I), 0
   * when it has fewer, then its mass (sum of mz * I) as a Float32 rounded up. One cache line
   * per two spectra: what the composite reads to bound a spectrum's MF before walking its peaks.
   */
  topPeaks: Uint32Array;
  /** Sorted pair keys p * 65536 + j of consecutive peaks, with their blocked postings (blocked.ts). */
  pairKeys: Uint32Array;
  /** pairStart[k * (blocks + 1) + b]: first posting of pair key k in block b. */
  pairStart: Uint32Array;
  /** Spectrum id within its block. */
  pairLocal: Uint16Array;
  /** round(ln(I_j / I_p) * RATIO_SCALE) of the library spectrum. */
  pairRatio: Int16Array;
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
  /** The query's heaviest significant ion, bleed ions aside (LOW_MASS_CHECK), 0 when none. */
  highMz: number;
}

const MARGIN_EXACT = 1e-9;
const MARGIN_F32 = 1e-4;
/**
 * Relative error allowed for a Float32 sum of up to ~1,000 non-negative terms (n * 2^-24 is
 * 6e-5 at n = 1,000), applied in the direction that keeps a bound an upper bound.
 */
const SUM_MARGIN = 2e-4;

export class SpectralIndex {
  readonly meta: LibraryMeta;
  readonly parts: IndexParts;
  readonly count: number;
  private entropyCache: Float32Array | undefined;
  private stamp: Uint32Array;
  private generation = 0;
  private pairCount: Uint16Array;
  private pairNum: Float64Array;
  private pairDen: Float64Array;
  private peakMax = 0;
  private readonly postingsCache = new Map<string, CosinePostings>();
  private touchedBuf: Uint32Array | undefined;
  /** Blocks of BLOCK spectra in the blocked postings. */
  private readonly blocks: number;
  private scratch: BlockScratch | undefined;
  private ubBuf: Float32Array | undefined;
  /** identityWalk's positions of common peaks (one spectrum's worth). */
  private walkBuf: Int32Array | undefined;
  /** IndexParts.topPeaks viewed as Float32 (its mass slots). */
  private readonly topMass: Float32Array;

  constructor(meta: LibraryMeta, parts: IndexParts) {
    this.meta = { name: meta.name, version: meta.version };
    this.parts = parts;
    this.count = parts.offsets.length - 1;
    this.stamp = new Uint32Array(this.count);
    this.pairCount = new Uint16Array(this.count);
    this.pairNum = new Float64Array(this.count);
    this.pairDen = new Float64Array(this.count);
    this.blocks = Math.max(1, Math.ceil(this.count / BLOCK));
    this.topMass = new Float32Array(parts.topPeaks.buffer, parts.topPeaks.byteOffset, parts.topPeaks.length);
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
    const lowMass = this.lowMassPenalty(measure, opts);
    const adjustments = (s: number): Adjustment[] => {
      const out: Adjustment[] = [];
      this.penalties(s, prep, opts, lowMass, out);
      return out;
    };
    return { library: this.meta, measure, hits: this.hits(prep, heap.sorted(), adjustments) };
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
    return { q, ri: query.ri ?? Number.NaN, derivative: derivativeLabel(query.derivative), dense, suffix, highMz: heaviestSignificant(q.mz, q.intensity, 0, q.mz.length, LOW_MASS_CHECK.ignore) };
  }

  /**
   * The exact score's adjustments, each only ever lowering it (so every bound stays valid): the
   * derivative check (see scoring/derivative.ts), then the retention-index penalty.
   */
  private riAdjust(raw: number, s: number, prep: Prepared, opts: SearchOptions, lowMass: number): number {
    const p = this.penalties(s, prep, opts, lowMass);
    return p === 0 ? raw : Math.max(0, raw - p);
  }

  /**
   * The points taken from spectrum s's raw score, each only ever lowering it (so every bound
   * stays valid): the derivative check (scoring/derivative.ts), the low-mass check
   * (LOW_MASS_CHECK) and the retention-index penalty; listed in `out` when given.
   */
  private penalties(s: number, prep: Prepared, opts: SearchOptions, lowMass: number, out?: Adjustment[]): number {
    // Plain numbers, no closure: this runs for every spectrum the composite considers walking.
    const dpen = opts.derivativePenalty ?? DERIVATIVE_MISMATCH_PENALTY;
    const d = prep.derivative !== '' && dpen !== 0 ? derivativePenalty(prep.derivative, this.parts.derivatives?.[s], dpen) : 0;
    const lm = lowMass > 0 && (this.parts.highMz[s] ?? 0) + LOW_MASS_CHECK.gap < prep.highMz ? lowMass : 0;
    let ri = 0;
    const pen = opts.riPenalty;
    if (pen !== undefined && !Number.isNaN(prep.ri)) {
      const lri = this.parts.ri[s] ?? Number.NaN;
      const over = Number.isNaN(lri) ? 0 : Math.abs(lri - prep.ri) - pen.tolerance;
      if (over > 0) ri = over * pen.perUnit;
    }
    if (out !== undefined) {
      if (d > 0) out.push({ reason: 'derivative', points: d });
      if (lm > 0) out.push({ reason: 'low-mass', points: lm });
      if (ri > 0) out.push({ reason: 'retention-index', points: ri });
    }
    return d + lm + ri;
  }


  private lowMassPenalty(measure: Measure, opts: SearchOptions): number {
    const lowMass = opts.lowMassPenalty ?? (measure === 'composite' ? LOW_MASS_CHECK.penalty : 0);
    if (!Number.isFinite(lowMass) || lowMass < 0) throw SpectraErrors.SPECTRA_ERR_BAD_QUERY(`lowMassPenalty must be a non-negative number, got ${lowMass}`);
    return lowMass;
  }

  private scorer(measure: Measure, prep: Prepared, opts: SearchOptions): Scorer {
    const { offsets, mz, intensity } = this.parts;
    const { q } = prep;
    const lowMass = this.lowMassPenalty(measure, opts);
    const adjust = (sc: number, s: number): number => this.riAdjust(sc, s, prep, opts, lowMass);
    const dotPart = (powers: { mz: number; intensity: number }, floor = 0) => {
      const t = powerTables(powers.mz, powers.intensity);
      const { w, n2 } = queryWeights(q.mz, q.intensity, t, floor);
      return { t, w, n2 };
    };
    switch (measure) {
      case 'identity':
      case 'reverse': {
        const rev = measure === 'reverse';
        const exact = (s: number): number => adjust(identityKernel(q.mz, q.intensity, mz, intensity, offsets[s] ?? 0, offsets[s + 1] ?? 0, rev), s);
        return rev ? { exact, bound: (s, theta) => this.identityBound(s, theta / 1000, prep) } : { exact, blocked: { wmf: 1, wdot: 0 } };
      }
      case 'dot': {
        const d = dotPart(opts.dotPowers ?? DEFAULT_DOT_POWERS);
        const qhat = this.denseWeights(prep, d.w, d.n2);
        return {
          exact: (s) => adjust(1000 * dotKernel(q.mz, d.w, d.n2, mz, intensity, offsets[s] ?? 0, offsets[s + 1] ?? 0, d.t), s),
          blocked: { wmf: 0, wdot: 1, cosine: { post: this.cosinePostings(d.t), qhat } },
        };
      }
      case 'composite': {
        const d = dotPart(opts.dotPowers ?? COMPOSITE_DOT_POWERS, COMPOSITE_QUERY_FLOOR);
        const qhat = this.denseWeights(prep, d.w, d.n2);
        const wmf = COMPOSITE_MF_WEIGHT;
        return {
          exact: (s) => {
            const a = offsets[s] ?? 0;
            const b = offsets[s + 1] ?? 0;
            const mf = identityKernel(q.mz, q.intensity, mz, intensity, a, b, false);
            return adjust(wmf * mf + (1 - wmf) * 1000 * dotKernel(q.mz, d.w, d.n2, mz, intensity, a, b, d.t), s);
          },
          blocked: { wmf, wdot: 1 - wmf, cosine: { post: this.cosinePostings(d.t), qhat }, identityLater: true },
          penalty: (s) => this.penalties(s, prep, opts, lowMass),
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
    const { pairStart, pairLocal, pairRatio } = this.parts;
    const row = this.blocks + 1;
    const cnt = this.pairCount;
    const num = this.pairNum;
    const den = this.pairDen;
    const table = ratioBound();
    cnt.fill(0);
    // One buffer per index, not a growing array per query: at 1M spectra that array was a large
    // heap object left to the major GC each query, and the garbage showed in peak resident.
    this.touchedBuf ??= new Uint32Array(this.count);
    const touched = this.touchedBuf;
    let nt = 0;
    const qp = this.queryPairs(q);
    for (let k = 0; k < qp.keys.length; k++) {
      const mj = qp.mj[k] ?? 0;
      const x = qp.qs[k] ?? 0;
      const base = (qp.keys[k] ?? 0) * row;
      for (let blk = 0; blk < this.blocks; blk++) {
        const end = pairStart[base + blk + 1] ?? 0;
        const off = blk << BLOCK_BITS;
        for (let p = pairStart[base + blk] ?? 0; p < end; p++) {
          const s = off + (pairLocal[p] ?? 0);
          if (cnt[s] === 0) {
            touched[nt++] = s;
            num[s] = 0;
            den[s] = 0;
          }
          cnt[s] = (cnt[s] ?? 0) + 1;
          const d = Math.abs(x - (pairRatio[p] ?? 0)) - 0.5001;
          num[s] = (num[s] ?? 0) + mj * (table[d > 0 ? Math.floor(d) : 0] ?? 1);
          den[s] = (den[s] ?? 0) + mj;
        }
      }
    }
    return touched.subarray(0, nt);
  }

  /**
   * The query's consecutive-peak pairs that the library holds: their positions in the pair
   * postings, m_j, and ln(Iu_j / Iu_p) in RATIO_SCALE units.
   */
  private queryPairs(q: NominalSpectrum): { keys: Int32Array; mj: Float64Array; qs: Float64Array } {
    const keys: number[] = [];
    const mj: number[] = [];
    const qs: number[] = [];
    for (let k = 1; k < q.mz.length; k++) {
      const at = findPair(this.parts.pairKeys, (q.mz[k - 1] ?? 0) * 65536 + (q.mz[k] ?? 0));
      if (at < 0) continue;
      keys.push(at);
      mj.push(q.mz[k] ?? 0);
      qs.push(Math.log((q.intensity[k] ?? 1) / (q.intensity[k - 1] ?? 1)) * RATIO_SCALE);
    }
    return { keys: Int32Array.from(keys), mj: Float64Array.from(mj), qs: Float64Array.from(qs) };
  }

  private searchPruned(prep: Prepared, scorer: Scorer, heap: TopK): void {
    if (scorer.blocked !== undefined) {
      this.scanBounds(prep, scorer, scorer.blocked, heap);
      return;
    }
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
    for (let s = 0; s < this.count; s++) {
      if (stamp[s] === gen) continue;
      if (heap.full && scorer.bound !== undefined && scorer.bound(s, heap.worstScore) < heap.worstScore) continue;
      heap.offer(scorer.exact(s), s);
    }
  }

  /**
   * The search of the measures wmf * MF + wdot * 1000 * cosine (identity, dot, composite). One
   * streaming pass over the blocked postings gives every spectrum an upper bound of its score in
   * O(1) from accumulated sums (no per-spectrum peak walk):
   * - cosine <= the accumulated rounded-up weights (plus the norm of query bins left out);
   * - identity F1 = Sul^2 / (Suu Sll) over bins >= m0 = max(lowest m/z of each side): Sul is
   *   bounded by the accumulated identity weights, Suu is the query's mass from m0 (exact), and
   *   Sll >= M (1 - the bounded share of library mass below the query's lowest m/z);
   * - the peak-pair term: n2 exact and F2 bounded from the pair postings, with n1 >= the common
   *   bins counted: MF <= (n1 F1 + n2 F2) / (n1 + n2) at the smallest n1 when F2 > F1, else F1.
   * Spectra are then scored exactly in decreasing order of their bound until the bound falls
   * below the k-th best score, so the result is the brute-force top-k.
   */
  private scanBounds(prep: Prepared, scorer: Scorer, part: BlockedPart, heap: TopK): void {
    const { offsets } = this.parts;
    const idPost = this.parts.cosinePostings;
    const idWeight = idPost?.idWeight;
    const later = part.identityLater === true && part.cosine !== undefined;
    const wmf = later ? 0 : part.wmf;
    const { wdot } = part;
    if (wmf > 0 && (idPost === undefined || idWeight === undefined)) throw SpectraErrors.SPECTRA_ERR_BAD_INDEX('the index has no identity postings');
    const cos = part.cosine;
    const q = prep.q;
    const maxMz = this.parts.maxMz;
    const qmin = q.mz[0] ?? 0;
    const suffix = prep.suffix;
    // Query bins, each with its cosine weight and identity weight. The lightest bins of each
    // kind are left out of that kind's accumulation while their share of the query's squared
    // cosine norm (resp. of its mass) stays below SKIP_COS^2 (resp. SKIP_ID^2): what they could
    // add is at most the norm of their weights (Cauchy-Schwarz with a library side of norm <= 1),
    // which is added to every bound instead. The densest bins (low m/z) weigh least.
    const all: QueryBin[] = [];
    let massAll = 0;
    for (let k = 0; k < q.mz.length; k++) {
      const m = q.mz[k] ?? 0;
      const iw = Math.sqrt(m * (q.intensity[k] ?? 0));
      massAll += iw * iw;
      if (m > maxMz) continue;
      all.push({ m, c: cos === undefined ? 0 : (cos.qhat[m] ?? 0), i: iw, useC: cos !== undefined, useI: wmf > 0 });
    }
    const skip = (weight: (e: QueryBin) => number, budget: number, drop: (e: QueryBin) => void): number => {
      const order = all.filter((e) => Number.isFinite(weight(e))).sort((x, y) => weight(x) - weight(y));
      let sum = 0;
      for (const e of order) {
        const w2 = weight(e) ** 2;
        if (sum + w2 > budget) break;
        sum += w2;
        drop(e);
      }
      return Math.sqrt(sum);
    };
    // The densest bins, below a cut of LOW_CUTS, leave the cosine pass when the query's norm there
    // is small: each spectrum's bound then adds that norm times its own norm below the cut.
    const low = cos === undefined ? undefined : this.lowCut(all, cos.post);
    const deltaC = cos === undefined ? 0 : skip((e) => (e.useC ? e.c : Infinity), SKIP_COS * SKIP_COS, (e) => (e.useC = false));
    const deltaI = wmf > 0 ? skip((e) => e.i, SKIP_ID * SKIP_ID * massAll, (e) => (e.useI = false)) : 0;
    const list = (pick: (e: QueryBin) => boolean) => {
      const kept = all.filter(pick);
      return { bins: Uint16Array.from(kept, (e) => e.m), qc: Float64Array.from(kept, (e) => e.c / WEIGHT_SCALE), qi: Float64Array.from(kept, (e) => e.i / WEIGHT_SCALE) };
    };
    const fusable = cos !== undefined && wmf > 0 && idPost !== undefined && cos.post.local === idPost.local;
    const both = list((e) => fusable && e.useC && e.useI);
    const cosOnly = list((e) => e.useC && !(fusable && e.useI));
    const idOnly = list((e) => e.useI && !(fusable && e.useC));
    const below: number[] = [];
    for (let m = 0; m < Math.min(qmin, maxMz + 1); m++) below.push(m);
    const belowBins = Uint16Array.from(below);
    const qp = wmf > 0 ? this.queryPairs(q) : undefined;
    this.scratch ??= {
      accC: new Float32Array(BLOCK),
      accI: new Float32Array(BLOCK),
      accB: new Float32Array(BLOCK),
      common: new Uint16Array(BLOCK),
      pairs: new Uint16Array(BLOCK),
      num: new Float32Array(BLOCK),
      den: new Float32Array(BLOCK),
    };
    const { accC, accI, accB, common, pairs, num, den } = this.scratch;
    const ub = (this.ubBuf ??= new Float32Array(this.count));
    // The highest bounds, kept as they are made, are scored first to set the k-th best.
    const seeds = new TopK(Math.max(4 * heap.capacity, 64));
    const pairPost = { blocks: this.blocks, start: this.parts.pairStart, local: this.parts.pairLocal, ratio: this.parts.pairRatio };
    for (let b = 0; b < this.blocks; b++) {
      const base = b << BLOCK_BITS;
      const end = Math.min(this.count, base + BLOCK);
      if (cos !== undefined) accC.fill(0);
      if (wmf > 0 && idPost !== undefined && idWeight !== undefined && qp !== undefined) {
        accI.fill(0);
        common.fill(0);
        pairs.fill(0);
        num.fill(0);
        den.fill(0);
        accB.fill(0);
        if (cos !== undefined && both.bins.length > 0) accumulateBoth(cos.post, idWeight, b, both.bins, both.qc, both.qi, accC, accI, common);
        accumulateIdentity(idPost, idWeight, b, idOnly.bins, idOnly.qi, accI, common);
        accumulateMass(idPost, idWeight, b, belowBins, accB);
        accumulatePairs(pairPost, b, qp.keys, qp.mj, qp.qs, pairs, num, den);
      }
      if (cos !== undefined) accumulateBlock(cos.post, cos.post.weight, b, cosOnly.bins, cosOnly.qc, accC);
      if (later) {
        if (low !== undefined) cosineBoundsOfBlock(base, end, ub, part.wmf * (1 + MARGIN_EXACT) + 1e-6, wdot, deltaC, accC, seeds, low);
        continue;
      }
      boundsOfBlock(offsets, this.parts.lowMz, base, end, ub, seeds, {
        wmf,
        wdot: cos === undefined ? 0 : wdot,
        qmin,
        suffix,
        deltaI,
        deltaC,
        accI,
        accB,
        accC,
        common,
        pairs,
        num,
        den,
        low,
      });
    }
    if (later) this.scoreCosineFirst(ub, seeds.sorted(), prep, scorer, part.wmf, heap);
    else this.scoreByBound(ub, seeds.sorted(), scorer, heap);
  }

  /**
   * The highest cut of LOW_CUTS below which the query's cosine norm is at most LOW_BUDGET, its
   * bins there taken out of the cosine pass (useC = false).
   */
  private lowCut(all: QueryBin[], post: CosinePostings): LowCut {
    let pick = -1;
    let q2 = 0;
    for (let c = 0; c < LOW_CUTS.length; c++) {
      const x = LOW_CUTS[c] ?? 0;
      let n2 = 0;
      for (const e of all) if (e.useC && e.m < x) n2 += e.c * e.c;
      if (n2 > LOW_BUDGET * LOW_BUDGET) break;
      pick = c;
      q2 = n2;
    }
    // With no cut, the first cut's norms at a query norm of 0 (the same loop, nothing added).
    if (pick < 0 || q2 === 0) return { norms: post.lowNorm.subarray(0, this.count), q: 0 };
    const x = LOW_CUTS[pick] ?? 0;
    for (const e of all) if (e.m < x) e.useC = false;
    return { norms: post.lowNorm.subarray(pick * this.count, (pick + 1) * this.count), q: Math.sqrt(q2) * (1 + 1e-12) };
  }

  /**
   * For bounds whose identity part is still its maximum (wmf * 1000): scores the spectra with the
   * highest bounds exactly to set a k-th best, then walks every spectrum whose bound reaches it,
   * replacing the identity maximum by the spectrum's identity match factor computed from its own
   * peaks against the query's dense arrays (identityWalk), and scores exactly only those whose
   * tightened bound still reaches the k-th best.
   */
  private scoreCosineFirst(ub: Float32Array, seeds: readonly { s: number }[], prep: Prepared, scorer: Scorer, wmf: number, heap: TopK): void {
    // ub is this query's scratch: a seed, once scored, gets a bound below any score.
    for (const { s } of seeds) {
      heap.offer(scorer.exact(s), s);
      ub[s] = -1;
    }
    const walk = this.walkArrays(prep);
    const top = 1000 * wmf * (1 + MARGIN_EXACT) + 1e-3;
    let worst = heap.full ? heap.worstScore : -Infinity;
    for (let s = 0; s < this.count; s++) {
      const v = ub[s] ?? 0;
      if (v < worst || v < 0) continue;
      // The score is max(0, raw - penalties) with raw <= v, so the penalties (checks of one
      // number per spectrum) come off the bound before the walk.
      const pen = scorer.penalty?.(s) ?? 0;
      if (Math.max(0, v - pen) < worst) continue;
      // v = 1000 * wmf (the identity maximum, with its margin) + the cosine bound. First the
      // identity bound from the spectrum's heaviest peaks (one cache line), then its walk.
      const mfb = this.identityBoundTop(s, walk);
      if (Math.max(0, v - top + 1000 * wmf * (mfb * (1 + MARGIN_EXACT) + MARGIN_EXACT) - pen) < worst) continue;
      const mf = this.identityWalk(s, walk);
      const tight = Math.max(0, v - top + 1000 * wmf * (mf * (1 + MARGIN_EXACT) + MARGIN_EXACT) - pen);
      if (tight < worst) continue;
      heap.offer(scorer.exact(s), s);
      if (heap.full) worst = heap.worstScore;
    }
  }

  /**
   * An upper bound (0..1) of the identity match factor of spectrum s from its TOP_PEAKS heaviest
   * peaks and its mass (IndexParts.topPeaks, one cache line), without reading its peaks: with T
   * those peaks, Sul <= (the common terms of T) + sqrt(query mass at bins off T * library mass off
   * T) (Cauchy-Schwarz), so F1 <= Sul^2 / (Suu Sll); the pair term unknown here, MF <= (F1 + 1) / 2.
   * 1 (no bound) when the query starts above the spectrum's lowest m/z (its mass from there is
   * not kept). On the 1M synthetic library this spares about a quarter of the walks.
   */
  private identityBoundTop(s: number, w: { dense: Float64Array; suffix: Float64Array; qmin: number }): number {
    const { topPeaks, lowMz } = this.parts;
    const lmin = lowMz[s] ?? 0;
    const { dense, suffix, qmin } = w;
    if (qmin > lmin) return 1;
    const size = dense.length;
    const suu = lmin < size ? (suffix[lmin] ?? 0) : 0;
    if (suu <= 0) return 0;
    const at = s * TOP_WIDTH;
    const topMass = this.topMass;
    const massUp = topMass[at + TOP_PEAKS] ?? 0;
    let sum = 0;
    let qT = 0;
    let lT = 0;
    for (let k = 0; k < TOP_PEAKS; k++) {
      const r = topPeaks[at + k] ?? 0;
      if (r === 0) break;
      const m = r >>> 16;
      const il = r & 0xffff;
      lT += m * il;
      const iu = m < size ? (dense[m] ?? 0) : 0;
      if (iu > 0) {
        sum += m * Math.sqrt(iu * il);
        qT += m * iu;
      }
    }
    const sll = massUp * (1 - 2 ** -21);
    const restL = massUp - lT;
    const restQ = suu - qT;
    const sul = sum + Math.sqrt((restQ > 0 ? restQ : 0) * (restL > 0 ? restL : 0));
    let f1 = (sul * sul) / (suu * sll);
    if (f1 > 1) f1 = 1;
    // The pair term unknown (F2 <= 1, n2 <= n1 - 1): MF <= (n1 F1 + n1 - 1) / (2 n1 - 1) < (F1 + 1) / 2.
    return (f1 + 1) / 2;
  }

  /** The query's dense arrays for identityWalk: intensity by bin and the previous query bin. */
  private walkArrays(prep: Prepared): { dense: Float64Array; mask: Uint8Array; prev: Int32Array; suffix: Float64Array; qmin: number } {
    const q = prep.q;
    const prev = new Int32Array(prep.dense.length).fill(-1);
    for (let k = 1; k < q.mz.length; k++) {
      const m = q.mz[k] ?? 0;
      if (m < prev.length) prev[m] = q.mz[k - 1] ?? 0;
    }
    const mask = new Uint8Array(prep.dense.length);
    for (let k = 0; k < q.mz.length; k++) {
      const m = q.mz[k] ?? 0;
      if (m < mask.length && (prep.dense[m] ?? 0) > 0) mask[m] = 1;
    }
    return { dense: prep.dense, mask, prev, suffix: prep.suffix, qmin: q.mz[0] ?? 0 };
  }

  /**
   * The identity match factor (0..1) of spectrum s, walking its peaks only: the query is read
   * from dense arrays (intensity, bin mask and previous query bin by bin), so the merged walk of
   * the kernel becomes a pass listing the common peaks, then one over those. Equal to
   * identityKernel / 1000 up to rounding (the query mass from m0 is summed in another order),
   * which the caller's margin covers.
   */
  private identityWalk(s: number, w: { dense: Float64Array; mask: Uint8Array; prev: Int32Array; suffix: Float64Array; qmin: number }): number {
    const { offsets, mz, intensity, mass } = this.parts;
    const a = offsets[s] ?? 0;
    const e = offsets[s + 1] ?? 0;
    if (e <= a) return 0;
    const { dense, mask, prev, suffix, qmin } = w;
    const size = dense.length;
    const lmin = mz[a] ?? 0;
    const m0 = lmin > qmin ? lmin : qmin;
    const suu = m0 < size ? (suffix[m0] ?? 0) : 0;
    let p = a;
    let sll = 0;
    // From the spectrum's lowest peak, Sll is its mass: the same sum in the same order.
    if (m0 === lmin) sll = mass[s] ?? 0;
    else {
      while (p < e && (mz[p] ?? 0) < m0) p++;
      for (let j = p; j < e; j++) sll += (mz[j] ?? 0) * (intensity[j] ?? 0);
    }
    // First the positions of the common peaks, without a branch on the (unpredictable) test:
    // each position is written, and kept when its bin is the query's.
    const common = (this.walkBuf ??= new Int32Array(this.maxPeaks()));
    let n1 = 0;
    // (Library bins are below `size`: dense spans the library's m/z range.)
    for (; p + 3 < e; p += 4) {
      const k0 = mask[mz[p] ?? 0] ?? 0;
      const k1 = mask[mz[p + 1] ?? 0] ?? 0;
      const k2 = mask[mz[p + 2] ?? 0] ?? 0;
      const k3 = mask[mz[p + 3] ?? 0] ?? 0;
      common[n1] = p;
      n1 += k0;
      common[n1] = p + 1;
      n1 += k1;
      common[n1] = p + 2;
      n1 += k2;
      common[n1] = p + 3;
      n1 += k3;
    }
    for (; p < e; p++) {
      common[n1] = p;
      n1 += mask[mz[p] ?? 0] ?? 0;
    }
    let sul = 0;
    let n2 = 0;
    let f2num = 0;
    let f2den = 0;
    let last = -2;
    for (let j = 0; j < n1; j++) {
      const q = common[j] ?? 0;
      const m = mz[q] ?? 0;
      const il = intensity[q] ?? 0;
      const iu = dense[m] ?? 0;
      sul += m * Math.sqrt(iu * il);
      // A pair: the previous library peak is common too and is the previous query peak.
      if (q === last + 1) {
        const pm = mz[q - 1] ?? 0;
        if (prev[m] === pm) {
          f2num += m * pairRatio(iu, il, dense[pm] ?? 0, intensity[q - 1] ?? 0);
          f2den += m;
          n2++;
        }
      }
      last = q;
    }
    return suu <= 0 ? 0 : matchFactor(sul, suu, sll, n1, n2, f2num, f2den) / 1000;
  }

  /**
   * Scores spectra exactly in decreasing order of their bound until no bound can reach the k-th
   * best: first the seeds (the highest bounds, a few times k), then, with the k-th best known,
   * every other spectrum whose bound reaches it (one more pass), best bound first.
   */
  private scoreByBound(ub: Float32Array, seeds: readonly { s: number }[], scorer: Scorer, heap: TopK): void {
    for (const { s } of seeds) heap.offer(scorer.exact(s), s);
    // With the k-th best set, every other spectrum whose bound reaches it, best bound first.
    const theta = heap.full ? heap.worstScore : -Infinity;
    const seen = new Set(seeds.map((x) => x.s));
    const cand: number[] = [];
    for (let s = 0; s < this.count; s++) if ((ub[s] ?? 0) >= theta && !seen.has(s)) cand.push(s);
    cand.sort((x, y) => (ub[y] ?? 0) - (ub[x] ?? 0) || x - y);
    for (const s of cand) {
      if (heap.full && (ub[s] ?? 0) < heap.worstScore) return;
      heap.offer(scorer.exact(s), s);
    }
  }


  /**
   * Upper bound (0..1000) of the reverse match factor of spectrum s, stopping once it is below
   * t (0..1 scale). n2 (exact) and an upper bound of F2 come from countPairs, and n1 >= n2 + 1, so
   * with F1 <= f: MF/1000 <= max(f, ((n2+1) f + n2 F2) / (2 n2 + 1)). Query peaks missing from
   * the library spectrum do not count in the reverse F1, so with Ls the seen in-range library
   * mass, Cl its part at query bins and X the unseen library mass, F1 <= (Cl + X) / (Ls + X).
   */
  private identityBound(s: number, t: number, prep: Prepared): number {
    const { offsets, mz, intensity, order, mass } = this.parts;
    const a = offsets[s] ?? 0;
    const n = (offsets[s + 1] ?? 0) - a;
    const m0 = Math.max(prep.q.mz[0] ?? 0, mz[a] ?? 0);
    const n2 = this.pairCount[s] ?? 0;
    const f2 = n2 === 0 ? 0 : (this.pairNum[s] ?? 0) / (this.pairDen[s] ?? 1);
    const total = mass[s] ?? 0;
    const dense = prep.dense;
    let seen = 0;
    let ls = 0;
    let cl = 0;
    let bound = 1;
    for (let k = 0; k < n; k++) {
      const p = a + (order[a + k] ?? 0);
      const m = mz[p] ?? 0;
      const wl2 = m * (intensity[p] ?? 0);
      seen += wl2;
      if (m >= m0) {
        ls += wl2;
        if ((dense[m] ?? 0) > 0) cl += wl2;
      }
      if ((k & 3) !== 3 && k !== n - 1) continue;
      const x = Math.max(0, total - seen);
      let f1 = ls + x > 0 ? (cl + x) / (ls + x) : 0;
      if (f1 > 1) f1 = 1;
      const mfb = n2 === 0 ? f1 : Math.max(f1, ((n2 + 1) * f1 + n2 * f2) / (2 * n2 + 1));
      bound = mfb * (1 + MARGIN_EXACT) + MARGIN_EXACT;
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

  private hits(prep: Prepared, ranked: readonly { score: number; s: number }[], adjustments: (s: number) => Adjustment[]): Hit[] {
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
        adjustments: adjustments(s),
        comments: comments?.[s] ?? '',
      };
    });
    const probs = matchProbabilities(base.map((h) => ({ score: h.score, compound: `${h.inchikey.slice(0, 14) || h.name}|${h.derivative}` })));
    return base.map((h, k) => ({ ...h, probability: probs[k] ?? 0 }));
  }
}

/** Heaviest peaks kept per spectrum in IndexParts.topPeaks, and the slots per spectrum. */
export const TOP_PEAKS = 7;
export const TOP_WIDTH = 8;

/** A query bin in scanBounds: its cosine and identity weights, and which accumulations read it. */
interface QueryBin {
  m: number;
  c: number;
  i: number;
  useC: boolean;
  useI: boolean;
}

/** A measure searched by blocked bounds: wmf * MF + wdot * 1000 * cosine. */
interface BlockedPart {
  wmf: number;
  wdot: number;
  cosine?: { post: CosinePostings; qhat: Float64Array };
  /**
   * Bound the identity part by its maximum in the streaming pass and tighten it afterwards only
   * for the spectra whose cosine bound can still reach the k-th best (scoreCosineFirst).
   */
  identityLater?: boolean;
}

/** Per-block accumulators, reused across queries. */
interface BlockScratch {
  accC: Float32Array;
  accI: Float32Array;
  accB: Float32Array;
  common: Uint16Array;
  pairs: Uint16Array;
  num: Float32Array;
  den: Float32Array;
}

interface Scorer {
  exact(s: number): number;
  /** Measures scanned spectrum by spectrum: an upper bound of exact(s), may stop once below theta. */
  bound?: (s: number, theta: number) => number;
  /** Measures searched by blocked accumulation of bounds (blocked.ts). */
  blocked?: BlockedPart;
  /** The points exact(s) takes off the raw score (its checks), when the search uses them in bounds. */
  penalty?: (s: number) => number;
}

/**
 * Query bins left out of the streaming accumulation (see scanBounds): at most this share of the
 * query's cosine norm (resp. of the square root of its mass for the identity weights). Larger
 * values read fewer postings and leave more spectra to score exactly; these were the fastest on
 * the 1M synthetic library (bench/suites/search.ts).
 */
const SKIP_COS = 0.01;
const SKIP_ID = 0.08;
/**
 * The query's cosine norm allowed below a cut of LOW_CUTS (see lowCut): larger cuts read fewer
 * postings and leave more spectra to walk; this was the fastest on the 1M synthetic library.
 */
const LOW_BUDGET = 0.2;

/** Bins below a cut left out of the cosine pass: each spectrum's norm there and the query's. */
interface LowCut {
  /** lowNorm of the cut (per spectrum, 65535 scale). */
  norms: Uint16Array;
  /** The query's cosine norm below the cut, rounded up. */
  q: number;
}

const EMPTY_U16 = new Uint16Array(0);

/**
 * The composite's bounds in its streaming pass: the identity part at its maximum (`constant`,
 * 0..1 scale, margins included) plus the cosine bound, for spectra base..end-1 of one block,
 * written to ub; the highest go to `seeds`. Its own small function so that the engine optimises
 * the loop, run once per spectrum and query.
 */
function cosineBoundsOfBlock(base: number, end: number, ub: Float32Array, constant: number, wdot: number, delta: number, accC: Float32Array, seeds: TopK, low: LowCut): void {
  const extra = delta + MARGIN_F32;
  let worst = seeds.full ? seeds.worstScore : -1;
  const lowNorm = low.norms;
  const lowQ = low.q / WEIGHT_SCALE;
  // An empty spectrum gets a bound above its score (0) too: no need to tell it apart here.
  // Four at a time (V8 runs unrolled typed-array loops markedly faster), seeds checked per four.
  const a = 1000 * constant;
  const c = 1000 * wdot;
  let s = base;
  for (; s + 3 < end; s += 4) {
    const l = s - base;
    const b0 = (accC[l] ?? 0) + extra + lowQ * (lowNorm[s] ?? 0);
    const b1 = (accC[l + 1] ?? 0) + extra + lowQ * (lowNorm[s + 1] ?? 0);
    const b2 = (accC[l + 2] ?? 0) + extra + lowQ * (lowNorm[s + 2] ?? 0);
    const b3 = (accC[l + 3] ?? 0) + extra + lowQ * (lowNorm[s + 3] ?? 0);
    const v0 = a + c * (b0 > 1 ? 1 : b0);
    const v1 = a + c * (b1 > 1 ? 1 : b1);
    const v2 = a + c * (b2 > 1 ? 1 : b2);
    const v3 = a + c * (b3 > 1 ? 1 : b3);
    ub[s] = v0;
    ub[s + 1] = v1;
    ub[s + 2] = v2;
    ub[s + 3] = v3;
    if (v0 > worst || v1 > worst || v2 > worst || v3 > worst) {
      for (let j = 0; j < 4; j++) {
        const v = ub[s + j] ?? 0;
        if (v > worst) {
          seeds.offer(v, s + j);
          if (seeds.full) worst = seeds.worstScore;
        }
      }
    }
  }
  for (; s < end; s++) {
    const cb = (accC[s - base] ?? 0) + extra + lowQ * (lowNorm[s] ?? 0);
    const v = a + c * (cb > 1 ? 1 : cb);
    ub[s] = v;
    if (v > worst) {
      seeds.offer(v, s);
      if (seeds.full) worst = seeds.worstScore;
    }
  }
}

/** What boundsOfBlock reads: the measure's weights, the query's side and the block's sums. */
interface BlockSums {
  wmf: number;
  wdot: number;
  qmin: number;
  suffix: Float64Array;
  deltaI: number;
  deltaC: number;
  accI: Float32Array;
  accB: Float32Array;
  accC: Float32Array;
  common: Uint16Array;
  pairs: Uint16Array;
  num: Float32Array;
  den: Float32Array;
  low: LowCut | undefined;
}

/**
 * The upper bound of wmf * MF + wdot * 1000 * cosine for the spectra base..end-1 of one block
 * from its accumulated sums (see scanBounds), written to ub, the highest kept in seeds. A small function
 * of its own so that the engine optimises this loop, run once per spectrum and query.
 */
function boundsOfBlock(offsets: Uint32Array, lowMz: Uint16Array, base: number, end: number, ub: Float32Array, seeds: TopK, k: BlockSums): void {
  const { wmf, wdot, qmin, suffix, deltaI, deltaC, accI, accB, accC, common, pairs, num, den, low } = k;
  const lowNorm = low?.norms ?? EMPTY_U16;
  const lowQ = low === undefined ? 0 : low.q / WEIGHT_SCALE;
  const massScale = 1 / (WEIGHT_SCALE * WEIGHT_SCALE);
  const slen = suffix.length;
  let worst = seeds.full ? seeds.worstScore : -1;
  for (let s = base; s < end; s++) {
    const l = s - base;
    let v = 0;
    if ((offsets[s] ?? 0) < (offsets[s + 1] ?? 0)) {
      const lmin = lowMz[s] ?? 0;
      if (wmf > 0) {
        const m0 = lmin > qmin ? lmin : qmin;
        const suu = m0 < slen ? (suffix[m0] ?? 0) : 0;
        let mfb = 0;
        if (suu > 0) {
          const sul = (accI[l] ?? 0) * (1 + SUM_MARGIN) + deltaI;
          const fb = (accB[l] ?? 0) * massScale;
          let f1 = fb >= 1 ? 1 : (sul * sul) / (suu * (1 - fb));
          if (f1 > 1) f1 = 1;
          const n2 = pairs[l] ?? 0;
          mfb = f1;
          if (n2 > 0) {
            const g = ((num[l] ?? 0) * (1 + SUM_MARGIN)) / ((den[l] ?? 1) * (1 - SUM_MARGIN));
            if (g > f1) {
              const c = common[l] ?? 0;
              const n1 = c > n2 ? c : n2 + 1;
              mfb = (n1 * f1 + n2 * g) / (n1 + n2);
            }
          }
        }
        v += wmf * (mfb * (1 + MARGIN_EXACT) + 1e-6);
      }
      if (wdot > 0) {
        const cb = (accC[l] ?? 0) + deltaC + MARGIN_F32 + lowQ * (lowNorm[s] ?? 0);
        v += wdot * (cb > 1 ? 1 : cb);
      }
      v *= 1000;
    }
    ub[s] = v;
    if (v > worst) {
      seeds.offer(v, s);
      if (seeds.full) worst = seeds.worstScore;
    }
  }
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
  const lowMz = new Uint16Array(new SharedArrayBuffer(2 * count));
  const highMz = new Uint16Array(new SharedArrayBuffer(2 * count));
  const topPeaks = new Uint32Array(new SharedArrayBuffer(4 * TOP_WIDTH * count));
  const topMass = new Float32Array(topPeaks.buffer);
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
    lowMz[s] = n > 0 ? (mz[a] ?? 0) : 0;
    highMz[s] = heaviestSignificant(mz, intensity, a, a + n, []);
    const view = keys.subarray(0, n).sort();
    for (let k = 0; k < n; k++) {
      // Recover the position: keys are exact integers below 2^53.
      const w = -(view[k] ?? 0);
      order[a + k] = positionOf(w, mz, intensity, a, n);
    }
    const at = s * TOP_WIDTH;
    for (let k = 0; k < Math.min(n, TOP_PEAKS); k++) {
      const p = a + (order[a + k] ?? 0);
      topPeaks[at + k] = (((mz[p] ?? 0) << 16) | (intensity[p] ?? 0)) >>> 0;
    }
    topMass[at + TOP_PEAKS] = float32Up(total);
  }
  const pairs = buildPairPostings({ offsets, mz, intensity }, maxMz, true);
  const t = powerTables(COMPOSITE_DOT_POWERS.mz, COMPOSITE_DOT_POWERS.intensity);
  const cosinePostings = buildCosinePostings({ offsets, mz, intensity }, t, maxMz, true, true);
  return new SpectralIndex(meta, { ...lib, offsets, mz, intensity, ri, order, lowMz, highMz, mass, pairKeys: pairs.keys, pairStart: pairs.start, pairLocal: pairs.local, pairRatio: pairs.ratio, maxMz, cosinePostings, topPeaks });
}

/** The heaviest m/z of [a, b) with intensity >= LOW_MASS_CHECK.significant, bins in `ignore` aside. */
function heaviestSignificant(mz: Uint16Array, intensity: Uint16Array, a: number, b: number, ignore: readonly number[]): number {
  for (let p = b - 1; p >= a; p--) {
    const m = mz[p] ?? 0;
    if ((intensity[p] ?? 0) >= LOW_MASS_CHECK.significant && !ignore.includes(m)) return m;
  }
  return 0;
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

