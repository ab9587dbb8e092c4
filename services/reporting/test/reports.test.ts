// Reports issued from event-built read models, downloaded, amended, withdrawn and verified —
// through the HTTP surface, against the memory store and a real dev PKI and real signatures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, type AnyEvent, type EventOf, type Principal } from '@tamga/contracts';
import { ensureDevPki } from '@tamga/report-pdf';
import {
  createESignatureVerifier,
  createJwtAuthenticator,
  createTokenIssuer,
  generateSigningKeyPair,
  issueESignature,
  type ServiceApp,
  type SigningKeyPair,
} from '@tamga/service-kit';
import { createMemoryStore, type DocumentStore } from '@tamga/store';
import { buildApp } from '../src/app.ts';
import { handleEvent } from '../src/events/handle-event.ts';
import type { IssuerDeps } from '../src/reports/issue-reports.ts';
import { auditCollection, reportsCollection } from '../src/store/collections.ts';

const now = new Date('2026-03-02T09:00:00Z');
const actor = { id: 'u-tech', name: 'Техник Иванова', role: 'technician' as const };
const labNo = 'LAB-2026-000001-01';
const people: Record<string, Principal> = {
  qa: { sub: 'u-qa', name: 'QA Manager', roles: ['qa_manager'], lab: 'LAB' },
  analyst: { sub: 'u-an', name: 'Analyst', roles: ['analyst'], lab: 'LAB' },
  own: { sub: 'u-inv1', name: 'Investigator One', roles: ['investigator'], agencyId: 'police-tashkent', lab: 'LAB' },
  other: { sub: 'u-inv2', name: 'Investigator Two', roles: ['investigator'], agencyId: 'customs-almaty', lab: 'LAB' },
};

let store: DocumentStore;
let app: ServiceApp;
let keys: SigningKeyPair;
let issuer: IssuerDeps;
const tokens: Record<string, string> = {};
const emitted: EventOf<'reporting.report.issued'>[] = [];

function ev<T extends AnyEvent['type']>(type: T, data: EventOf<T>['data']): AnyEvent {
  return makeEvent({ type, source: 'test', subject: labNo, actor, data }, now) as AnyEvent;
}

async function deliver(event: AnyEvent) {
  return store.transaction((tx) => handleEvent(event, tx, issuer));
}

const approved = (version: number) =>
  ev('analysis.result.approved', {
    labNo,
    caseId: 'case-1',
    resultId: 'res-1',
    version,
    substance: version === 1 ? 'Героин (диацетилморфин) / Heroin' : 'Кодеин / Codeine',
    analyst: { id: 'u-an', name: 'Аналитик Петров' },
    reviewer: { id: 'u-rev', name: 'Проверяющий Сидоров' },
    approvedAt: now.toISOString(),
    library: { name: 'MassBank EI', version: '2025.05.1' },
    matchFactor: 912.4,
    hit: { name: 'Heroin', libraryRecordId: 'MSBNK-1', mf: 912.4, rmf: 947.6, score: 930, probability: 88, entropy: 803.2 },
    // The reviewer e-signed 13 minutes before the approval was recorded: the report states the signature's time.
    signature: { printedName: 'Проверяющий Сидоров', meaning: 'approved', signedAt: '2026-03-02T08:47:00.000Z' },
    ...(version === 2
      ? {
          conformity: 'Net weight 12.4 g ± 0.2 g exceeds the large-amount threshold of 2.5 g',
          decisionRule: 'guarded acceptance, ILAC G8: value − U > threshold',
        }
      : {}),
  });

beforeAll(async () => {
  store = createMemoryStore({ quiet: true });
  const pki = await ensureDevPki(mkdtempSync(join(tmpdir(), 'tamga-pki-')));
  issuer = {
    lab: { code: 'LAB', name: { ru: 'Тестовая лаборатория', en: 'Test laboratory' }, address: { ru: 'Ташкент', en: 'Tashkent' } },
    pki,
    blobs: store.blobs,
    verifyBaseUrl: 'https://lab.example/verify',
    languages: ['ru', 'en'],
    now: () => now,
    enqueue: (_tx, event) => {
      emitted.push(event);
      return Promise.resolve();
    },
  };
  keys = await generateSigningKeyPair();
  const tokenIssuer = createTokenIssuer({ privateKey: keys.privateKey, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 600 });
  const auth = createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', audience: 'tamga' });
  for (const [k, p] of Object.entries(people)) tokens[k] = await tokenIssuer.issue(p);
  const eSignatures = createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', currentDate: () => now });
  app = await buildApp({ store, issuer, auth, eSignatures });
});

