import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defineCollection, openSqliteStore } from '../src/index.ts';
import { storeContract } from './contract.ts';

const root = mkdtempSync(join(tmpdir(), 'tamga-store-sqlite-'));
let opened = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

storeContract('sqlite', () => {
  opened += 1;
  return openSqliteStore({ file: join(root, `contract-${opened}`, 'service.sqlite') });
});

const records = defineCollection<{ n: number; payload: string }>({ name: 'crash.records', indexes: [{ fields: ['n'], unique: true }] });
const counters = defineCollection<{ value: number }>({ name: 'crash.counters', keepVersions: false });

describe('sqlite durability', () => {
  it('keeps documents, versions, unique keys and blobs across close and reopen', async () => {
    const file = join(root, 'reopen', 'intake.sqlite');
    const first = await openSqliteStore({ file });
    await first.ensure([records]);
    const r1 = await first.collection(records).insert({ _id: 'a', n: 1, payload: 'one' });
    await first.collection(records).update('a', r1._v, { n: 1, payload: 'uno' });
    const ref = await first.blobs.put(new TextEncoder().encode('report'), 'application/pdf');
    await first.close();

    const second = await openSqliteStore({ file });
    await second.ensure([records]);
    expect(await second.collection(records).get('a')).toEqual({ _id: 'a', _v: 2, n: 1, payload: 'uno' });
    expect((await second.collection(records).versions('a')).map((v) => v.payload)).toEqual(['one']);
    await expect(second.collection(records).insert({ _id: 'b', n: 1, payload: 'dup' })).rejects.toMatchObject({ code: 'STORE_ERR_DUPLICATE' });
    expect(new TextDecoder().decode(await second.blobs.get(ref.sha256))).toBe('report');
    await second.close();
  });

  it('loses no acknowledged write when the writing process is killed with SIGKILL', async () => {
    const file = join(root, 'crash', 'analysis.sqlite');
    const writer = fileURLToPath(new URL('./fixtures/sqlite-writer.ts', import.meta.url));
    const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const acked: number[] = [];
    const blobs: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.on('exit', (code) => reject(new Error(`writer exited early (${String(code)}): ${stderr}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const [word, n, sha] = line.split(' ');
          if (word !== 'ack' || n === undefined) continue;
          acked.push(Number(n));
          if (sha !== undefined) blobs.push(sha);
        }
        // Kill in the middle of the stream of writes, not between bursts.
        if (acked.length >= 300) {
          child.removeAllListeners('exit');
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.once('close', resolve));
    expect(child.signalCode).toBe('SIGKILL');

    const store = await openSqliteStore({ file });
    const c = store.collection(records);
    const present = new Set((await c.find({ n: { $lte: Math.max(...acked) } })).map((r) => r.n));
    const lost = acked.filter((n) => !present.has(n));
    expect(lost).toEqual([]);
    // The counter moved with the transactional records: at least to the last acknowledged even n.
    const lastEven = Math.max(...acked.filter((n) => n % 2 === 0));
    expect((await store.collection(counters).get('n'))?.value).toBeGreaterThanOrEqual(lastEven);
    for (const sha of blobs) expect(await store.blobs.has(sha)).toBe(true);
    expect(blobs.length).toBeGreaterThan(0);
    await store.close();
  });
});
