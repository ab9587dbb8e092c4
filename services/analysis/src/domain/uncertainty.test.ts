import { describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import { combineBudget, contributionOf, netWeight, relativeResult, roundForReport } from './uncertainty.ts';

describe('GUM uncertainty budgets (hand-computed)', () => {
  it('turns each distribution into a standard uncertainty', () => {
    // rectangular half-width 0.3: 0.3 / sqrt(3) = 0.173205
    expect(
      contributionOf({ name: 'r', type: 'B', value: 0.3, distribution: 'rectangular' }).standardUncertainty,
    ).toBeCloseTo(0.173205, 6);
    // triangular half-width 0.6: 0.6 / sqrt(6) = 0.244949
    expect(
      contributionOf({ name: 't', type: 'B', value: 0.6, distribution: 'triangular' }).standardUncertainty,
    ).toBeCloseTo(0.244949, 6);
    // certificate U = 0.0004 g at k = 2: u = 0.0002 g
    expect(
      contributionOf({ name: 'c', type: 'B', value: 0.0004, distribution: 'normal', divisor: 2 }).standardUncertainty,
    ).toBeCloseTo(0.0002, 10);
    // sensitivity -3 with u = 0.1: contribution 0.3
    expect(
      contributionOf({ name: 's', type: 'A', value: 0.1, distribution: 'normal', sensitivity: -3 }).contribution,
    ).toBeCloseTo(0.3, 12);
  });

  it('combines by root sum of squares and expands with k = 2', () => {
    // u = 0.3, 0.4 -> u_c = 0.5, U = 1.0
    const b = combineBudget([
      { name: 'a', type: 'A', value: 0.3, distribution: 'normal' },
      { name: 'b', type: 'B', value: 0.4, distribution: 'normal' },
    ]);
    expect(b.combined).toBeCloseTo(0.5, 12);
    expect(b.expanded).toBeCloseTo(1.0, 12);
    expect(b.coverageFactor).toBe(2);
  });

  it('computes a net weight by difference with calibration, repeatability and rounding', () => {
    // per weighing: (0.0004/2)^2 + 0.0003^2 + (0.0001/2/sqrt 3)^2 = 4e-8 + 9e-8 + 8.3333e-10 = 1.308333e-7
    // two weighings: 2.616667e-7 -> u_c = 5.11534e-4 g, U = 1.023068e-3 g
    const r = netWeight({
      gross: 12.3456,
      packaging: 2.1,
      balance: { calibrationU: 0.0004, calibrationK: 2, repeatabilitySd: 0.0003, readability: 0.0001 },
    });
    expect(r.value).toBeCloseTo(10.2456, 10);
    expect(r.unit).toBe('g');
    expect(r.budget.components).toHaveLength(6);
    expect(r.budget.combined).toBeCloseTo(5.11534e-4, 8);
    expect(r.expandedUncertainty).toBeCloseTo(1.023068e-3, 8);
    expect(roundForReport(r.value, r.expandedUncertainty)).toEqual({ value: 10.2456, expanded: 0.0011, decimals: 4 });
  });

  it('computes a relative purity budget: calibration curve, replicate spread, reference material', () => {
    // 0.015^2 + (0.02/sqrt 3)^2 + (0.01/2)^2 = 2.25e-4 + 1.33333e-4 + 2.5e-5 = 3.83333e-4
    // u_c,rel = 0.0195789; U = 2 * 0.0195789 * 62 % = 2.42778 %
    const r = relativeResult(62, '%', [
      { name: 'calibration curve', type: 'A', value: 0.015, distribution: 'normal' },
      { name: 'replicate spread (RSD of 3)', type: 'A', value: 0.02, distribution: 'normal', divisor: Math.sqrt(3) },
      { name: 'reference material purity', type: 'B', value: 0.01, distribution: 'normal', divisor: 2 },
    ]);
    expect(r.relativeCombined).toBeCloseTo(0.0195789, 6);
    expect(r.expandedUncertainty).toBeCloseTo(2.42778, 4);
    expect(roundForReport(r.value, r.expandedUncertainty)).toEqual({ value: 62, expanded: 2.5, decimals: 1 });
  });

  it('rounds U up, never down, to two significant figures', () => {
    expect(roundForReport(1.23456, 0.0121)).toEqual({ value: 1.235, expanded: 0.013, decimals: 3 });
    expect(roundForReport(1.23456, 0.012)).toEqual({ value: 1.235, expanded: 0.012, decimals: 3 });
    expect(roundForReport(250.4, 13.2)).toEqual({ value: 250, expanded: 14, decimals: 0 });
  });

  it('refuses a budget with a negative value or packaging heavier than gross', () => {
    expect(() => combineBudget([{ name: 'x', type: 'B', value: -1, distribution: 'normal' }])).toThrow(/value/);
    try {
      netWeight({ gross: 1, packaging: 2, balance: { calibrationU: 0.001, calibrationK: 2, repeatabilitySd: 0.001 } });
      expect.unreachable();
    } catch (err) {
      expect(isDomainError(err, 'ANALYSIS_ERR_BAD_BUDGET')).toBe(true);
    }
  });
});
