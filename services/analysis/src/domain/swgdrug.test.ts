import { describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import { assessIdentification, requireIdentification, techniqueInfo } from './swgdrug.ts';
import type { Material, TechniqueUse } from './swgdrug.ts';

const pos = (technique: TechniqueUse['technique'], correlationGroup?: string): TechniqueUse => ({
  technique,
  result: 'positive',
  correlationGroup,
});
const neg = (technique: TechniqueUse['technique']): TechniqueUse => ({ technique, result: 'negative' });

describe('SWGDRUG identification rule', () => {
  const table: { name: string; uses: TechniqueUse[]; material?: Material; met: boolean; reason?: RegExp }[] = [
    { name: 'GC-MS: MS (A) plus GC retention (B)', uses: [pos('MS'), pos('GC')], met: true },
    { name: 'MS plus a colour test (C)', uses: [pos('MS'), pos('COLOUR')], met: true },
    { name: 'IR plus MS (two A)', uses: [pos('IR'), pos('MS')], met: true },
    { name: 'MS alone', uses: [pos('MS')], met: false, reason: /at least one other technique/ },
    { name: 'MS twice is one technique', uses: [pos('MS'), pos('MS')], met: false, reason: /at least one other/ },
    { name: 'MS with a negative GC', uses: [pos('MS'), neg('GC')], met: false, reason: /positive result/ },
    { name: 'GC, TLC and colour test', uses: [pos('GC'), pos('TLC'), pos('COLOUR')], met: true },
    { name: 'GC, LC, TLC', uses: [pos('GC'), pos('LC'), pos('TLC')], met: true },
    {
      name: 'two techniques without A',
      uses: [pos('GC'), pos('TLC')],
      met: false,
      reason: /three different techniques/,
    },
    {
      name: 'one B and two C',
      uses: [pos('GC'), pos('COLOUR'), pos('UV')],
      met: false,
      reason: /two uncorrelated Category B/,
    },
    {
      name: 'two correlated B and a C',
      uses: [pos('GC', 'same-column'), pos('LC', 'same-column'), pos('UV')],
      met: false,
      reason: /uncorrelated/,
    },
    {
      name: 'cannabis: macroscopic, microscopic and colour test',
      uses: [pos('MACROSCOPIC'), pos('MICROSCOPIC'), pos('COLOUR')],
      material: 'cannabis',
      met: true,
    },
    {
      name: 'macroscopic and microscopic exams do not count for powders',
      uses: [pos('MACROSCOPIC'), pos('MICROSCOPIC'), pos('COLOUR')],
      met: false,
      reason: /only for cannabis/,
    },
  ];

  for (const row of table) {
    it(`${row.met ? 'accepts' : 'refuses'} ${row.name}`, () => {
      const a = assessIdentification(row.uses, row.material);
      expect(a.met).toBe(row.met);
      if (row.reason !== undefined) expect(a.reasons.join('; ')).toMatch(row.reason);
      else expect(a.reasons).toEqual([]);
    });
  }

  it('refuses with ANALYSIS_ERR_SWGDRUG_RULE naming why', () => {
    try {
      requireIdentification([pos('MS')]);
      expect.unreachable();
    } catch (err) {
      expect(isDomainError(err, 'ANALYSIS_ERR_SWGDRUG_RULE')).toBe(true);
      expect((err as Error).message).toMatch(/Category A technique needs at least one other technique/);
    }
  });

  it('knows each technique category', () => {
    expect(techniqueInfo('RAMAN').category).toBe('A');
    expect(techniqueInfo('PHARMACEUTICAL_ID').category).toBe('B');
    expect(techniqueInfo('MELTING_POINT').category).toBe('C');
    expect(() => techniqueInfo('ASTROLOGY')).toThrow(/unknown technique/);
  });
});
