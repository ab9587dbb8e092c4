// The lab-wide inventory over HTTP: where every item is, with filters and keyset paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustodyCommandBody } from '@tamga/contracts';
import { caseBody, signedActs, startFixture, type Fixture, type PersonKey } from './fixture.ts';

let f: Fixture;
let caseA: string;
let caseB: string;
const lab: Record<'stored' | 'held' | 'sent' | 'returned' | 'destroyed' | 'offered' | 'other', string> = {} as never;

async function move(who: PersonKey, labNo: string, body: Record<string, unknown> & { kind: CustodyCommandBody['kind'] }) {
  const res = await f.call(who, 'POST', `/v1/items/${labNo}/custody`, { ...body, eSignature: await f.sign(who, signedActs.move(labNo, body.kind)) });
  expect(res.status, res.body).toBe(201);
}

interface Row {
  labNo: string;
  caseId: string;
  status: string;
  location?: { locationId: string; path: { locationId: string; kind: string; name: string }[] };
  holder?: { userId: string; name: string };
  pendingTransferTo?: { userId: string };
  lastCustody: { kind: string; time: string };
}

async function page(query: string, who: PersonKey = 'ana'): Promise<{ items: Row[]; nextCursor?: string }> {
  const res = await f.call(who, 'GET', `/v1/inventory${query}`);
  expect(res.status, res.body).toBe(200);
  return res.json() as unknown as { items: Row[]; nextCursor?: string };
}

/** Every row a query gives, page by page. */
async function walk(query: string, limit: number): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const sep = query === '' ? '?' : '&';
    const p = await page(`${query}${sep}limit=${limit}${cursor === undefined ? '' : `&cursor=${cursor}`}`);
    rows.push(...p.items);
    if (p.nextCursor === undefined) return rows;
    cursor = p.nextCursor;
  }
  throw new Error('paging did not end');
}

beforeAll(async () => {
  f = await startFixture();
  await f.call('ana', 'POST', '/v1/agencies', { agencyId: 'police', name: 'Police', kind: 'police' });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'st', kind: 'store', name: 'Main store', access: { roles: ['technician'] } });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'rm', kind: 'room', name: 'Room 2', parentId: 'st' });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'cab', kind: 'cabinet', name: 'Cabinet A', parentId: 'rm' });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'sh', kind: 'shelf', name: 'Shelf 3', parentId: 'cab' });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'st2', kind: 'store', name: 'Annex', access: { roles: ['technician'] } });
  await f.call('ana', 'POST', '/v1/locations', { locationId: 'cab2', kind: 'cabinet', name: 'Cabinet Z', parentId: 'st2' });
  caseA = (await f.call('ana', 'POST', '/v1/cases', caseBody)).json().caseId as string;
  caseB = (await f.call('ana', 'POST', '/v1/cases', { ...caseBody, agencyCaseNumber: 'B-2' })).json().caseId as string;
  lab.stored = await f.receive('ana', caseA);
  await move('ana', lab.stored, { kind: 'store', locationId: 'sh' });
  lab.held = await f.receive('ana', caseA);
  lab.sent = await f.receive('ana', caseA);
  const sendSignature = await f.sign('ana', signedActs.sendForAnalysis(lab.sent));
  expect((await f.call('ana', 'POST', `/v1/items/${lab.sent}/analysis-requests`, { determinations: ['identification'], eSignature: sendSignature })).status).toBe(201);
  lab.returned = await f.receive('ana', caseA);
  await move('ana', lab.returned, { kind: 'return_to_agency', to: { name: 'Sgt. Karimov' }, authority: 'letter 4' });
  lab.destroyed = await f.receive('ana', caseA);
  await move('ana', lab.destroyed, { kind: 'propose_destruction', authority: 'court order 2', method: 'incineration' });
  await move('bek', lab.destroyed, { kind: 'witness_destruction' });
  lab.offered = await f.receive('ana', caseB);
  const offer = await f.call('ana', 'POST', `/v1/items/${lab.offered}/transfers`, { to: { userId: 'u-bek', name: 'Бекзод Юсупов' }, purpose: 'storage', eSignature: await f.sign('ana', signedActs.offerTransfer(lab.offered, 'u-bek')) });
  const transferId = offer.json().transferId as string;
  await f.call('bek', 'POST', `/v1/items/${lab.offered}/transfers/${transferId}/accept`, { eSignature: await f.sign('bek', signedActs.acceptTransfer(lab.offered, transferId)) });
  lab.other = await f.receive('ana', caseB);
  await move('ana', lab.other, { kind: 'store', locationId: 'cab2' });
});

