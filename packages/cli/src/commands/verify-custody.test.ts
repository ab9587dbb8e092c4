import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MerkleLog, appendToChain, buildBundle, hashEvent, signCheckpoint, type ChainedEvent, type CustodyBundle } from '@tamga/custody';
import { verifyCustodyCommand } from './verify-custody.ts';

const ITEM = 'KZ01-2025-000007-01';
let dir = '';
let bundle: CustodyBundle;
const keys = generateKeyPairSync('ed25519');
const pem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tamga-verify-custody-'));
  const log = new MerkleLog();
  const chain: ChainedEvent[] = [];
  for (const [n, kind] of ['received', 'stored', 'transferred', 'seal_opened'].entries()) {
    // Another item's event between each of ours, as in the real lab-wide log.
    log.append(hashEvent({ eventId: `other-${n}`, item: 'KZ01-2025-000008-01' }));
    const event = appendToChain(chain, { eventId: `e${n}`, item: ITEM, kind, time: `2025-03-01T0${n}:00:00.000Z` });
    chain.push(event);
    log.append(event.hash);
  }
  const checkpoint = signCheckpoint({ origin: 'kz01.tamga.lab/intake', time: '2025-03-02T00:00:00.000Z', ...log.head() }, keys.privateKey);
  bundle = buildBundle({ item: ITEM, events: chain, log, checkpoint, publicKey: keys.publicKey });
  await writeFile(join(dir, 'lab.pub.pem'), pem);
  return async () => rm(dir, { recursive: true, force: true });
});

afterEach(() => vi.restoreAllMocks());

async function run(b: unknown, ...args: string[]): Promise<{ code: number; out: string }> {
  const file = join(dir, `bundle-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(b));
  const lines: string[] = [];
  // Capture what the command prints; nothing about its behaviour is replaced.
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const code = await verifyCustodyCommand([file, ...args]);
  return { code, out: lines.join('\n') };
}

describe('tamga verify-custody', () => {
  it('verifies an honest bundle with the lab public key and exits 0', async () => {
    const { code, out } = await run(bundle, '--public-key', join(dir, 'lab.pub.pem'));
    expect(code).toBe(0);
    expect(out).toContain('VERIFIED');
    expect(out).toContain(ITEM);
    expect(out).not.toContain('no --public-key');
  });

  it('names the first bad event of an edited bundle and exits 1', async () => {
    const edited = structuredClone(bundle);
    (edited.events[2] as Record<string, unknown>).kind = 'destroyed';
    const { code, out } = await run(edited, '--public-key', join(dir, 'lab.pub.pem'));
    expect(code).toBe(1);
    expect(out).toContain('NOT VERIFIED');
    expect(out).toContain('CUSTODY_ERR_HASH_MISMATCH');
    expect(out).toContain('first bad event: #2 (eventId e2)');
  });

  it('warns when it can only use the key inside the bundle', async () => {
    const { code, out } = await run(bundle);
    expect(code).toBe(0);
    expect(out).toContain('no --public-key given');
  });

  it('catches a cut tail against a head given with --head', async () => {
    const cut = structuredClone(bundle);
    cut.events.pop();
    cut.inclusionProofs.pop();
    const last = bundle.events[3] as ChainedEvent;
    const { code, out } = await run(cut, '--public-key', join(dir, 'lab.pub.pem'), '--head', `4:${last.hash}`);
    expect(code).toBe(1);
    expect(out).toContain('CUSTODY_ERR_TRUNCATED');
  });

  it('prints a JSON verdict with --json', async () => {
    const { code, out } = await run(bundle, '--public-key', join(dir, 'lab.pub.pem'), '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, keySource: 'supplied', item: ITEM, head: { length: 4 } });
  });

  it('exits 1 for a file that is not JSON and 2 without a file', async () => {
    const file = join(dir, 'junk.json');
    await writeFile(file, 'not json');
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await verifyCustodyCommand([file])).toBe(1);
    expect(await verifyCustodyCommand([])).toBe(2);
  });
});
