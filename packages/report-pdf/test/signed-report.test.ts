// A full report rendered, signed and checked with the tools a court expert or a foreign lab
// would use: pdfsig (poppler + NSS), qpdf, pdftotext, pdftoppm, openssl cms.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import {
  detachedCms,
  ensureDevPki,
  pdfSha256,
  renderReportPdf,
  signReportPdf,
  verifyReportPdf,
  type LabPki,
  type ReportSigner,
} from '../src/index.ts';
import { sampleReport } from './fixtures.ts';
import { missingTools, run } from './tools.ts';

const OUT = new URL('../test-output/', import.meta.url).pathname;
const missing = missingTools(['pdfsig', 'certutil', 'qpdf', 'pdftotext', 'pdftoppm', 'pdfinfo', 'openssl'], 'signed report checks with real tools');
const noTools = missing.length > 0;

let work: string;
let pki: LabPki;
let signed: Uint8Array;
let signedPath: string;
let caPath: string;
let nssDir: string;

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(work, name);
  writeFileSync(p, bytes);
  return p;
}

/** Byte range [a, b, c, d] of the (only) signature. */
function byteRange(pdf: Uint8Array): number[] {
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(Buffer.from(pdf).toString('latin1'));
  if (!m) throw new Error('no ByteRange');
  return m.slice(1).map(Number);
}

