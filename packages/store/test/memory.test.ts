import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../src/index.ts';
import { storeContract } from './contract.ts';

storeContract('memory', () => Promise.resolve(createMemoryStore({ quiet: true })));

describe('memory store', () => {
  it('says loudly that nothing persists, unless told to be quiet', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      createMemoryStore();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/NOTHING IS PERSISTED/);
      createMemoryStore({ quiet: true });
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });
});
