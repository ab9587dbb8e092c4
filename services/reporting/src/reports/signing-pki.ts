// Follows `tamga keys rotate-signing-cert` without a restart: the signing key and certificate
// in the lab PKI folder are looked at on use (at most every `checkMs`) and taken up when they
// changed. The rotation replaces the key and then the certificate, one after the other, so a
// load counts only when the pair is whole: no rotation holds the PKI lock, the key belongs to
// the certificate, the certificate was issued by the lab CA, and no file changed while it was
// read. Otherwise the pair in use keeps signing and the next look tries again: a report is
// never signed with a half-written file or a key of another certificate.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDevPki } from '@tamga/report-pdf';
import { fileStamp } from '@tamga/service-kit';
import type { LabPki } from '@tamga/report-pdf';

/** Where the reporting service gets the pair that signs the next report. */
export interface SigningPkiSource {
  current(): Promise<LabPki>;
}

export interface WatchLabPkiOptions {
  /** How often the files are looked at, at most (on use, not on a timer). Default 2 s. */
  checkMs?: number | undefined;
  /** Lab name, used only when the folder holds no PKI yet and one is generated. */
  labName?: string | undefined;
  /** Told when a rotated certificate was taken up. */
  onRotated?: ((pki: LabPki) => void) | undefined;
  /** Told when the files changed but were not a whole pair (yet); the pair in use stays. */
  onIncomplete?: ((reason: string) => void) | undefined;
}

// The file names ensureDevPki and rotateSigningCertificate use in the PKI folder.
const KEY = 'report-signer.key';
const CERT = 'report-signer.pem';
const CA = 'lab-ca.pem';
const LOCK = '.pki.lock';

/** Why the key and certificate files are not a usable pair, or undefined when they are. */
function pairProblem(keyPem: string, certPem: string, caPem: string): string | undefined {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    const fromCert = cert.publicKey.export({ type: 'spki', format: 'der' });
    if (!fromKey.equals(fromCert)) return 'the signing key does not belong to the signing certificate (a rotation in progress?)';
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'the signing certificate was not issued by the lab CA';
    return undefined;
  } catch (err) {
    return `the signing key or certificate does not parse: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export async function watchLabPki(dir: string, options: WatchLabPkiOptions = {}): Promise<SigningPkiSource> {
  const checkMs = options.checkMs ?? 2_000;
  const files = [KEY, CERT, CA].map((f) => join(dir, f));
  const stamps = async (): Promise<string> => (await Promise.all(files.map(fileStamp))).join('|');

  let pki = await ensureDevPki(dir, options.labName === undefined ? {} : { labName: options.labName });
  let loadedStamp = await stamps();
  let checkedAt = Date.now();
  let checking: Promise<void> | undefined;

  const check = async (): Promise<void> => {
    const before = await stamps();
    if (before === loadedStamp) return;
    const incomplete = (reason: string): void => options.onIncomplete?.(reason);
    if (existsSync(join(dir, LOCK))) return incomplete('a rotation holds the PKI lock');
    if (before.includes('absent')) return incomplete('a file of the signing pair is missing');
    const [keyPem, certPem, caPem] = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    if (keyPem === undefined || certPem === undefined || caPem === undefined) return incomplete('a file of the signing pair is missing');
    const problem = pairProblem(keyPem, certPem, caPem);
    if (problem !== undefined) return incomplete(problem);
    const loaded = await ensureDevPki(dir);
    // What ensureDevPki read is what was checked only if nothing changed meanwhile.
    if (loaded.signerCertPem !== certPem || (await stamps()) !== before) return incomplete('the files changed while they were read');
    pki = loaded;
    loadedStamp = before;
    options.onRotated?.(pki);
  };

  return {
    async current() {
      if (Date.now() - checkedAt >= checkMs) {
        checkedAt = Date.now();
        checking ??= check()
          .catch((err: unknown) => options.onIncomplete?.(`the signing pair could not be read: ${err instanceof Error ? err.message : String(err)}`))
          .finally(() => {
          checking = undefined;
        });
        await checking;
      }
      return pki;
    },
  };
}
