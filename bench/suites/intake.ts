// Item registration over HTTP: POST /v1/cases/:caseId/items against a real listening intake
// server (memory and SQLite stores), driven by a bounded pool of keep-alive fetches. Baseline in
// the same run: a bare Fastify route that does nothing, driven the same way. Every registration
// is a full transaction: lab number counter, case and item versions, audit records, a hash-chained
// custody event numbered in the Merkle log, and two outbox events.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../../services/intake/src/index.ts';
import { generateCustodyKey } from '../../services/intake/src/index.ts';
import { createESignatureVerifier, createJwtAuthenticator, createLogger, createTokenIssuer, generateSigningKeyPair, issueESignature } from '../../packages/service-kit/src/index.ts';
import { createMemoryStore, openSqliteStore, type DocumentStore } from '../../packages/store/src/index.ts';
import { round, type Measurement, type Suite } from '../lib.ts';

const SECONDS = Number(process.env.INTAKE_BENCH_SECONDS ?? 4);
const CONCURRENCY = Number(process.env.INTAKE_BENCH_CONCURRENCY ?? 16);
const ITEMS_PER_CASE = 99;

const caseBody = {
  agencyId: 'police',
  agencyCaseNumber: 'УД-1/2025',
  investigator: { name: 'Каримов Р.', contact: '+998 71 000 00 00' },
  offence: 'possession',
  jurisdiction: 'Tashkent',
  seizureDate: '2025-01-01',
  request: 'identify',
};
const item = {
  exhibitNo: '1',
  description: 'Пакет с порошком белого цвета',
  packaging: 'envelope',
  seals: [{ number: 'S-1', intact: true }],
  grossWeight: { grams: 10.5, balanceId: 'BAL-1' },
  condition: 'good',
  deliveredBy: { name: 'Sgt. Karimov' },
};
const itemBody = JSON.stringify(item);

/** Runs `workers` loops of `step` for `seconds`; returns completed steps per second. */
async function drive(workers: number, seconds: number, worker: () => () => Promise<boolean>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const step = worker();
      while (performance.now() < deadline) if (await step()) done++;
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** The part of a Fastify instance the baseline uses (bench/ cannot name the fastify types). */
interface BareServer {
  post(path: string, handler: () => unknown): void;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}

async function bareFastify(): Promise<number> {
  // Fastify as the intake service resolves it, so both servers run the same version.
  const require = createRequire(new URL('../../services/intake/package.json', import.meta.url));
  const mod = (await import(require.resolve('fastify'))) as { default: (options: { logger: boolean }) => BareServer };
  const app = mod.default({ logger: false });
  app.post('/noop', () => ({ ok: true }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    return await drive(CONCURRENCY, SECONDS, () => async () => {
      const res = await fetch(`${url}/noop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: itemBody });
      await res.arrayBuffer();
      return res.ok;
    });
  } finally {
    await app.close();
  }
}

async function registration(store: DocumentStore): Promise<number> {
  const keys = await generateSigningKeyPair();
  const token = await createTokenIssuer({ privateKey: keys.privateKey, kid: keys.kid, issuer: 'bench', audience: 'tamga', ttlSeconds: 3600 }).issue({
    sub: 'u-bench',
    name: 'Bench Technician',
    roles: ['technician'],
    lab: 'TMG',
  });
  const { app } = await buildApp({
    store,
    auth: createJwtAuthenticator({ key: { publicKey: keys.publicKey }, issuer: 'bench', audience: 'tamga' }),
    eSignatures: createESignatureVerifier({ key: { publicKey: keys.publicKey }, issuer: 'bench' }),
    lab: 'TMG',
    custodyKey: generateCustodyKey(),
    logger: createLogger({ name: 'intake-bench', level: 'silent' }),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async (path: string, body: string) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    await post('/v1/agencies', JSON.stringify({ agencyId: 'police', name: 'Police', kind: 'police' }));
    return await drive(CONCURRENCY, SECONDS, () => {
      // Each worker fills its own cases (a case holds 99 items); opening a case is not counted.
      let caseId = '';
      let used = ITEMS_PER_CASE;
      return async () => {
        if (used === ITEMS_PER_CASE) {
          caseId = String((await post('/v1/cases', JSON.stringify(caseBody))).caseId);
          used = 0;
        }
        // Every receipt is e-signed (a fresh token each: a signature signs one act).
        const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
        const purpose = `receive ${item.exhibitNo} into ${caseId}`;
        const eSignature = await issueESignature({ sub: 'u-bench', printedName: 'Bench Technician', time, meaning: 'received', purpose, lab: 'TMG' }, { privateKey: keys.privateKey, issuer: 'bench' });
        await post(`/v1/cases/${caseId}/items`, JSON.stringify({ ...item, eSignature }));
        used++;
        return true;
      };
    });
  } finally {
    await app.close();
  }
}

export const suite: Suite = {
  name: 'intake',
  async run(): Promise<Omit<Measurement, 'ratio'>[]> {
    const baseline = await bareFastify();
    const memory = await registration(createMemoryStore({ quiet: true }));
    const dir = mkdtempSync(join(tmpdir(), 'intake-bench-'));
    let sqlite: number;
    try {
      const store = await openSqliteStore({ file: join(dir, 'intake.sqlite') });
      sqlite = await registration(store);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const base = `bare Fastify POST route, same load (${CONCURRENCY} concurrent fetches)`;
    return [
      { name: 'intake item registration over HTTP (memory store)', value: round(memory, 1), unit: 'requests/s', baseline: base, baselineValue: round(baseline, 1) },
      { name: 'intake item registration over HTTP (sqlite store)', value: round(sqlite, 1), unit: 'requests/s', baseline: base, baselineValue: round(baseline, 1) },
    ];
  },
};
