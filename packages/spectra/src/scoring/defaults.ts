// The default measure and the powers/weights of the weighted cosine and the composite. Kept in
// one place so tuning (test/dev-grid.ts) changes values here only; the index bounds every
// component separately, so any non-negative weight and any powers stay exact.
import type { Measure } from '../library/index.ts';

/**
 * The default measure, tuned on the 100 public dev queries only by a coarse grid (no per-query
 * rules): 0.15 * identity MF + 0.85 * weighted cosine with m/z^2.5 * I^0.5.
 */
export const DEFAULT_MEASURE: Measure = 'composite';
/** Weight of the identity MF in the composite; the weighted cosine gets 1 - this. */
export const COMPOSITE_MF_WEIGHT = 0.15;
/** Powers of the measure `dot` when the caller gives none. */
export const DEFAULT_DOT_POWERS = { mz: 2, intensity: 0.5 } as const;
/** Powers of the weighted cosine inside the composite. */
export const COMPOSITE_DOT_POWERS = { mz: 2.5, intensity: 0.5 } as const;
