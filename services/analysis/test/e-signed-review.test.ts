// Reviews and corrections carry the portal's e-signature token: verified against the portal's
// public key, bound to the signer, the meaning and the work item or result, and recorded with the
// printed name, time and meaning. Without one, or with a wrong one, nothing changes.
// A small made-up library (not real chemistry) keeps the test free of data files and NATS.
import { beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, systemActor, type Principal } from '@tamga/contracts';
import {
  createESignatureVerifier,
  createJwtAuthenticator,
  createLogger,
  createTokenIssuer,
  generateSigningKeyPair,
  issueESignature,
  type ServiceApp,
  type SigningKeyPair,
} from '@tamga/service-kit';
import { makeSpectrum, writeMsp } from '@tamga/spectra';
import { createMemoryStore, type DocumentStore } from '@tamga/store';
import { buildApp } from '../src/index.ts';
import { handleAnalysisEvent } from '../src/events/analysis-requested.ts';
import { auditRecords, results, reviews } from '../src/store/collections.ts';

const people = {
  ana: { sub: 'u-ana', name: 'Aigerim Analyst', roles: ['analyst'], lab: 'TMG' },
  rev: { sub: 'u-rev', name: 'Rustam Reviewer', roles: ['reviewer'], lab: 'TMG' },
  rev2: { sub: 'u-rev2', name: 'Roza Reviewer', roles: ['reviewer'], lab: 'TMG' },
  qa: { sub: 'u-qa', name: 'Qamila QA', roles: ['qa_manager'], lab: 'TMG' },
} satisfies Record<string, Principal>;
type Who = keyof typeof people;

const LIBRARY = [
  {
    name: 'Synthetic compound A',
    peaks: [
      [43, 999],
      [58, 420],
      [91, 310],
      [134, 120],
    ],
  },
  {
    name: 'Synthetic compound B',
    peaks: [
      [44, 999],
      [77, 380],
      [105, 650],
      [182, 90],
    ],
  },
  {
    name: 'Synthetic compound C',
    peaks: [
      [57, 999],
      [71, 520],
      [85, 300],
      [142, 60],
    ],
  },
] as const;

let keys: SigningKeyPair;
let store: DocumentStore;
let app: ServiceApp;
const tokens = {} as Record<Who, string>;

