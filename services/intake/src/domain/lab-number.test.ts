import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LabNo } from '@tamga/contracts';
import { formatCaseNo, formatLabNo, labNoFromScan, parseLabNo, subSampleLabNo } from './lab-number.ts';

describe('lab numbers', () => {
  it.each([
    [{ lab: 'TMG', year: 2025, caseSeq: 123, itemSeq: 1, subSamples: [] }, 'TMG-2025-000123-01'],
    [{ lab: 'NKL', year: 2026, caseSeq: 999999, itemSeq: 99, subSamples: [2] }, 'NKL-2026-999999-99.2'],
    [{ lab: 'TMG', year: 2025, caseSeq: 1, itemSeq: 7, subSamples: [1, 3] }, 'TMG-2025-000001-07.1.3'],
  ])('formats %o as %s', (parts, text) => {
    expect(formatLabNo(parts)).toBe(text);
    expect(parseLabNo(text)).toEqual(parts);
    expect(LabNo.safeParse(text).success).toBe(true);
  });

  it('refuses a 100th item in a case', () => {
    expect(() => formatLabNo({ lab: 'TMG', year: 2025, caseSeq: 1, itemSeq: 100, subSamples: [] })).toThrow(/at most 99/);
  });

  it('round-trips every valid number', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z]{2,8}$/),
        fc.integer({ min: 2000, max: 2099 }),
        fc.integer({ min: 1, max: 999_999 }),
        fc.integer({ min: 1, max: 99 }),
        fc.array(fc.integer({ min: 1, max: 999 }), { maxLength: 3 }),
        (lab, year, caseSeq, itemSeq, subSamples) => {
          const parts = { lab, year, caseSeq, itemSeq, subSamples };
          expect(parseLabNo(formatLabNo(parts))).toEqual(parts);
        },
      ),
    );
  });

  it('shares the case prefix and appends sub-sample numbers', () => {
    expect(formatCaseNo('TMG', 2025, 42)).toBe('TMG-2025-000042');
    expect(subSampleLabNo('TMG-2025-000042-01', 3)).toBe('TMG-2025-000042-01.3');
  });

  it.each([
    ['TMG-2025-000123-01\n', 'TMG-2025-000123-01'],
    [']C0TMG-2025-000123-01', 'TMG-2025-000123-01'],
    ['  TMG-2025-000123-01.2 ', 'TMG-2025-000123-01.2'],
  ])('reads the lab number from the scan %j', (scan, labNo) => {
    expect(labNoFromScan(scan)).toBe(labNo);
  });

  it('says when a scan holds no lab number', () => {
    expect(() => labNoFromScan('hello')).toThrow(/No lab number/);
  });
});
