import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyBundle } from '@tamga/custody';
import { custodyEvents } from '../src/store/collections.ts';
import type { CustodyCommandBody } from '@tamga/contracts';
import { caseBody, itemBody, signedActs, startFixture, type Fixture, type PersonKey } from './fixture.ts';

let f: Fixture;
let caseId: string;

async function setup(): Promise<void> {
  f = await startFixture();
  expect((await f.call('ana', 'POST', '/v1/agencies', { agencyId: 'police', name: 'Городская полиция', kind: 'police' })).status).toBe(201);
  expect((await f.call('ana', 'POST', '/v1/agencies', { agencyId: 'customs', name: 'Customs', kind: 'customs' })).status).toBe(201);
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'st', kind: 'store', name: 'Main store', access: { roles: ['technician'] } });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'rm', kind: 'room', name: 'Room 2', parentId: 'st' });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'cab', kind: 'cabinet', name: 'Cabinet A', parentId: 'rm' });
  const res = await f.call('ana', 'POST', '/v1/cases', caseBody);
  expect(res.status).toBe(201);
  caseId = res.json().caseId as string;
}

async function receive(): Promise<string> {
  return f.receive('ana', caseId);
}

/** A custody move on POST /v1/items/:labNo/custody, e-signed by the mover. */
async function move(who: PersonKey, labNo: string, body: Record<string, unknown> & { kind: CustodyCommandBody['kind'] }) {
  return f.call(who, 'POST', `/v1/items/${labNo}/custody`, { ...body, eSignature: await f.sign(who, signedActs.move(labNo, body.kind)) });
}

/** An item body e-signed by the receiving technician. */
async function signedItem(body: typeof itemBody = itemBody, into = caseId) {
  return { ...body, eSignature: await f.sign('ana', signedActs.receive(into, body.exhibitNo)) };
}

beforeEach(setup);
afterEach(async () => {
  await f.app.close();
});

describe('cases', () => {
  it('opens a case numbered by lab and year and shows it to its own agency', async () => {
    expect(caseId).toMatch(/^TMG-\d{4}-000001$/);
    const res = await f.call('kar', 'GET', `/v1/cases/${caseId}`);
    expect(res.status).toBe(200);
    expect(res.json().agencyCaseNumber).toBe('УД-12/2025');
  });

  it('hides a case from another agency', async () => {
    const res = await f.call('cus', 'GET', `/v1/cases/${caseId}`);
    expect(res.status).toBe(403);
    expect(res.json().code).toBe('AUTH_ERR_FORBIDDEN_AGENCY');
  });

  it('lets only technicians open cases', async () => {
    for (const who of ['kar', 'ali'] as const) {
      const res = await f.call(who, 'POST', '/v1/cases', caseBody);
      expect(res.status).toBe(403);
      expect(res.json().code).toBe('AUTH_ERR_FORBIDDEN_ROLE');
    }
    expect((await f.call(undefined, 'POST', '/v1/cases', caseBody)).status).toBe(401);
  });

  it('refuses bad input naming the field and changes nothing', async () => {
    const before = await f.snapshot();
    const res = await f.call('ana', 'POST', '/v1/cases', { ...caseBody, seizureDate: '28.02.2025' });
    expect(res.status).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'body.seizureDate' })]);
    const future = await f.call('ana', 'POST', '/v1/cases', { ...caseBody, seizureDate: '2999-01-01' });
    expect(future.status).toBe(400);
    expect(future.json().code).toBe('INTAKE_ERR_DATE_IN_FUTURE');
    const unknownAgency = await f.call('ana', 'POST', '/v1/cases', { ...caseBody, agencyId: 'nobody' });
    expect(unknownAgency.json().code).toBe('INTAKE_ERR_AGENCY_NOT_FOUND');
    expect(await f.snapshot()).toEqual(before);
  });
});

