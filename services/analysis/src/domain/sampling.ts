// Representative sampling of multi-unit items (packets, tablets), after the ENFSI Drugs Working
// Group guidelines on representative drug sampling and SWGDRUG Part III A. The question: how
// many of N units must be analysed so that, if all of them contain the substance, one can state
// with confidence c (95 %) that at least a proportion p of the N units contain it.
// - Hypergeometric (frequentist): with K positives among N, the chance that n units drawn at
//   random are all positive is C(K,n)/C(N,n). The plan is the smallest n for which that chance
//   is at most 1 - c when K = ceil(pN) - 1, i.e. "fewer than pN positives" is rejected.
// - Bayesian (beta-binomial): a Beta(a, b) prior on the proportion positive (a = b = 1 is
//   uniform); after x positives in n, the positives among the N - n unexamined units follow a
//   beta-binomial(N - n, a + x, b + n - x). The plan is the smallest n whose all-positive
//   outcome gives P(total positives >= ceil(pN)) >= c.
import { AnalysisErrors } from './errors.ts';

export type SamplingMethod = 'hypergeometric' | 'bayesian';

export interface SamplingQuestion {
  /** Units in the population (the item). */
  population: number;
  /** Proportion to be shown positive, 0 < p <= 1 (e.g. 0.9). */
  proportion: number;
  /** Confidence, e.g. 0.95. */
  confidence: number;
  method: SamplingMethod;
  /** Beta prior for the Bayesian method (default 1, 1: uniform). */
  prior?: { a: number; b: number } | undefined;
}

export interface SamplingOutcome {
  population: number;
  sampled: number;
  positives: number;
  confidence: number;
  method: SamplingMethod;
  prior?: { a: number; b: number } | undefined;
}

export const MAX_POPULATION = 100_000;

function fail(field: string, message: string): never {
  throw AnalysisErrors.ANALYSIS_ERR_BAD_SAMPLING_PLAN(`${field}: ${message}`, { errors: [{ field, message }] });
}

function checkCommon(population: number, confidence: number): void {
  if (!Number.isInteger(population) || population < 1 || population > MAX_POPULATION)
    fail('population', `must be an integer 1..${MAX_POPULATION}`);
  if (!(confidence > 0 && confidence < 1)) fail('confidence', 'must be between 0 and 1');
}

// Lanczos approximation (g = 7, n = 9) of ln Γ(x), accurate to ~1e-15 relative.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0] ?? 0;
  for (let i = 1; i < LANCZOS.length; i++) s += (LANCZOS[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

function lnChoose(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  return lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);
}

function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** P(X = x) for X ~ hypergeometric(N, K positives, n drawn). */
export function hypergeometricPmf(N: number, K: number, n: number, x: number): number {
  const l = lnChoose(K, x) + lnChoose(N - K, n - x) - lnChoose(N, n);
  return Number.isFinite(l) ? Math.exp(l) : 0;
}

/** P(Y = y) for Y ~ beta-binomial(m, a, b). */
export function betaBinomialPmf(m: number, a: number, b: number, y: number): number {
  if (y < 0 || y > m) return 0;
  return Math.exp(lnChoose(m, y) + lnBeta(y + a, m - y + b) - lnBeta(a, b));
}

function required(population: number, proportion: number): number {
  return Math.ceil(proportion * population - 1e-9);
}

/** Lowest number of positive units in the population supported at the outcome's confidence. */
export function lowerBoundPositives(outcome: SamplingOutcome): number {
  const { population: N, sampled: n, positives: x, confidence } = outcome;
  checkCommon(N, confidence);
  if (!Number.isInteger(n) || n < 1 || n > N) fail('sampled', `must be an integer 1..${N}`);
  if (!Number.isInteger(x) || x < 0 || x > n) fail('positives', `must be an integer 0..${n}`);
  const alpha = 1 - confidence;
  if (outcome.method === 'hypergeometric') {
    // Smallest K not rejected: P(X >= x | K) > alpha.
    for (let K = x; K <= N; K++) {
      let tail = 0;
      for (let j = x; j <= Math.min(n, K); j++) tail += hypergeometricPmf(N, K, n, j);
      if (tail > alpha) return K;
    }
    return N;
  }
  const { a, b } = outcome.prior ?? { a: 1, b: 1 };
  const m = N - n;
  // P(x + Y >= k) for k = x + m down to x; the largest k with probability >= confidence.
  let tail = 0;
  for (let y = m; y >= 0; y--) {
    tail += betaBinomialPmf(m, a + x, b + n - x, y);
    if (tail >= confidence - 1e-12) return x + y;
  }
  return x;
}

export interface SamplingPlan extends SamplingQuestion {
  /** Units to analyse. */
  sampled: number;
  /** Units that must be shown positive: ceil(p N). */
  requiredPositives: number;
}

/** The smallest number of units to analyse (all positive) to support the stated proportion. */
export function planSampling(q: SamplingQuestion): SamplingPlan {
  checkCommon(q.population, q.confidence);
  if (!(q.proportion > 0 && q.proportion <= 1)) fail('proportion', 'must be in (0, 1]');
  const prior = q.method === 'bayesian' ? (q.prior ?? { a: 1, b: 1 }) : undefined;
  if (prior !== undefined && !(prior.a > 0 && prior.b > 0)) fail('prior', 'a and b must be > 0');
  const need = required(q.population, q.proportion);
  const alpha = 1 - q.confidence;
  for (let n = 1; n <= q.population; n++) {
    const ok =
      q.method === 'hypergeometric'
        ? hypergeometricPmf(q.population, need - 1, n, n) <= alpha
        : lowerBoundPositives({
            population: q.population,
            sampled: n,
            positives: n,
            confidence: q.confidence,
            method: 'bayesian',
            prior,
          }) >= need;
    if (ok) return { ...q, ...(prior === undefined ? {} : { prior }), sampled: n, requiredPositives: need };
  }
  return { ...q, sampled: q.population, requiredPositives: need };
}

function percent(x: number): string {
  return `${Math.round(x * 1000) / 10}`;
}

/** The sentence the report carries (ISO/IEC 17025 7.8.2.1 k: the sampling plan and method used). */
export function samplingStatement(outcome: SamplingOutcome, substance: string): string {
  const bound = lowerBoundPositives(outcome);
  const method =
    outcome.method === 'hypergeometric'
      ? 'hypergeometric distribution'
      : `Bayesian beta-binomial model with a Beta(${outcome.prior?.a ?? 1}, ${outcome.prior?.b ?? 1}) prior`;
  const found =
    outcome.positives === outcome.sampled
      ? `all ${outcome.sampled} contained ${substance}`
      : `${outcome.positives} contained ${substance}`;
  return (
    `${outcome.sampled} of ${outcome.population} units were selected at random and analysed; ${found}. ` +
    `Based on the ${method} (ENFSI DWG guidelines on representative drug sampling), it can be stated with ` +
    `${percent(outcome.confidence)} % confidence that at least ${bound} of the ${outcome.population} units ` +
    `(${percent(bound / outcome.population)} %) contain ${substance}.`
  );
}
