import { describe, expect, it } from 'vitest';
import { buildIndex, parseMsp } from '@tamga/spectra';
import { DEMO_LIBRARY, DEMO_SUBSTANCE, demoLibraryMsp, demoLibrarySpectra, demoQueryMsp } from './library.ts';

describe('the synthetic demo library', () => {
  it('is the same on every call and reads back as MSP', () => {
    expect(demoLibraryMsp()).toBe(demoLibraryMsp());
    const parsed = parseMsp(demoLibraryMsp());
    expect(parsed.map((s) => s.name)).toEqual(demoLibrarySpectra().map((s) => s.name));
    expect(parsed.every((s) => s.name.startsWith('Demo compound '))).toBe(true);
  });

  it('finds the demo substance first for the noisy query, well ahead of the rest', () => {
    const index = buildIndex(parseMsp(demoLibraryMsp()), DEMO_LIBRARY);
    for (const seed of [1, 42, 7777]) {
      const [query] = parseMsp(demoQueryMsp(DEMO_SUBSTANCE, seed));
      if (query === undefined) throw new Error('no query spectrum');
      const { hits } = index.search(query, { top: 3 });
      expect(hits[0]?.name).toBe(DEMO_SUBSTANCE);
      expect(hits[0]?.mf).toBeGreaterThan(800);
      expect(hits[1]?.mf ?? 0).toBeLessThan(600);
    }
  });

  it('refuses a query of a compound it does not hold', () => {
    expect(() => demoQueryMsp('Heroin')).toThrow(RangeError);
  });
});
