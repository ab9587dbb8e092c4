// The short chaos run of the normal suite: the production shape on SQLite, a handful of items
// through the whole lab while one instance of each service and one NATS node are SIGKILLed and
// restarted at seeded random moments (the seed is printed; CHAOS_SEED repeats a run). The long
// run is `pnpm chaos` (test/chaos/main.ts). Times are printed, never asserted.
import { describe, expect, it } from 'vitest';
import { natsServerAvailable } from '../../packages/cli/src/system/start-system.ts';
import { runChaos, type ChaosOptions } from './run-chaos.ts';

const noNats = natsServerAvailable() ? undefined : 'nats-server is not on PATH (apt-get install nats-server)';
if (noNats !== undefined) console.warn(`chaos tests skipped: ${noNats}`);
const noMongo = process.env.MONGO_URL ? undefined : 'MONGO_URL is not set (a MongoDB replica set is needed; none runs here)';
if (noNats === undefined && noMongo !== undefined) console.warn(`chaos test on MongoDB skipped: ${noMongo}`);

const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
const short: Omit<ChaosOptions, 'mongoUrl'> = { items: 8, seed, faults: 4, concurrency: 3, paceMs: 6_000, maxGapMs: 4_000, maxDownMs: 3_000 };

function expectNothingLost(figures: Awaited<ReturnType<typeof runChaos>>): void {
  expect(figures.flowFailures).toEqual([]);
  expect(figures.itemsDone).toBe(figures.items);
  expect(figures.audit.verdicts.filter((v) => v.problems.length > 0)).toEqual([]);
  expect(figures.audit.unexpectedItems).toBe(0);
  expect(figures.lost).toBe(0);
  expect(figures.duplicated).toBe(0);
  for (const v of figures.audit.verdicts) {
    expect(v).toMatchObject({ chains: 1, chainIntact: true, proofVerifies: true, requests: 1, workItems: 1, approvedResults: 1, currentReports: 1 });
  }
}

describe.skipIf(noNats !== undefined)('chaos: processes killed while items flow through the cluster', () => {
  it(`loses and duplicates nothing on SQLite: every item one intact chain, one approved result, one current report (seed ${seed})`, async () => {
    const figures = await runChaos(short);
    expect(figures.faultsTotal).toBeGreaterThan(0);
    expectNothingLost(figures);
  }, 900_000);

  it.skipIf(noMongo !== undefined)(`loses and duplicates nothing on MongoDB (seed ${seed})`, async () => {
    expectNothingLost(await runChaos({ ...short, mongoUrl: process.env.MONGO_URL ?? '' }));
  }, 900_000);
});