async function call(who: Who, method: 'GET' | 'POST', url: string, payload?: object | string, contentType?: string) {
  const res = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${tokens[who]}`,
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
    },
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: res.statusCode, body: res.body, json: () => res.json<Record<string, unknown>>() };
}

function sign(who: Who, meaning: string, purpose: string, signingKeys: SigningKeyPair = keys): Promise<string> {
  const p = people[who];
  const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  return issueESignature(
    { sub: p.sub, printedName: p.name, time, meaning, purpose, lab: 'TMG' },
    { privateKey: signingKeys.privateKey, kid: signingKeys.kid, issuer: 'tamga-portal' },
  );
}

/** A work item for `labNo`, claimed, with a spectrum, findings and submitted: ready for review. */
async function submittedWorkItem(labNo: string): Promise<string> {
  const request = makeEvent(
    {
      type: 'intake.analysis.requested',
      source: 'intake',
      subject: labNo,
      actor: systemActor('intake'),
      data: {
        labNo,
        caseId: 'case-1',
        agencyId: 'police-1',
        determinations: ['identification'],
        priority: 'routine',
        requestId: `req-${labNo}`,
      },
    },
    new Date(),
  );
  await store.transaction((tx) =>
    handleAnalysisEvent({ turnaroundDays: { routine: 30, urgent: 5 }, now: () => new Date() })(request, tx),
  );
  const items = (await call('qa', 'GET', '/v1/work-items')).json().items as { id: string; labNo: string }[];
  const id = items.find((i) => i.labNo === labNo)?.id ?? '';
  expect((await call('ana', 'POST', `/v1/work-items/${id}/assignment`, {})).status).toBe(200);
  const query = writeMsp([
    makeSpectrum(
      [
        [57, 950],
        [71, 540],
        [85, 280],
        [142, 70],
        [200, 5],
      ],
      { name: 'exhibit run' },
    ),
  ]);
  const up = await call('ana', 'POST', `/v1/work-items/${id}/spectra?filename=run.msp`, query, 'text/plain');
  expect(up.status, up.body).toBe(201);
  const spectrumId = up.json().id as string;
  const findings = await call('ana', 'POST', `/v1/work-items/${id}/findings`, {
    sop: { id: 'SOP-GCMS-01', version: '1' },
    conclusion: 'identified',
    substance: 'Synthetic compound C',
    hit: { spectrumId, rank: 1 },
    techniques: [
      { technique: 'MS', result: 'positive', spectrumId },
      { technique: 'GC', result: 'positive' },
    ],
  });
  expect(findings.status, findings.body).toBe(201);
  expect((await call('ana', 'POST', `/v1/work-items/${id}/submission`)).status).toBe(200);
  return id;
}

function approval(who: Who, extra: object = {}) {
  return {
    decision: 'approve',
    signature: { printedName: people[who].name, meaning: 'Technical review: approved' },
    ...extra,
  };
}

beforeAll(async () => {
  keys = await generateSigningKeyPair();
  store = createMemoryStore({ quiet: true });
  const access = createTokenIssuer({
    privateKey: keys.privateKey,
    kid: keys.kid,
    issuer: 'tamga-portal',
    audience: 'tamga',
    ttlSeconds: 3600,
  });
  ({ app } = await buildApp({
    store,
    auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', audience: 'tamga' }),
    eSignatures: createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal' }),
    logger: createLogger({ name: 'analysis-test', level: 'silent' }),
  }));
  for (const [k, p] of Object.entries(people)) tokens[k as Who] = await access.issue(p);
  const msp = writeMsp(
    LIBRARY.map((c, i) =>
      makeSpectrum(
        c.peaks.map(([mz, y]) => [mz, y] as [number, number]),
        { name: c.name, dbId: `SYN-${i + 1}` },
      ),
    ),
  );
  const lib = await call('qa', 'POST', '/v1/libraries?name=Synthetic&version=1', msp, 'application/octet-stream');
  expect(lib.status, lib.body).toBe(201);
});

describe('an approval with the portal e-signature', () => {
  it('is verified and recorded with the signature id and time on the result', async () => {
    const id = await submittedWorkItem('TMG-2026-000201-01');
    const eSignature = await sign('rev', 'approved', `approve work item ${id}`);
    const res = await call('rev', 'POST', `/v1/work-items/${id}/review`, approval('rev', { eSignature }));
    expect(res.status, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'approved' });
    const [result] = await store.collection(results).find({ workItemId: id });
    expect(result?.review?.eSignature).toMatchObject({
      purpose: `approve work item ${id}`,
      signatureId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
    });
    expect(result?.review?.signature?.signedAt).toBe(result?.review?.eSignature?.time);
  });

  it('refuses a forged token, another reviewer’s token, and one for another work item; the item stays awaiting review', async () => {
    const id = await submittedWorkItem('TMG-2026-000202-01');
    const other = await submittedWorkItem('TMG-2026-000203-01');
    const forged = await call(
      'rev',
      'POST',
      `/v1/work-items/${id}/review`,
      approval('rev', {
        eSignature: await sign('rev', 'approved', `approve work item ${id}`, await generateSigningKeyPair()),
      }),
    );
    expect(forged.status).toBe(422);
    expect(forged.json()).toMatchObject({ code: 'ESIG_ERR_INVALID', errors: [{ field: 'body.eSignature' }] });
    const someoneElse = await call(
      'rev',
      'POST',
      `/v1/work-items/${id}/review`,
      approval('rev', { eSignature: await sign('rev2', 'approved', `approve work item ${id}`) }),
    );
    expect(someoneElse.status).toBe(403);
    expect(someoneElse.json()).toMatchObject({ code: 'ESIG_ERR_MISMATCH' });
    const wrongItem = await call(
      'rev',
      'POST',
      `/v1/work-items/${id}/review`,
      approval('rev', { eSignature: await sign('rev', 'approved', `approve work item ${other}`) }),
    );
    expect(wrongItem.status).toBe(403);
    const wrongMeaning = await call(
      'rev',
      'POST',
      `/v1/work-items/${id}/review`,
      approval('rev', { eSignature: await sign('rev', 'received', `approve work item ${id}`) }),
    );
    expect(wrongMeaning.status).toBe(403);
    const item = (await call('rev', 'GET', `/v1/work-items/${id}`)).json();
    expect(item.status).toBe('awaiting_review');
  });

  it('refuses an approval without an e-signature, naming body.eSignature, and changes nothing', async () => {
    const id = await submittedWorkItem('TMG-2026-000204-01');
    const before = await snapshot(id);
    const res = await call('rev', 'POST', `/v1/work-items/${id}/review`, approval('rev'));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ errors: [{ field: 'body.eSignature' }] });
    expect(await snapshot(id)).toEqual(before);
  });

  it('refuses an approval signature on a send-back, and records the reviewer’s "returned" signature on one', async () => {
    const id = await submittedWorkItem('TMG-2026-000205-01');
    const before = await snapshot(id);
    const noToken = await call('rev', 'POST', `/v1/work-items/${id}/review`, { decision: 'send_back', reasons: ['re-run the blank'] });
    expect(noToken.status).toBe(400);
    expect(noToken.json()).toMatchObject({ errors: [{ field: 'body.eSignature' }] });
    const approvalToken = await call('rev', 'POST', `/v1/work-items/${id}/review`, {
      decision: 'send_back',
      reasons: ['re-run the blank'],
      eSignature: await sign('rev', 'approved', `approve work item ${id}`),
    });
    expect(approvalToken.status).toBe(403);
    expect(approvalToken.json()).toMatchObject({ code: 'ESIG_ERR_MISMATCH', errors: [{ field: 'body.eSignature' }] });
    expect(await snapshot(id)).toEqual(before);
    const back = await call('rev', 'POST', `/v1/work-items/${id}/review`, {
      decision: 'send_back',
      reasons: ['re-run the blank'],
      eSignature: await sign('rev', 'returned', `send back work item ${id}`),
    });
    expect(back.status, back.body).toBe(200);
    expect(back.json()).toMatchObject({ status: 'rejected', sentBackReasons: ['re-run the blank'] });
    const [review] = await store.collection(reviews).find({ workItemId: id });
    expect(review).toMatchObject({
      decision: 'send_back',
      eSignature: { printedName: people.rev.name, meaning: 'returned', purpose: `send back work item ${id}` },
    });
    expect(review?.eSignature?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('records the approver’s printed name, time and meaning from the e-signature', async () => {
    const id = await submittedWorkItem('TMG-2026-000206-01');
    const eSignature = await sign('rev', 'approved', `approve work item ${id}`);
    expect((await call('rev', 'POST', `/v1/work-items/${id}/review`, approval('rev', { eSignature }))).status).toBe(200);
    const [result] = await store.collection(results).find({ workItemId: id });
    expect(result?.review?.eSignature).toMatchObject({ printedName: people.rev.name, meaning: 'approved' });
    const shown = (await call('qa', 'GET', `/v1/results/${result?.resultId ?? ''}`)).json() as {
      versions: { review: { eSignature: { printedName: string; meaning: string; time: string } } }[];
    };
    expect(shown.versions[0]?.review.eSignature).toMatchObject({ printedName: people.rev.name, meaning: 'approved' });
  });

  it('reopens an approved result only with a "corrected" e-signature for that result, records it on the new version, and takes no signature twice', async () => {
    const id = await submittedWorkItem('TMG-2026-000207-01');
    const firstApproval = await sign('rev', 'approved', `approve work item ${id}`);
    expect((await call('rev', 'POST', `/v1/work-items/${id}/review`, approval('rev', { eSignature: firstApproval }))).status).toBe(200);
    const resultId = `R-req-TMG-2026-000207-01`;
    const url = `/v1/results/${resultId}/corrections`;
    const before = await snapshot(id);
    const missing = await call('qa', 'POST', url, { reason: 'wrong SOP version' });
    expect(missing.status).toBe(400);
    expect(missing.json()).toMatchObject({ errors: [{ field: 'body.eSignature' }] });
    const otherResult = await call('qa', 'POST', url, {
      reason: 'wrong SOP version',
      eSignature: await sign('qa', 'corrected', 'correct result R-req-someone-else'),
    });
    expect(otherResult.status).toBe(403);
    const garbage = await call('qa', 'POST', url, { reason: 'wrong SOP version', eSignature: 'not-a-token' });
    expect(garbage.status).toBe(422);
    expect(garbage.json()).toMatchObject({ code: 'ESIG_ERR_INVALID', errors: [{ field: 'body.eSignature' }] });
    // a reviewer may not correct, whatever they sign
    const wrongRole = await call('rev', 'POST', url, {
      reason: 'wrong SOP version',
      eSignature: await sign('rev', 'corrected', `correct result ${resultId}`),
    });
    expect(wrongRole.status).toBe(403);
    expect(await snapshot(id)).toEqual(before);
    const ok = await call('qa', 'POST', url, {
      reason: 'wrong SOP version',
      eSignature: await sign('qa', 'corrected', `correct result ${resultId}`),
    });
    expect(ok.status, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ status: 'in_progress', version: 2 });
    expect((await call('ana', 'POST', `/v1/work-items/${id}/submission`)).status).toBe(200);
    const v2 = await store.collection(results).get(`${resultId}@2`);
    expect(v2?.correction).toMatchObject({
      reason: 'wrong SOP version',
      supersedesVersion: 1,
      eSignature: { printedName: people.qa.name, meaning: 'corrected', purpose: `correct result ${resultId}` },
    });
    // The first approval's signature, still within its lifetime, does not approve version 2.
    const beforeReuse = await snapshot(id);
    const reused = await call('rev', 'POST', `/v1/work-items/${id}/review`, approval('rev', { eSignature: firstApproval }));
    expect(reused.status).toBe(409);
    expect(reused.json()).toMatchObject({ code: 'ANALYSIS_ERR_SIGNATURE_REUSED', errors: [{ field: 'body.eSignature' }] });
    expect(await snapshot(id)).toEqual(beforeReuse);
    const fresh = await call('rev', 'POST', `/v1/work-items/${id}/review`, approval('rev', { eSignature: await sign('rev', 'approved', `approve work item ${id}`) }));
    expect(fresh.status, fresh.body).toBe(200);
  });
});

/** Everything a refused review or correction must leave untouched. */
async function snapshot(workItemId: string) {
  const item = await call('qa', 'GET', `/v1/work-items/${workItemId}`);
  return {
    item: item.json(),
    results: await store.collection(results).find({ workItemId }),
    reviews: await store.collection(reviews).find({ workItemId }),
    audit: await store.collection(auditRecords).find({ entityId: workItemId }),
  };
}