describe('items', () => {
  it('receives an item with a lab number, a signed receipt and an audit record', async () => {
    const labNo = await receive();
    expect(labNo).toBe(`${caseId}-01`);
    const item = (await f.call('kar', 'GET', `/v1/items/${labNo}`)).json();
    expect(item.custodian).toEqual({ kind: 'person', userId: 'u-ana', name: 'Анна Петрова' });
    const audit = await f.intake.auditOf(labNo);
    expect(audit[0]).toMatchObject({ who: { userId: 'u-ana' }, what: 'item.received', before: null });
  });

  it('finds an item by its scanned barcode in one call', async () => {
    const labNo = await receive();
    const res = await f.call('ana', 'GET', `/v1/items/by-barcode/${encodeURIComponent(`]C0${labNo}\n`)}`);
    expect(res.status).toBe(200);
    expect(res.json().labNo).toBe(labNo);
  });

  it('hides an item from another agency and refuses intake by an investigator', async () => {
    const labNo = await receive();
    expect((await f.call('cus', 'GET', `/v1/items/${labNo}`)).status).toBe(403);
    expect((await f.call('kar', 'POST', `/v1/cases/${caseId}/items`, itemBody)).status).toBe(403);
  });

  it('refuses a bad item naming the field, and spends no lab number on it', async () => {
    const before = await f.snapshot();
    const res = await f.call('ana', 'POST', `/v1/cases/${caseId}/items`, await signedItem({ ...itemBody, grossWeight: { grams: -1, balanceId: 'BAL-1' } }));
    expect(res.status).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'body.grossWeight.grams' })]);
    const dup = await f.call('ana', 'POST', `/v1/cases/${caseId}/items`, await signedItem({ ...itemBody, seals: [{ number: 'A', intact: true }, { number: 'A', intact: true }] }));
    expect(dup.json()).toMatchObject({ code: 'INTAKE_ERR_DUPLICATE_SEAL', errors: [{ field: 'seals.1.number' }] });
    expect(await f.snapshot()).toEqual(before);
    expect(await receive()).toBe(`${caseId}-01`);
  });

  it('answers 404 for an unknown case or item', async () => {
    expect((await f.call('ana', 'POST', '/v1/cases/TMG-2025-999999/items', await signedItem(itemBody, 'TMG-2025-999999'))).json().code).toBe('INTAKE_ERR_CASE_NOT_FOUND');
    expect((await f.call('ana', 'GET', '/v1/items/TMG-2025-999999-01')).status).toBe(404);
  });

  it('gives 50 items registered in parallel 50 distinct, gap-free lab numbers', async () => {
    const bodies = await Promise.all(Array.from({ length: 50 }, () => signedItem()));
    const results = await Promise.all(bodies.map((body) => f.call('ana', 'POST', `/v1/cases/${caseId}/items`, body)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const numbers = results.map((r) => r.json().labNo as string).sort();
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => `${caseId}-${String(i + 1).padStart(2, '0')}`));
  });
});

