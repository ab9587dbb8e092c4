// A development PKI for one laboratory: a root CA and a report-signing certificate it issued.
// Generated on first use into a folder outside the repository (private keys mode 0600), then
// loaded. ECDSA P-256 with SHA-256: verified by NSS (pdfsig, Firefox, Thunderbird), OpenSSL,
// Adobe Reader, and small enough to keep the signature placeholder short.
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs a Reflect polyfill
// loaded before it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ReportPdfErrors } from '../errors.ts';
import { createLocalSigner } from '../signing/local-signer.ts';
import type { ReportSigner } from '../signing/signer.ts';

export interface LabPki {
  caCertPem: string;
  signerCertPem: string;
  signer: ReportSigner;
}

export interface DevPkiOptions {
  /** Laboratory name put in both subjects (only used when generating). */
  labName?: string;
  /** ISO 3166 country code for the subjects. */
  country?: string;
}

export const FILES = {
  caCert: 'lab-ca.pem',
  caKey: 'lab-ca.key',
  signerCert: 'report-signer.pem',
  signerKey: 'report-signer.key',
} as const;

export const ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** RFC 9336 id-kp-documentSigning, plus emailProtection, which NSS asks of CMS signers. */
export const EKU = ['1.3.6.1.5.5.7.3.36', x509.ExtendedKeyUsage.emailProtection];
export const SIGNER_ROLE = 'Laboratory report signing';

const crypto = webcrypto as unknown as Crypto;

/** Loads the lab PKI from `dir`, generating it first if the folder holds none. */
export async function ensureDevPki(dir: string, options: DevPkiOptions = {}): Promise<LabPki> {
  if (!existsSync(join(dir, FILES.signerKey))) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await withLock(join(dir, '.pki.lock'), async () => {
      if (!existsSync(join(dir, FILES.signerKey))) await generate(dir, options);
    });
  }
  return loadPki(dir);
}

async function loadPki(dir: string): Promise<LabPki> {
  try {
    const [caCertPem, signerCertPem, keyPem] = await Promise.all(
      [FILES.caCert, FILES.signerCert, FILES.signerKey].map((f) => readFile(join(dir, f), 'utf8')),
    );
    if (caCertPem === undefined || signerCertPem === undefined || keyPem === undefined) throw new Error('missing file');
    const privateKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), ALG, false, ['sign']);
    const chain = [signerCertPem, caCertPem].map((pem) => new Uint8Array(x509.PemConverter.decodeFirst(pem)));
    return { caCertPem, signerCertPem, signer: createLocalSigner({ privateKey, chain, role: SIGNER_ROLE }) };
  } catch (cause) {
    throw ReportPdfErrors.REPORT_ERR_PKI_UNREADABLE(`cannot load the lab PKI from ${dir}`, { cause });
  }
}

async function generate(dir: string, options: DevPkiOptions): Promise<void> {
  const lab = options.labName ?? 'Tamga development laboratory';
  const country = options.country ?? 'UZ';
  const now = new Date();
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const years = (n: number) => new Date(now.getFullYear() + n, now.getMonth(), now.getDate());

  const caKeys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: [{ C: [country] }, { O: [lab] }, { CN: [`${lab} Root CA (development)`] }],
      notBefore,
      notAfter: years(10),
      keys: caKeys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const signerKeys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const signerCert = await issueSignerCertificate({
    subject: [{ C: [country] }, { O: [lab] }, { T: [SIGNER_ROLE] }, { CN: [`${lab}: test reports`] }],
    caCert,
    caKey: caKeys.privateKey,
    publicKey: signerKeys.publicKey,
    serialNumber: randomSerial(),
    notBefore,
    notAfter: years(3),
  });

  const pkcs8 = async (key: CryptoKey) => x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
  // Keys first, certificates last: the signer key's presence is what marks a complete PKI.
  await writeAtomically(join(dir, FILES.caKey), await pkcs8(caKeys.privateKey), 0o600);
  await writeAtomically(join(dir, FILES.caCert), caCert.toString('pem') + '\n', 0o644);
  await writeAtomically(join(dir, FILES.signerCert), signerCert.toString('pem') + '\n', 0o644);
  await writeAtomically(join(dir, FILES.signerKey), await pkcs8(signerKeys.privateKey), 0o600);
}

export function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10; // positive and full length
  return Buffer.from(bytes).toString('hex');
}

/**
 * The lab's report-signing certificate profile, in one place for first issue and rotation:
 * end entity, digitalSignature + nonRepudiation, the document-signing EKUs, key identifiers.
 */
export async function issueSignerCertificate(o: {
  subject: x509.JsonName | string;
  caCert: x509.X509Certificate;
  caKey: CryptoKey;
  publicKey: CryptoKey;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: o.serialNumber,
      subject: o.subject,
      issuer: o.caCert.subject,
      notBefore: o.notBefore,
      notAfter: o.notAfter,
      signingKey: o.caKey,
      publicKey: o.publicKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.ExtendedKeyUsageExtension(EKU, false),
        await x509.SubjectKeyIdentifierExtension.create(o.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(o.caCert, false, crypto),
      ],
    },
    crypto,
  );
}

export async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode, flag: 'w' });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/** Several services may start at once; only one may generate. A lock older than a minute is stale. */
export async function withLock(path: string, fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await fn();
      } finally {
        await handle.close();
        await rm(path, { force: true });
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 60_000) await rm(path, { force: true });
      else if (Date.now() > deadline) throw ReportPdfErrors.REPORT_ERR_PKI_UNREADABLE(`timed out waiting for ${path}`);
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
}
