import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDomainError } from '@tamga/contracts';
import { canonicalJson, hashEvent } from './canonical.ts';

// Rebuilds a JSON value with every object's keys in a random order.
function shuffleKeys(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rand));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).map(([k, v]) => [k, shuffleKeys(v, rand)] as const);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [entries[i], entries[j]] = [entries[j] as (typeof entries)[number], entries[i] as (typeof entries)[number]];
  }
  return Object.fromEntries(entries);
}

describe('canonicalJson (RFC 8785)', () => {
  it('writes the RFC 8785 section 3.2.2 example exactly', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it.each([
    [0, '0'],
    [-0, '0'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [0.000001, '0.000001'],
    [123456789012345680000, '123456789012345680000'],
    [-1.5e-9, '-1.5e-9'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('formats the number %s as %s (ECMAScript Number.toString)', (n, text) => {
    expect(canonicalJson(n)).toBe(text);
  });

  it('sorts keys by UTF-16 code units, not code points (RFC 8785 section 3.2.3)', () => {
    const input = { '\u20ac': 'Euro', '\r': 'CR', '\ufb33': 'Hebrew', '1': 'One', '\ud83d\ude00': 'Emoji', '\u0080': 'Control', '\u00f6': 'o' };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"CR","1":"One","\u0080":"Control","ö":"o","€":"Euro","\ud83d\ude00":"Emoji","\ufb33":"Hebrew"}',
    );
  });

  it('escapes only what JSON requires and keeps non-ASCII text as UTF-8', () => {
    expect(canonicalJson('печать №12\u007f\u001f')).toBe('"печать №12\u007f\\u001f"');
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a lone surrogate', '\ud800'],
    ['a bare undefined', undefined],
    ['a BigInt', 1n],
  ])('refuses %s with CUSTODY_ERR_NOT_CANONICAL', (_name, value) => {
    let caught: unknown;
    try {
      canonicalJson(value);
    } catch (err) {
      caught = err;
    }
    expect(isDomainError(caught, 'CUSTODY_ERR_NOT_CANONICAL')).toBe(true);
  });

  it('is stable under any key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        let s = seed >>> 0;
        const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
        expect(canonicalJson(shuffleKeys(value, rand))).toBe(canonicalJson(value));
      }),
      { numRuns: 500 },
    );
  });

  it('is a fixed point: parsing and re-canonicalising gives the same text (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe('hashEvent', () => {
  it('hashes the canonical JSON without the hash field', () => {
    const event = { b: 1, a: 'x' };
    const hashed = hashEvent(event);
    // printf '{"a":"x","b":1}' | sha256sum
    expect(hashed).toBe('cdab067e9f3beb32d1252cfd63e492592fecbf591b0d08cadb24bb17f3864246');
    expect(hashEvent({ ...event, hash: hashed })).toBe(hashed);
    expect(hashEvent({ a: 'x', b: 1 })).toBe(hashed);
    expect(hashEvent({ a: 'x', b: 2 })).not.toBe(hashed);
  });
});
