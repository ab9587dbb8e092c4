import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll } from 'vitest';
import { openMongoStore } from '../src/index.ts';
import { storeContract } from './contract.ts';

// The mongo run needs a replica set: resolveMongo() in @tamga/testkit tries MONGO_URL, then
// testcontainers, then mongodb-memory-server, and otherwise says why it could not get one.
type MongoResolution = { url: string; via: string; stop(): Promise<void> } | { skip: string };

async function resolve(): Promise<MongoResolution> {
  // Loaded by name at run time: testkit's public door may not export it yet while it is being built.
  const testkitName: string = '@tamga/testkit';
  const testkit = (await import(testkitName).catch((err: unknown) => ({ loadError: err }))) as {
    resolveMongo?: () => Promise<MongoResolution>;
    loadError?: unknown;
  };
  if (typeof testkit.resolveMongo !== 'function') {
    const why = testkit.loadError instanceof Error ? testkit.loadError.message : 'it has no such export';
    return { skip: `@tamga/testkit does not export resolveMongo yet (${why})` };
  }
  return testkit.resolveMongo();
}

const mongo = await resolve();
if ('skip' in mongo) console.warn(`[store] mongo contract suite SKIPPED: ${mongo.skip}`);
else console.warn(`[store] mongo contract suite runs against ${mongo.via}`);

const databases: string[] = [];

afterAll(async () => {
  if ('skip' in mongo) return;
  // Leave a shared server (MONGO_URL) as it was found.
  const client = await MongoClient.connect(mongo.url);
  for (const name of databases) await client.db(name).dropDatabase();
  await client.close();
  await mongo.stop();
});

storeContract(
  'mongo',
  () => {
    if ('skip' in mongo) throw new Error(mongo.skip);
    // A fresh database per test, so every test starts empty.
    const dbName = `tamga-contract-${randomUUID()}`;
    databases.push(dbName);
    return openMongoStore({ url: mongo.url, dbName });
  },
  'skip' in mongo ? { skip: mongo.skip } : {},
);
