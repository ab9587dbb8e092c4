// One intake app against the memory store, with tokens for the people the tests act as.
import { signedActs, type Principal, type SignedActText } from '@tamga/contracts';
import { createESignatureVerifier, createJwtAuthenticator, createLogger, createTokenIssuer, generateSigningKeyPair, issueESignature } from '@tamga/service-kit';
import { createMemoryStore, type DocumentStore } from '@tamga/store';
import { buildApp, type IntakeApp } from '../src/app.ts';

type SignedAct = SignedActText;
import { ALL_COLLECTIONS } from '../src/store/collections.ts';
import { generateCustodyKey } from '../src/store/custody-key.ts';
import type { CustodyKey } from '../src/store/ledger.ts';

export const people = {
  ana: { sub: 'u-ana', name: 'Анна Петрова', roles: ['technician'], lab: 'TMG' },
  bek: { sub: 'u-bek', name: 'Бекзод Юсупов', roles: ['technician'], lab: 'TMG' },
  ali: { sub: 'u-ali', name: 'Ali Analyst', roles: ['analyst'], lab: 'TMG' },
  kar: { sub: 'u-kar', name: 'Karimov (police)', roles: ['investigator'], agencyId: 'police', lab: 'TMG' },
  cus: { sub: 'u-cus', name: 'Customs officer', roles: ['investigator'], agencyId: 'customs', lab: 'TMG' },
} satisfies Record<string, Principal>;
export type PersonKey = keyof typeof people;

export interface Fixture extends IntakeApp {
  store: DocumentStore;
  custodyKey: CustodyKey;
  token: Record<PersonKey, string>;
  /** app.inject with a person's token and a JSON body. */
  call(who: PersonKey | undefined, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: () => Record<string, unknown>; body: string; rawPayload: Buffer; headers: Record<string, unknown> }>;
  snapshot(): Promise<Record<string, unknown[]>>;
  /** A fresh portal e-signature token of `who` for an act (as POST /v1/e-signatures would give). */
  sign(who: PersonKey, act: SignedAct): Promise<string>;
  /** Receives `body` into a case with the technician's e-signature; returns the lab number. */
  receive(who: PersonKey, caseId: string, body?: typeof itemBody): Promise<string>;
}

export { signedActs };

export async function startFixture(options: { store?: DocumentStore; clock?: () => Date } = {}): Promise<Fixture> {
  const keys = await generateSigningKeyPair();
  const issuer = createTokenIssuer({ privateKey: keys.privateKey, kid: keys.kid, issuer: 'test', audience: 'tamga', ttlSeconds: 3600 });
  const store = options.store ?? createMemoryStore({ quiet: true });
  const custodyKey = generateCustodyKey();
  const built = await buildApp({
    store,
    auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'test', audience: 'tamga' }),
    eSignatures: createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: 'test' }),
    lab: 'TMG',
    custodyKey,
    clock: options.clock,
    logger: createLogger({ name: 'intake-test', level: 'silent' }),
  });
  const sign = (who: PersonKey, act: SignedAct): Promise<string> => {
    const p = people[who];
    const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    return issueESignature({ sub: p.sub, printedName: p.name, time, lab: 'TMG', ...act }, { privateKey: keys.privateKey, kid: keys.kid, issuer: 'test' });
  };
  const token = Object.fromEntries(await Promise.all(Object.entries(people).map(async ([k, p]) => [k, await issuer.issue(p)]))) as Record<PersonKey, string>;
  const fixture: Fixture = {
    ...built,
    store,
    custodyKey,
    token,
    sign,
    async receive(who, caseId, body = itemBody) {
      const res = await fixture.call(who, 'POST', `/v1/cases/${caseId}/items`, { ...body, eSignature: await sign(who, signedActs.receive(caseId, body.exhibitNo)) });
      if (res.status !== 201) throw new Error(`receiving into ${caseId} answered ${res.status}: ${res.body}`);
      return res.json().labNo as string;
    },
    async call(who, method, url, body) {
      const res = await built.app.inject({
        method,
        url,
        headers: who === undefined ? {} : { authorization: `Bearer ${token[who]}` },
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
      return { status: res.statusCode, json: () => res.json<Record<string, unknown>>(), body: res.body, rawPayload: res.rawPayload, headers: res.headers };
    },
    async snapshot() {
      const out: Record<string, unknown[]> = {};
      for (const spec of ALL_COLLECTIONS) out[spec.name] = await store.collection(spec).find({});
      return out;
    },
  };
  return fixture;
}

export const caseBody = {
  agencyId: 'police',
  agencyCaseNumber: 'УД-12/2025',
  investigator: { name: 'Каримов Р.', rank: 'капитан', contact: '+998 71 000 00 00' },
  offence: 'illegal possession of narcotic drugs',
  jurisdiction: 'Tashkent',
  seizureDate: '2025-02-28',
  request: 'Determine whether the substance contains narcotic drugs and its mass',
};

export const itemBody = {
  exhibitNo: 'Объект №1',
  description: 'Полиэтиленовый пакет с порошком белого цвета',
  packaging: 'paper envelope',
  seals: [{ number: 'S-100', intact: true }],
  grossWeight: { grams: 12.5, balanceId: 'BAL-1' },
  unitCount: 1,
  condition: 'good',
  deliveredBy: { name: 'Sgt. Karimov', organisation: 'City police' },
};
