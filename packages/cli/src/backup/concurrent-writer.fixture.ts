// Run by backup-restore.test.ts as a separate process: writes to a service database without a
// pause until it is killed. Each transaction inserts one order and one line with the same number
// and bumps a counter, so a consistent snapshot has as many orders as lines, and the counter
// equals both. Prints "ready" after the first commit.
import { defineCollection, openSqliteStore } from '@tamga/store';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: concurrent-writer.fixture.ts DB_FILE');

const orders = defineCollection<{ n: number; payload: string }>({ name: 'orders', indexes: [{ fields: ['n'], unique: true }] });
const lines = defineCollection<{ n: number }>({ name: 'lines' });
const counter = defineCollection<{ value: number }>({ name: 'counter', keepVersions: false });

const store = await openSqliteStore({ file });
await store.ensure([orders, lines, counter]);
await store.collection(counter).insert({ _id: 'c', value: 0 });
const payload = 'x'.repeat(2000);
for (let n = 1; ; n += 1) {
  await store.transaction(async (tx) => {
    await tx.collection(orders).insert({ _id: `o${n}`, n, payload });
    await tx.collection(lines).insert({ _id: `l${n}`, n });
    const c = await tx.collection(counter).get('c');
    if (c === undefined) throw new Error('counter missing');
    await tx.collection(counter).update('c', c._v, { value: n });
  });
  if (n === 1) process.stdout.write('ready\n');
}
