// An approval carrying the portal's e-signature token: verified against the portal's public key,
// bound to the reviewer and to the work item, and recorded beside the printed-name signature.
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
import { results } from '../src/store/collections.ts';

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

  it('still approves without a token (the printed-name signature alone), and refuses a token on a send-back', async () => {
    const id = await submittedWorkItem('TMG-2026-000204-01');
    const sendBack = await call('rev', 'POST', `/v1/work-items/${id}/review`, {
      decision: 'send_back',
      reasons: ['re-run the blank'],
      eSignature: await sign('rev', 'approved', `approve work item ${id}`),
    });
    expect(sendBack.status).toBe(403);
    const res = await call('rev', 'POST', `/v1/work-items/${id}/review`, approval('rev'));
    expect(res.status, res.body).toBe(200);
  });
});
