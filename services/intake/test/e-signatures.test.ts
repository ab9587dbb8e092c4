// E-signed custody acts and the case list the portal's technician screen reads. The portal's
// e-signature tokens are made here with service-kit's issuer; the service checks them with
// the portal's public key only.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '@tamga/contracts';
import {
  createESignatureVerifier,
  createJwtAuthenticator,
  createLogger,
  createTokenIssuer,
  generateSigningKeyPair,
  issueESignature,
  type SigningKeyPair,
} from '@tamga/service-kit';
import { createMemoryStore } from '@tamga/store';
import { buildApp, type IntakeApp } from '../src/app.ts';
import { generateCustodyKey } from '../src/store/custody-key.ts';
import { caseBody, itemBody } from './fixture.ts';

const people = {
  ana: { sub: 'u-ana', name: 'Анна Петрова', roles: ['technician'], lab: 'TMG' },
  bek: { sub: 'u-bek', name: 'Бекзод Юсупов', roles: ['technician'], lab: 'TMG' },
  kar: { sub: 'u-kar', name: 'Karimov (police)', roles: ['investigator'], agencyId: 'police', lab: 'TMG' },
  cus: { sub: 'u-cus', name: 'Customs officer', roles: ['investigator'], agencyId: 'customs', lab: 'TMG' },
} satisfies Record<string, Principal>;
type Who = keyof typeof people;

let portalKeys: SigningKeyPair;
let built: IntakeApp;
const tokens = {} as Record<Who, string>;
let caseId: string;

