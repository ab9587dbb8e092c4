import { describe, expect, it } from 'vitest';
import { DERIVATIVE_MISMATCH_PENALTY } from '../src/scoring/defaults.ts';
import { derivativePenalty, rerankByDerivative } from '../src/scoring/derivative.ts';

describe('derivative check of hits', () => {
  it('costs a hit nothing when the query carries no derivative label', () => {
    expect(derivativePenalty(undefined, '3 TMS')).toBe(0);
    expect(derivativePenalty('', '3 TMS')).toBe(0);
    expect(derivativePenalty('none', '2 TMS')).toBe(0);
  });
  it('lowers a hit whose label differs from a labelled query, including an underivatised hit', () => {
    expect(derivativePenalty('3 TMS', 'N TMS')).toBe(DERIVATIVE_MISMATCH_PENALTY);
    expect(derivativePenalty('3 TMS', '')).toBe(DERIVATIVE_MISMATCH_PENALTY);
    expect(derivativePenalty(' 3 TMS', '3 TMS ')).toBe(0);
  });
  it('puts the hit with the query\'s derivative first and renumbers the ranks', () => {
    const hits = [
      { rank: 1, score: 900, derivative: 'N TMS', id: 'a' },
      { rank: 2, score: 850, derivative: '3 TMS', id: 'b' },
      { rank: 3, score: 100, derivative: 'none', id: 'c' },
    ];
    const out = rerankByDerivative(hits, '3 TMS');
    expect(out.map((h) => [h.id, h.rank, h.score])).toEqual([
      ['b', 1, 850],
      ['a', 2, 700],
      ['c', 3, 0],
    ]);
    expect(rerankByDerivative(hits, undefined)).toEqual(hits);
  });
});