afterAll(async () => {
  await app.close();
});

/** Text of a PDF as Poppler's pdftotext extracts it (what a reader's copy-paste gets). */
function pdfText(pdf: Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tamga-pdf-')), 'r.pdf');
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

/** The portal's e-signature of `who` for one act, as POST /v1/e-signatures returns it. */
function eSign(who: string, meaning: string, purpose: string): Promise<string> {
  const p = people[who];
  if (p === undefined) throw new Error(`no person ${who}`);
  return issueESignature(
    { sub: p.sub, printedName: p.name, time: now.toISOString(), meaning, purpose, lab: 'LAB' },
    { privateKey: keys.privateKey, issuer: 'tamga-portal' },
  );
}

const post = (url: string, who: string, payload: object) =>
  app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tokens[who]}` }, payload });

const get = (url: string, who: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[who]}` } });

describe('reporting', () => {
  it('waits for the case, item and custody head before issuing, whatever order the events arrive in', async () => {
    expect(await deliver(approved(1))).toEqual([]);
    expect(
      await deliver(
        ev('intake.item.received', {
          labNo,
          caseId: 'case-1',
          agencyId: 'police-tashkent',
          description: 'Порошок бежевого цвета в полимерном пакете',
          receivedAt: '2026-02-20T08:00:00Z',
          exhibitNo: 'ВД-7',
          seals: [{ number: 'ПЛ-0001', intact: false }],
        }),
      ),
    ).toEqual([]);
    expect(
      await deliver(
        ev('intake.case.opened', {
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
      ),
    ).toEqual([]);
    const issued = await deliver(
      ev('intake.custody.recorded', { labNo, seq: 0, kind: 'received', time: '2026-02-20T08:00:00Z', hash: 'a'.repeat(64), logIndex: 0 }),
    );
    expect(issued).toHaveLength(1);
    expect(emitted.map((e) => e.data.reportNumber)).toEqual(['LAB-R-2026-000001']);
    // The person authorizing the report, with the time of their e-signature (7.8.2.1 o).
    const text = pdfText((await get('/v1/reports/LAB-R-2026-000001/pdf', 'qa')).rawPayload).replace(/\s+/g, ' ');
    expect(text).toMatch(/Electronic signature 2026-03-02 08:47 \(UTC\) time/);
    expect(text).not.toContain('09:00 (UTC)');
    // The supporting hit's scores, rounded as MS Search prints them.
    expect(text).toMatch(/Match factor: 912\b/);
    expect(text).toMatch(/Reverse match factor: 948\b/);
    expect(text).toMatch(/Entropy similarity: 803\b/);
  });

  it('issues nothing twice when an approval is delivered again', async () => {
    expect(await deliver(approved(1))).toEqual([]);
    expect(await store.collection(reportsCollection).count({})).toBe(1);
  });

  it('lets the investigator of the agency download the signed report, and records it', async () => {
    const res = await get('/v1/reports/LAB-R-2026-000001/pdf', 'own');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const access = await get('/v1/reports/LAB-R-2026-000001/access', 'qa');
    expect(access.json().access).toContainEqual(expect.objectContaining({ by: 'u-inv1', what: 'pdf', outcome: 'granted' }));
  });

  it('refuses an investigator of another agency and records the attempt', async () => {
    const res = await get('/v1/reports/LAB-R-2026-000001/pdf', 'other');
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('AUTH_ERR_FORBIDDEN_AGENCY');
    const list = await get('/v1/reports', 'other');
    expect(list.json().reports).toEqual([]);
    const access = await get('/v1/reports/LAB-R-2026-000001/access', 'qa');
    expect(access.json().access).toContainEqual(expect.objectContaining({ by: 'u-inv2', outcome: 'denied' }));
  });

  it('verifies the issued PDF publicly, and rejects it after one changed byte', async () => {
    const pdf = (await get('/v1/reports/LAB-R-2026-000001/pdf', 'own')).rawPayload;
    const ok = await app.inject({ method: 'POST', url: '/v1/verifications', headers: { 'content-type': 'application/pdf' }, payload: pdf });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ verdict: 'genuine-current', record: { reportNumber: 'LAB-R-2026-000001', status: 'current' } });
    const tampered = Buffer.from(pdf);
    const at = tampered.indexOf('Tashkent');
    tampered[at] = 'X'.charCodeAt(0);
    const bad = await app.inject({ method: 'POST', url: '/v1/verifications', headers: { 'content-type': 'application/pdf' }, payload: tampered });
    expect(bad.json().verdict).toBe('not-verified');
    expect(bad.json().signature.valid).toBe(false);
    expect(bad.json().record.issuedByThisLab).toBe(false);
  });

  it('issues an amendment when a corrected result is approved; the old report verifies as superseded', async () => {
    const oldPdf = (await get('/v1/reports/LAB-R-2026-000001/pdf', 'own')).rawPayload;
    const issued = await deliver(approved(2));
    expect(issued.map((r) => r.reportNumber)).toEqual(['LAB-R-2026-000002']);
    const old = await get('/v1/reports/LAB-R-2026-000001', 'own');
    expect(old.json()).toMatchObject({ status: 'superseded', supersededBy: 'LAB-R-2026-000002' });
    const v = await app.inject({ method: 'POST', url: '/v1/verifications', headers: { 'content-type': 'application/pdf' }, payload: oldPdf });
    expect(v.json()).toMatchObject({ verdict: 'genuine-superseded', record: { supersededBy: 'LAB-R-2026-000002' } });
    // The amendment names what it replaces, and states conformity apart from opinions (7.8.6, 7.8.8).
    const text = pdfText((await get('/v1/reports/LAB-R-2026-000002/pdf', 'own')).rawPayload).replace(/\s+/g, ' ');
    expect(text).toContain('LAB-R-2026-000001');
    expect(text).toContain('Statement of conformity (decision rule)');
    expect(text).toContain('Заявление о соответствии');
    expect(text).toContain('exceeds the large-amount threshold of 2.5 g (guarded acceptance');
  });

  it('amends a report only with the QA manager’s "amended" e-signature for it, recorded on the new report', async () => {
    const url = '/v1/reports/LAB-R-2026-000002/amendments';
    const before = await store.collection(reportsCollection).find({}, { sort: { _id: 1 } });
    const missing = await post(url, 'qa', { reason: 'typo in the exhibit number' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toContainEqual(expect.objectContaining({ field: 'body.eSignature' }));
    const wrongMeaning = await post(url, 'qa', { reason: 'typo in the exhibit number', eSignature: await eSign('qa', 'approved', 'amend report LAB-R-2026-000002') });
    expect(wrongMeaning.statusCode).toBe(403);
    expect(wrongMeaning.json()).toMatchObject({ code: 'ESIG_ERR_MISMATCH', errors: [{ field: 'body.eSignature' }] });
    const otherReport = await post(url, 'qa', { reason: 'typo in the exhibit number', eSignature: await eSign('qa', 'amended', 'amend report LAB-R-2026-000001') });
    expect(otherReport.statusCode).toBe(403);
    const forged = await post(url, 'qa', { reason: 'typo in the exhibit number', eSignature: 'x.y.z' });
    expect(forged.statusCode).toBe(422);
    expect(forged.json()).toMatchObject({ code: 'ESIG_ERR_INVALID', errors: [{ field: 'body.eSignature' }] });
    const byAnalyst = await post(url, 'analyst', { reason: 'typo in the exhibit number', eSignature: await eSign('analyst', 'amended', 'amend report LAB-R-2026-000002') });
    expect(byAnalyst.statusCode).toBe(403);
    expect(await store.collection(reportsCollection).find({}, { sort: { _id: 1 } })).toEqual(before);
    const ok = await post(url, 'qa', { reason: 'typo in the exhibit number', eSignature: await eSign('qa', 'amended', 'amend report LAB-R-2026-000002') });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      reportNumber: 'LAB-R-2026-000003',
      supersedes: { reportNumber: 'LAB-R-2026-000002', reason: 'typo in the exhibit number' },
      amendment: { eSignature: { printedName: 'QA Manager', meaning: 'amended', time: now.toISOString(), purpose: 'amend report LAB-R-2026-000002' } },
    });
    expect((await get('/v1/reports/LAB-R-2026-000002', 'qa')).json()).toMatchObject({ status: 'superseded', supersededBy: 'LAB-R-2026-000003' });
  });

  it('lets only the QA manager withdraw, with a reason and a "withdrawn" e-signature, keeping the report retrievable', async () => {
    const url = '/v1/reports/LAB-R-2026-000003/withdrawals';
    const signed = await eSign('qa', 'withdrawn', 'withdraw report LAB-R-2026-000003');
    const byAnalyst = await post(url, 'analyst', { reason: 'wrong item', eSignature: await eSign('analyst', 'withdrawn', 'withdraw report LAB-R-2026-000003') });
    expect(byAnalyst.statusCode).toBe(403);
    const byInvestigator = await post(url, 'own', { reason: 'wrong item', eSignature: signed });
    expect(byInvestigator.statusCode).toBe(403);
    const noReason = await post(url, 'qa', { eSignature: signed });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0].field).toBe('body.reason');
    const unsigned = await post(url, 'qa', { reason: 'sample mix-up found' });
    expect(unsigned.statusCode).toBe(400);
    expect(unsigned.json().errors[0].field).toBe('body.eSignature');
    const amendSignature = await post(url, 'qa', { reason: 'sample mix-up found', eSignature: await eSign('qa', 'amended', 'amend report LAB-R-2026-000003') });
    expect(amendSignature.statusCode).toBe(403);
    expect((await get('/v1/reports/LAB-R-2026-000003', 'qa')).json().status).toBe('current');
    const ok = await post(url, 'qa', { reason: 'sample mix-up found', eSignature: signed });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      status: 'withdrawn',
      withdrawal: { reason: 'sample mix-up found', eSignature: { printedName: 'QA Manager', meaning: 'withdrawn', time: now.toISOString() } },
    });
    expect((await get('/v1/reports/LAB-R-2026-000003/pdf', 'own')).statusCode).toBe(200);
    const audits = await store.collection(auditCollection).find({ target: 'LAB-R-2026-000003' });
    expect(audits.map((a) => a.action)).toEqual(expect.arrayContaining(['report.issued', 'report.withdrawn']));
  });

  it('answers a report number and hash check without a token', async () => {
    const r = (await get('/v1/reports/LAB-R-2026-000001', 'qa')).json();
    const ok = await app.inject({ method: 'GET', url: `/v1/verifications?reportNumber=${r.reportNumber}&sha256=${r.sha256}` });
    expect(ok.json().verdict).toBe('genuine-superseded');
    const bad = await app.inject({ method: 'GET', url: `/v1/verifications?reportNumber=${r.reportNumber}&sha256=${'0'.repeat(64)}` });
    expect(bad.json().verdict).toBe('not-verified');
    const byQr = await app.inject({ method: 'GET', url: `/v1/verifications/${r.reportNumber}` });
    expect(byQr.json().record).toMatchObject({ issuedByThisLab: true, status: 'superseded', supersededBy: 'LAB-R-2026-000002' });
    const unknown = await app.inject({ method: 'GET', url: '/v1/verifications/LAB-R-2026-999999' });
    expect(unknown.json().record).toEqual({ issuedByThisLab: false, status: 'unknown' });
    // A paper copy: the content fingerprint printed on every page is what its reader can check.
    const printed = pdfText((await get(`/v1/reports/${r.reportNumber}/pdf`, 'qa')).rawPayload).replace(/\s+/g, ' ');
    const fingerprint = /SHA-256 of the report content: ([0-9a-f]{64})/.exec(printed)?.[1];
    expect(fingerprint).toBe(r.contentSha256);
    expect(printed.split(`SHA-256 of the report content: ${r.contentSha256}`).length - 1).toBe(2); // both pages
    const paper = await app.inject({ method: 'GET', url: `/v1/verifications?reportNumber=${r.reportNumber}&contentSha256=${fingerprint}` });
    expect(paper.json().verdict).toBe('genuine-superseded');
    const neither = await app.inject({ method: 'GET', url: `/v1/verifications?reportNumber=${r.reportNumber}` });
    expect(neither.statusCode).toBe(400);
    expect(neither.json().errors[0].field).toBe('query.sha256');
    const malformed = await app.inject({ method: 'GET', url: `/v1/verifications?reportNumber=${r.reportNumber}&sha256=xyz` });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors[0].field).toBe('query.sha256');
  });
});