async function call(who: Who, method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await built.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${tokens[who]}` },
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: res.statusCode, body: res.body, json: () => res.json<Record<string, unknown>>() };
}

function sign(
  who: Who,
  meaning: string,
  purpose: string,
  keys: SigningKeyPair = portalKeys,
  issuer = 'tamga-portal',
): Promise<string> {
  const p = people[who];
  const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  return issueESignature(
    { sub: p.sub, printedName: p.name, time, meaning, purpose, lab: 'TMG' },
    { privateKey: keys.privateKey, kid: keys.kid, issuer },
  );
}

beforeAll(async () => {
  portalKeys = await generateSigningKeyPair();
  const access = createTokenIssuer({
    privateKey: portalKeys.privateKey,
    kid: portalKeys.kid,
    issuer: 'tamga-portal',
    audience: 'tamga',
    ttlSeconds: 3600,
  });
  built = await buildApp({
    store: createMemoryStore({ quiet: true }),
    auth: createJwtAuthenticator({
      key: { publicKey: portalKeys.publicKey },
      issuer: 'tamga-portal',
      audience: 'tamga',
    }),
    eSignatures: createESignatureVerifier({ key: { publicKey: portalKeys.publicKey }, issuer: 'tamga-portal' }),
    lab: 'TMG',
    custodyKey: generateCustodyKey(),
    logger: createLogger({ name: 'intake-test', level: 'silent' }),
  });
  for (const [k, p] of Object.entries(people)) tokens[k as Who] = await access.issue(p);
  await call('ana', 'POST', '/v1/agencies', { agencyId: 'police', name: 'City police', kind: 'police' });
  await call('ana', 'POST', '/v1/agencies', { agencyId: 'customs', name: 'Customs', kind: 'customs' });
  await call('ana', 'POST', '/v1/locations', {
    locationId: 'st',
    kind: 'store',
    name: 'Main store',
    access: { roles: ['technician'] },
  });
  await call('ana', 'POST', '/v1/locations', { locationId: 'rm', kind: 'room', name: 'Room 2', parentId: 'st' });
  await call('ana', 'POST', '/v1/locations', { locationId: 'cab', kind: 'cabinet', name: 'Cabinet A', parentId: 'rm' });
  const opened = await call('ana', 'POST', '/v1/cases', caseBody);
  expect(opened.status, opened.body).toBe(201);
  caseId = opened.json().caseId as string;
  await call('ana', 'POST', '/v1/cases', { ...caseBody, agencyId: 'customs', agencyCaseNumber: 'CUS-7' });
});

describe('the case list', () => {
  it('shows staff every case, newest first, and narrows to one agency on request', async () => {
    const all = (await call('ana', 'GET', '/v1/cases')).json().cases as { caseId: string; agencyId: string }[];
    expect(all.map((c) => c.agencyId).sort()).toEqual(['customs', 'police']);
    const police = (await call('ana', 'GET', '/v1/cases?agencyId=police')).json().cases as { caseId: string }[];
    expect(police.map((c) => c.caseId)).toEqual([caseId]);
  });

  it("shows an investigator only their agency's cases and refuses another agency's", async () => {
    const own = (await call('kar', 'GET', '/v1/cases')).json().cases as { agencyId: string }[];
    expect(own.map((c) => c.agencyId)).toEqual(['police']);
    const foreign = await call('kar', 'GET', '/v1/cases?agencyId=customs');
    expect(foreign.status).toBe(403);
    const customs = (await call('cus', 'GET', '/v1/cases')).json().cases as { agencyId: string }[];
    expect(customs.map((c) => c.agencyId)).toEqual(['customs']);
  });
});

describe('e-signed custody acts', () => {
  async function eventsOf(labNo: string) {
    return built.intake.custodyEventsOf(labNo);
  }
  /** The kind-specific details of a chained custody event (typed loosely by the chain). */
  function detailsOf(event: object | undefined): Record<string, string> {
    return (event !== undefined && 'details' in event ? event.details : {}) as Record<string, string>;
  }

  it('records the e-signature id and time of a receipt in the hashed custody record', async () => {
    const exhibitNo = 'Exhibit ES-1';
    const eSignature = await sign('ana', 'received', `receive ${exhibitNo} into ${caseId}`);
    const res = await call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...itemBody, exhibitNo, eSignature });
    expect(res.status, res.body).toBe(201);
    const labNo = res.json().labNo as string;
    const [received] = await eventsOf(labNo);
    expect(received?.kind).toBe('received');
    expect(detailsOf(received).eSignatureMeaning).toBe('received');
    expect(detailsOf(received).eSignatureId).toMatch(/^[0-9a-f-]{36}$/);
    expect(detailsOf(received).eSignedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('still receives an item without an e-signature (the field is optional)', async () => {
    const res = await call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...itemBody, exhibitNo: 'Exhibit ES-2' });
    expect(res.status, res.body).toBe(201);
    const [received] = await eventsOf(res.json().labNo as string);
    expect(detailsOf(received).eSignatureId).toBeUndefined();
  });

  it('refuses a receipt signed with a key that is not the portal’s, and records nothing', async () => {
    const before = (await call('ana', 'GET', `/v1/cases/${caseId}`)).json().items as unknown[];
    const forged = await sign('ana', 'received', `receive Exhibit F into ${caseId}`, await generateSigningKeyPair());
    const res = await call('ana', 'POST', `/v1/cases/${caseId}/items`, {
      ...itemBody,
      exhibitNo: 'Exhibit F',
      eSignature: forged,
    });
    expect(res.status).toBe(422);
    expect(res.json()).toMatchObject({ code: 'ESIG_ERR_INVALID', errors: [{ field: 'body.eSignature' }] });
    const after = (await call('ana', 'GET', `/v1/cases/${caseId}`)).json().items as unknown[];
    expect(after).toHaveLength(before.length);
  });

  it("refuses another person's signature, one for another exhibit, and one with another meaning", async () => {
    const exhibitNo = 'Exhibit M';
    const purpose = `receive ${exhibitNo} into ${caseId}`;
    for (const eSignature of [
      await sign('bek', 'received', purpose),
      await sign('ana', 'received', `receive Exhibit 99 into ${caseId}`),
      await sign('ana', 'approved', purpose),
    ]) {
      const res = await call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...itemBody, exhibitNo, eSignature });
      expect(res.status, res.body).toBe(403);
      expect(res.json()).toMatchObject({ code: 'ESIG_ERR_MISMATCH' });
    }
  });

  it('signs a move into storage with the meaning "performed" and refuses a signature for another item', async () => {
    const a = (await call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...itemBody, exhibitNo: 'Exhibit S-1' })).json()
      .labNo as string;
    const b = (await call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...itemBody, exhibitNo: 'Exhibit S-2' })).json()
      .labNo as string;
    const wrongItem = await call('ana', 'POST', `/v1/items/${b}/custody`, {
      kind: 'store',
      locationId: 'cab',
      eSignature: await sign('ana', 'performed', `store ${a}`),
    });
    expect(wrongItem.status).toBe(403);
    const stored = await call('ana', 'POST', `/v1/items/${a}/custody`, {
      kind: 'store',
      locationId: 'cab',
      eSignature: await sign('ana', 'performed', `store ${a}`),
    });
    expect(stored.status, stored.body).toBe(201);
    const events = await eventsOf(a);
    expect(events.at(-1)).toMatchObject({ kind: 'stored', details: { eSignatureMeaning: 'performed' } });
  });

  it('refuses a signed act when the service has no key to check it', async () => {
    const keys = await generateSigningKeyPair();
    const bare = await buildApp({
      store: createMemoryStore({ quiet: true }),
      auth: createJwtAuthenticator({
        key: { publicKey: portalKeys.publicKey },
        issuer: 'tamga-portal',
        audience: 'tamga',
      }),
      lab: 'TMG',
      custodyKey: generateCustodyKey(),
      logger: createLogger({ name: 'intake-test', level: 'silent' }),
    });
    await bare.app.inject({
      method: 'POST',
      url: '/v1/agencies',
      headers: { authorization: `Bearer ${tokens.ana}` },
      payload: { agencyId: 'police', name: 'City police', kind: 'police' },
    });
    const opened = await bare.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { authorization: `Bearer ${tokens.ana}` },
      payload: caseBody,
    });
    const id = opened.json<{ caseId: string }>().caseId;
    const res = await bare.app.inject({
      method: 'POST',
      url: `/v1/cases/${id}/items`,
      headers: { authorization: `Bearer ${tokens.ana}` },
      payload: {
        ...itemBody,
        eSignature: await sign('ana', 'received', `receive ${itemBody.exhibitNo} into ${id}`, keys),
      },
    });
    expect(res.statusCode).toBe(503);
    await bare.app.close();
  });
});
