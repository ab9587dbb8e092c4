// The report list pages in the store with the investigator's agency in the query: a page is
// full while more of their agency's reports exist, however many of another agency's reports lie
// between, and walking the cursor returns each of theirs exactly once, newest first.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, type AnyEvent, type EventOf, type Principal } from '@tamga/contracts';
import { ensureDevPki } from '@tamga/report-pdf';
import { createESignatureVerifier, createJwtAuthenticator, createLogger, createTokenIssuer, generateSigningKeyPair, type ServiceApp } from '@tamga/service-kit';
import { createMemoryStore, type DocumentStore } from '@tamga/store';
import { buildApp } from '../src/app.ts';
import { handleEvent } from '../src/events/handle-event.ts';
import type { IssuerDeps } from '../src/reports/issue-reports.ts';

const now = new Date('2026-04-01T09:00:00Z');
const actor = { id: 'u-tech', name: 'Technician', role: 'technician' as const };
const AGENCIES = ['police-north', 'customs-south'] as const;
const people: Record<string, Principal> = {
  north: { sub: 'u-n', name: 'North Investigator', roles: ['investigator'], agencyId: 'police-north', lab: 'LAB' },
  south: { sub: 'u-s', name: 'South Investigator', roles: ['investigator'], agencyId: 'customs-south', lab: 'LAB' },
  qa: { sub: 'u-qa', name: 'QA Manager', roles: ['qa_manager'], lab: 'LAB' },
};

let store: DocumentStore;
let app: ServiceApp;
let issuer: IssuerDeps;
const tokens: Record<string, string> = {};
/** Report numbers by agency, in issue order. */
const issuedBy: Record<string, string[]> = { 'police-north': [], 'customs-south': [] };

function ev<T extends AnyEvent['type']>(type: T, subject: string, data: EventOf<T>['data']): AnyEvent {
  return makeEvent({ type, source: 'test', subject, actor, data }, now) as AnyEvent;
}

async function issueFor(k: number): Promise<void> {
  // Agencies alternate in runs of two, so pages of the store mix both.
  const agencyId = AGENCIES[Math.floor(k / 2) % 2] ?? 'police-north';
  const caseId = `case-${k}`;
  const labNo = `LAB-2026-${String(k + 1).padStart(6, '0')}-01`;
  const events: AnyEvent[] = [
    ev('intake.case.opened', caseId, { caseId, agencyId, agencyName: agencyId, agencyCaseNumber: `AC-${k}`, offence: 'art. 273', jurisdiction: 'UZ', seizureDate: '2026-03-01', openedAt: '2026-03-02T07:00:00Z', investigator: { name: 'Inv.' } }),
    ev('intake.item.received', labNo, { labNo, caseId, agencyId, description: 'white powder', receivedAt: '2026-03-02T08:00:00Z', seals: [{ number: `S-${k}`, intact: true }] }),
    ev('intake.custody.recorded', labNo, { labNo, seq: 0, kind: 'received', time: '2026-03-02T08:00:00Z', hash: 'b'.repeat(64), logIndex: k }),
    ev('analysis.result.approved', labNo, {
      labNo,
      caseId,
      resultId: `res-${k}`,
      version: 1,
      substance: 'Heroin',
      analyst: { id: 'u-an', name: 'Analyst' },
      reviewer: { id: 'u-rev', name: 'Reviewer' },
      approvedAt: now.toISOString(),
      library: { name: 'Test library', version: '1' },
    }),
  ];
  for (const e of events) {
    const issued = await store.transaction((tx) => handleEvent(e, tx, issuer));
    for (const r of issued) issuedBy[agencyId]?.push(r.reportNumber);
  }
}

async function walk(who: string, limit: number): Promise<{ all: { reportNumber: string; agencyId: string }[]; pages: number }> {
  const all: { reportNumber: string; agencyId: string }[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const url = `/v1/reports?limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[who]}` } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ reports: { reportNumber: string; agencyId: string }[]; nextCursor?: string }>();
    pages += 1;
    all.push(...body.reports);
    cursor = body.nextCursor;
    if (cursor === undefined) break;
    expect(body.reports).toHaveLength(limit);
    if (pages > 50) throw new Error('the cursor does not advance');
  }
  return { all, pages };
}

beforeAll(async () => {
  store = createMemoryStore({ quiet: true });
  const pki = await ensureDevPki(mkdtempSync(join(tmpdir(), 'tamga-pki-')));
  issuer = {
    lab: { code: 'LAB', name: { ru: 'Лаборатория', en: 'Laboratory' }, address: { ru: 'Ташкент', en: 'Tashkent' } },
    pki,
    blobs: store.blobs,
    verifyBaseUrl: 'https://lab.example/verify',
    languages: ['en'],
    now: () => now,
    enqueue: () => Promise.resolve(),
  };
  const keys = await generateSigningKeyPair();
  const tokenIssuer = createTokenIssuer({ privateKey: keys.privateKey, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 600 });
  for (const [k, p] of Object.entries(people)) tokens[k] = await tokenIssuer.issue(p);
  app = await buildApp({
    store,
    issuer,
    auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', audience: 'tamga' }),
    eSignatures: createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal' }),
    logger: createLogger({ name: 'reporting-test', level: 'silent' }),
  });
  for (let k = 0; k < 8; k++) await issueFor(k);
}, 120_000);

afterAll(async () => {
  await app.close();
});

describe('the report list', () => {
  it('gives an investigator full pages of their own agency’s reports only, newest first, each once', async () => {
    expect(issuedBy['police-north']).toHaveLength(4);
    const { all, pages } = await walk('north', 2);
    expect(all.map((r) => r.reportNumber)).toEqual([...(issuedBy['police-north'] ?? [])].reverse());
    expect(all.every((r) => r.agencyId === 'police-north')).toBe(true);
    expect(pages).toBe(2);
    const south = await walk('south', 3);
    expect(south.all.map((r) => r.reportNumber)).toEqual([...(issuedBy['customs-south'] ?? [])].reverse());
  });

  it('gives lab staff every report across pages', async () => {
    const { all } = await walk('qa', 3);
    expect(all).toHaveLength(8);
    expect(new Set(all.map((r) => r.reportNumber)).size).toBe(8);
  });

  it('refuses bad cursors and limits, and anonymous callers', async () => {
    const bad = await app.inject({ method: 'GET', url: '/v1/reports?cursor=%20bad', headers: { authorization: `Bearer ${tokens.north}` } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('query.cursor');
    const zero = await app.inject({ method: 'GET', url: '/v1/reports?limit=0', headers: { authorization: `Bearer ${tokens.north}` } });
    expect(zero.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/v1/reports' })).statusCode).toBe(401);
  });
});
