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
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { caseBody, itemBody } from './fixture.ts';

const people = {
  ana: { sub: 'u-ana', name: 'Анна Петрова', roles: ['technician'], lab: 'TMG' },
  bek: { sub: 'u-bek', name: 'Бекзод Юсупов', roles: ['technician'], lab: 'TMG' },
  kar: { sub: 'u-kar', name: 'Karimov (police)', roles: ['investigator'], agencyId: 'police', lab: 'TMG' },
  cus: { sub: 'u-cus', name: 'Customs officer', roles: ['investigator'], agencyId: 'customs', lab: 'TMG' },
  qam: { sub: 'u-qam', name: 'Qodirova QA', roles: ['qa_manager'], lab: 'TMG' },
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

/** Receives an e-signed item into the police case; returns its lab number. */
async function receive(exhibitNo: string): Promise<string> {
  const res = await call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...itemBody, exhibitNo, eSignature: await sign('ana', 'received', `receive ${exhibitNo} into ${caseId}`) });
  expect(res.status, res.body).toBe(201);
  return res.json().labNo as string;
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

  it('refuses a receipt without an e-signature, naming body.eSignature, and records nothing', async () => {
    const before = (await call('ana', 'GET', `/v1/cases/${caseId}`)).json().items as unknown[];
    const res = await call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...itemBody, exhibitNo: 'Exhibit ES-2' });
    expect(res.status).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'body.eSignature' })]);
    const after = (await call('ana', 'GET', `/v1/cases/${caseId}`)).json().items as unknown[];
    expect(after).toHaveLength(before.length);
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
    const a = await receive('Exhibit S-1');
    const b = await receive('Exhibit S-2');
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

  it('keeps the printed name, time and meaning of the e-signature in the stored custody event', async () => {
    const labNo = await receive('Exhibit P-1');
    const eSignature = await sign('ana', 'performed', `store ${labNo}`);
    const stored = await call('ana', 'POST', `/v1/items/${labNo}/custody`, { kind: 'store', locationId: 'cab', eSignature });
    expect(stored.status, stored.body).toBe(201);
    const claims = JSON.parse(Buffer.from(eSignature.split('.')[1] ?? '', 'base64url').toString('utf8')) as { time: string; jti: string };
    const event = (await eventsOf(labNo)).at(-1);
    expect(event).toMatchObject({
      kind: 'stored',
      signatures: [{ by: 'u-ana', printedName: 'Анна Петрова', time: claims.time, meaning: 'performed' }],
      details: { eSignatureId: claims.jti, eSignedAt: claims.time },
    });
  });

  it('refuses to use one e-signature for two acts', async () => {
    const labNo = await receive('Exhibit R-1');
    const eSignature = await sign('ana', 'performed', `store ${labNo}`);
    expect((await call('ana', 'POST', `/v1/items/${labNo}/custody`, { kind: 'store', locationId: 'cab', eSignature })).status).toBe(201);
    const retrieve = await call('ana', 'POST', `/v1/items/${labNo}/custody`, { kind: 'retrieve', purpose: 'weighing', eSignature: await sign('ana', 'performed', `retrieve ${labNo}`) });
    expect(retrieve.status, retrieve.body).toBe(201);
    const before = await eventsOf(labNo);
    const again = await call('ana', 'POST', `/v1/items/${labNo}/custody`, { kind: 'store', locationId: 'cab', eSignature });
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ code: 'INTAKE_ERR_SIGNATURE_REUSED', errors: [{ field: 'body.eSignature' }] });
    expect(await eventsOf(labNo)).toEqual(before);
  });

  it('requires an e-signature on every custody move, naming body.eSignature and changing nothing', async () => {
    const labNo = await receive('Exhibit U-1');
    const moves = [
      { kind: 'store', locationId: 'cab' },
      { kind: 'retrieve', purpose: 'weighing' },
      { kind: 'open_seal', sealNumber: 'S-100', purpose: 'sampling', condition: 'intact' },
      { kind: 'reseal', newSealNumber: 'S-900' },
      { kind: 'return_to_agency', to: { name: 'Sgt. Karimov' }, authority: 'letter 12' },
      { kind: 'propose_destruction', authority: 'court order 3', method: 'incineration' },
      { kind: 'witness_destruction' },
    ];
    const before = await eventsOf(labNo);
    for (const move of moves) {
      const res = await call('ana', 'POST', `/v1/items/${labNo}/custody`, move);
      expect(res.status, `${move.kind}: ${res.body}`).toBe(400);
      expect(res.json().errors, move.kind).toEqual([expect.objectContaining({ field: 'body.eSignature' })]);
    }
    const transfer = await call('ana', 'POST', `/v1/items/${labNo}/transfers`, { to: { userId: 'u-bek', name: 'Бекзод Юсупов' }, purpose: 'storage' });
    expect(transfer.json().errors).toEqual([expect.objectContaining({ field: 'body.eSignature' })]);
    const sub = await call('ana', 'POST', `/v1/items/${labNo}/sub-samples`, {
      description: 'portion', packaging: 'vial', grossBefore: { grams: 12.5, balanceId: 'BAL-1' }, grossAfter: { grams: 12.2, balanceId: 'BAL-1' }, portionGrams: 0.3,
    });
    expect(sub.json().errors).toEqual([expect.objectContaining({ field: 'body.eSignature' })]);
    expect(await eventsOf(labNo)).toEqual(before);
  });

  it('hands an item over only with the releaser’s and the receiver’s own e-signatures', async () => {
    const labNo = await receive('Exhibit T-1');
    const offered = await call('ana', 'POST', `/v1/items/${labNo}/transfers`, {
      to: { userId: 'u-bek', name: 'Бекзод Юсупов' },
      purpose: 'storage',
      eSignature: await sign('ana', 'released', `transfer ${labNo} to u-bek`),
    });
    expect(offered.status, offered.body).toBe(201);
    const transferId = offered.json().transferId as string;
    const accept = `/v1/items/${labNo}/transfers/${transferId}/accept`;
    const unsigned = await call('bek', 'POST', accept, { condition: 'intact' });
    expect(unsigned.status).toBe(400);
    expect(unsigned.json().errors).toEqual([expect.objectContaining({ field: 'body.eSignature' })]);
    // The releaser's signature does not accept for the receiver.
    const foreign = await call('bek', 'POST', accept, { eSignature: await sign('ana', 'received', `accept transfer ${transferId} of ${labNo}`) });
    expect(foreign.json()).toMatchObject({ code: 'ESIG_ERR_MISMATCH', errors: [{ field: 'body.eSignature' }] });
    const accepted = await call('bek', 'POST', accept, { eSignature: await sign('bek', 'received', `accept transfer ${transferId} of ${labNo}`) });
    expect(accepted.status, accepted.body).toBe(201);
    const event = (await eventsOf(labNo)).at(-1);
    expect(event).toMatchObject({
      kind: 'transferred',
      signatures: [
        { by: 'u-ana', printedName: 'Анна Петрова', meaning: 'released' },
        { by: 'u-bek', printedName: 'Бекзод Юсупов', meaning: 'received' },
      ],
    });
  });

  it('destroys an item only with the performer’s and a different witness’s e-signatures', async () => {
    const labNo = await receive('Exhibit D-1');
    const custody = `/v1/items/${labNo}/custody`;
    const proposed = await call('ana', 'POST', custody, { kind: 'propose_destruction', authority: 'court order 3', method: 'incineration', eSignature: await sign('ana', 'performed', `propose_destruction ${labNo}`) });
    expect(proposed.status, proposed.body).toBe(201);
    const self = await call('ana', 'POST', custody, { kind: 'witness_destruction', eSignature: await sign('ana', 'witnessed', `witness_destruction ${labNo}`) });
    expect(self.json().code).toBe('INTAKE_ERR_WITNESS_SAME_PERSON');
    const wrongMeaning = await call('bek', 'POST', custody, { kind: 'witness_destruction', eSignature: await sign('bek', 'performed', `witness_destruction ${labNo}`) });
    expect(wrongMeaning.json()).toMatchObject({ code: 'ESIG_ERR_MISMATCH', errors: [{ field: 'body.eSignature' }] });
    expect((await call('kar', 'POST', custody, { kind: 'witness_destruction', eSignature: await sign('kar', 'witnessed', `witness_destruction ${labNo}`) })).status).toBe(403);
    const witnessed = await call('bek', 'POST', custody, { kind: 'witness_destruction', eSignature: await sign('bek', 'witnessed', `witness_destruction ${labNo}`) });
    expect(witnessed.status, witnessed.body).toBe(201);
    expect((await eventsOf(labNo)).at(-1)).toMatchObject({
      kind: 'destroyed',
      signatures: [
        { by: 'u-ana', printedName: 'Анна Петрова', meaning: 'performed' },
        { by: 'u-bek', printedName: 'Бекзод Юсупов', meaning: 'witnessed' },
      ],
    });
  });
});

