// Cursor paging over a store query. The caller's visibility is part of `filter`, so the store
// answers only records the caller may see: a page is full whenever more visible records exist,
// and the cursor (the last record's sort key, unique per record) never skips or repeats one.
import type { Collection, Filter, Stored } from '@tamga/store';

export interface Page<T> {
  docs: Stored<T>[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string | undefined;
}

export async function pageOf<T>(
  col: Collection<T>,
  filter: Filter,
  options: { key: string; keyOf: (doc: Stored<T>) => string; limit: number; after?: string | undefined },
): Promise<Page<T>> {
  const { key, keyOf, limit, after } = options;
  const docs = await col.find(after === undefined ? filter : { ...filter, [key]: { $gt: after } }, {
    sort: { [key]: 1 },
    limit: limit + 1,
  });
  if (docs.length <= limit) return { docs };
  const page = docs.slice(0, limit);
  const last = page[page.length - 1];
  return { docs: page, nextCursor: last === undefined ? undefined : keyOf(last) };
}

/** A sort key unique per record and ordered by time: `<ISO time>|<id>`. */
export function listKey(at: string, id: string): string {
  return `${at}|${id}`;
}
