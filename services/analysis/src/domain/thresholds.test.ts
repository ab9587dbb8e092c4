import { describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import { assessThresholds, decide, findThresholds } from './thresholds.ts';
import type { ThresholdSet } from './thresholds.ts';

// Illustrative figures for the tests only; a lab configures the ones its law sets.
const config: ThresholdSet[] = [
  {
    jurisdiction: 'XX',
    substance: 'Heroin',
    significant: 0.5,
    large: 2.5,
    especially_large: 1000,
    source: 'Test decree No. 1',
  },
];

describe('legal thresholds with guarded acceptance', () => {
  const table: { value: number; U: number; T: number; expected: ReturnType<typeof decide> }[] = [
    { value: 2.6, U: 0.05, T: 2.5, expected: 'above' },
    { value: 2.54, U: 0.05, T: 2.5, expected: 'inconclusive' }, // 2.49 < 2.5 < 2.59
    { value: 2.46, U: 0.05, T: 2.5, expected: 'inconclusive' },
    { value: 2.4, U: 0.05, T: 2.5, expected: 'below' },
    { value: 2.55, U: 0.05, T: 2.5, expected: 'inconclusive' }, // value - U == T is not "above"
  ];
  for (const r of table) {
    it(`decides ${r.value} ± ${r.U} against ${r.T} as ${r.expected}`, () => {
      expect(decide(r.value, r.U, r.T)).toBe(r.expected);
    });
  }

  it('establishes the highest level exceeded and states the rule', () => {
    const a = assessThresholds(findThresholds(config, 'xx', 'heroin'), 3.1, 0.02);
    expect(a.decisions.map((d) => d.decision)).toEqual(['above', 'above', 'below']);
    expect(a.established).toBe('large');
    expect(a.statement).toMatch(/exceeds the large amount \(2.5 g\)/);
    expect(a.decisionRule).toMatch(/ILAC G8/);
  });

  it('makes no statement when a threshold lies within U', () => {
    const a = assessThresholds(config[0] as ThresholdSet, 0.51, 0.02);
    expect(a.established).toBe('none');
    expect(a.decisions[0]?.decision).toBe('inconclusive');
  });

  it('refuses a jurisdiction without configured thresholds', () => {
    try {
      findThresholds(config, 'YY', 'Heroin');
      expect.unreachable();
    } catch (err) {
      expect(isDomainError(err, 'ANALYSIS_ERR_NO_THRESHOLDS')).toBe(true);
    }
  });
});
