// The default measure's two adjustments of the plain 0.2 * MF + 0.8 * cosine: the query floor in
// the cosine and the low-mass check (scoring/defaults.ts), checked against the pairwise functions.
import { describe, expect, it } from 'vitest';
import { buildIndex } from '../src/library/index.ts';
import { identityMatchFactor, weightedDotProduct } from '../src/scoring/measures.ts';
import { COMPOSITE_DOT_POWERS, COMPOSITE_MF_WEIGHT, LOW_MASS_CHECK } from '../src/scoring/defaults.ts';
import { makeSpectrum, type LibrarySpectrum } from '../src/types.ts';

const meta = { name: 'test', version: '1' };
const ref = (name: string, peaks: [number, number][]): LibrarySpectrum => makeSpectrum(peaks, { name, inchikey: `${name.toUpperCase().padEnd(14, 'X')}-X-X` });
const composite = (q: ReturnType<typeof makeSpectrum>, cosineQuery: ReturnType<typeof makeSpectrum>, r: LibrarySpectrum): number =>
  COMPOSITE_MF_WEIGHT * identityMatchFactor(q, r) + (1 - COMPOSITE_MF_WEIGHT) * 1000 * weightedDotProduct(cosineQuery, r, COMPOSITE_DOT_POWERS);

describe('default measure', () => {
  const peaks: [number, number][] = [[41, 300], [43, 999], [57, 640], [71, 200], [85, 120], [142, 60]];
  const full = ref('full', peaks);
  // The same compound's reference without its heaviest ions (142, 85): 71 is its heaviest.
  const truncated = ref('truncated', peaks.slice(0, 4));

  it('leaves query peaks below 0.5 % of the base peak out of the cosine but not out of the MF', () => {
    const index = buildIndex([full], meta);
    const noisy = makeSpectrum([...peaks, [99, 3]]);
    const hit = index.search(noisy, { top: 1 }).hits[0];
    expect(hit?.mf).toBe(identityMatchFactor(noisy, full));
    expect(hit?.score).toBeCloseTo(composite(noisy, makeSpectrum(peaks), full), 9);
    // The same peak at 1 % stays in the cosine.
    const louder = makeSpectrum([...peaks, [99, 10]]);
    expect(index.search(louder, { top: 1 }).hits[0]?.score).toBeCloseTo(composite(louder, louder, full), 9);
  });

  it('takes the low-mass penalty from a hit lacking the query\'s heaviest ions, and only from the composite', () => {
    const index = buildIndex([full, truncated], meta);
    const query = makeSpectrum(peaks);
    const hits = index.search(query).hits;
    const t = hits.find((h) => h.name === 'truncated');
    expect(t?.score).toBeCloseTo(Math.max(0, composite(query, query, truncated) - LOW_MASS_CHECK.penalty), 9);
    expect(hits.find((h) => h.name === 'full')?.score).toBeCloseTo(composite(query, query, full), 9);
    // The hit says what was taken and why.
    expect(t?.adjustments).toEqual([{ reason: 'low-mass', points: LOW_MASS_CHECK.penalty }]);
    expect(hits.find((h) => h.name === 'full')?.adjustments).toEqual([]);
    expect(index.search(query, { lowMassPenalty: 0 }).hits.find((h) => h.name === 'truncated')?.score).toBeCloseTo(composite(query, query, truncated), 9);
    expect(index.search(query, { measure: 'identity' }).hits.find((h) => h.name === 'truncated')?.score).toBe(identityMatchFactor(query, truncated));
    expect(() => index.search(query, { lowMassPenalty: -1 })).toThrow(/lowMassPenalty/);
  });

  it('does not count column-bleed ions as the query\'s heaviest', () => {
    const index = buildIndex([full, truncated], meta);
    // A query of the full compound with polysiloxane bleed at m/z 207 and 281: the full
    // reference is not penalised although 281 is above its heaviest ion.
    const bled = makeSpectrum([...peaks, [207, 40], [281, 30]]);
    const hit = index.search(bled).hits.find((h) => h.name === 'full');
    expect(hit?.score).toBeCloseTo(composite(bled, bled, full), 9);
    // A real ion at 282 does count.
    const heavier = makeSpectrum([...peaks, [282, 30]]);
    expect(index.search(heavier).hits.find((h) => h.name === 'full')?.score).toBeCloseTo(composite(heavier, heavier, full) - LOW_MASS_CHECK.penalty, 9);
  });
});
