// An analysis app on the memory store with the portal's token and e-signature keys, people of
// each role, and the steps tests repeat: a work item from an analysis request, claimed, with
// findings, submitted. No NATS: the request is handled as the consumer would.
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
import { createMemoryStore, type DocumentStore } from '@tamga/store';
import { buildApp } from '../src/index.ts';
import { handleAnalysisEvent } from '../src/events/analysis-requested.ts';

export const people = {
  ana: { sub: 'u-ana', name: 'Aigerim Analyst', roles: ['analyst'], lab: 'TMG' },
  ana2: { sub: 'u-ana2', name: 'Bakhyt Analyst', roles: ['analyst'], lab: 'TMG' },
  rev: { sub: 'u-rev', name: 'Rustam Reviewer', roles: ['reviewer'], lab: 'TMG' },
  qa: { sub: 'u-qa', name: 'Qamila QA', roles: ['qa_manager'], lab: 'TMG' },
  tech: { sub: 'u-tech', name: 'Talgat Technician', roles: ['technician'], lab: 'TMG' },
  inv: { sub: 'u-inv', name: 'Ivan Investigator', roles: ['investigator'], lab: 'TMG', agencyId: 'police-1' },
} satisfies Record<string, Principal>;
export type Who = keyof typeof people;

export interface Reply {
  status: number;
  body: string;
  /** The body's bytes, as sent. */
  raw: Buffer;
  headers: Record<string, unknown>;
  json: <T = Record<string, unknown>>() => T;
}

export interface AnalysisFixture {
  store: DocumentStore;
  app: ServiceApp;
  keys: SigningKeyPair;
  call(who: Who, method: 'GET' | 'POST', url: string, payload?: object | string | Buffer, contentType?: string): Promise<Reply>;
  sign(who: Who, meaning: string, purpose: string): Promise<string>;
  /** A queued work item from an analysis request for `labNo`; returns its id. */
  request(labNo: string, agencyId?: string): Promise<string>;
  claim(who: Who, id: string): Promise<void>;
  /** Findings of "nothing detected" by TLC (no spectrum needed) and submission for review. */
  submitNothingDetected(who: Who, id: string): Promise<void>;
  close(): Promise<void>;
}

export async function startAnalysis(): Promise<AnalysisFixture> {
  const keys = await generateSigningKeyPair();
  const store = createMemoryStore({ quiet: true });
  const access = createTokenIssuer({ privateKey: keys.privateKey, kid: keys.kid, issuer: 'tamga-portal', audience: 'tamga', ttlSeconds: 3600 });
  const { app } = await buildApp({
    store,
    auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal', audience: 'tamga' }),
    eSignatures: createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: 'tamga-portal' }),
    logger: createLogger({ name: 'analysis-test', level: 'silent' }),
  });
  const tokens = new Map<Who, string>();
  for (const [k, p] of Object.entries(people)) tokens.set(k as Who, await access.issue(p));

  const call: AnalysisFixture['call'] = async (who, method, url, payload, contentType) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens.get(who) ?? ''}`, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
      ...(payload === undefined ? {} : { payload }),
    });
    return { status: res.statusCode, body: res.body, raw: res.rawPayload, headers: res.headers, json: <T>() => res.json<T>() };
  };

  const fixture: AnalysisFixture = {
    store,
    app,
    keys,
    call,
    sign(who, meaning, purpose) {
      const p = people[who];
      const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
      return issueESignature(
        { sub: p.sub, printedName: p.name, time, meaning, purpose, lab: 'TMG' },
        { privateKey: keys.privateKey, kid: keys.kid, issuer: 'tamga-portal' },
      );
    },
    async request(labNo, agencyId = 'police-1') {
      const event = makeEvent(
        {
          type: 'intake.analysis.requested',
          source: 'intake',
          subject: labNo,
          actor: systemActor('intake'),
          data: { labNo, caseId: 'case-1', agencyId, determinations: ['identification'], priority: 'routine', requestId: `req-${labNo}` },
        },
        new Date(),
      );
      await store.transaction((tx) => handleAnalysisEvent({ turnaroundDays: { routine: 30, urgent: 5 }, now: () => new Date() })(event, tx));
      return `WI-req-${labNo}`;
    },
    async claim(who, id) {
      const res = await call(who, 'POST', `/v1/work-items/${id}/assignment`, {});
      if (res.status !== 200) throw new Error(`claim ${id}: ${res.status} ${res.body}`);
    },
    async submitNothingDetected(who, id) {
      const f = await call(who, 'POST', `/v1/work-items/${id}/findings`, {
        sop: { id: 'SOP-TLC', version: '1' },
        conclusion: 'no_controlled_substance_detected',
        techniques: [{ technique: 'TLC', result: 'negative' }],
      });
      if (f.status !== 201) throw new Error(`findings ${id}: ${f.status} ${f.body}`);
      const s = await call(who, 'POST', `/v1/work-items/${id}/submission`);
      if (s.status !== 200) throw new Error(`submission ${id}: ${s.status} ${s.body}`);
    },
    close: () => app.close(),
  };
  return fixture;
}
