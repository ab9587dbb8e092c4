// A new lab signing certificate from the same CA: reports issued after the rotation carry it,
// reports issued before still verify (verifyReportPdf as `tamga verify` runs it, pdfsig with the
// lab CA imported, and the public verification route of the restarted service).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeEvent, type AnyEvent, type EventOf } from '@tamga/contracts';
import { ensureDevPki, rotateSigningCertificate, verifyReportPdf } from '@tamga/report-pdf';
import type { LabPki } from '@tamga/report-pdf';
import { createESignatureVerifier, createJwtAuthenticator, createLogger, generateSigningKeyPair } from '@tamga/service-kit';
import { createMemoryStore, type DocumentStore } from '@tamga/store';
import { buildApp } from '../src/app.ts';
import { watchLabPki } from '../src/reports/signing-pki.ts';
import { handleEvent } from '../src/events/handle-event.ts';
import type { IssuerDeps } from '../src/reports/issue-reports.ts';
import { reportsCollection } from '../src/store/collections.ts';

const now = new Date('2026-03-02T09:00:00Z');
const actor = { id: 'u-tech', name: 'Техник Иванова', role: 'technician' as const };
const tools = ['pdfsig', 'certutil'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
if (tools.length > 0) console.warn(`signing-certificate rotation: the pdfsig check is skipped, ${tools.join(', ')} not on PATH (apt-get install poppler-utils libnss3-tools)`);

function ev<T extends AnyEvent['type']>(labNo: string, type: T, data: EventOf<T>['data']): AnyEvent {
  return makeEvent({ type, source: 'test', subject: labNo, actor, data }, now) as AnyEvent;
}

/** The events after which reporting issues the report of `labNo`. */
function itemEvents(labNo: string, resultId: string): AnyEvent[] {
  return [
    ev(labNo, 'intake.case.opened', {
      caseId: 'case-1',
      agencyId: 'police-tashkent',
      agencyName: 'ГУВД г. Ташкента',
      agencyCaseNumber: 'УД-2026/15',
      offence: 'ст. 273 УК',
      jurisdiction: 'UZ',
      seizureDate: '2026-02-19',
      openedAt: '2026-02-20T07:00:00Z',
      investigator: { name: 'Каримов А.', rank: 'капитан' },
    }),
    ev(labNo, 'intake.item.received', {
      labNo,
      caseId: 'case-1',
      agencyId: 'police-tashkent',
      description: 'Порошок бежевого цвета в полимерном пакете',
      receivedAt: '2026-02-20T08:00:00Z',
      exhibitNo: `ВД-${resultId}`,
      seals: [{ number: `ПЛ-${resultId}`, intact: true }],
    }),
    ev(labNo, 'intake.custody.recorded', { labNo, seq: 0, kind: 'received', time: '2026-02-20T08:00:00Z', hash: 'a'.repeat(64), logIndex: 0 }),
    ev(labNo, 'analysis.result.approved', {
      labNo,
      caseId: 'case-1',
      resultId,
      version: 1,
      substance: 'Героин (диацетилморфин) / Heroin',
      analyst: { id: 'u-an', name: 'Аналитик Петров' },
      reviewer: { id: 'u-rev', name: 'Проверяющий Сидоров' },
      approvedAt: now.toISOString(),
      library: { name: 'MassBank EI', version: '2025.05.1' },
      signature: { printedName: 'Проверяющий Сидоров', meaning: 'approved', signedAt: '2026-03-02T08:47:00.000Z' },
    }),
  ];
}

function issuerWith(store: DocumentStore, pki: LabPki, signingPki?: IssuerDeps['signingPki']): IssuerDeps {
  return {
    signingPki,
    lab: { code: 'LAB', name: { ru: 'Тестовая лаборатория', en: 'Test laboratory' }, address: { ru: 'Ташкент', en: 'Tashkent' } },
    pki,
    blobs: store.blobs,
    verifyBaseUrl: 'https://lab.example/verify',
    languages: ['ru', 'en'],
    now: () => now,
    enqueue: () => Promise.resolve(),
  };
}

async function issueFor(store: DocumentStore, issuer: IssuerDeps, labNo: string, resultId: string): Promise<Uint8Array> {
  for (const event of itemEvents(labNo, resultId)) await store.transaction((tx) => handleEvent(event, tx, issuer));
  const report = await store.collection(reportsCollection).findOne({ labNos: labNo });
  if (report === undefined) throw new Error(`no report was issued for ${labNo}`);
  return store.blobs.get(report.sha256);
}

describe('lab signing certificate rotation', () => {
  it('signs new reports with the new certificate while reports issued before still verify', async () => {
    const pkiDir = mkdtempSync(join(tmpdir(), 'tamga-pki-rotation-'));
    const store = createMemoryStore({ quiet: true });
    const before = await ensureDevPki(pkiDir);
    const oldReport = await issueFor(store, issuerWith(store, before), 'LAB-2026-000001-01', 'res-1');

    const rotation = await rotateSigningCertificate(pkiDir, { now });
    expect(rotation.serialNumber).not.toBe(rotation.previousSerialNumber);

    // The reporting service restarted: it loads the new pair.
    const after = await ensureDevPki(pkiDir);
    expect(after.caCertPem).toBe(before.caCertPem);
    expect(after.signerCertPem).not.toBe(before.signerCertPem);
    const newReport = await issueFor(store, issuerWith(store, after), 'LAB-2026-000002-01', 'res-2');

    const oldCheck = await verifyReportPdf(oldReport, { caCertPem: after.caCertPem });
    const newCheck = await verifyReportPdf(newReport, { caCertPem: after.caCertPem });
    expect(oldCheck).toMatchObject({ ok: true, trusted: true, intact: true });
    expect(newCheck).toMatchObject({ ok: true, trusted: true, intact: true });
    expect(oldCheck.signer.serialNumber.toLowerCase()).toBe(rotation.previousSerialNumber.toLowerCase());
    expect(newCheck.signer.serialNumber.toLowerCase()).toBe(rotation.serialNumber.toLowerCase());

    // The public verification route of the restarted service says both are genuine and current.
    const keys = await generateSigningKeyPair();
    const app = await buildApp({
      store,
      issuer: issuerWith(store, after),
      auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', audience: 'tamga' }),
      eSignatures: createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal' }),
      logger: createLogger({ name: 'reporting', level: 'silent' }),
    });
    try {
      for (const pdf of [oldReport, newReport]) {
        const res = await app.inject({ method: 'POST', url: '/v1/verifications', headers: { 'content-type': 'application/pdf' }, payload: Buffer.from(pdf) });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ verdict: 'genuine-current', signature: { valid: true, trusted: true, intact: true } });
      }
    } finally {
      await app.close();
    }

    if (tools.length === 0) {
      // pdfsig trusts both once the one lab CA is imported.
      const work = mkdtempSync(join(tmpdir(), 'tamga-pdfsig-'));
      const nss = join(work, 'nss');
      spawnSync('mkdir', ['-p', nss]);
      writeFileSync(join(work, 'ca.pem'), after.caCertPem);
      expect(spawnSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']).status).toBe(0);
      expect(spawnSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'labca', '-t', 'CT,C,C', '-i', join(work, 'ca.pem')]).status).toBe(0);
      for (const [name, pdf] of [['old.pdf', oldReport], ['new.pdf', newReport]] as const) {
        writeFileSync(join(work, name), pdf);
        const out = spawnSync('pdfsig', ['-nssdir', `sql:${nss}`, join(work, name)], { encoding: 'utf8' }).stdout;
        expect(out).toContain('Signature is Valid');
        expect(out).toContain('Certificate is Trusted');
      }
    }
  });

  it('refuses to rotate in a folder without the lab CA', async () => {
    await expect(rotateSigningCertificate(mkdtempSync(join(tmpdir(), 'tamga-no-pki-')))).rejects.toMatchObject({ code: 'REPORT_ERR_PKI_UNREADABLE' });
  });

  it('a running service signs the next report with the rotated certificate, without a restart', async () => {
    const pkiDir = mkdtempSync(join(tmpdir(), 'tamga-pki-live-'));
    const store = createMemoryStore({ quiet: true });
    const incomplete: string[] = [];
    const signingPki = await watchLabPki(pkiDir, { checkMs: 0, onIncomplete: (reason) => incomplete.push(reason) });
    const pki = await signingPki.current();
    // One issuer for the service's whole life, as main.ts wires it.
    const issuer = issuerWith(store, pki, signingPki);
    const oldReport = await issueFor(store, issuer, 'LAB-2026-000011-01', 'res-11');

    // `tamga keys rotate-signing-cert` while the service runs.
    const rotation = await rotateSigningCertificate(pkiDir, { now });
    const newReport = await issueFor(store, issuer, 'LAB-2026-000012-01', 'res-12');

    const oldCheck = await verifyReportPdf(oldReport, { caCertPem: pki.caCertPem });
    const newCheck = await verifyReportPdf(newReport, { caCertPem: pki.caCertPem });
    expect(oldCheck).toMatchObject({ ok: true, trusted: true, intact: true });
    expect(newCheck).toMatchObject({ ok: true, trusted: true, intact: true });
    expect(oldCheck.signer.serialNumber.toLowerCase()).toBe(rotation.previousSerialNumber.toLowerCase());
    expect(newCheck.signer.serialNumber.toLowerCase()).toBe(rotation.serialNumber.toLowerCase());
    expect(incomplete).toEqual([]);
    if (tools.length === 0) expectPdfsigValid(pki.caCertPem, [oldReport, newReport]);
  });

  it('keeps signing with the pair in use while the key and certificate do not match, as half-way through a rotation', async () => {
    const pkiDir = mkdtempSync(join(tmpdir(), 'tamga-pki-torn-'));
    const store = createMemoryStore({ quiet: true });
    const incomplete: string[] = [];
    const signingPki = await watchLabPki(pkiDir, { checkMs: 0, onIncomplete: (reason) => incomplete.push(reason) });
    const pki = await signingPki.current();
    const issuer = issuerWith(store, pki, signingPki);
    const oldSerial = (await verifyReportPdf(await issueFor(store, issuer, 'LAB-2026-000021-01', 'res-21'), { caCertPem: pki.caCertPem })).signer.serialNumber;

    // The rotation has put the new key in place but not yet its certificate.
    const elsewhere = mkdtempSync(join(tmpdir(), 'tamga-pki-next-'));
    for (const file of ['lab-ca.pem', 'lab-ca.key', 'report-signer.pem', 'report-signer.key']) copyFileSync(join(pkiDir, file), join(elsewhere, file));
    await rotateSigningCertificate(elsewhere, { now });
    writeFileSync(join(pkiDir, 'report-signer.key'), readFileSync(join(elsewhere, 'report-signer.key')));
    const during = await issueFor(store, issuer, 'LAB-2026-000022-01', 'res-22');
    const duringCheck = await verifyReportPdf(during, { caCertPem: pki.caCertPem });
    expect(duringCheck).toMatchObject({ ok: true, trusted: true, intact: true });
    expect(duringCheck.signer.serialNumber).toBe(oldSerial);
    expect(incomplete.join('\n')).toMatch(/does not belong to the signing certificate/);

    // The certificate follows: the next report carries it.
    writeFileSync(join(pkiDir, 'report-signer.pem'), readFileSync(join(elsewhere, 'report-signer.pem')));
    const after = await verifyReportPdf(await issueFor(store, issuer, 'LAB-2026-000023-01', 'res-23'), { caCertPem: pki.caCertPem });
    expect(after).toMatchObject({ ok: true, trusted: true, intact: true });
    expect(after.signer.serialNumber).not.toBe(oldSerial);
  });
});

/** pdfsig, with the one lab CA imported into a fresh NSS database, says every PDF is valid and trusted. */
function expectPdfsigValid(caCertPem: string, pdfs: readonly Uint8Array[]): void {
  const work = mkdtempSync(join(tmpdir(), 'tamga-pdfsig-'));
  const nss = join(work, 'nss');
  spawnSync('mkdir', ['-p', nss]);
  writeFileSync(join(work, 'ca.pem'), caCertPem);
  expect(spawnSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']).status).toBe(0);
  expect(spawnSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'labca', '-t', 'CT,C,C', '-i', join(work, 'ca.pem')]).status).toBe(0);
  pdfs.forEach((pdf, i) => {
    const file = join(work, `report-${i}.pdf`);
    writeFileSync(file, pdf);
    const out = spawnSync('pdfsig', ['-nssdir', `sql:${nss}`, file], { encoding: 'utf8' }).stdout;
    expect(out).toContain('Signature is Valid');
    expect(out).toContain('Certificate is Trusted');
  });
}