describe('custody over HTTP', () => {
  it('stores, hands over with two signatures, and refuses a handover by a non-holder', async () => {
    const labNo = await receive();
    const notHolder = await f.call('bek', 'POST', `/v1/items/${labNo}/transfers`, { to: { userId: 'u-ali', name: 'Ali' }, purpose: 'analysis', eSignature: await f.sign('bek', signedActs.offerTransfer(labNo, 'u-ali')) });
    expect(notHolder.json().code).toBe('INTAKE_ERR_NOT_HOLDER');
    const offer = await f.call('ana', 'POST', `/v1/items/${labNo}/transfers`, { to: { userId: 'u-bek', name: 'Бекзод Юсупов' }, purpose: 'storage', eSignature: await f.sign('ana', signedActs.offerTransfer(labNo, 'u-bek')) });
    expect(offer.status).toBe(201);
    const transferId = offer.json().transferId as string;
    const moveWhilePending = await move('ana', labNo, { kind: 'store', locationId: 'cab' });
    expect(moveWhilePending.json().code).toBe('INTAKE_ERR_TRANSFER_NOT_ACCEPTED');
    const byOther = await f.call('ali', 'POST', `/v1/items/${labNo}/transfers/${transferId}/accept`, { eSignature: await f.sign('ali', signedActs.acceptTransfer(labNo, transferId)) });
    expect(byOther.json().code).toBe('INTAKE_ERR_NOT_TRANSFER_RECIPIENT');
    const accepted = await f.call('bek', 'POST', `/v1/items/${labNo}/transfers/${transferId}/accept`, { condition: 'sealed, intact', eSignature: await f.sign('bek', signedActs.acceptTransfer(labNo, transferId)) });
    expect(accepted.status).toBe(201);
    const events = accepted.json().events as { signatures: { meaning: string; by: string; printedName: string }[] }[];
    expect(events[0]?.signatures.map((s) => `${s.by}:${s.meaning}:${s.printedName}`)).toEqual(['u-ana:released:Анна Петрова', 'u-bek:received:Бекзод Юсупов']);
    const stored = await move('bek', labNo, { kind: 'store', locationId: 'cab', remarks: 'shelf 1' });
    expect(stored.status).toBe(201);
    expect((await f.call('ana', 'GET', `/v1/items/${labNo}`)).json().custodian).toEqual({ kind: 'location', locationId: 'cab', path: 'Main store / Room 2 / Cabinet A' });
  });

  it('refuses every move of a destroyed item', async () => {
    const labNo = await receive();
    expect((await move('ana', labNo, { kind: 'propose_destruction', authority: 'Court order 7', method: 'incineration' })).status).toBe(201);
    expect((await move('ana', labNo, { kind: 'witness_destruction' })).json().code).toBe('INTAKE_ERR_WITNESS_SAME_PERSON');
    const destroyed = await move('bek', labNo, { kind: 'witness_destruction' });
    expect(destroyed.status).toBe(201);
    const events = destroyed.json().events as { kind: string; signatures: { by: string; meaning: string }[] }[];
    expect(events[0]).toMatchObject({ kind: 'destroyed', signatures: [{ by: 'u-ana', meaning: 'performed' }, { by: 'u-bek', meaning: 'witnessed' }] });
    const res = await move('ana', labNo, { kind: 'store', locationId: 'cab' });
    expect(res.status).toBe(409);
    expect(res.json().code).toBe('INTAKE_ERR_ITEM_DESTROYED');
  });

  it('refuses custody moves by an investigator and bad custody bodies, changing nothing', async () => {
    const labNo = await receive();
    const before = await f.snapshot();
    expect((await move('kar', labNo, { kind: 'store', locationId: 'cab' })).status).toBe(403);
    const bad = await move('ana', labNo, { kind: 'reseal' });
    expect(bad.status).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'body.newSealNumber' })]);
    const room = await move('ana', labNo, { kind: 'store', locationId: 'rm' });
    expect(room.json().code).toBe('INTAKE_ERR_LOCATION_NOT_STORABLE');
    expect(await f.snapshot()).toEqual(before);
  });

  it('opens a seal, takes a sub-sample .1 linked to its parent, and reseals', async () => {
    const labNo = await receive();
    expect((await move('ana', labNo, { kind: 'open_seal', sealNumber: 'S-100', purpose: 'sampling', condition: 'intact' })).status).toBe(201);
    const sub = await f.call('ana', 'POST', `/v1/items/${labNo}/sub-samples`, {
      description: 'навеска', packaging: 'glass vial',
      grossBefore: { grams: 12.5, balanceId: 'BAL-1' }, grossAfter: { grams: 12.2, balanceId: 'BAL-1' }, portionGrams: 0.3, sealNumber: 'S-201',
      eSignature: await f.sign('ana', signedActs.subSample(labNo)),
    });
    expect(sub.status, sub.body).toBe(201);
    expect(sub.json().item).toMatchObject({ labNo: `${labNo}.1`, parent: { labNo, portionGrams: 0.3 } });
    const reseal = await move('ana', labNo, { kind: 'reseal', newSealNumber: 'S-300' });
    expect((reseal.json().item as { seals: { number: string; status: string }[] }).seals.map((s) => `${s.number}:${s.status}`)).toEqual(['S-100:opened', 'S-300:applied']);
  });

  it('blocks analysis while a receipt deviation is open, then sends the item once resolved', async () => {
    const labNo = await receive();
    const dev = await f.call('ana', 'POST', `/v1/items/${labNo}/deviations`, { kind: 'broken_seal', description: 'Seal S-100 torn at one corner' });
    expect(dev.status).toBe(201);
    const blocked = await f.call('ana', 'POST', `/v1/items/${labNo}/analysis-requests`, { determinations: ['identification'], eSignature: await f.sign('ana', signedActs.sendForAnalysis(labNo)) });
    expect(blocked.json().code).toBe('INTAKE_ERR_OPEN_DEVIATION');
    const resolved = await f.call('ana', 'POST', `/v1/items/${labNo}/deviations/${dev.json().deviationId as string}/resolve`, {
      decision: 'proceed_with_reservation',
      rationale: 'contents match the description',
      agencyConsultation: { contactedAt: '2025-03-01T09:00:00.000Z', contactName: 'Каримов Р.', method: 'phone', outcome: 'asked to proceed' },
    });
    expect(resolved.status, resolved.body).toBe(200);
    const sent = await f.call('ana', 'POST', `/v1/items/${labNo}/analysis-requests`, { determinations: ['identification', 'purity'], eSignature: await f.sign('ana', signedActs.sendForAnalysis(labNo)) });
    expect(sent.status).toBe(201);
    const outbox = (await f.snapshot()).outbox as { subject: string }[];
    expect(outbox.map((o) => o.subject)).toContain('intake.analysis.requested');
    expect(outbox.map((o) => o.subject)).toContain('intake.deviation.recorded');
  });
});

