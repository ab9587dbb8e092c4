// Photos of evidence over HTTP: raw JPEG/PNG bodies stored by SHA-256, listed and served to the
// item's agency, and cited by hash in custody events so the hash chain covers them.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caseBody, signedActs, startFixture, type Fixture, type PersonKey } from './fixture.ts';

let f: Fixture;
let caseId: string;
let labNo: string;

// The first bytes are what the service checks; the rest is opaque to it.
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR fake png body')]);
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF fake jpeg body')]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function upload(who: PersonKey | undefined, bytes: Buffer, contentType: string, query = '', item = labNo) {
  return post(who, `/v1/items/${item}/photos${query}`, bytes, contentType);
}

async function post(who: PersonKey | undefined, url: string, bytes: Buffer, contentType: string) {
  const res = await f.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': contentType, ...(who === undefined ? {} : { authorization: `Bearer ${f.token[who]}` }) },
    payload: bytes,
  });
  return { status: res.statusCode, json: () => res.json<Record<string, unknown>>(), body: res.body };
}

beforeEach(async () => {
  f = await startFixture();
  await f.call('ana', 'POST', '/v1/agencies', { agencyId: 'police', name: 'Police', kind: 'police' });
  await f.call('ana', 'POST', '/v1/agencies', { agencyId: 'customs', name: 'Customs', kind: 'customs' });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'st', kind: 'store', name: 'Main store', access: { roles: ['technician'] } });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'rm', kind: 'room', name: 'Room 2', parentId: 'st' });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'cab', kind: 'cabinet', name: 'Cabinet A', parentId: 'rm' });
  caseId = (await f.call('ana', 'POST', '/v1/cases', caseBody)).json().caseId as string;
  labNo = await f.receive('ana', caseId);
});
afterEach(async () => {
  await f.app.close();
});

