// The intake service's Ed25519 key that signs custody checkpoints. Created on first start in the
// data folder (private key 0600, never committed); the public key is what verifiers are given.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CustodyKey } from './ledger.ts';

export const CUSTODY_PRIVATE_KEY_FILE = 'custody-signing.key.pem';
export const CUSTODY_PUBLIC_KEY_FILE = 'custody-signing.pub.pem';

export function generateCustodyKey(): CustodyKey {
  return generateKeyPairSync('ed25519');
}

export async function loadOrCreateCustodyKey(dir: string): Promise<CustodyKey & { publicKeyFile: string }> {
  const privateFile = path.join(dir, CUSTODY_PRIVATE_KEY_FILE);
  const publicKeyFile = path.join(dir, CUSTODY_PUBLIC_KEY_FILE);
  if (existsSync(privateFile)) {
    const privateKey = createPrivateKey(await readFile(privateFile));
    return { privateKey, publicKey: createPublicKey(privateKey), publicKeyFile };
  }
  await mkdir(dir, { recursive: true });
  const key = generateCustodyKey();
  const tmp = `${privateFile}.${process.pid}.tmp`;
  await writeFile(tmp, key.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, privateFile);
  await writeFile(publicKeyFile, key.publicKey.export({ format: 'pem', type: 'spki' }));
  return { ...key, publicKeyFile };
}