describe('witnessing a destruction', () => {
  it('lets a QA manager witness with their own e-signature, and nobody witness unsigned or their own proposal', async () => {
    const exhibitNo = 'Exhibit W-1';
    const received = await call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...itemBody, exhibitNo, eSignature: await sign('ana', 'received', `receive ${exhibitNo} into ${caseId}`) });
    const labNo = received.json().labNo as string;
    const proposed = await call('ana', 'POST', `/v1/items/${labNo}/custody`, { kind: 'propose_destruction', authority: 'court order 5', method: 'incineration', eSignature: await sign('ana', 'performed', `propose_destruction ${labNo}`) });
    expect(proposed.status, proposed.body).toBe(201);
    const witness = `/v1/items/${labNo}/destruction/witness`;
    const purpose = `witness_destruction ${labNo}`;
    // A QA manager does not move evidence, so the custody route turns them away; this one admits them.
    expect((await call('qam', 'POST', `/v1/items/${labNo}/custody`, { kind: 'witness_destruction', eSignature: await sign('qam', 'witnessed', purpose) })).status).toBe(403);
    expect((await call('kar', 'POST', witness, { eSignature: await sign('kar', 'witnessed', purpose) })).status).toBe(403);
    const unsigned = await call('qam', 'POST', witness, { remarks: 'seen burnt' });
    expect(unsigned.status).toBe(400);
    expect(unsigned.json().errors).toEqual([expect.objectContaining({ field: 'body.eSignature' })]);
    const own = await call('ana', 'POST', witness, { eSignature: await sign('ana', 'witnessed', purpose) });
    expect(own.json().code).toBe('INTAKE_ERR_WITNESS_SAME_PERSON');
    const done = await call('qam', 'POST', witness, { remarks: 'seen burnt', eSignature: await sign('qam', 'witnessed', purpose) });
    expect(done.status, done.body).toBe(201);
    const events = await built.intake.custodyEventsOf(labNo);
    expect(events.at(-1)).toMatchObject({
      kind: 'destroyed',
      remarks: 'seen burnt',
      signatures: [
        { by: 'u-ana', printedName: 'Анна Петрова', meaning: 'performed' },
        { by: 'u-qam', printedName: 'Qodirova QA', meaning: 'witnessed' },
      ],
    });
  });
});

