import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  MerkleLog,
  appendToChain,
  buildBundle,
  signCheckpoint,
  verifyBundle,
  verifyChain,
  verifyCheckpoint,
  type ChainedEvent,
  type SignedCheckpoint,
} from '@tamga/custody';
import { ensureDevPki, renderReportPdf, signReportPdf, verifyReportPdf, type ReportModelInput } from '@tamga/report-pdf';
import { loadOrCreateSigningKey } from '@tamga/service-kit';
import { defineCollection, openSqliteStore } from '@tamga/store';
import { backupCommand } from '../commands/backup.ts';
import { restoreCommand } from '../commands/restore.ts';
import { MANIFEST_NAME, Manifest } from './manifest.ts';
import { restoreBackup, verifyArchive } from './restore-backup.ts';
import { takeBackup } from './take-backup.ts';

// The same collections and file names the services use, declared here: the CLI may not reach
// into a service's internals, and the backup must not care what the records are.
const cases = defineCollection<{ caseNo: string; agency: string }>({ name: 'cases', indexes: [{ fields: ['caseNo'], unique: true }] });
const custodyEvents = defineCollection<{ item: string; logIndex: number; event: ChainedEvent }>({ name: 'custody.events' });
const checkpoints = defineCollection<SignedCheckpoint>({ name: 'custody.checkpoints' });
const reports = defineCollection<{ reportNumber: string; pdf: { sha256: string; size: number } }>({ name: 'reports' });
const CUSTODY_PRIVATE = 'custody-signing.key.pem';
const CUSTODY_PUBLIC = 'custody-signing.pub.pem';
const ITEMS = ['LAB-2025-000001-01', 'LAB-2025-000001-02', 'LAB-2025-000002-01'];