function flip(pdf: Uint8Array, at: number): Uint8Array {
  const copy = new Uint8Array(pdf);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tamga-report-pdf-'));
  mkdirSync(OUT, { recursive: true });
  pki = await ensureDevPki(join(work, 'pki'), { labName: 'Республиканский ЭКЦ' });
  const unsigned = await renderReportPdf(sampleReport(), {
    verificationUrl: 'https://lab.example.uz/verify/TAM-2025-000123',
    signer: pki.signer.describe(),
  });
  signed = await signReportPdf(unsigned, pki.signer, {
    reason: 'Протокол испытаний выдан / Test report issued',
    location: 'Tashkent',
    contactInfo: 'reports@lab.example.uz',
    signingTime: new Date('2025-11-20T10:30:00Z'),
  });
  signedPath = file('report.pdf', signed);
  writeFileSync(join(OUT, 'report.pdf'), signed);
  caPath = file('ca.pem', pki.caCertPem);
  if (!noTools) {
    nssDir = join(work, 'nss');
    mkdirSync(nssDir);
    expect(run('certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password']).status).toBe(0);
    expect(run('certutil', ['-A', '-d', `sql:${nssDir}`, '-n', 'labca', '-t', 'CT,C,C', '-i', caPath]).status).toBe(0);
  }
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(noTools)('a signed report checked with real tools', () => {
  it('pdfsig finds one valid ETSI.CAdES.detached signature that covers the whole document', () => {
    const r = run('pdfsig', [signedPath]);
    expect(r.stdout).toContain('Signature Type: ETSI.CAdES.detached');
    expect(r.stdout).toContain('Signature is Valid');
    expect(r.stdout).toContain('Total document signed');
    expect(r.stdout).toContain('Signer Certificate Common Name: Республиканский ЭКЦ: test reports');
    expect(r.stdout).toContain('Certificate issuer isn\'t Trusted');
  });

  it('pdfsig trusts the signature once the lab CA is imported into an NSS database', () => {
    const r = run('pdfsig', ['-nssdir', `sql:${nssDir}`, signedPath]);
    expect(r.stdout).toContain('Signature is Valid');
    expect(r.stdout).toContain('Certificate is Trusted');
  });

  it('qpdf --check accepts the signed report without warnings', () => {
    const r = run('qpdf', ['--check', signedPath]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('pdftotext extracts the Russian and English labels, the lab number and the substance', () => {
    const text = run('pdftotext', ['-layout', signedPath, '-']).stdout.replace(/\s+/g, ' ');
    for (const s of [
      'Протокол испытаний',
      'Test report',
      'Номер протокола / Report number',
      'Дата поступления / Date of receipt',
      'Объекты исследования / Evidence items',
      'Идентифицированное вещество',
      'Substance identified',
      'TAM-2025-000123-01',
      'Кокаин',
      'Cocaine',
      'Страница 1 из 2',
      'Page 1 of 2',
      'Конец протокола',
      'End of report',
      'Результаты относятся только к исследованным объектам',
      'The results relate only to the items tested',
      'shall not be reproduced except in full',
      'Подписано электронной подписью',
      'Республиканский ЭКЦ: test reports',
      'SWGDRUG Mass Spectral Library, 3.14',
      'a3f1c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778',
      '(78.4 ± 2.1) %',
      'расширенная неопределённость, коэффициент охвата k=2',
      'Отклонения / Deviations',
      'Цепь хранения вещественных доказательств',
      // the hit's reverse match factor and entropy similarity beside its match factor
      ': 958',
      ': 871',
    ]) {
      expect(text).toContain(s);
    }
  });

  it('every page carries the report number, "page x of y" and the verification URL; page 1 names the signer', () => {
    const pages = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [signedPath]).stdout)?.[1]);
    expect(pages).toBeGreaterThanOrEqual(2);
    for (let p = 1; p <= pages; p++) {
      const text = run('pdftotext', ['-f', String(p), '-l', String(p), signedPath, '-']).stdout.replace(/\s+/g, ' ');
      expect(text).toContain('TAM-2025-000123');
      expect(text).toContain(`Страница ${p} из ${pages} / Page ${p} of ${pages}`);
      expect(text).toContain('https://lab.example.uz/verify/TAM-2025-000123');
    }
    const first = run('pdftotext', ['-f', '1', '-l', '1', signedPath, '-']).stdout.replace(/\s+/g, ' ');
    expect(first).toContain('Республиканский ЭКЦ: test reports, Laboratory report signing');
  });

  it('pdftoppm renders page 1 (written to test-output/page-1.png to look at)', () => {
    const prefix = join(OUT, 'page');
    const r = run('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', signedPath, prefix]);
    expect(r.status).toBe(0);
    expect(statSync(`${prefix}-1.png`).size).toBeGreaterThan(20_000);
  });

  it('one changed byte: pdfsig reports a digest mismatch and verifyReportPdf rejects', async () => {
    const [, len1] = byteRange(signed);
    const tampered = flip(signed, Math.floor((len1 ?? 0) / 2));
    const r = run('pdfsig', ['-nssdir', `sql:${nssDir}`, file('tampered.pdf', tampered)]);
    expect(r.stdout).not.toContain('Signature is Valid');
    expect(r.stdout).toMatch(/Digest Mismatch|Signature is Invalid/);
    const v = await verifyReportPdf(tampered, { caCertPem: pki.caCertPem });
    expect(v.ok).toBe(false);
    expect(v.valid).toBe(false);
    expect(v.reasons.join(' ')).toContain('message digest does not match');
  });

  it('openssl cms -verify accepts the detached .p7s over the signed PDF and rejects it for a changed PDF', async () => {
    const p7s = file('report.p7s', await detachedCms(signed, pki.signer));
    const ok = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', p7s, '-content', signedPath, '-CAfile', caPath, '-purpose', 'any', '-out', '/dev/null']);
    expect(ok.stderr).toContain('Verification successful');
    expect(ok.status).toBe(0);
    const other = file('other.pdf', flip(signed, 100));
    const bad = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', p7s, '-content', other, '-CAfile', caPath, '-purpose', 'any', '-out', '/dev/null']);
    expect(bad.status).not.toBe(0);
  });

  it('the PDF carries CAdES signed attributes without signing-time; the .p7s carries signing-time', async () => {
    const [, len1, start2] = byteRange(signed);
    const hex = Buffer.from(signed.subarray((len1 ?? 0) + 1, (start2 ?? 0) - 1)).toString('latin1').replace(/(00)+$/, '');
    const cms = file('embedded.der', Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex'));
    const printed = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', cms]).stdout;
    expect(printed).toContain('contentType (1.2.840.113549.1.9.3)');
    expect(printed).toContain('messageDigest (1.2.840.113549.1.9.4)');
    expect(printed).toContain('id-smime-aa-signingCertificateV2');
    expect(printed).not.toContain('signingTime');
    const p7s = file('report2.p7s', await detachedCms(signed, pki.signer));
    expect(run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', p7s]).stdout).toContain('signingTime');
  });

  it('the dev signing certificate is for document signing and chains to the lab CA', () => {
    const text = run('openssl', ['x509', '-in', join(work, 'pki', 'report-signer.pem'), '-noout', '-text']).stdout;
    expect(text).toContain('Digital Signature, Non Repudiation');
    expect(text).toContain('1.3.6.1.5.5.7.3.36');
    expect(text).toContain('CA:FALSE');
    expect(run('openssl', ['verify', '-CAfile', caPath, join(work, 'pki', 'report-signer.pem')]).status).toBe(0);
  });

  it('a signing module that only receives the digest plugs into the same port and pdfsig accepts it', async () => {
    const local = pki.signer;
    const digestOnly: ReportSigner = {
      certificateChain: () => local.certificateChain(),
      describe: () => ({ ...local.describe(), module: 'digest-only test module' }),
      signCms: (content, options) =>
        local.signCms({ sha256: 'sha256' in content ? content.sha256 : new Uint8Array(createHash('sha256').update(content.bytes).digest()) }, options),
    };
    const pdf = await signReportPdf(await renderReportPdf(sampleReport(), { verificationUrl: 'https://lab.example.uz/v/1' }), digestOnly, {
      reason: 'test',
      location: 'Tashkent',
      contactInfo: 'x',
    });
    const r = run('pdfsig', ['-nssdir', `sql:${nssDir}`, file('digest-only.pdf', pdf)]);
    expect(r.stdout).toContain('Signature is Valid');
    expect((await verifyReportPdf(pdf, { caCertPem: pki.caCertPem })).ok).toBe(true);
  });
});

describe('verifyReportPdf', () => {
  it('accepts the signed report: valid, intact, trusted, with signer, time, hash and report number', async () => {
    const v = await verifyReportPdf(signed, { caCertPem: pki.caCertPem });
    expect(v.reasons).toEqual([]);
    expect(v).toMatchObject({
      ok: true,
      valid: true,
      intact: true,
      trusted: true,
      subFilter: 'ETSI.CAdES.detached',
      reportNumber: 'TAM-2025-000123',
      signedAt: '2025-11-20T10:30:00.000Z',
      signer: { name: 'Республиканский ЭКЦ: test reports', organization: 'Республиканский ЭКЦ' },
    });
    expect(v.sha256).toBe(createHash('sha256').update(signed).digest('hex'));
    expect(await pdfSha256(signed)).toBe(v.sha256);
  });

  it('rejects any single changed byte inside the signed ranges', async () => {
    const [, len1, start2, len2] = byteRange(signed) as [number, number, number, number];
    const position = fc.oneof(fc.integer({ min: 0, max: len1 - 1 }), fc.integer({ min: start2, max: start2 + len2 - 1 }));
    await fc.assert(
      fc.asyncProperty(position, async (at) => {
        try {
          const v = await verifyReportPdf(flip(signed, at), { caCertPem: pki.caCertPem });
          return !v.ok;
        } catch (err) {
          return isDomainError(err); // e.g. the /ByteRange keyword itself was hit: "not signed"
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reports bytes appended after signing as not intact', async () => {
    const appended = new Uint8Array([...signed, ...Buffer.from('\n% appended\n')]);
    const v = await verifyReportPdf(appended, { caCertPem: pki.caCertPem });
    expect(v.intact).toBe(false);
    expect(v.valid).toBe(true);
    expect(v.ok).toBe(false);
  });

  it('does not trust a report signed under another lab CA', async () => {
    const other = await ensureDevPki(join(work, 'other-pki'), { labName: 'Other lab' });
    const v = await verifyReportPdf(signed, { caCertPem: other.caCertPem });
    expect(v.valid).toBe(true);
    expect(v.trusted).toBe(false);
    expect(v.ok).toBe(false);
  });

  it('throws REPORT_ERR_NOT_SIGNED for an unsigned report and REPORT_ERR_NOT_PDF for other files', async () => {
    const unsigned = await renderReportPdf(sampleReport(), { verificationUrl: 'https://lab.example.uz/v/1' });
    await expect(verifyReportPdf(unsigned, { caCertPem: pki.caCertPem })).rejects.toMatchObject({ code: 'REPORT_ERR_NOT_SIGNED' });
    await expect(verifyReportPdf(Buffer.from('hello'), { caCertPem: pki.caCertPem })).rejects.toMatchObject({ code: 'REPORT_ERR_NOT_PDF' });
  });
});

describe('ensureDevPki', () => {
  it('writes private keys with mode 0600 and loads the same certificates on the next call', async () => {
    const dir = join(work, 'pki');
    for (const key of ['lab-ca.key', 'report-signer.key']) expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
    const again = await ensureDevPki(dir);
    expect(again.caCertPem).toBe(pki.caCertPem);
    expect(again.signerCertPem).toBe(pki.signerCertPem);
  });

  it('generates one PKI when several services start at once', async () => {
    const dir = join(work, 'race');
    const all = await Promise.all([ensureDevPki(dir), ensureDevPki(dir), ensureDevPki(dir)]);
    expect(new Set(all.map((p) => p.caCertPem)).size).toBe(1);
  });
});

describe('renderReportPdf', () => {
  it('refuses an invalid model, naming the field', async () => {
    const bad = sampleReport({ reportNumber: 'no spaces allowed' });
    await expect(renderReportPdf(bad, { verificationUrl: 'https://x' })).rejects.toMatchObject({
      code: 'REPORT_ERR_INVALID_MODEL',
      errors: [expect.objectContaining({ field: 'reportNumber' })],
    });
  });

  it('declares PDF/A-2b in its XMP metadata and embeds only the DejaVu fonts', async () => {
    const pdf = Buffer.from(await renderReportPdf(sampleReport(), { verificationUrl: 'https://x' })).toString('latin1');
    expect(pdf).toContain('<pdfaid:part>2</pdfaid:part>');
    expect(pdf).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    expect(pdf).toContain('/OutputIntents');
    expect(pdf).toMatch(/\/FontName \/[A-Z]{6}\+DejaVuSans/);
    expect(pdf).not.toContain('/BaseFont /Helvetica');
  });
});