describe('starting the service', () => {
  it('refuses to start without the portal key that verifies e-signatures', () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', main], { env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(78);
    expect(run.stderr).toContain('AUTH_PUBLIC_KEY_FILE');
  });
});

describe('sending an item for analysis is e-signed', () => {
  const send = (who: Who, labNo: string, eSignature?: string) =>
    call(who, 'POST', `/v1/items/${labNo}/analysis-requests`, { determinations: ['identification'], priority: 'routine', ...(eSignature === undefined ? {} : { eSignature }) });
  /** What a refused request must leave as it was: the item (with its analysis requests) and its custody chain. */
  async function stateOf(labNo: string) {
    return { item: (await call('ana', 'GET', `/v1/items/${labNo}`)).json(), events: await built.intake.custodyEventsOf(labNo) };
  }

  it('records the release to analysis with the holder’s signature, meaning "released"', async () => {
    const labNo = await receive('Exhibit SA-1');
    const eSignature = await sign('ana', 'released', `send ${labNo} for analysis`);
    const res = await send('ana', labNo, eSignature);
    expect(res.status, res.body).toBe(201);
    const claims = JSON.parse(Buffer.from(eSignature.split('.')[1] ?? '', 'base64url').toString('utf8')) as { time: string; jti: string };
    const event = (await built.intake.custodyEventsOf(labNo)).at(-1);
    expect(event).toMatchObject({
      kind: 'sent_for_analysis',
      signatures: [{ by: 'u-ana', printedName: 'Анна Петрова', time: claims.time, meaning: 'released' }],
      details: { eSignatureId: claims.jti, eSignedAt: claims.time, eSignatureMeaning: 'released' },
    });
  });

  it('refuses a request without an e-signature, naming body.eSignature, and changes nothing', async () => {
    const labNo = await receive('Exhibit SA-2');
    const before = await stateOf(labNo);
    const res = await send('ana', labNo);
    expect(res.status).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'body.eSignature' })]);
    expect(await stateOf(labNo)).toEqual(before);
  });

  it("refuses a forged signature, another person's, one for another item and one with another meaning, changing nothing", async () => {
    const labNo = await receive('Exhibit SA-3');
    const other = await receive('Exhibit SA-4');
    const before = await stateOf(labNo);
    const purpose = `send ${labNo} for analysis`;
    const forged = await send('ana', labNo, await sign('ana', 'released', purpose, await generateSigningKeyPair()));
    expect(forged.status).toBe(422);
    expect(forged.json()).toMatchObject({ code: 'ESIG_ERR_INVALID', errors: [{ field: 'body.eSignature' }] });
    // A signature that verifies but says something else, or was given by someone else: 403.
    for (const eSignature of [
      await sign('bek', 'released', purpose),
      await sign('ana', 'released', `send ${other} for analysis`),
      await sign('ana', 'performed', purpose),
      // the words of another act on the same item
      await sign('ana', 'performed', `sub-sample ${labNo}`),
    ]) {
      const res = await send('ana', labNo, eSignature);
      expect(res.status, res.body).toBe(403);
      expect(res.json()).toMatchObject({ code: 'ESIG_ERR_MISMATCH', errors: [{ field: 'body.eSignature' }] });
    }
    expect(await stateOf(labNo)).toEqual(before);
  });

  it('refuses to use one signature for two requests', async () => {
    const labNo = await receive('Exhibit SA-5');
    const eSignature = await sign('ana', 'released', `send ${labNo} for analysis`);
    expect((await send('ana', labNo, eSignature)).status).toBe(201);
    const before = await stateOf(labNo);
    const again = await send('ana', labNo, eSignature);
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ code: 'INTAKE_ERR_SIGNATURE_REUSED', errors: [{ field: 'body.eSignature' }] });
    expect(await stateOf(labNo)).toEqual(before);
  });

  it("still refuses investigators, of the item's agency or another, even with a fitting signature", async () => {
    const labNo = await receive('Exhibit SA-6');
    const before = await stateOf(labNo);
    for (const who of ['kar', 'cus'] as const) {
      const res = await send(who, labNo, await sign(who, 'released', `send ${labNo} for analysis`));
      expect(res.status, `${who}: ${res.body}`).toBe(403);
    }
    expect(await stateOf(labNo)).toEqual(before);
  });
});
