// The walking skeleton: nats-server and every service as separate processes (SQLite), one item
// registered over HTTP and driven to a signed report, checked with the tools a court would
// use (pdfsig, qpdf, pdftotext) and with `tamga verify`; one changed byte is caught by both.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runItemThroughLab, type FlowResult } from '../../packages/cli/src/demo/flow.ts';
import { DEMO_SUBSTANCE, demoLibraryMsp, demoQueryMsp } from '../../packages/cli/src/demo/library.ts';
import { LAB, getJson, repoRoot, startTestSystem, whyNotRunnable, type TestSystem } from './system.ts';

const skip = whyNotRunnable(['pdfsig', 'qpdf', 'pdftotext', 'pdftoppm']);
if (skip) console.warn(`walking skeleton e2e skipped: ${skip}`);

const outDir = join(repoRoot, 'test-output', 'e2e');

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function tamgaVerify(file: string, ts: TestSystem): { status: number | null; out: string } {
  return run(process.execPath, [
    'packages/cli/bin/tamga.js',
    'verify',
    file,
    '--ca',
    join(ts.dataDir, 'keys', 'pki', 'lab-ca.pem'),
  ]);
}

describe.skipIf(skip !== undefined)('walking skeleton: one item from intake to a signed, verifiable PDF', () => {
  let ts: TestSystem;
  let result: FlowResult;
  let pdfFile: string;

  beforeAll(async () => {
    ts = await startTestSystem('skeleton');
    result = await runItemThroughLab({ urls: ts.urls, tokens: ts.credentials.token, eSign: ts.credentials.eSign });
    mkdirSync(outDir, { recursive: true });
    pdfFile = join(outDir, 'walking-skeleton-report.pdf');
    writeFileSync(pdfFile, result.pdf);
  }, 180_000);

  afterAll(async () => {
    await ts?.stop();
  });

  it('issues a report whose signature pdfsig finds valid, over the whole document', () => {
    const { out } = run('pdfsig', [pdfFile]);
    // pdfsig exits 0 even for a digest mismatch: read what it says.
    expect(out).toContain('Signature Validation: Signature is Valid.');
    expect(out).toContain('Total document signed');
    expect(out).toContain('ETSI.CAdES.detached');
  });

  it('issues a structurally sound PDF (qpdf --check)', () => {
    const { status, out } = run('qpdf', ['--check', pdfFile]);
    expect(status, out).toBe(0);
    expect(out).toContain('No syntax or stream encoding errors found');
  });

  it('states the lab number, the substance and the report number in the text', () => {
    const { status, out } = run('pdftotext', ['-layout', pdfFile, '-']);
    expect(status).toBe(0);
    expect(result.substance).toBe(DEMO_SUBSTANCE);
    expect(out).toContain(result.labNo);
    expect(out).toContain(DEMO_SUBSTANCE);
    expect(out).toContain(result.reportNumber);
  });

  it('verifies offline with tamga verify against the lab CA', () => {
    const { status, out } = tamgaVerify(pdfFile, ts);
    expect(out).toContain('VALID');
    expect(status, out).toBe(0);
  });

  it('rejects the report in tamga verify and pdfsig once one byte is changed', () => {
    // One byte inside the data of the first stream in the signed range (not the signature's hex).
    const tampered = Uint8Array.from(result.pdf);
    const text = new TextDecoder('latin1').decode(tampered);
    const signedEnd = Number(/\/ByteRange\s*\[\s*0\s+(\d+)/.exec(text)?.[1] ?? 0);
    const streamAt = text.search(/stream\r?\n/);
    const at = streamAt + 20;
    expect(streamAt).toBeGreaterThan(0);
    expect(at).toBeLessThan(signedEnd);
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    const tamperedFile = join(outDir, 'walking-skeleton-report.tampered.pdf');
    writeFileSync(tamperedFile, tampered);

    const verify = tamgaVerify(tamperedFile, ts);
    expect(verify.status, verify.out).toBe(1);
    expect(verify.out).toContain('NOT VALID');
    const sig = run('pdfsig', [tamperedFile]);
    expect(sig.out).not.toContain('Signature is Valid.');
    expect(sig.out).toMatch(/Digest Mismatch|Signature is Invalid/);

    // and the untouched file still verifies
    expect(tamgaVerify(pdfFile, ts).status).toBe(0);
  });

  it('runs `tamga demo` from the command line with a library and a spectrum file, and its report verifies', () => {
    const files = join(ts.dataDir, 'demo-input');
    mkdirSync(files, { recursive: true });
    writeFileSync(join(files, 'lab-library.msp'), demoLibraryMsp());
    writeFileSync(join(files, 'run-2.msp'), demoQueryMsp('Demo compound F', 7));
    const out = join(outDir, 'tamga-demo-report.pdf');
    const { urls } = ts;
    const demo = run(process.execPath, [
      'packages/cli/bin/tamga.js',
      'demo',
      '--out',
      out,
      '--data',
      ts.dataDir,
      '--lab',
      LAB,
      '--intake',
      urls.intake,
      '--analysis',
      urls.analysis,
      '--reporting',
      urls.reporting,
      '--library',
      join(files, 'lab-library.msp'),
      '--spectrum',
      join(files, 'run-2.msp'),
    ]);
    expect(demo.status, demo.out).toBe(0);
    expect(demo.out).toMatch(new RegExp(`lab number +${LAB}-\\d{4}-\\d{6}-\\d{2}`));
    expect(demo.out).toMatch(/substance +Demo compound F/);
    expect(demo.out).toContain('tamga verify');
    expect(tamgaVerify(out, ts).status).toBe(0);
  });

  it('renders every page to PNG for a person to look at', () => {
    for (const f of readdirSync(outDir)) if (f.startsWith('walking-skeleton-page')) rmSync(join(outDir, f));
    const { status, out } = run('pdftoppm', ['-png', '-r', '70', pdfFile, join(outDir, 'walking-skeleton-page')]);
    expect(status, out).toBe(0);
    expect(
      readdirSync(outDir).filter((f) => f.startsWith('walking-skeleton-page') && f.endsWith('.png')).length,
    ).toBeGreaterThan(0);
  });

  it('amends the report only with the QA manager’s "amended" e-signature; the old one is then superseded', async () => {
    const report = `${ts.urls.reporting}/v1/reports/${result.reportNumber}`;
    const amend = async (eSignature: string | undefined) =>
      fetch(`${report}/amendments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await ts.credentials.token('librarian')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'exhibit number misprinted', ...(eSignature === undefined ? {} : { eSignature }) }),
      });
    expect((await amend(undefined)).status).toBe(400);
    const approvedMeaning = await amend(await ts.credentials.eSign('librarian', { meaning: 'approved', purpose: `amend report ${result.reportNumber}` }));
    expect(approvedMeaning.status).toBe(403);
    expect((await getJson<{ status: string }>(ts, 'reviewer', report)).status).toBe('current');
    const ok = await amend(await ts.credentials.eSign('librarian', { meaning: 'amended', purpose: `amend report ${result.reportNumber}` }));
    expect(ok.status, await ok.clone().text()).toBe(201);
    const amended = (await ok.json()) as { reportNumber: string; supersedes: { reportNumber: string }; amendment: { eSignature: { meaning: string } } };
    expect(amended).toMatchObject({ supersedes: { reportNumber: result.reportNumber }, amendment: { eSignature: { meaning: 'amended' } } });
    expect(await getJson<{ status: string; supersededBy: string }>(ts, 'reviewer', report)).toMatchObject({
      status: 'superseded',
      supersededBy: amended.reportNumber,
    });
  });
});
