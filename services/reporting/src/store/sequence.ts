import type { Collection } from '@tamga/store';

/**
 * Next value of a gap-free counter, inside the caller's transaction: the increment commits with
 * the record that uses it, or not at all.
 */
export async function nextSequence(counters: Collection<{ value: number }>, name: string): Promise<number> {
  const current = await counters.get(name);
  if (!current) {
    await counters.insert({ _id: name, value: 1 });
    return 1;
  }
  const next = current.value + 1;
  await counters.update(name, current._v, { value: next });
  return next;
}
