// A new report-signing certificate from the same lab CA, for when the old one nears its end or
// its key may be exposed. Reports already issued keep verifying: each carries its signing
// certificate in its signature, and verifiers trust the CA, which does not change. The old
// certificate is kept under `retired/` for the record; its private key is destroyed.
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ReportPdfErrors } from '../errors.ts';
import { ALG, FILES, issueSignerCertificate, randomSerial, withLock, writeAtomically } from './dev-pki.ts';

const crypto = webcrypto as unknown as Crypto;

export interface SignerRotation {
  /** Serial number (hex) of the new signing certificate. */
  serialNumber: string;
  previousSerialNumber: string;
  notAfter: string;
  /** Where the previous certificate was kept. */
  retiredCertFile: string;
}

export interface RotateSignerOptions {
  now?: Date;
  /** Validity of the new certificate in years (default 3), never past the CA's. */
  years?: number;
}

/** Issues a new report-signing certificate and key in the lab PKI folder `dir`, from its CA. */
export async function rotateSigningCertificate(dir: string, options: RotateSignerOptions = {}): Promise<SignerRotation> {
  const now = options.now ?? new Date();
  if (!existsSync(join(dir, FILES.caKey)) || !existsSync(join(dir, FILES.signerCert))) {
    throw ReportPdfErrors.REPORT_ERR_PKI_UNREADABLE(`${dir} holds no lab PKI with its CA key (${FILES.caKey}); run the reporting service once or restore the PKI first`);
  }
  let result: SignerRotation | undefined;
  await withLock(join(dir, '.pki.lock'), async () => {
    const [caCertPem, caKeyPem, oldCertPem] = await Promise.all([FILES.caCert, FILES.caKey, FILES.signerCert].map((f) => readFile(join(dir, f), 'utf8')));
    if (caCertPem === undefined || caKeyPem === undefined || oldCertPem === undefined) throw ReportPdfErrors.REPORT_ERR_PKI_UNREADABLE(`cannot read the lab PKI in ${dir}`);
    const caCert = new x509.X509Certificate(caCertPem);
    const oldCert = new x509.X509Certificate(oldCertPem);
    const caKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(caKeyPem), ALG, false, ['sign']);

    const years = options.years ?? 3;
    const wanted = new Date(now.getFullYear() + years, now.getMonth(), now.getDate());
    const notAfter = wanted.getTime() < caCert.notAfter.getTime() ? wanted : caCert.notAfter;
    const signerKeys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    const serialNumber = randomSerial();
    const cert = await issueSignerCertificate({
      // The same signer as before (lab, role, name); only key, serial and validity are new.
      subject: oldCert.subject,
      caCert,
      caKey,
      publicKey: signerKeys.publicKey,
      serialNumber,
      notBefore: new Date(now.getTime() - 60 * 60 * 1000),
      notAfter,
    });
    if (!(await cert.verify({ publicKey: caCert.publicKey }, crypto))) throw ReportPdfErrors.REPORT_ERR_PKI_UNREADABLE('the new signing certificate does not verify against the lab CA');

    const retiredDir = join(dir, 'retired');
    await mkdir(retiredDir, { recursive: true, mode: 0o700 });
    const retiredCertFile = join(retiredDir, `report-signer-${oldCert.serialNumber}.pem`);
    await writeAtomically(retiredCertFile, oldCertPem, 0o644);
    const keyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', signerKeys.privateKey), 'PRIVATE KEY');
    // Key and certificate are replaced one after the other: restart the reporting service after
    // the rotation (it loads the pair at start), not during it.
    await writeAtomically(join(dir, FILES.signerKey), keyPem, 0o600);
    await writeAtomically(join(dir, FILES.signerCert), cert.toString('pem') + '\n', 0o644);
    result = { serialNumber: cert.serialNumber, previousSerialNumber: oldCert.serialNumber, notAfter: notAfter.toISOString(), retiredCertFile };
  });
  if (result === undefined) throw ReportPdfErrors.REPORT_ERR_PKI_UNREADABLE(`the rotation in ${dir} did not complete`);
  return result;
}
