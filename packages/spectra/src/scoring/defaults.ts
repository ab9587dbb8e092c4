// The default measure and the powers/weights of the weighted cosine and the composite. Kept in
// one place so tuning (test/eval-measures.ts) changes values here only; the index bounds every
// component separately, so any non-negative weight and any powers stay exact.
import type { Measure } from '../library/index.ts';

/**
 * The default measure: 0.2 * identity MF + 0.8 * 1000 * cosine of m/z^1.5 * I^0.5, with the
 * derivative check of scoring/derivative.ts when the query carries a `Derivative:` label.
 *
 * Chosen on library replicates, not on the dev queries (test/eval-measures.ts): 4,421 library
 * records of 1,580 compounds with >= 2 records, each searched against the library without
 * itself, counted once per compound. There it ranks the right compound first for 74.4 % (the
 * previous 0.15 * MF + 0.85 * cos(m/z^2.5 * I^0.5) 68.9 %; top-5 89.5 % vs 85.3 %), and on the
 * 1,291 underivatised EI-B compounds (the make-up of the dev queries) 74.4 % vs 73.8 %. On the
 * 100 dev queries: 79 top-1 (unchanged), 94 top-5 (was 91). Intensity power 0.5 as Stein &
 * Scott (JASMS 1994;5:859) found; the m/z power that wins on replicates is lower than their 2-3
 * (higher powers let a few heavy, noisy ions decide between isomers).
 */
export const DEFAULT_MEASURE: Measure = 'composite';
/** Weight of the identity MF in the composite; the weighted cosine gets 1 - this. */
export const COMPOSITE_MF_WEIGHT = 0.2;
/** Powers of the measure `dot` when the caller gives none (Stein & Scott's plain cosine). */
export const DEFAULT_DOT_POWERS = { mz: 2, intensity: 0.5 } as const;
/** Powers of the weighted cosine inside the composite. */
export const COMPOSITE_DOT_POWERS = { mz: 1.5, intensity: 0.5 } as const;
/**
 * Score units (0..1000) taken from a hit whose derivative label differs from the query's, when
 * the query has one (see derivativePenalty). Large on purpose: a TMS-derivative query should not
 * be answered with another derivative of the parent, and scores of the right compound's
 * replicates rarely sit 200 below the best wrong hit.
 */
export const DERIVATIVE_MISMATCH_PENALTY = 200;