describe('custody verification', () => {
  it('serves a proof bundle that verifies offline with the public key alone', async () => {
    const labNo = await receive();
    await move('ana', labNo, { kind: 'store', locationId: 'cab' });
    const res = await f.call('kar', 'GET', `/v1/items/${labNo}/custody`);
    expect(res.status).toBe(200);
    const { bundle, verification } = res.json() as { bundle: { events: unknown[] }; verification: { ok: boolean } };
    expect(verification.ok).toBe(true);
    expect(bundle.events).toHaveLength(2);
    expect(verifyBundle(bundle, f.custodyKey.publicKey)).toMatchObject({ ok: true, head: { length: 2 } });
  });

  it('names the custody event that was edited directly in the store', async () => {
    const labNo = await receive();
    await move('ana', labNo, { kind: 'store', locationId: 'cab' });
    await move('ana', labNo, { kind: 'retrieve', purpose: 'weighing' });
    expect((await f.call('ana', 'GET', `/v1/items/${labNo}/custody`)).json().verification).toMatchObject({ ok: true });
    // Someone with database access rewrites where the item was stored.
    const col = f.store.collection(custodyEvents);
    const [target] = await col.find({ item: labNo, seq: 1 });
    if (!target) throw new Error('no stored event');
    const { _id, _v, ...doc } = target;
    await col.update(_id, _v, { ...doc, event: { ...doc.event, location: { locationId: 'cab', path: 'Somewhere else' } } });
    const res = await f.call('ana', 'GET', `/v1/items/${labNo}/custody`);
    expect(res.json().verification).toMatchObject({ ok: false, index: 1, eventId: target.event.eventId });
  });
});