describe('photos of an item', () => {
  it('stores a photo by its SHA-256 as a new, audited version of the item', async () => {
    const versionsBefore = (await f.intake.auditOf(labNo)).length;
    const res = await upload('ana', png, 'image/png', '?caption=envelope%20front');
    expect(res.status, res.body).toBe(201);
    const photo = res.json();
    expect(photo).toEqual({ photoId: expect.stringMatching(/^[0-9a-f-]{36}$/), sha256: sha256(png), size: png.length, contentType: 'image/png' });
    expect(await f.store.blobs.get(sha256(png))).toEqual(new Uint8Array(png));
    const item = (await f.call('ana', 'GET', `/v1/items/${labNo}`)).json();
    expect(item.photos).toEqual([{ sha256: sha256(png), size: png.length, contentType: 'image/png' }]);
    const audit = await f.intake.auditOf(labNo);
    expect(audit).toHaveLength(versionsBefore + 1);
    expect(audit.at(-1)).toMatchObject({ who: { userId: 'u-ana' }, what: 'item.photo_added' });
    expect(await f.intake.auditOf(photo.photoId as string)).toMatchObject([{ who: { userId: 'u-ana' }, what: 'photo.added' }]);
  });

  it('lists the photos with their hashes and serves the bytes with the SHA-256 in a header to the item’s agency', async () => {
    const taken = (await upload('ana', jpeg, 'image/jpeg', '?caption=seal%20close-up')).json();
    const list = await f.call('kar', 'GET', `/v1/items/${labNo}/photos`);
    expect(list.status).toBe(200);
    expect(list.json().photos).toEqual([
      expect.objectContaining({ photoId: taken.photoId, sha256: sha256(jpeg), size: jpeg.length, contentType: 'image/jpeg', caption: 'seal close-up', takenBy: { userId: 'u-ana', name: 'Анна Петрова' } }),
    ]);
    const bytes = await f.call('kar', 'GET', `/v1/items/${labNo}/photos/${taken.photoId as string}`);
    expect(bytes.status).toBe(200);
    expect(bytes.headers['content-type']).toBe('image/jpeg');
    expect(bytes.headers['x-content-sha256']).toBe(sha256(jpeg));
    expect(sha256(bytes.rawPayload)).toBe(sha256(jpeg));
  });

  it('hides photos from another agency and lets only technicians upload', async () => {
    const taken = (await upload('ana', png, 'image/png')).json();
    expect((await f.call('cus', 'GET', `/v1/items/${labNo}/photos`)).status).toBe(403);
    expect((await f.call('cus', 'GET', `/v1/items/${labNo}/photos/${taken.photoId as string}`)).status).toBe(403);
    const before = await f.snapshot();
    for (const who of ['kar', 'ali'] as const) {
      const res = await upload(who, jpeg, 'image/jpeg');
      expect(res.status).toBe(403);
      expect(res.json().code).toBe('AUTH_ERR_FORBIDDEN_ROLE');
    }
    expect((await upload(undefined, jpeg, 'image/jpeg')).status).toBe(401);
    expect(await f.snapshot()).toEqual(before);
    expect(await f.store.blobs.has(sha256(jpeg))).toBe(false);
  });

  it('refuses what is not a JPEG or PNG, naming the field, and stores nothing', async () => {
    const before = await f.snapshot();
    const asText = await upload('ana', Buffer.from('hello'), 'text/plain');
    expect(asText.status).toBe(415);
    expect(asText.json()).toMatchObject({ code: 'INTAKE_ERR_PHOTO_TYPE', errors: [{ field: 'headers.content-type' }] });
    const pdfAsPng = await upload('ana', Buffer.from('%PDF-1.7 not an image'), 'image/png');
    expect(pdfAsPng.status).toBe(400);
    expect(pdfAsPng.json()).toMatchObject({ code: 'INTAKE_ERR_PHOTO_CONTENT', errors: [{ field: 'body' }] });
    const jpegAsPng = await upload('ana', jpeg, 'image/png');
    expect(jpegAsPng.json().code).toBe('INTAKE_ERR_PHOTO_CONTENT');
    const empty = await upload('ana', Buffer.alloc(0), 'image/png');
    expect(empty.status).toBe(400);
    const badQuery = await upload('ana', png, 'image/png', `?caption=${'x'.repeat(600)}`);
    expect(badQuery.status).toBe(400);
    expect(badQuery.json().errors).toEqual([expect.objectContaining({ field: 'query.caption' })]);
    const unknownEvent = await upload('ana', png, 'image/png', '?custodyEventId=00000000-0000-4000-8000-000000000000');
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.json()).toMatchObject({ code: 'INTAKE_ERR_CUSTODY_EVENT_NOT_FOUND', errors: [{ field: 'query.custodyEventId' }] });
    expect(await f.snapshot()).toEqual(before);
    expect(await f.store.blobs.has(sha256(png))).toBe(false);
  });

  it('refuses a photo over 15 MB', async () => {
    const big = Buffer.concat([png, Buffer.alloc(15 * 1024 * 1024)]);
    const res = await upload('ana', big, 'image/png');
    expect(res.status).toBe(413);
  });

  it('puts photos taken at receipt into the received event: uploaded to the case, then cited by the receipt', async () => {
    const staged = await post('ana', `/v1/cases/${caseId}/photos?caption=as%20delivered`, jpeg, 'image/jpeg');
    expect(staged.status, staged.body).toBe(201);
    const ref = { sha256: sha256(jpeg), size: jpeg.length, contentType: 'image/jpeg' };
    expect(staged.json()).toMatchObject(ref);
    const { itemBody } = await import('./fixture.ts');
    const body = { ...itemBody, exhibitNo: 'Exhibit 2', photos: [ref] };
    const received = await f.call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...body, eSignature: await f.sign('ana', signedActs.receive(caseId, body.exhibitNo)) });
    expect(received.status, received.body).toBe(201);
    const second = received.json().labNo as string;
    const [event] = await f.intake.custodyEventsOf(second);
    expect(event).toMatchObject({ kind: 'received', photos: [ref] });
    const listed = (await f.call('kar', 'GET', `/v1/items/${second}/photos`)).json().photos;
    expect(listed).toEqual([expect.objectContaining({ photoId: staged.json().photoId, ...ref, caption: 'as delivered', custodyEventId: event?.eventId })]);
    // One photo documents one receipt.
    const again = await f.call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...body, exhibitNo: 'Exhibit 3', eSignature: await f.sign('ana', signedActs.receive(caseId, 'Exhibit 3')) });
    expect(again.status).toBe(400);
    expect(again.json()).toMatchObject({ code: 'INTAKE_ERR_PHOTO_UNKNOWN', errors: [{ field: 'body.photos.0.sha256' }] });
  });

  it('lets only technicians upload receipt photos to a case, as JPEG or PNG', async () => {
    const before = await f.snapshot();
    expect((await post('kar', `/v1/cases/${caseId}/photos`, png, 'image/png')).status).toBe(403);
    expect((await post('ali', `/v1/cases/${caseId}/photos`, png, 'image/png')).status).toBe(403);
    expect((await post('ana', `/v1/cases/${caseId}/photos`, png, 'application/pdf')).json()).toMatchObject({ code: 'INTAKE_ERR_PHOTO_TYPE', errors: [{ field: 'headers.content-type' }] });
    expect((await post('ana', '/v1/cases/TMG-2025-999999/photos', png, 'image/png')).json().code).toBe('INTAKE_ERR_CASE_NOT_FOUND');
    expect(await f.snapshot()).toEqual(before);
    expect(await f.store.blobs.has(sha256(png))).toBe(false);
  });

  it('links a photo taken later to an earlier custody event', async () => {
    const [received] = await f.intake.custodyEventsOf(labNo);
    const res = await upload('ana', png, 'image/png', `?custodyEventId=${received?.eventId ?? ''}&caption=as%20received`);
    expect(res.status, res.body).toBe(201);
    const list = (await f.call('ana', 'GET', `/v1/items/${labNo}/photos`)).json().photos as { custodyEventId?: string }[];
    expect(list[0]?.custodyEventId).toBe(received?.eventId);
  });

  it('puts the hash of a photo cited by a custody move into the hash-chained event', async () => {
    const photo = (await upload('ana', jpeg, 'image/jpeg')).json();
    const ref = { sha256: photo.sha256, size: photo.size, contentType: photo.contentType };
    const stored = await f.call('ana', 'POST', `/v1/items/${labNo}/custody`, { kind: 'store', locationId: 'cab', photos: [ref], eSignature: await f.sign('ana', signedActs.move(labNo, 'store')) });
    expect(stored.status, stored.body).toBe(201);
    const res = await f.call('kar', 'GET', `/v1/items/${labNo}/custody`);
    const { bundle, verification } = res.json() as { bundle: { events: { kind: string; photos: unknown[] }[] }; verification: { ok: boolean } };
    expect(verification.ok).toBe(true);
    expect(bundle.events.at(-1)).toMatchObject({ kind: 'stored', photos: [ref] });
  });

  it('refuses a custody move or receipt citing a photo that was not uploaded, and changes nothing', async () => {
    const ghost = { sha256: sha256(Buffer.from('never uploaded')), size: 14, contentType: 'image/png' };
    const before = await f.snapshot();
    const moved = await f.call('ana', 'POST', `/v1/items/${labNo}/custody`, { kind: 'store', locationId: 'cab', photos: [ghost], eSignature: await f.sign('ana', signedActs.move(labNo, 'store')) });
    expect(moved.status).toBe(400);
    expect(moved.json()).toMatchObject({ code: 'INTAKE_ERR_PHOTO_UNKNOWN', errors: [{ field: 'body.photos.0.sha256' }] });
    const { itemBody } = await import('./fixture.ts');
    const received = await f.call('ana', 'POST', `/v1/cases/${caseId}/items`, { ...itemBody, photos: [ghost], eSignature: await f.sign('ana', signedActs.receive(caseId, itemBody.exhibitNo)) });
    expect(received.status).toBe(400);
    expect(received.json()).toMatchObject({ code: 'INTAKE_ERR_PHOTO_UNKNOWN', errors: [{ field: 'body.photos.0.sha256' }] });
    expect(await f.snapshot()).toEqual(before);
  });
});
