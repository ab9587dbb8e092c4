// `tamga keys` as an operator runs it: a new token key whose predecessor stays published, and a
// new report-signing certificate under which `tamga verify` still accepts earlier reports.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDevPki, signReportPdf } from '@tamga/report-pdf';
import type { LabPki } from '@tamga/report-pdf';
import { loadOrCreateSigningKey } from '@tamga/service-kit';
import { tempDir } from '@tamga/testkit';

const repoRoot = resolve(import.meta.dirname, '../../../..');

function tamga(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'packages/cli/src/main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A one-page PDF signed with the lab's current certificate. */
async function signedPdf(pki: LabPki, file: string): Promise<string> {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>'];
  let body = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const pdf = await signReportPdf(new TextEncoder().encode(body), pki.signer, { reason: 'test report', location: 'Tashkent', name: 'Test laboratory', contactInfo: 'lab@example.org' });
  writeFileSync(file, pdf);
  return file;
}

describe('tamga keys', () => {
  it('rotate-token-key: a new kid signs, the previous public key stays in the published file', async () => {
    const data = tempDir('tamga-keys-cli');
    const before = await loadOrCreateSigningKey(join(data, 'keys'));
    const r = tamga(['keys', 'rotate-token-key', '--data', data, '--keep', '900', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { kid: string; previousKid: string; verifyUntil: string };
    expect(out.previousKid).toBe(before.kid);
    expect(out.kid).not.toBe(before.kid);
    const published = JSON.parse(readFileSync(join(data, 'keys', 'token-signing.public.jwk.json'), 'utf8')) as { keys: { kid: string }[] };
    expect(published.keys.map((k) => k.kid)).toEqual([out.kid, before.kid]);
    expect((await loadOrCreateSigningKey(join(data, 'keys'))).kid).toBe(out.kid);
    expect(tamga(['keys', 'rotate-token-key', '--data', data, '--keep', 'soon']).status).toBe(2);
  });

  it('rotate-signing-cert: tamga verify accepts the reports signed before and after', async () => {
    const data = tempDir('tamga-keys-cli-pki');
    const pkiDir = join(data, 'keys', 'pki');
    const before = await signedPdf(await ensureDevPki(pkiDir), join(data, 'before.pdf'));
    const r = tamga(['keys', 'rotate-signing-cert', '--data', data, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { serialNumber: string; previousSerialNumber: string };
    const after = await signedPdf(await ensureDevPki(pkiDir), join(data, 'after.pdf'));
    for (const [file, serial] of [[before, out.previousSerialNumber], [after, out.serialNumber]] as const) {
      const v = tamga(['verify', file, '--data', data, '--json']);
      expect(v.status, v.stdout + v.stderr).toBe(0);
      const result = JSON.parse(v.stdout) as { ok: boolean; signer: { serialNumber: string } };
      expect(result.ok).toBe(true);
      expect(result.signer.serialNumber.toLowerCase()).toBe(serial.toLowerCase());
    }
  });
});
