import { describe, expect, it } from 'vitest';
import { generateKeyPairSync, sign } from 'node:crypto';
import { isDomainError } from '@tamga/contracts';
import { signCheckpoint, verifyCheckpoint } from './checkpoint.ts';
import { encodePublicKey, noteKeyId, rawPublicKey, toPrivateKey } from './keys.ts';

const lab = generateKeyPairSync('ed25519');
const witness = generateKeyPairSync('ed25519');
const body = { origin: 'kz01.tamga.lab/intake', size: 1042, rootHash: 'ab'.repeat(32), time: '2025-03-01T10:00:00.000Z' };

describe('signCheckpoint / verifyCheckpoint', () => {
  it('writes a C2SP checkpoint note: origin, size, base64 root, time line, blank line, signature line', () => {
    const cp = signCheckpoint(body, lab.privateKey);
    const lines = cp.note.split('\n');
    expect(lines.slice(0, 5)).toEqual(['kz01.tamga.lab/intake', '1042', Buffer.alloc(32, 0xab).toString('base64'), 'time 2025-03-01T10:00:00.000Z', '']);
    expect(lines[5]).toMatch(/^\u2014 kz01\.tamga\.lab\/intake [A-Za-z0-9+/]+=*$/);
    expect(lines[6]).toBe('');
    const sig = Buffer.from((lines[5] as string).split(' ')[2] as string, 'base64');
    expect(sig.subarray(0, 4).equals(noteKeyId(body.origin, lab.publicKey))).toBe(true);
    expect(sig.length).toBe(4 + 64);
  });

  it('verifies with the public key as a KeyObject, PEM or base64 raw bytes, and returns what it states', () => {
    const cp = signCheckpoint(body, lab.privateKey);
    for (const key of [lab.publicKey, lab.publicKey.export({ format: 'pem', type: 'spki' }).toString(), encodePublicKey(lab.publicKey), rawPublicKey(lab.publicKey)]) {
      expect(verifyCheckpoint(cp.note, key)).toMatchObject({ ok: true, checkpoint: body });
    }
  });

  it('signs with a raw 32-byte seed or PKCS#8 PEM as well', () => {
    const pem = lab.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const seed = Buffer.from(String(lab.privateKey.export({ format: 'jwk' }).d), 'base64url');
    expect(verifyCheckpoint(signCheckpoint(body, pem), lab.publicKey).ok).toBe(true);
    expect(verifyCheckpoint(signCheckpoint(body, seed), lab.publicKey).ok).toBe(true);
    expect(toPrivateKey(seed).asymmetricKeyType).toBe('ed25519');
  });

  it('refuses a checkpoint signed by another key', () => {
    const cp = signCheckpoint(body, witness.privateKey);
    expect(verifyCheckpoint(cp, lab.publicKey)).toMatchObject({ ok: false, reason: 'CUSTODY_ERR_CHECKPOINT_SIGNATURE' });
  });

  it('refuses every single-character change of the note', () => {
    const { note } = signCheckpoint(body, lab.privateKey);
    for (let i = 0; i < note.length; i++) {
      const c = note[i] === 'A' ? 'B' : 'A';
      const altered = note.slice(0, i) + c + note.slice(i + 1);
      const verdict = verifyCheckpoint(altered, lab.publicKey);
      expect(verdict.ok, `change at ${i}`).toBe(false);
    }
  });

  it('ignores a witness cosignature but still needs the lab signature', () => {
    const cp = signCheckpoint(body, lab.privateKey);
    const text = cp.note.slice(0, cp.note.indexOf('\n\n') + 1);
    const wsig = Buffer.concat([noteKeyId('witness.example', witness.publicKey), sign(null, Buffer.from(text), witness.privateKey)]);
    const cosigned = `${cp.note}\u2014 witness.example ${wsig.toString('base64')}\n`;
    expect(verifyCheckpoint(cosigned, lab.publicKey).ok).toBe(true);
    expect(verifyCheckpoint(`${text}\n\u2014 witness.example ${wsig.toString('base64')}\n`, lab.publicKey)).toMatchObject({
      ok: false,
      reason: 'CUSTODY_ERR_CHECKPOINT_SIGNATURE',
    });
  });

  it.each([
    ['an origin with a space', { ...body, origin: 'kz01 lab' }],
    ['a negative size', { ...body, size: -1 }],
    ['a short root hash', { ...body, rootHash: 'ab' }],
    ['a local time', { ...body, time: '2025-03-01 10:00' }],
  ])('refuses to sign %s', (_name, bad) => {
    try {
      signCheckpoint(bad, lab.privateKey);
      expect.unreachable();
    } catch (err) {
      expect(isDomainError(err, 'CUSTODY_ERR_CHECKPOINT_MALFORMED')).toBe(true);
    }
  });

  it('refuses a key that is not Ed25519', () => {
    const rsa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    try {
      signCheckpoint(body, rsa.privateKey);
      expect.unreachable();
    } catch (err) {
      expect(isDomainError(err, 'CUSTODY_ERR_KEY_INVALID')).toBe(true);
    }
  });
});
