// Derivative check. Libraries such as MassBank file a derivative's spectrum under the parent
// compound (InChIKey of the parent, `Derivative: 3 TMS`), so one compound has several spectra
// that differ only in the derivatisation, and the analyst knows how the sample was prepared.
// When the query carries a derivative label, a hit with a different label (or none) loses
// DERIVATIVE_MISMATCH_PENALTY score units. An unlabelled query is not assumed underivatised: it
// is left alone. The adjustment only ever lowers a score, so an index's upper bounds stay valid
// and it can be applied to each exact score like the retention-index penalty.
import { DERIVATIVE_MISMATCH_PENALTY } from './defaults.ts';

/** A label as compared: trimmed, with '' and 'none' meaning underivatised. */
export function derivativeLabel(label: string | undefined): string {
  const t = (label ?? '').trim();
  return t.toLowerCase() === 'none' ? '' : t;
}

/** Score units to subtract from a hit: 0 unless the query is labelled and the hit's label differs. */
export function derivativePenalty(queryLabel: string | undefined, hitLabel: string | undefined, penalty = DERIVATIVE_MISMATCH_PENALTY): number {
  const q = derivativeLabel(queryLabel);
  if (q === '') return 0;
  return derivativeLabel(hitLabel) === q ? 0 : penalty;
}

/**
 * Re-orders hits already scored by a measure (0..1000): each loses derivativePenalty, floored at
 * 0; the order is by adjusted score, ties keeping their incoming order; `rank` is renumbered.
 */
export function rerankByDerivative<H extends { score: number; derivative: string; rank?: number }>(
  hits: readonly H[],
  queryLabel: string | undefined,
  penalty = DERIVATIVE_MISMATCH_PENALTY,
): H[] {
  return hits
    .map((h, at) => ({ h: { ...h, score: Math.max(0, h.score - derivativePenalty(queryLabel, h.derivative, penalty)) }, at }))
    .sort((x, y) => y.h.score - x.h.score || x.at - y.at)
    .map(({ h }, k) => (h.rank === undefined ? h : { ...h, rank: k + 1 }));
}