let root = '';
let data = '';
let reportPdf: Uint8Array = new Uint8Array();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tamga-backup-'));
  data = join(root, 'data');
  const keysDir = join(data, 'keys');
  await loadOrCreateSigningKey(keysDir);

  // intake: cases, a custody ledger over three items, a signed checkpoint; its key in keys/.
  const custodyKey = generateKeyPairSync('ed25519');
  await writeFile(join(keysDir, CUSTODY_PRIVATE), custodyKey.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await writeFile(join(keysDir, CUSTODY_PUBLIC), custodyKey.publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
  const intake = await openSqliteStore({ file: join(data, 'intake', 'intake.sqlite') });
  await intake.ensure([cases, custodyEvents, checkpoints]);
  for (let i = 1; i <= 50; i += 1) await intake.collection(cases).insert({ _id: `case-${i}`, caseNo: `2025/${i}-UD`, agency: i % 2 ? 'A' : 'B' });
  const first = await intake.collection(cases).get('case-1');
  if (first === undefined) throw new Error('case-1 missing');
  await intake.collection(cases).update('case-1', first._v, { caseNo: '2025/1-UD', agency: 'C' });
  const log = new MerkleLog();
  const chains = new Map<string, ChainedEvent[]>(ITEMS.map((item) => [item, []]));
  for (const [n, kind] of ['received', 'stored', 'transferred', 'seal_opened'].entries()) {
    for (const item of ITEMS) {
      const chain = chains.get(item) ?? [];
      const event = appendToChain(chain, { eventId: `${item}-e${n}`, item, kind, time: `2025-03-01T0${n}:00:00.000Z` });
      chain.push(event);
      await intake.collection(custodyEvents).insert({ _id: event.eventId, item, logIndex: log.size, event });
      log.append(event.hash);
    }
  }
  const checkpoint = signCheckpoint({ origin: 'lab.tamga/intake', time: '2025-03-02T00:00:00.000Z', ...log.head() }, custodyKey.privateKey);
  await intake.collection(checkpoints).insert({ _id: String(checkpoint.size).padStart(12, '0'), ...checkpoint });
  await intake.blobs.put(new TextEncoder().encode('a photo of the seal'), 'image/jpeg');
  await intake.close();

  // reporting: a signed report PDF as a blob, signed by the dev PKI in keys/pki.
  const pki = await ensureDevPki(join(keysDir, 'pki'), { labName: 'Test Laboratory' });
  const model = reportModel(chains.get(ITEMS[0] ?? '') ?? []);
  const unsigned = await renderReportPdf(model, { verificationUrl: 'https://lab.example/verify/TAM-2025-000001', signer: pki.signer.describe() });
  reportPdf = await signReportPdf(unsigned, pki.signer, { reason: 'Test report issued', location: 'Tashkent', contactInfo: 'reports@lab.example' });
  const reporting = await openSqliteStore({ file: join(data, 'reporting', 'reporting.sqlite') });
  const ref = await reporting.blobs.put(reportPdf, 'application/pdf');
  await reporting.collection(reports).insert({ _id: 'TAM-2025-000001', reportNumber: 'TAM-2025-000001', pdf: { sha256: ref.sha256, size: ref.size } });
  await reporting.close();

  // What is left out: the NATS store and the logs.
  await mkdir(join(data, 'nats', 'jetstream'), { recursive: true });
  await writeFile(join(data, 'nats', 'jetstream', 'stream.dat'), 'broker data');
  await mkdir(join(data, 'nats-cluster', 'nats-1'), { recursive: true });
  await writeFile(join(data, 'nats-cluster', 'nats-1.conf'), 'server_name: tamga-nats-1\n');
  await mkdir(join(data, 'logs'));
  await writeFile(join(data, 'logs', 'intake.log'), 'log line\n');
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('tamga backup and restore', () => {
  let archive = '';
  let restored = '';

  beforeAll(async () => {
    archive = join(root, 'out', 'lab.tar.gz');
    restored = join(root, 'restored');
    await takeBackup({ dataDir: data, out: archive });
    await restoreBackup({ archive, dataDir: restored });
  }, 60_000);

  it('writes an archive, readable by its owner only, whose manifest lists every file with its hash', async () => {
    expect((await stat(archive)).mode & 0o777).toBe(0o600);
    const manifest = await verifyArchive(archive);
    const paths = manifest.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['intake/intake.sqlite', 'reporting/reporting.sqlite', `keys/${CUSTODY_PRIVATE}`, 'keys/pki/lab-ca.pem', 'keys/pki/report-signer.key']));
    expect(paths.filter((p) => p.includes('.sqlite.blobs/'))).toHaveLength(2);
    expect(paths.some((p) => p.startsWith('nats/') || p.startsWith('logs/') || p.endsWith('-wal') || p.endsWith('-shm'))).toBe(false);
    expect(manifest.excluded.map((e) => e.path)).toEqual(['logs', 'nats', 'nats-cluster']);
    expect(manifest.backend).toBe('sqlite');
    expect(manifest.privateKeysIncluded).toBe(true);
    expect(manifest.files.find((f) => f.path === `keys/${CUSTODY_PRIVATE}`)).toMatchObject({ kind: 'key', secret: true, mode: 0o600 });
    expect(manifest.files.find((f) => f.path === `keys/${CUSTODY_PUBLIC}`)).toMatchObject({ kind: 'key', secret: false });
    // Consumers' databases are copied before their producers'.
    expect(manifest.services).toEqual(['reporting', 'intake']);
  });

  it('restores every record and its earlier versions', async () => {
    const intake = await openSqliteStore({ file: join(restored, 'intake', 'intake.sqlite') });
    try {
      expect(await intake.collection(cases).count({})).toBe(50);
      expect(await intake.collection(cases).get('case-1')).toMatchObject({ agency: 'C', _v: 2 });
      expect(await intake.collection(cases).versions('case-1')).toMatchObject([{ agency: 'A', _v: 1 }]);
      expect(await intake.collection(custodyEvents).count({})).toBe(12);
    } finally {
      await intake.close();
    }
  });

  it('restores the keys with their modes: private keys 0600 in a 0700 folder', async () => {
    expect((await stat(join(restored, 'keys'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(restored, 'keys', CUSTODY_PRIVATE))).mode & 0o777).toBe(0o600);
    expect((await stat(join(restored, 'keys', 'pki', 'lab-ca.key'))).mode & 0o777).toBe(0o600);
    const before = await loadOrCreateSigningKey(join(data, 'keys'));
    const after = await loadOrCreateSigningKey(join(restored, 'keys'));
    expect(after.publicJwk).toEqual(before.publicJwk);
    expect(await readdir(restored)).not.toContain(MANIFEST_NAME);
    expect(await readdir(restored)).not.toContain('nats');
  });

  it('keeps every custody chain, checkpoint and proof verifiable with the restored public key', async () => {
    const publicKey = createPublicKey(await readFile(join(restored, 'keys', CUSTODY_PUBLIC)));
    const store = await openSqliteStore({ file: join(restored, 'intake', 'intake.sqlite') });
    try {
      const docs = await store.collection(custodyEvents).find({}, { sort: { logIndex: 1 } });
      const log = new MerkleLog();
      for (const doc of docs) log.append(doc.event.hash);
      const [cp] = await store.collection(checkpoints).find({}, { sort: { size: -1 }, limit: 1 });
      if (cp === undefined) throw new Error('no checkpoint restored');
      const verdict = verifyCheckpoint(cp.note, publicKey);
      expect(verdict.ok).toBe(true);
      expect(log.head(cp.size).rootHash).toBe(cp.rootHash);
      for (const item of ITEMS) {
        const events = docs.filter((d) => d.item === item).map((d) => d.event);
        expect(verifyChain(events).ok).toBe(true);
        const bundle = buildBundle({ item, events, log, checkpoint: cp, publicKey });
        expect(verifyBundle(bundle, publicKey)).toMatchObject({ ok: true, item, head: { length: 4 } });
      }
    } finally {
      await store.close();
    }
  });

  it('keeps the signed report PDF verifiable with the restored lab CA', async () => {
    const store = await openSqliteStore({ file: join(restored, 'reporting', 'reporting.sqlite') });
    try {
      const report = await store.collection(reports).get('TAM-2025-000001');
      if (report === undefined) throw new Error('report record missing');
      const pdf = await store.blobs.get(report.pdf.sha256);
      expect(Buffer.from(pdf).equals(Buffer.from(reportPdf))).toBe(true);
      const caCertPem = await readFile(join(restored, 'keys', 'pki', 'lab-ca.pem'), 'utf8');
      const check = await verifyReportPdf(pdf, { caCertPem });
      expect(check).toMatchObject({ ok: true, valid: true, intact: true, trusted: true, reportNumber: 'TAM-2025-000001' });
    } finally {
      await store.close();
    }
  });

  it('refuses an archive with one byte changed in a blob, naming the file, and writes nothing', async () => {
    const plain = join(root, 'out', 'plain.tar');
    await takeBackup({ dataDir: data, out: plain });
    const manifest = await verifyArchive(plain);
    const blob = manifest.files.find((f) => f.kind === 'blob' && f.path.startsWith('reporting/'));
    if (blob === undefined) throw new Error('no report blob in the manifest');
    const bytes = await readFile(plain);
    // The PDF's first bytes are "%PDF-"; find them after the blob's tar header and change one.
    const at = bytes.indexOf(Buffer.from('%PDF-'));
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] = 'Q'.charCodeAt(0);
    const corrupt = join(root, 'out', 'corrupt.tar');
    await writeFile(corrupt, bytes);
    const target = join(root, 'never');
    await expect(restoreBackup({ archive: corrupt, dataDir: target })).rejects.toMatchObject({
      code: 'BACKUP_ERR_VERIFY',
      message: expect.stringContaining(blob.path) as unknown,
      errors: [{ field: blob.path, message: expect.stringContaining('SHA-256') as unknown }],
    });
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(root)).filter((n) => n.includes('restoring'))).toEqual([]);
  });

  it('refuses a damaged compressed archive', async () => {
    const bytes = await readFile(archive);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    const damaged = join(root, 'out', 'damaged.tar.gz');
    await writeFile(damaged, bytes);
    await expect(restoreBackup({ archive: damaged, dataDir: join(root, 'never') })).rejects.toMatchObject({ code: expect.stringMatching(/^BACKUP_ERR_(VERIFY|MANIFEST)$/) as unknown });
  });

  it('refuses a manifest that lists a file the archive lacks', async () => {
    const manifest = Manifest.parse(JSON.parse('{"format":"tamga-backup/1","createdAt":"2025-01-01T00:00:00Z","tool":{"name":"tamga","version":"0"},"backend":"sqlite","services":[],"privateKeysIncluded":false,"excluded":[],"files":[]}'));
    manifest.files.push({ path: 'intake/intake.sqlite', kind: 'database', sha256: '0'.repeat(64), size: 1, mode: 0o600, secret: false });
    const dir = await mkdtemp(join(root, 'hand-'));
    await writeFile(join(dir, MANIFEST_NAME), JSON.stringify(manifest));
    const { create } = await import('tar');
    const file = join(root, 'out', 'hand.tar');
    await create({ cwd: dir, file }, [MANIFEST_NAME]);
    await expect(verifyArchive(file)).rejects.toMatchObject({ code: 'BACKUP_ERR_VERIFY', errors: [{ field: 'intake/intake.sqlite', message: 'listed in the manifest but missing' }] });
  });

  it('refuses a non-empty data folder unless forced, and then moves the old content aside', async () => {
    const target = join(root, 'busy');
    await mkdir(target);
    await writeFile(join(target, 'something.txt'), 'keep me');
    await expect(restoreBackup({ archive, dataDir: target })).rejects.toMatchObject({ code: 'BACKUP_ERR_TARGET_NOT_EMPTY' });
    expect(await readdir(target)).toEqual(['something.txt']);
    const result = await restoreBackup({ archive, dataDir: target, force: true, now: new Date('2025-05-01T12:00:00Z') });
    expect(result.movedAside).toBe(`${target}.before-restore-2025-05-01T120000.000Z`);
    expect(await readFile(join(result.movedAside ?? '', 'something.txt'), 'utf8')).toBe('keep me');
    expect((await readdir(target)).sort()).toEqual(['intake', 'keys', 'reporting']);
  });

  it('restores into an existing empty folder', async () => {
    const target = join(root, 'empty');
    await mkdir(target);
    await restoreBackup({ archive, dataDir: target });
    expect((await readdir(target)).sort()).toEqual(['intake', 'keys', 'reporting']);
  });

  it('refuses to write the archive inside the data folder it backs up', async () => {
    await expect(takeBackup({ dataDir: data, out: join(data, 'backup.tar') })).rejects.toMatchObject({ code: 'BACKUP_ERR_OUT_INSIDE_DATA' });
    expect((await readdir(data)).filter((n) => n.includes('backup'))).toEqual([]);
  });

  it('refuses to back up a blob whose content no longer matches its name', async () => {
    const damagedData = join(root, 'damaged-data');
    const store = await openSqliteStore({ file: join(damagedData, 'intake', 'intake.sqlite') });
    const ref = await store.blobs.put(new TextEncoder().encode('original bytes'), 'text/plain');
    await store.close();
    const path = `intake/intake.sqlite.blobs/${ref.sha256.slice(0, 2)}/${ref.sha256}`;
    await writeFile(join(damagedData, ...path.split('/')), 'tampered bytes');
    await expect(takeBackup({ dataDir: damagedData, out: join(root, 'out', 'damaged-data.tar') })).rejects.toMatchObject({
      code: 'BACKUP_ERR_BLOB_CORRUPT',
      message: expect.stringContaining(path) as unknown,
    });
    expect((await readdir(join(root, 'out'))).filter((n) => n.startsWith('damaged-data') || n.includes('staging'))).toEqual([]);
  });
});

