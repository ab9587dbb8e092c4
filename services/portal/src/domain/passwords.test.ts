import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashPassword, needsRehash, randomPassword, verifyPassword } from './passwords.ts';

// A cheap cost keeps the property test fast; the format and comparison are the same at any cost.
const CHEAP = { log2N: 10, r: 8, p: 1 };

describe('scrypt passwords', () => {
  it('verifies the right password and refuses any other', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), async (a, b) => {
        const stored = await hashPassword(a, CHEAP);
        expect(await verifyPassword(a, stored)).toBe(true);
        if (a.normalize('NFKC') !== b.normalize('NFKC')) expect(await verifyPassword(b, stored)).toBe(false);
      }),
      { numRuns: 25 },
    );
  });

  it('salts every hash and records its parameters', async () => {
    const one = await hashPassword('same password here', CHEAP);
    const two = await hashPassword('same password here', CHEAP);
    expect(one).not.toBe(two);
    expect(one.startsWith('scrypt$10$8$1$')).toBe(true);
    expect(needsRehash(one)).toBe(true);
    expect(needsRehash(await hashPassword('x', { log2N: 15, r: 8, p: 1 }))).toBe(false);
  });

  it('generates random passwords from an unambiguous alphabet', () => {
    const seen = new Set(Array.from({ length: 50 }, () => randomPassword()));
    expect(seen.size).toBe(50);
    for (const p of seen) expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{20}$/);
  });
});
