import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDomainError } from '@tamga/contracts';
import {
  betaBinomialPmf,
  hypergeometricPmf,
  lowerBoundPositives,
  planSampling,
  samplingStatement,
} from './sampling.ts';

/** Exact C(K,n)/C(N,n) with big integers: an independent check of the log-gamma path. */
function allPositiveExact(N: number, K: number, n: number): number {
  if (K < n) return 0;
  let num = 1n;
  let den = 1n;
  for (let i = 0; i < n; i++) {
    num *= BigInt(K - i);
    den *= BigInt(N - i);
  }
  return Number((num * 10n ** 15n) / den) / 1e15;
}

describe('sampling plans for multi-unit items', () => {
  // 90 % of the units with 95 % confidence; large N tends to the binomial 0.9^n <= 0.05 (n = 29)
  // and, with a uniform prior, to 0.9^(n+1) <= 0.05 (n = 28).
  const table = [
    { N: 10, hyper: 8, bayes: 8 },
    { N: 50, hyper: 19, bayes: 19 },
    { N: 100, hyper: 23, bayes: 22 },
    { N: 1000, hyper: 28, bayes: 27 },
    { N: 100000, hyper: 29, bayes: 28 },
  ];
  for (const row of table) {
    it(`plans ${row.hyper} (hypergeometric) and ${row.bayes} (Bayesian) of ${row.N} units for 90 % at 95 %`, () => {
      expect(
        planSampling({ population: row.N, proportion: 0.9, confidence: 0.95, method: 'hypergeometric' }).sampled,
      ).toBe(row.hyper);
      expect(planSampling({ population: row.N, proportion: 0.9, confidence: 0.95, method: 'bayesian' }).sampled).toBe(
        row.bayes,
      );
    });
  }

  it('a hypergeometric plan is the smallest n that rejects fewer than pN positives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.double({ min: 0.3, max: 0.99, noNaN: true }), (N, p) => {
        const plan = planSampling({ population: N, proportion: p, confidence: 0.95, method: 'hypergeometric' });
        const K0 = plan.requiredPositives - 1;
        expect(allPositiveExact(N, K0, plan.sampled)).toBeLessThanOrEqual(0.05 + 1e-12);
        if (plan.sampled > 1) expect(allPositiveExact(N, K0, plan.sampled - 1)).toBeGreaterThan(0.05 - 1e-12);
      }),
      { numRuns: 200 },
    );
  });

  it('probabilities sum to one', () => {
    let h = 0;
    for (let x = 0; x <= 10; x++) h += hypergeometricPmf(60, 25, 10, x);
    let b = 0;
    for (let y = 0; y <= 40; y++) b += betaBinomialPmf(40, 3.5, 1.2, y);
    expect(h).toBeCloseTo(1, 12);
    expect(b).toBeCloseTo(1, 12);
  });

  it('states the plan for the report with the supported lower bound', () => {
    const s = samplingStatement(
      { population: 100, sampled: 23, positives: 23, confidence: 0.95, method: 'hypergeometric' },
      'heroin',
    );
    expect(s).toBe(
      '23 of 100 units were selected at random and analysed; all 23 contained heroin. Based on the hypergeometric distribution ' +
        '(ENFSI DWG guidelines on representative drug sampling), it can be stated with 95 % confidence that at least 90 of the 100 units (90 %) contain heroin.',
    );
    expect(
      lowerBoundPositives({ population: 100, sampled: 23, positives: 22, confidence: 0.95, method: 'hypergeometric' }),
    ).toBeLessThan(90);
  });

  it('refuses an impossible plan', () => {
    try {
      lowerBoundPositives({ population: 10, sampled: 12, positives: 12, confidence: 0.95, method: 'hypergeometric' });
      expect.unreachable();
    } catch (err) {
      expect(isDomainError(err, 'ANALYSIS_ERR_BAD_SAMPLING_PLAN')).toBe(true);
    }
  });
});
