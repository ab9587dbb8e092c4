// A receipt or case opening retried after its response was lost must not make a second record:
// the Idempotency-Key header, on the durable (SQLite) store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '@tamga/store';
import { tempDir } from '@tamga/testkit';
import { cases, items } from '../src/store/collections.ts';
import { caseBody, itemBody, signedActs, startFixture, type Fixture, type PersonKey } from './fixture.ts';

let f: Fixture;

beforeEach(async () => {
  f = await startFixture({ store: await openSqliteStore({ file: `${tempDir('intake-idempotency')}/intake.sqlite` }) });
  expect((await f.call('ana', 'POST', '/v1/agencies', { agencyId: 'police', name: 'Police', kind: 'police' })).status).toBe(201);
});
afterEach(async () => {
  await f.app.close();
  await f.store.close();
});

function post(who: PersonKey, url: string, body: unknown, key?: string) {
  return f.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${f.token[who]}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: body as Record<string, unknown>,
  });
}

describe('Idempotency-Key on intake', () => {
  it('receives an item once when the receipt is sent twice with the same key, and answers the retry with the first response', async () => {
    const caseId = (await f.call('ana', 'POST', '/v1/cases', caseBody)).json().caseId as string;
    const body = { ...itemBody, eSignature: await f.sign('ana', signedActs.receive(caseId, itemBody.exhibitNo)) };

    const first = await post('ana', `/v1/cases/${caseId}/items`, body, 'receipt-7f3a');
    const retry = await post('ana', `/v1/cases/${caseId}/items`, body, 'receipt-7f3a');

    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers['content-type']).toBe(first.headers['content-type']);
    expect(retry.body).toBe(first.body);
    expect(await f.store.collection(items).count({ caseId })).toBe(1);
  });

  it('opens one case for two requests with the same key and body', async () => {
    const first = await post('ana', '/v1/cases', caseBody, 'open-case-1');
    const retry = await post('ana', '/v1/cases', caseBody, 'open-case-1');
    expect([first.statusCode, retry.statusCode]).toEqual([201, 201]);
    expect(retry.json()).toEqual(first.json());
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await f.store.collection(cases).count({})).toBe(1);
  });

  it('refuses the same key with a different body with 422 naming the header, and records nothing more', async () => {
    expect((await post('ana', '/v1/cases', caseBody, 'open-case-2')).statusCode).toBe(201);
    const other = await post('ana', '/v1/cases', { ...caseBody, agencyCaseNumber: 'УД-99/2025' }, 'open-case-2');
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'HTTP_ERR_IDEMPOTENCY_KEY_REUSED', errors: [{ field: 'headers.idempotency-key' }] });
    expect(await f.store.collection(cases).count({})).toBe(1);
  });

  it('never replays one user’s response to another who happens to send the same key', async () => {
    const ana = await post('ana', '/v1/cases', caseBody, 'shared-key');
    const bek = await post('bek', '/v1/cases', caseBody, 'shared-key');
    expect([ana.statusCode, bek.statusCode]).toEqual([201, 201]);
    expect(bek.headers['idempotent-replayed']).toBeUndefined();
    expect(bek.json().caseId).not.toBe(ana.json().caseId);
    expect(await f.store.collection(cases).count({})).toBe(2);
  });

  it('keeps the old behaviour without the header: two requests, two cases', async () => {
    const a = await post('ana', '/v1/cases', caseBody);
    const b = await post('ana', '/v1/cases', caseBody);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(await f.store.collection(cases).count({})).toBe(2);
  });

  it.each([
    ['an empty key', ''],
    ['a key over 200 characters', 'k'.repeat(201)],
    ['a key with a control character', 'bad\u007fkey'],
  ])('answers %s with 400 naming the header, without running the request', async (_name, key) => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { authorization: `Bearer ${f.token.ana}`, 'idempotency-key': key },
      payload: caseBody,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'HTTP_ERR_IDEMPOTENCY_KEY_INVALID', errors: [{ field: 'headers.idempotency-key' }] });
    expect(await f.store.collection(cases).count({})).toBe(0);
  });
});
