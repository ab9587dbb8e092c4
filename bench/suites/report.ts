// Reports per second for render + PAdES sign, beside bare pdfkit rendering of the same layout
// without signing (the baseline), and offline verification beside hashing the same file.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { round, type Suite } from '../lib.ts';
import { ensureDevPki, renderReportPdf, signReportPdf, verifyReportPdf } from '../../packages/report-pdf/src/index.ts';
import { sampleReport } from '../../packages/report-pdf/test/fixtures.ts';

const SECONDS = 3;

/** Rates (per second) of two tasks measured in alternating slices, so drift hits both alike. */
async function rates(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  for (let i = 0; i < 5; i++) {
    await a(); // warm up: font parsing, JIT
    await b();
  }
  const count = [0, 0];
  const time = [0, 0];
  for (let slice = 0; slice < SECONDS * 4; slice++) {
    const which = slice % 2;
    const fn = which === 0 ? a : b;
    const start = performance.now();
    while (performance.now() - start < 500) {
      await fn();
      count[which] = (count[which] ?? 0) + 1;
    }
    time[which] = (time[which] ?? 0) + (performance.now() - start);
  }
  return [((count[0] ?? 0) * 1000) / (time[0] ?? 1), ((count[1] ?? 0) * 1000) / (time[1] ?? 1)];
}

export const suite: Suite = {
  name: 'report',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'tamga-bench-report-'));
    try {
      const pki = await ensureDevPki(join(dir, 'pki'));
      const model = sampleReport();
      const render = () => renderReportPdf(model, { verificationUrl: 'https://lab.example.uz/verify/TAM-2025-000123', signer: pki.signer.describe() });
      const info = { reason: 'Test report issued', location: 'Tashkent', contactInfo: 'reports@lab.example.uz' };
      const [signedRate, bare] = await rates(async () => signReportPdf(await render(), pki.signer, info), render);
      const signed = await signReportPdf(await render(), pki.signer, info);
      const [verifyRate, hashRate] = await rates(
        () => verifyReportPdf(signed, { caCertPem: pki.caCertPem }),
        () => Promise.resolve(createHash('sha256').update(signed).digest()),
      );
      return [
        {
          name: 'report.render_sign',
          value: round(signedRate, 2),
          unit: 'reports/s',
          baseline: 'bare pdfkit render of the same layout, unsigned',
          baselineValue: round(bare, 2),
        },
        {
          name: 'report.verify',
          value: round(verifyRate, 2),
          unit: 'reports/s',
          baseline: `sha256 of the same ${Math.round(signed.length / 1024)} KiB PDF`,
          baselineValue: round(hashRate, 2),
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
