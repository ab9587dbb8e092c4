// Similarity kernels on nominal spectra. The query is a whole NominalSpectrum; the library
// spectrum is the slice [ls, le) of packed arrays, so the index, the brute-force scan and the
// pairwise public functions all run this very code and agree to the last bit.

/**
 * NIST MS Search "Identity" match factor, 0..1000, as reconstructed by Samokhin (JASMS 2024;
 * 35:3178) from Stein & Scott (JASMS 1994;5:859):
 * - bins are compared from the higher of the two lowest m/z upward;
 * - weight w = sqrt(mz * I); a bin present on both sides ("common") adds wu*wl, wu^2, wl^2;
 *   a bin present on one side adds to that side only and breaks the peak-pair chain;
 * - F1 = Sul^2 / (Suu * Sll);
 * - for a common peak whose predecessor (in the merged walk) was common, the pair ratio
 *   r = sqrt(Iu_j * Il_p / (Iu_p * Il_j)) adds mz_j * min(r, 1/r) to F2 (weighted by mz_j);
 * - MF = 1000 * (n1*F1 + n2*F2) / (n1 + n2).
 * Reverse MF: query bins absent from the library spectrum do not add to Suu (impurities in the
 * unknown cost nothing) but still break the chain.
 * "Present" means a non-zero intensity after pre-processing (zeros are dropped there).
 */
export function identityKernel(
  qm: Uint16Array,
  qi: Uint16Array,
  lm: Uint16Array,
  li: Uint16Array,
  ls: number,
  le: number,
  reverse: boolean,
): number {
  const qn = qm.length;
  if (qn === 0 || le <= ls) return 0;
  const m0 = Math.max(qm[0] ?? 0, lm[ls] ?? 0);
  let i = 0;
  while (i < qn && (qm[i] ?? 0) < m0) i++;
  let j = ls;
  while (j < le && (lm[j] ?? 0) < m0) j++;
  let suu = 0;
  let sll = 0;
  let sul = 0;
  let n1 = 0;
  let n2 = 0;
  let f2num = 0;
  let f2den = 0;
  let prevCommon = false;
  let pu = 0;
  let pl = 0;
  while (i < qn || j < le) {
    const mq = i < qn ? (qm[i] ?? 0) : 0x10000;
    const ml = j < le ? (lm[j] ?? 0) : 0x10000;
    if (mq === ml) {
      const iu = qi[i] ?? 0;
      const il = li[j] ?? 0;
      suu += mq * iu;
      sll += ml * il;
      sul += mq * Math.sqrt(iu * il);
      n1++;
      if (prevCommon) {
        f2num += mq * pairRatio(iu, il, pu, pl);
        f2den += mq;
        n2++;
      }
      prevCommon = true;
      pu = iu;
      pl = il;
      i++;
      j++;
    } else if (mq < ml) {
      if (!reverse) suu += mq * (qi[i] ?? 0);
      prevCommon = false;
      i++;
    } else {
      sll += ml * (li[j] ?? 0);
      prevCommon = false;
      j++;
    }
  }
  return matchFactor(sul, suu, sll, n1, n2, f2num, f2den);
}

/**
 * The identity MF's peak-pair ratio min(r, 1/r), r = sqrt(Iu_j * Il_p / (Iu_p * Il_j)), of a
 * common peak j (query iu, library il) whose predecessor p (pu, pl) was common too.
 */
export function pairRatio(iu: number, il: number, pu: number, pl: number): number {
  const a = iu * pl;
  const b = pu * il;
  return Math.sqrt(a < b ? a / b : b / a);
}

/**
 * The identity MF, 0..1000, from the merged walk's sums: F1 = Sul^2 / (Suu * Sll), F2 = the
 * m/z-weighted mean pair ratio, MF = 1000 * (n1 * F1 + n2 * F2) / (n1 + n2); 0 with no common peak.
 */
export function matchFactor(sul: number, suu: number, sll: number, n1: number, n2: number, f2num: number, f2den: number): number {
  if (n1 === 0) return 0;
  const f1 = (sul * sul) / (suu * sll);
  const f2 = n2 === 0 ? 0 : f2num / f2den;
  return (1000 * (n1 * f1 + n2 * f2)) / (n1 + n2);
}

/** Lookup tables for weights mz^a * I^b on nominal spectra (I in 0..999). */
export interface PowerTables {
  readonly a: number;
  readonly b: number;
  readonly mzPow: Float64Array;
  readonly intPow: Float64Array;
}

const tableCache = new Map<string, PowerTables>();

