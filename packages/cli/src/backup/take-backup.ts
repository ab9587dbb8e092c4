// Takes a backup of a data folder while the services may be running: each SQLite database through
// SQLite's online backup API (a consistent snapshot, whatever the writers do meanwhile), each blob
// checked against its SHA-256 name as it is copied, the keys as they are. Everything is staged
// beside the archive, listed in the manifest, then packed with the manifest first.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { create as createTar } from 'tar';
import { BackupErrors } from './errors.ts';
import { copyHashed, hashFile, syncPath } from './files.ts';
import type { Digest } from './files.ts';
import { planBackup } from './data-folder.ts';
import type { PlannedFile } from './data-folder.ts';
import { BACKUP_FORMAT, MANIFEST_NAME } from './manifest.ts';
import type { Manifest, ManifestFile } from './manifest.ts';

export interface TakeBackupOptions {
  dataDir: string;
  /** The archive to write; gzip-compressed when it ends in `.gz` or `.tgz`. Must not exist. */
  out: string;
  now?: Date;
}

export interface BackupResult {
  file: string;
  manifest: Manifest;
  /** Bytes of the archive. */
  size: number;
  skipped: { path: string; reason: string }[];
}

export async function takeBackup(options: TakeBackupOptions): Promise<BackupResult> {
  const dataDir = resolve(options.dataDir);
  const out = resolve(options.out);
  const info = await stat(dataDir).catch(() => undefined);
  if (!info?.isDirectory()) throw BackupErrors.BACKUP_ERR_NO_DATA(`${dataDir} is not a folder`);
  const inside = relative(dataDir, out);
  if (!inside.startsWith('..') && !inside.startsWith('/')) {
    throw BackupErrors.BACKUP_ERR_OUT_INSIDE_DATA(`${out} is inside the data folder ${dataDir}; write the archive elsewhere`);
  }
  const plan = await planBackup(dataDir);
  if (plan.files.length === 0) throw BackupErrors.BACKUP_ERR_NO_DATA(`${dataDir} holds no databases, blobs or keys`);

  await mkdir(dirname(out), { recursive: true });
  // Staged beside the archive: the user chose that disk for the backup's size.
  const staging = await mkdtemp(join(dirname(out), `.${basename(out)}.staging-`));
  try {
    await chmod(staging, 0o700);
    const files: ManifestFile[] = [];
    for (const file of plan.files) {
      const target = join(staging, ...file.path.split('/'));
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      const digest = file.kind === 'database' ? await copyDatabase(file.source, target) : await copyFile(file, target);
      files.push({ path: file.path, kind: file.kind, sha256: digest.sha256, size: digest.size, mode: file.mode, secret: file.secret });
    }
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      createdAt: (options.now ?? new Date()).toISOString(),
      tool: { name: 'tamga', version: await toolVersion() },
      backend: 'sqlite',
      services: plan.services,
      privateKeysIncluded: files.some((f) => f.secret && f.kind === 'key'),
      excluded: plan.excluded,
      files,
    };
    await writeFile(join(staging, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });

    const partial = `${out}.${randomBytes(6).toString('hex')}.partial`;
    try {
      // The archive holds private keys: readable by its owner only, like the keys themselves.
      await pipeline(
        createTar({ cwd: staging, gzip: /\.(gz|tgz)$/.test(out), portable: true, strict: true }, [MANIFEST_NAME, ...files.map((f) => f.path)]),
        createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
      );
      await syncPath(partial);
      await rename(partial, out);
      await syncPath(dirname(out));
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    return { file: out, manifest, size: (await stat(out)).size, skipped: plan.skipped };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Copies a live database with SQLite's backup API. The first step copies 100 pages; the progress
 * callback then asks for all remaining pages in one step, which reads one snapshot: a write by
 * another connection between steps only restarts the copy, so it cannot livelock on a busy
 * service. The copy is switched out of WAL so it is one self-contained file, then checked.
 */
async function copyDatabase(source: string, target: string): Promise<Digest> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    await db.backup(target, { progress: ({ remainingPages }) => Math.max(remainingPages, 100) });
  } finally {
    db.close();
  }
  const copy = new Database(target);
  try {
    copy.pragma('journal_mode = DELETE');
    const verdict = copy.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') throw BackupErrors.BACKUP_ERR_DATABASE_CORRUPT(`${source}: the copy failed SQLite's integrity check: ${String(verdict)}`);
  } finally {
    copy.close();
  }
  await chmod(target, 0o600);
  return hashFile(target);
}

async function copyFile(file: PlannedFile, target: string): Promise<Digest> {
  const digest = await copyHashed(file.source, target, file.mode | 0o600);
  if (file.kind === 'blob' && digest.sha256 !== basename(file.path)) {
    throw BackupErrors.BACKUP_ERR_BLOB_CORRUPT(
      `${file.path}: the content hashes to ${digest.sha256}, not to its name; the data folder is damaged (restore this blob from an earlier backup)`,
      { errors: [{ field: file.path, message: `sha256 ${digest.sha256}` }] },
    );
  }
  await chmod(target, file.mode);
  return digest;
}

async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