afterAll(async () => {
  await f.app.close();
});

describe('the lab-wide inventory', () => {
  it('says where every item is: location path, holder, status and last custody event', async () => {
    const { items, nextCursor } = await page('');
    expect(nextCursor).toBeUndefined();
    const by = new Map(items.map((r) => [r.labNo, r]));
    expect(items).toHaveLength(7);
    expect(by.get(lab.stored)).toMatchObject({ status: 'in_storage', lastCustody: { kind: 'stored' } });
    expect(by.get(lab.stored)?.location?.path.map((s) => s.name)).toEqual(['Main store', 'Room 2', 'Cabinet A', 'Shelf 3']);
    expect(by.get(lab.held)).toMatchObject({ status: 'with_person', holder: { userId: 'u-ana' }, lastCustody: { kind: 'received' } });
    expect(by.get(lab.sent)).toMatchObject({ status: 'sent_for_analysis', lastCustody: { kind: 'sent_for_analysis' } });
    expect(by.get(lab.returned)).toMatchObject({ status: 'returned', holder: { name: 'Sgt. Karimov' } });
    expect(by.get(lab.destroyed)).toMatchObject({ status: 'destroyed', lastCustody: { kind: 'destroyed' } });
    expect(by.get(lab.offered)).toMatchObject({ status: 'with_person', holder: { userId: 'u-bek' }, lastCustody: { kind: 'transferred' } });
    expect(Date.parse(by.get(lab.other)?.lastCustody.time ?? '')).not.toBeNaN();
  });

  it('filters by location subtree, holder, status and case', async () => {
    const labNos = async (q: string) => (await page(q)).items.map((r) => r.labNo).sort();
    expect(await labNos('?locationId=st')).toEqual([lab.stored]);
    expect(await labNos('?locationId=rm')).toEqual([lab.stored]);
    expect(await labNos('?locationId=st2')).toEqual([lab.other]);
    expect(await labNos('?holder=u-bek')).toEqual([lab.offered]);
    expect(await labNos('?status=destroyed')).toEqual([lab.destroyed]);
    expect(await labNos('?status=in_storage')).toEqual([lab.stored, lab.other].sort());
    expect(await labNos(`?caseId=${caseB}`)).toEqual([lab.offered, lab.other].sort());
    expect(await labNos(`?caseId=${caseB}&status=in_storage`)).toEqual([lab.other]);
  });

  it('pages by cursor without skipping or repeating an item, with and without a filter', async () => {
    const all = (await page('')).items.map((r) => r.labNo);
    for (const limit of [1, 2, 3, 6, 7]) {
      expect((await walk('', limit)).map((r) => r.labNo)).toEqual(all);
    }
    const inCaseA = (await page(`?caseId=${caseA}`)).items.map((r) => r.labNo);
    expect((await walk(`?caseId=${caseA}`, 2)).map((r) => r.labNo)).toEqual(inCaseA);
    const withPeople = (await page('?status=with_person')).items.map((r) => r.labNo);
    expect((await walk('?status=with_person', 1)).map((r) => r.labNo)).toEqual(withPeople);
  });

  it('is for lab staff only: analysts see it, investigators do not', async () => {
    expect((await page('', 'ali')).items).toHaveLength(7);
    for (const who of ['kar', 'cus'] as const) {
      const res = await f.call(who, 'GET', '/v1/inventory');
      expect(res.status).toBe(403);
      expect(res.json().code).toBe('AUTH_ERR_FORBIDDEN_ROLE');
    }
    expect((await f.call(undefined, 'GET', '/v1/inventory')).status).toBe(401);
  });

  it('refuses bad filters naming the field', async () => {
    for (const [query, field] of [
      ['?status=lost', 'query.status'],
      ['?limit=0', 'query.limit'],
      ['?cursor=not-a-lab-number', 'query.cursor'],
    ] as const) {
      const res = await f.call('ana', 'GET', `/v1/inventory${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json().errors, query).toEqual([expect.objectContaining({ field })]);
    }
  });
});
