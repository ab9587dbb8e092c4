import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entropySimilarity, identityMatchFactor, makeSpectrum, matchProbabilities, nominalBin, reverseMatchFactor, toNominal, weightedDotProduct } from '../src/index.ts';
import { entropyTerm } from '../src/scoring/core.ts';

const spec = (peaks: [number, number][]) => makeSpectrum(peaks);

describe('identity match factor, hand-computed from the published reconstruction', () => {
  // Unknown U: 40:999, 41:999. Library L: 40:999, 41:250, 43:999. Compared from m/z 40.
  // Common 40 and 41; 43 is library-only. One peak pair (40 -> 41).
  const u = spec([[40, 999], [41, 999]]);
  const l = spec([[40, 999], [41, 250], [43, 999]]);
  const suu = 40 * 999 + 41 * 999;
  const sll = 40 * 999 + 41 * 250 + 43 * 999;
  const sul = 40 * 999 + 41 * Math.sqrt(999 * 250);
  const f1 = (sul * sul) / (suu * sll);
  const f2 = Math.sqrt(250 / 999); // r = sqrt(999*999 / (999*250)), min(r, 1/r)
  it('combines the squared cosine and the peak-pair ratio term', () => {
    expect(identityMatchFactor(u, l)).toBeCloseTo((1000 * (2 * f1 + 1 * f2)) / 3, 9);
  });
  it('ignores peaks below the higher of the two lowest m/z', () => {
    const withLow = spec([[30, 500], [40, 999], [41, 999]]);
    expect(identityMatchFactor(withLow, l)).toBeCloseTo(identityMatchFactor(u, l), 9);
  });
  it('reverse MF does not charge the unknown for peaks the library lacks', () => {
    const withImpurity = spec([[40, 999], [41, 999], [45, 999]]);
    // 45 breaks nothing between 40 and 41; it is not in Suu for the reverse score.
    const s = 40 * 999 + 41 * 999;
    const rf1 = (sul * sul) / (s * sll);
    expect(reverseMatchFactor(withImpurity, l)).toBeCloseTo((1000 * (2 * rf1 + f2)) / 3, 9);
    expect(identityMatchFactor(withImpurity, l)).toBeLessThan(reverseMatchFactor(withImpurity, l));
  });
  it('a one-sided peak between two common peaks breaks the pair chain', () => {
    const a = spec([[40, 999], [41, 500], [42, 999]]);
    const b = spec([[40, 999], [42, 999]]);
    // Common: 40, 42; 41 is unknown-only and breaks the chain, so n2 = 0 and MF = 1000 * F1.
    const sul2 = 40 * 999 + 42 * 999;
    const expected = (1000 * sul2 * sul2) / ((40 * 999 + 41 * 500 + 42 * 999) * (40 * 999 + 42 * 999));
    expect(identityMatchFactor(a, b)).toBeCloseTo(expected, 9);
  });
  it('bins m/z at ceil(mz - 0.649) and scales to a base peak of 999', () => {
    expect([nominalBin(40.6), nominalBin(40.649), nominalBin(40.65)]).toEqual([40, 40, 41]);
    const n = toNominal(spec([[40.2, 10], [39.8, 10], [41, 40]]));
    expect(Array.from(n.mz)).toEqual([40, 41]);
    expect(Array.from(n.intensity)).toEqual([500, 999]);
  });
});

const arbSpectrum = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 30, max: 300 }), fc.integer({ min: 1, max: 999 })), { minLength: 1, maxLength: 40, selector: (p) => p[0] })
  .map((peaks) => spec(peaks));

const measures: [string, (a: ReturnType<typeof spec>, b: ReturnType<typeof spec>) => number, number, boolean][] = [
  ['identity MF', identityMatchFactor, 1000, true],
  ['reverse MF', reverseMatchFactor, 1000, false],
  ['weighted dot', (a, b) => weightedDotProduct(a, b, { mz: 3, intensity: 0.6 }), 1, true],
  ['entropy', entropySimilarity, 1, true],
];

describe.each(measures)('%s properties', (_name, f, max, symmetric) => {
  it('is bounded by 0 and its maximum', () => {
    fc.assert(fc.property(arbSpectrum, arbSpectrum, (a, b) => f(a, b) >= 0 && f(a, b) <= max + 1e-9));
  });
  it('gives the maximum for identical spectra', () => {
    fc.assert(fc.property(arbSpectrum, (a) => Math.abs(f(a, a) - max) < 1e-9 * max));
  });
  it('does not depend on the intensity scale', () => {
    fc.assert(fc.property(arbSpectrum, arbSpectrum, fc.integer({ min: -8, max: 8 }), (a, b, k) => {
      const scaled = makeSpectrum({ mz: a.mz, intensity: a.intensity.map((v) => v * 2 ** k) });
      return f(scaled, b) === f(a, b);
    }));
  });
  // The reverse MF is one-sided by design, so only the symmetric measures are checked here.
  if (symmetric) {
    it('is symmetric', () => {
      fc.assert(fc.property(arbSpectrum, arbSpectrum, (a, b) => Math.abs(f(a, b) - f(b, a)) < 1e-9 * max));
    });
  }
});

describe('entropy bound and probabilities', () => {
  it('each matched entropy term is at most sqrt(a*b), the bound the index prunes with', () => {
    fc.assert(fc.property(fc.double({ min: 1e-9, max: 1, noNaN: true }), fc.double({ min: 1e-9, max: 1, noNaN: true }), (a, b) => entropyTerm(a, b) <= Math.sqrt(a * b) * (1 + 1e-12)));
  });
  it('shares a compound probability between its replicate hits and sums to 100 over compounds', () => {
    const p = matchProbabilities([
      { score: 900, compound: 'A' },
      { score: 880, compound: 'A' },
      { score: 850, compound: 'B' },
    ]);
    expect(p[0]).toBe(p[1]);
    expect((p[0] ?? 0) + (p[2] ?? 0)).toBeCloseTo(100, 0);
    expect(p[0]).toBeGreaterThan(p[2] ?? 100);
  });
});