describe('labels', () => {
  it('serves a label PDF and PNG and an A4 sheet', async () => {
    const a = await receive();
    const b = await receive();
    const pdf = await f.call('ana', 'GET', `/v1/items/${a}/label.pdf?symbology=datamatrix`);
    expect(pdf.status).toBe(200);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const sheet = await f.call('ana', 'GET', `/v1/labels/sheet.pdf?labNos=${a},${b}`);
    expect(sheet.headers['content-type']).toBe('application/pdf');
    expect((await f.call('cus', 'GET', `/v1/items/${a}/label.pdf`)).status).toBe(403);
  });
});

describe('lab numbers on the durable backend', () => {
  it('gives 50 items registered in parallel on SQLite 50 distinct, gap-free lab numbers', async () => {
    const { openSqliteStore } = await import('@tamga/store');
    const { tempDir } = await import('@tamga/testkit');
    const dir = tempDir('intake-sqlite');
    const g = await startFixture({ store: await openSqliteStore({ file: `${dir}/intake.sqlite` }) });
    try {
      await g.call('ana', 'POST', '/v1/agencies', { agencyId: 'police', name: 'Police', kind: 'police' });
      const id = (await g.call('ana', 'POST', '/v1/cases', caseBody)).json().caseId as string;
      const bodies = await Promise.all(Array.from({ length: 50 }, async () => ({ ...itemBody, eSignature: await g.sign('ana', signedActs.receive(id, itemBody.exhibitNo)) })));
      const results = await Promise.all(bodies.map((body) => g.call('ana', 'POST', `/v1/cases/${id}/items`, body)));
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
      expect(results.map((r) => r.json().labNo as string).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `${id}-${String(i + 1).padStart(2, '0')}`));
    } finally {
      await g.app.close();
      await g.store.close();
    }
  });
});

describe('the lab-wide custody log', () => {
  it('proves that an older signed checkpoint is a prefix of the current one', async () => {
    const { verifyCheckpoint, verifyConsistency } = await import('@tamga/custody');
    await receive();
    const first = (await f.call('ana', 'GET', '/v1/custody/checkpoint')).json() as { checkpoint: string; size: number; rootHash: string };
    expect(verifyCheckpoint(first.checkpoint, f.custodyKey.publicKey)).toMatchObject({ ok: true, checkpoint: { size: 1 } });
    const labNo = await receive();
    await move('ana', labNo, { kind: 'store', locationId: 'cab' });
    const later = (await f.call('kar', 'GET', `/v1/custody/checkpoint?from=${first.size}`)).json() as { size: number; rootHash: string; consistencyProof: string[] };
    expect(later.size).toBe(3);
    const hex = (h: string) => Buffer.from(h, 'hex');
    expect(verifyConsistency(first.size, later.size, hex(first.rootHash), hex(later.rootHash), later.consistencyProof.map(hex))).toBe(true);
    expect((await f.call('ana', 'GET', '/v1/custody/checkpoint?from=99')).json().code).toBe('INTAKE_ERR_LOG_SIZE');
  });

  it('notices an event rewritten in the store together with a recomputed hash, against the signed checkpoint', async () => {
    const { hashEvent } = await import('@tamga/custody');
    const labNo = await receive();
    expect((await f.call('ana', 'GET', `/v1/items/${labNo}/custody`)).json().logAudit).toMatchObject({ ok: true });
    const col = f.store.collection(custodyEvents);
    const [target] = await col.find({ item: labNo, seq: 0 });
    if (!target) throw new Error('no stored event');
    const { _id, _v, ...doc } = target;
    const { hash: _old, ...body } = { ...doc.event, condition: 'damaged' };
    await col.update(_id, _v, { ...doc, event: { ...body, hash: hashEvent(body) } });
    const res = (await f.call('ana', 'GET', `/v1/items/${labNo}/custody`)).json();
    expect(res.logAudit).toMatchObject({ ok: false, size: 1 });
    expect(res.verification).toMatchObject({ ok: false, eventId: target.event.eventId });
  });
});