describe('the tamga backup and restore commands', () => {
  it('back up and restore through the command line, and refuse a MongoDB store with the mongodump route', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      const out = join(root, 'cli', 'lab.tar');
      expect(await backupCommand(['--data', data, '--out', out])).toBe(0);
      expect(lines.join('\n')).toContain('private keys');
      expect(await restoreCommand(['--data', join(root, 'cli', 'data'), out])).toBe(0);
      expect(await restoreCommand(['--data', join(root, 'cli', 'data'), out])).toBe(1);
      expect(lines.join('\n')).toContain('BACKUP_ERR_TARGET_NOT_EMPTY');
      vi.stubEnv('MONGO_URL', 'mongodb://db.example:27017/?replicaSet=rs0');
      expect(await backupCommand(['--data', data, '--out', join(root, 'cli', 'mongo.tar')])).toBe(1);
      expect(lines.join('\n')).toMatch(/BACKUP_ERR_MONGO_BACKEND.*mongodump .*--oplog/);
      await expect(stat(join(root, 'cli', 'mongo.tar'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
    }
  });
});

describe('a backup taken while another process writes', () => {
  it('is a consistent snapshot: the database passes integrity_check and holds whole transactions only', async () => {
    const dir = join(root, 'live');
    const file = join(dir, 'analysis', 'analysis.sqlite');
    await mkdir(join(dir, 'analysis'), { recursive: true });
    const writer = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./concurrent-writer.fixture.ts', import.meta.url)), file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve();
        });
        writer.once('exit', (code) => reject(new Error(`the writer exited early with ${String(code)}`)));
      });
      const counts: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        const out = join(root, 'out', `live-${round}.tar`);
        await takeBackup({ dataDir: dir, out });
        const target = join(root, `live-restored-${round}`);
        await restoreBackup({ archive: out, dataDir: target });
        const db = new Database(join(target, 'analysis', 'analysis.sqlite'), { readonly: true });
        try {
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
          const orders = (db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n;
          const lines = (db.prepare('SELECT count(*) AS n FROM lines').get() as { n: number }).n;
          const counter = db.prepare("SELECT json_extract(doc, '$.value') AS v FROM counter WHERE _id = 'c'").get() as { v: number };
          expect(lines).toBe(orders);
          expect(counter.v).toBe(orders);
          counts.push(orders);
        } finally {
          db.close();
        }
      }
      // The writer kept going during the backups: each snapshot saw more than the one before.
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[2]).toBeGreaterThan(counts[0] ?? 0);
      expect(writer.exitCode).toBeNull();
    } finally {
      writer.kill('SIGKILL');
    }
  }, 120_000);
});

