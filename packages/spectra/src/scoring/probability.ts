// A per-hit "probability" in the spirit of NIST MS Search (Stein, JASMS 1994;5:316): how much
// a hit's score stands out from the other hits of the same search. NIST derives it from score
// gaps to the competing hits; we use a softmax over the hit list's compounds with a
// temperature of 25 score units (0..1000 scale), so a lead of 50 over the runner-up gives
// ~88 %. Hits of the same compound (InChIKey skeleton + derivative) do not compete with each
// other: they share their compound's probability, as replicate library spectra do in NIST.

export const PROBABILITY_TEMPERATURE = 25;

export function matchProbabilities(hits: readonly { score: number; compound: string }[]): number[] {
  if (hits.length === 0) return [];
  const best = new Map<string, number>();
  for (const h of hits) best.set(h.compound, Math.max(best.get(h.compound) ?? -Infinity, h.score));
  const top = Math.max(...best.values());
  let z = 0;
  for (const v of best.values()) z += Math.exp((v - top) / PROBABILITY_TEMPERATURE);
  return hits.map((h) => {
    const p = (100 * Math.exp(((best.get(h.compound) ?? 0) - top) / PROBABILITY_TEMPERATURE)) / z;
    return Math.round(p * 10) / 10;
  });
}
