// Lists page in the store with the caller's visibility in the query: an analyst's page is full
// while more items they may see exist, however many items of other analysts lie between, and
// walking the cursor returns each visible record exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnalysis, type AnalysisFixture, type Who } from './fixture.ts';

let lab: AnalysisFixture;
const ids: string[] = [];

/** Walks a list route page by page; checks every page but the last is full. */
async function walk<T>(who: Who, url: string, field: 'items' | 'results', limit: number): Promise<{ all: T[]; pages: number }> {
  const all: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const sep = url.includes('?') ? '&' : '?';
    const res = await lab.call(who, 'GET', `${url}${sep}limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    expect(res.status, res.body).toBe(200);
    const body = res.json<Record<string, unknown>>();
    const page = body[field] as T[];
    pages += 1;
    all.push(...page);
    cursor = body.nextCursor as string | undefined;
    if (cursor === undefined) break;
    expect(page).toHaveLength(limit);
    if (pages > 100) throw new Error('the cursor does not advance');
  }
  return { all, pages };
}

beforeAll(async () => {
  lab = await startAnalysis();
  // 18 requests: a third stay queued, a third are ana's, a third ana2's, interleaved so that
  // every page-sized run of the store holds records ana may not see.
  for (let k = 0; k < 18; k++) {
    const id = await lab.request(`TMG-2026-${String(300 + k).padStart(6, '0')}-01`);
    ids.push(id);
    if (k % 3 === 1) await lab.claim('ana', id);
    if (k % 3 === 2) await lab.claim('ana2', id);
  }
  // Results: ana submits two of hers, ana2 four of his.
  for (const [k, id] of ids.entries()) {
    if (k % 3 === 1 && k < 6) await lab.submitNothingDetected('ana', id);
    if (k % 3 === 2 && k < 12) await lab.submitNothingDetected('ana2', id);
  }
});

afterAll(async () => {
  await lab.close();
});

describe('the work queue', () => {
  it('gives an analyst full pages of the queue and their own items, in queue order, each once', async () => {
    const { all, pages } = await walk<{ id: string; status: string; analyst?: { id: string } }>('ana', '/v1/work-items', 'items', 4);
    const expected = ids.filter((_, k) => k % 3 !== 2);
    expect(all.map((i) => i.id)).toEqual(expected);
    expect(pages).toBe(3);
    expect(all.every((i) => i.analyst === undefined || i.analyst.id === 'u-ana')).toBe(true);
  });

  it('pages "mine" and a status filter in the store too', async () => {
    const mine = await walk<{ id: string }>('ana2', '/v1/work-items?mine=true', 'items', 2);
    expect(mine.all.map((i) => i.id)).toEqual(ids.filter((_, k) => k % 3 === 2));
    const queued = await walk<{ id: string }>('ana', '/v1/work-items?status=queued', 'items', 5);
    expect(queued.all.map((i) => i.id)).toEqual(ids.filter((_, k) => k % 3 === 0));
  });

  it('shows a reviewer the review queue across pages, and every item', async () => {
    const review = await walk<{ id: string; status: string }>('rev', '/v1/work-items?status=awaiting_review', 'items', 3);
    expect(review.all.map((i) => i.id).sort()).toEqual(ids.filter((_, k) => (k % 3 === 1 && k < 6) || (k % 3 === 2 && k < 12)).sort());
    const all = await walk<{ id: string }>('rev', '/v1/work-items', 'items', 7);
    expect(all.all.map((i) => i.id)).toEqual(ids);
  });

  it('refuses a bad limit or cursor, and technicians and investigators', async () => {
    const zero = await lab.call('ana', 'GET', '/v1/work-items?limit=0');
    expect(zero.status).toBe(400);
    expect(zero.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('query.limit');
    const long = await lab.call('ana', 'GET', `/v1/work-items?cursor=${'x'.repeat(400)}`);
    expect(long.status).toBe(400);
    expect(long.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('query.cursor');
    expect((await lab.call('tech', 'GET', '/v1/work-items')).status).toBe(403);
    expect((await lab.call('inv', 'GET', '/v1/work-items')).status).toBe(403);
  });
});

describe('the results list', () => {
  it('gives an analyst only the results of their own work, in full pages', async () => {
    const { all, pages } = await walk<{ workItemId: string; analyst: { id: string } }>('ana', '/v1/results', 'results', 1);
    expect(all.map((r) => r.workItemId)).toEqual([ids[1], ids[4]]);
    expect(pages).toBe(2);
    const his = await walk<{ workItemId: string }>('ana2', '/v1/results?status=awaiting_review', 'results', 3);
    expect(his.all.map((r) => r.workItemId)).toEqual([ids[2], ids[5], ids[8], ids[11]]);
  });

  it('gives reviewers every result across pages', async () => {
    const { all } = await walk<{ workItemId: string; version: number; status: string }>('rev', '/v1/results', 'results', 4);
    expect(all).toHaveLength(6);
    expect(new Set(all.map((r) => r.workItemId)).size).toBe(6);
    expect(all.every((r) => r.status === 'awaiting_review' && r.version === 1)).toBe(true);
  });

  it('refuses technicians, investigators, anonymous callers and bad queries', async () => {
    expect((await lab.call('tech', 'GET', '/v1/results')).status).toBe(403);
    expect((await lab.call('inv', 'GET', '/v1/results')).status).toBe(403);
    expect((await lab.app.inject({ method: 'GET', url: '/v1/results' })).statusCode).toBe(401);
    const bad = await lab.call('rev', 'GET', '/v1/results?status=lost');
    expect(bad.status).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('query.status');
  });
});
