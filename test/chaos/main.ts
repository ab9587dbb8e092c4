// `pnpm chaos`: the long chaos run, on demand. Knobs (environment):
//   CHAOS_ITEMS        items to drive through the lab (default 60)
//   CHAOS_SEED         seed of the fault plan (default: random, printed)
//   CHAOS_MINUTES      stop injecting faults after this long (default 10); the items still finish
//   CHAOS_CONCURRENCY  items flowing at most at once (default 4); items arrive evenly over CHAOS_MINUTES
//   CHAOS_MAX_GAP_S    longest pause between faults (default 20), CHAOS_MAX_DOWN_S longest downtime (default 8)
//   CHAOS_BROKER_LOSS=1 also lose the whole broker now and then (every NATS node's store deleted)
//   MONGO_URL          run on MongoDB (a replica set) instead of SQLite
//   CHAOS_KEEP=1       keep the data folder for a post-mortem
// Exit code 0 when nothing was lost or duplicated and every item got its report.
import { runChaos } from './run-chaos.ts';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a whole number, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const minutes = intFromEnv('CHAOS_MINUTES', 10);
const figures = await runChaos({
  items: intFromEnv('CHAOS_ITEMS', 60),
  seed: intFromEnv('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
  faults: 10_000,
  concurrency: Math.max(1, intFromEnv('CHAOS_CONCURRENCY', 4)),
  paceMs: Math.floor((minutes * 60_000) / Math.max(1, intFromEnv('CHAOS_ITEMS', 60))),
  maxGapMs: intFromEnv('CHAOS_MAX_GAP_S', 20) * 1000,
  maxDownMs: intFromEnv('CHAOS_MAX_DOWN_S', 8) * 1000,
  maxChaosMs: minutes * 60_000,
  ...(process.env.MONGO_URL ? { mongoUrl: process.env.MONGO_URL } : {}),
  keep: process.env.CHAOS_KEEP === '1',
  brokerLoss: process.env.CHAOS_BROKER_LOSS === '1',
});
if (!process.env.MONGO_URL) console.log('[chaos] MongoDB variant not run: MONGO_URL is not set');
const clean = figures.lost === 0 && figures.duplicated === 0 && figures.itemsDone === figures.items && figures.audit.verdicts.every((v) => v.problems.length === 0);
process.exit(clean ? 0 : 1);
