// Pairwise similarity on whole spectra, for one comparison at a time. The index uses the same
// kernels, so a hit's score equals what these return for the same pair.
import { dotKernel, entropyKernel, entropyWeights, identityKernel, powerTables, queryWeights } from './core.ts';
import { toNominal } from './nominal.ts';
import type { Peaks } from '../types.ts';

/** NIST-style identity match factor, 0..1000 (see identityKernel). Not symmetric: the first argument is the unknown. */
export function identityMatchFactor(query: Peaks, ref: Peaks): number {
  const q = toNominal(query);
  const r = toNominal(ref);
  return identityKernel(q.mz, q.intensity, r.mz, r.intensity, 0, r.mz.length, false);
}

/** Reverse match factor, 0..1000: peaks of the unknown absent from the reference are ignored. */
export function reverseMatchFactor(query: Peaks, ref: Peaks): number {
  const q = toNominal(query);
  const r = toNominal(ref);
  return identityKernel(q.mz, q.intensity, r.mz, r.intensity, 0, r.mz.length, true);
}

/** Cosine of weights mz^mzPower * I^intensityPower, 0..1 (defaults: Stein & Scott's 2 and 0.5). */
export function weightedDotProduct(a: Peaks, b: Peaks, powers: { mz?: number; intensity?: number } = {}): number {
  const t = powerTables(powers.mz ?? 2, powers.intensity ?? 0.5);
  const q = toNominal(a);
  const r = toNominal(b);
  const { w, n2 } = queryWeights(q.mz, q.intensity, t);
  return dotKernel(q.mz, w, n2, r.mz, r.intensity, 0, r.mz.length, t);
}

/** Spectral entropy similarity (Li et al., Nature Methods 2021) on nominal bins, 0..1. */
export function entropySimilarity(a: Peaks, b: Peaks): number {
  const q = toNominal(a);
  const r = toNominal(b);
  const qa = new Float64Array(q.mz.length);
  entropyWeights(q.intensity, 0, q.mz.length, qa);
  return entropyKernel(q.mz, qa, r.mz, r.intensity, 0, r.mz.length, new Float64Array(r.mz.length));
}