export function powerTables(a: number, b: number): PowerTables {
  const key = `${a}/${b}`;
  let t = tableCache.get(key);
  if (t === undefined) {
    const mzPow = new Float64Array(65536);
    for (let m = 0; m < mzPow.length; m++) mzPow[m] = m ** a;
    const intPow = new Float64Array(1000);
    for (let v = 0; v < intPow.length; v++) intPow[v] = v ** b;
    t = { a, b, mzPow, intPow };
    tableCache.set(key, t);
  }
  return t;
}

/**
 * Weighted cosine (Stein & Scott 1994): weights mz^a * I^b over the whole spectra, 0..1.
 * `qw` holds the query's weights (aligned with qm) and `qn2` their squared norm.
 */
export function dotKernel(
  qm: Uint16Array,
  qw: Float64Array,
  qn2: number,
  lm: Uint16Array,
  li: Uint16Array,
  ls: number,
  le: number,
  t: PowerTables,
): number {
  let i = 0;
  let j = ls;
  const qn = qm.length;
  let dot = 0;
  let ln2 = 0;
  while (j < le) {
    const ml = lm[j] ?? 0;
    const wl = (t.mzPow[ml] ?? 0) * (t.intPow[li[j] ?? 0] ?? 0);
    ln2 += wl * wl;
    while (i < qn && (qm[i] ?? 0) < ml) i++;
    if (i < qn && qm[i] === ml) dot += (qw[i] ?? 0) * wl;
    j++;
  }
  if (dot === 0 || qn2 === 0 || ln2 === 0) return 0;
  const c = dot / Math.sqrt(qn2 * ln2);
  return c > 1 ? 1 : c;
}

export function queryWeights(qm: Uint16Array, qi: Uint16Array, t: PowerTables, floor = 0): { w: Float64Array; n2: number } {
  const w = new Float64Array(qm.length);
  let n2 = 0;
  for (let k = 0; k < qm.length; k++) {
    const i = qi[k] ?? 0;
    // Peaks below the floor weigh nothing (left out of the cosine and its norm).
    const v = i < floor ? 0 : (t.mzPow[qm[k] ?? 0] ?? 0) * (t.intPow[i] ?? 0);
    w[k] = v;
    n2 += v * v;
  }
  return { w, n2 };
}

/**
 * Entropy weighting of Li et al. (Nature Methods 2021;18:1524): intensities normalised to sum
 * 1; if the spectral entropy S (natural log) is below 3, intensities are raised to the power
 * 0.25 + 0.25*S and normalised again. Writes the weighted intensities into `out[0..n)`.
 */
export function entropyWeights(li: Uint16Array, ls: number, le: number, out: Float64Array): void {
  let sum = 0;
  for (let j = ls; j < le; j++) sum += li[j] ?? 0;
  let s = 0;
  for (let j = ls; j < le; j++) {
    const p = (li[j] ?? 0) / sum;
    out[j - ls] = p;
    if (p > 0) s -= p * Math.log(p);
  }
  if (s < 3) {
    const w = 0.25 + 0.25 * s;
    let sum2 = 0;
    for (let k = 0; k < le - ls; k++) {
      const v = (out[k] ?? 0) ** w;
      out[k] = v;
      sum2 += v;
    }
    for (let k = 0; k < le - ls; k++) out[k] = (out[k] ?? 0) / sum2;
  }
}

/** Entropy similarity term of one matched peak pair: ((a+b)log2(a+b) - a log2 a - b log2 b) / 2. */
export function entropyTerm(a: number, b: number): number {
  return ((a + b) * Math.log2(a + b) - a * Math.log2(a) - b * Math.log2(b)) / 2;
}

/**
 * Spectral entropy similarity (Li et al. 2021), 0..1: 1 - (2*S_AB - S_A - S_B) / ln 4, which
 * reduces to a sum over matched bins (Li & Fiehn, Nature Methods 2023). `qa` are the query's
 * entropy-weighted intensities aligned with qm; `scratch` must hold le - ls values.
 */
export function entropyKernel(
  qm: Uint16Array,
  qa: Float64Array,
  lm: Uint16Array,
  li: Uint16Array,
  ls: number,
  le: number,
  scratch: Float64Array,
): number {
  if (le <= ls || qm.length === 0) return 0;
  entropyWeights(li, ls, le, scratch);
  let i = 0;
  const qn = qm.length;
  let sim = 0;
  for (let j = ls; j < le; j++) {
    const ml = lm[j] ?? 0;
    while (i < qn && (qm[i] ?? 0) < ml) i++;
    if (i < qn && qm[i] === ml) sim += entropyTerm(qa[i] ?? 0, scratch[j - ls] ?? 0);
  }
  return sim > 1 ? 1 : sim;
}
