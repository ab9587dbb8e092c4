// No private key or secret is ever committed: every key is generated at first start into the
// data folder (or mounted from a secret store in production). This walks every tracked file.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);

/** What a leaked secret looks like in a text file. */
const LEAKS: { what: string; pattern: RegExp }[] = [
  { what: 'a PEM private key', pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/ },
  { what: 'an encrypted PEM private key', pattern: /-----BEGIN ENCRYPTED PRIVATE KEY-----/ },
  // A JWK with its private part: "d" next to "kty" in one object.
  { what: 'a private JWK', pattern: /"kty"\s*:\s*"(?:OKP|EC|RSA)"[^{}]*"d"\s*:\s*"[A-Za-z0-9_-]{20,}"|"d"\s*:\s*"[A-Za-z0-9_-]{20,}"[^{}]*"kty"\s*:/ },
  { what: 'a NATS user seed', pattern: /\bSU[A-Z2-7]{56}\b/ },
];
const KEY_FILE = /\.(?:key|p12|pfx|jks|keystore|creds|nk)$/i;

describe('the repository holds no secrets', () => {
  it('tracks no key store files', () => {
    expect(tracked.filter((f) => KEY_FILE.test(f))).toEqual([]);
  });

  it('has no private key, private JWK or NATS seed in any tracked text file', () => {
    const found: string[] = [];
    // This file spells out the patterns it looks for.
    for (const file of tracked.filter((f) => f !== 'test/security/no-secrets.test.ts')) {
      const path = join(root, file);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        continue; // deleted in the working tree
      }
      if (size > 5_000_000) continue;
      const text = readFileSync(path, 'latin1');
      for (const { what, pattern } of LEAKS) {
        if (pattern.test(text)) found.push(`${file}: ${what}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('finds a planted private key (the scan is not blind)', () => {
    const planted = ['-----BEGIN', 'PRIVATE KEY-----'].join(' ');
    expect(LEAKS.some(({ pattern }) => pattern.test(`x\n${planted}\nMC4CAQAw\n`))).toBe(true);
    const jwk = JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'a'.repeat(43), d: 'b'.repeat(43) });
    expect(LEAKS.some(({ pattern }) => pattern.test(jwk))).toBe(true);
  });
});
