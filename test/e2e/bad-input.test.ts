// Bad input to the running services (separate processes, SQLite): each answers 400 problem
// details naming the offending field, and nothing it stores changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runItemThroughLab, type FlowResult } from '../../packages/cli/src/demo/flow.ts';
import type { DemoRole } from '../../packages/cli/src/demo/tokens.ts';
import { getJson, startTestSystem, whyNotRunnable, type TestSystem } from './system.ts';

const skip = whyNotRunnable();
if (skip) console.warn(`bad-input e2e skipped: ${skip}`);

interface BadRequest {
  role: DemoRole;
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  /** The field the problem details must name. */
  field: string;
}

describe.skipIf(skip !== undefined)('bad input: 400 problem details naming the field, store unchanged', () => {
  let ts: TestSystem;
  let item: FlowResult;

  beforeAll(async () => {
    ts = await startTestSystem('bad-input');
    item = await runItemThroughLab({ urls: ts.urls, tokens: ts.credentials.token, eSign: ts.credentials.eSign });
  }, 180_000);

  afterAll(async () => {
    await ts?.stop();
  });

  async function send(r: BadRequest): Promise<Response> {
    return fetch(r.url, {
      method: r.method,
      headers: {
        authorization: `Bearer ${await ts.credentials.token(r.role)}`,
        ...(r.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(r.body === undefined ? {} : { body: JSON.stringify(r.body) }),
    });
  }

  async function expectRefused(requests: BadRequest[]): Promise<void> {
    for (const r of requests) {
      const res = await send(r);
      const text = await res.text();
      expect(res.status, `${r.method} ${r.url}: ${text}`).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(text) as {
        type: string;
        title: string;
        status: number;
        errors: { field: string; message: string }[];
      };
      expect(problem).toMatchObject({ status: 400, type: expect.any(String), title: expect.any(String) });
      expect(
        problem.errors.map((e) => e.field),
        `${r.method} ${r.url}`,
      ).toContain(r.field);
    }
  }

  it('intake refuses a bad case, item, analysis request, custody move and an unsigned move, and changes nothing', async () => {
    const intake = ts.urls.intake;
    const snapshot = async () => ({
      caseView: await getJson(ts, 'technician', `${intake}/v1/cases/${item.caseId}`),
      item: await getJson(ts, 'technician', `${intake}/v1/items/${item.labNo}`),
      custody: (
        await getJson<{ bundle: { events: unknown[] } }>(ts, 'technician', `${intake}/v1/items/${item.labNo}/custody`)
      ).bundle.events,
      audit: await getJson(ts, 'technician', `${intake}/v1/items/${item.labNo}/audit`),
    });
    const before = await snapshot();
    const validCase = {
      agencyId: 'demo-police',
      agencyCaseNumber: 'BAD-1',
      investigator: { name: 'Det. Bad Input', contact: 'n/a' },
      offence: 'test',
      jurisdiction: 'test',
      seizureDate: '2025-01-01',
      request: 'identify',
    };
    await expectRefused([
      {
        role: 'technician',
        method: 'POST',
        url: `${intake}/v1/cases`,
        body: { ...validCase, seizureDate: '28.02.2025' },
        field: 'body.seizureDate',
      },
      {
        role: 'technician',
        method: 'POST',
        url: `${intake}/v1/cases/${item.caseId}/items`,
        body: {
          exhibitNo: 'X',
          description: 'x',
          packaging: 'x',
          seals: [],
          grossWeight: { grams: -1, balanceId: 'BAL-1' },
          condition: 'x',
          deliveredBy: { name: 'x' },
        },
        field: 'body.grossWeight.grams',
      },
      {
        role: 'technician',
        method: 'POST',
        url: `${intake}/v1/items/${item.labNo}/analysis-requests`,
        body: { determinations: [] },
        field: 'body.determinations',
      },
      {
        role: 'technician',
        method: 'POST',
        url: `${intake}/v1/items/${item.labNo}/custody`,
        body: { kind: 'reseal' },
        field: 'body.newSealNumber',
      },
      {
        role: 'technician',
        method: 'POST',
        url: `${intake}/v1/items/${item.labNo}/custody`,
        body: { kind: 'retrieve', purpose: 'weighing' },
        field: 'body.eSignature',
      },
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('analysis refuses bad findings, a review without a signature or e-signature, a nameless library and a bad query, and changes nothing', async () => {
    const analysis = ts.urls.analysis;
    const wi = `${analysis}/v1/work-items/${item.workItemId}`;
    const snapshot = async () => ({
      workItems: await getJson(ts, 'reviewer', `${analysis}/v1/work-items?limit=500`),
      libraries: await getJson(ts, 'reviewer', `${analysis}/v1/libraries`),
      audit: await getJson(ts, 'reviewer', `${wi}/audit`),
      spectra: await getJson(ts, 'reviewer', `${wi}/spectra`),
    });
    const before = await snapshot();
    await expectRefused([
      {
        role: 'analyst',
        method: 'POST',
        url: `${wi}/findings`,
        body: { sop: { id: 'SOP-1', version: '1' }, conclusion: 'identified', substance: 'X', techniques: [] },
        field: 'body.techniques',
      },
      { role: 'reviewer', method: 'POST', url: `${wi}/review`, body: { decision: 'approve' }, field: 'body.signature' },
      {
        role: 'reviewer',
        method: 'POST',
        url: `${wi}/review`,
        body: { decision: 'approve', signature: { printedName: 'Roza Reviewer', meaning: 'approved' } },
        field: 'body.eSignature',
      },
      { role: 'reviewer', method: 'POST', url: `${wi}/review`, body: { decision: 'send_back', reasons: ['redo'] }, field: 'body.eSignature' },
      { role: 'librarian', method: 'GET', url: `${analysis}/v1/work-items?limit=0`, field: 'query.limit' },
    ]);
    // The library import takes the MSP file as its body; its name and version come in the query.
    const nameless = await fetch(`${analysis}/v1/libraries?version=2`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await ts.credentials.token('librarian')}`, 'content-type': 'chemical/x-msp' },
      body: 'Name: Demo compound Z\nNum Peaks: 1\n41 100\n',
    });
    expect(nameless.status).toBe(400);
    expect(((await nameless.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(
      'query.name',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('reporting refuses a withdrawal and an amendment without a reason or e-signature and a bad list query, and changes nothing', async () => {
    const reporting = ts.urls.reporting;
    const report = `${reporting}/v1/reports/${item.reportNumber}`;
    const snapshot = async () => ({
      reports: await getJson(ts, 'reviewer', `${reporting}/v1/reports`),
      report: await getJson(ts, 'reviewer', report),
      access: await getJson(ts, 'librarian', `${report}/access`),
    });
    const before = await snapshot();
    await expectRefused([
      { role: 'librarian', method: 'POST', url: `${report}/withdrawals`, body: { reason: 'x' }, field: 'body.reason' },
      { role: 'librarian', method: 'POST', url: `${report}/amendments`, body: {}, field: 'body.reason' },
      { role: 'librarian', method: 'POST', url: `${report}/amendments`, body: { reason: 'typo in the exhibit number' }, field: 'body.eSignature' },
      { role: 'librarian', method: 'POST', url: `${report}/withdrawals`, body: { reason: 'sample mix-up' }, field: 'body.eSignature' },
      { role: 'reviewer', method: 'GET', url: `${reporting}/v1/reports?limit=9999`, field: 'query.limit' },
    ]);
    expect(await snapshot()).toEqual(before);
  });
});