function reportModel(chain: readonly ChainedEvent[]): ReportModelInput {
  const head = chain.at(-1);
  if (head === undefined) throw new Error('empty chain');
  return {
    reportNumber: 'TAM-2025-000001',
    issuedAt: '2025-03-03T10:00:00Z',
    laboratory: { name: { ru: 'Тестовая лаборатория', en: 'Test Laboratory' }, address: { ru: 'г. Ташкент', en: 'Tashkent' } },
    agency: { name: { ru: 'ГУВД', en: 'City Police' }, caseNumber: '2025/1-UD' },
    investigator: { name: 'Karimov A. B.' },
    receivedAt: '2025-03-01T08:00:00Z',
    analysis: { from: '2025-03-01T09:00:00Z', to: '2025-03-02T09:00:00Z' },
    items: [{ labNo: ITEMS[0] ?? '', description: { ru: 'Порошок', en: 'Powder' }, custodyHead: { hash: head.hash, size: chain.length } }],
    results: [{ labNo: ITEMS[0] ?? '', substance: { ru: 'Кокаин', en: 'Cocaine' }, method: { sopId: 'SOP-GCMS-004', version: '3', techniques: ['GC-MS'] } }],
    library: { name: 'SWGDRUG', version: '3.14' },
    authorizer: { name: 'Usmanova D. R.', role: { ru: 'заведующая', en: 'Head of laboratory' }, signedAt: '2025-03-03T09:55:00Z' },
  };
}
