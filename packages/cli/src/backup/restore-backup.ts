// Restores a backup into an empty data folder. Two passes over the archive: the first reads every
// entry, hashes it and checks it against the manifest without writing a byte; only a clean
// archive is extracted, into a folder beside the target, checked again from the disk (the
// archive may have changed in between), fsynced, and then renamed into place in one step.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { extract, list } from 'tar';
import type { ReadEntry } from 'tar';
import type { FieldError } from '@tamga/contracts';
import { BackupErrors } from './errors.ts';
import { hashFile, syncPath } from './files.ts';
import type { Digest } from './files.ts';
import { Manifest, MANIFEST_NAME } from './manifest.ts';

export interface RestoreOptions {
  archive: string;
  dataDir: string;
  /** Restore even when the data folder holds files: they are moved aside, never deleted. */
  force?: boolean;
  now?: Date;
}

export interface RestoreResult {
  dataDir: string;
  manifest: Manifest;
  /** Where the folder's earlier content went (with --force on a non-empty folder). */
  movedAside?: string;
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const archive = resolve(options.archive);
  const target = resolve(options.dataDir);
  const manifest = await verifyArchive(archive);

  const existing = await folderEntries(target);
  if (existing !== undefined && existing.length > 0 && options.force !== true) {
    throw BackupErrors.BACKUP_ERR_TARGET_NOT_EMPTY(
      `${target} already holds ${existing.length} entr${existing.length === 1 ? 'y' : 'ies'} (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', ...' : ''}); restore into an empty folder, or pass --force to move them aside`,
    );
  }

  await mkdir(dirname(target), { recursive: true });
  const staging = join(dirname(target), `.${basename(target)}.restoring-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  try {
    await extract({ file: archive, cwd: staging, strict: true, preservePaths: false, filter: (path) => normalise(path) !== MANIFEST_NAME });
    await checkExtracted(staging, manifest);
    await settle(staging, manifest);

    let movedAside: string | undefined;
    if (existing !== undefined && existing.length > 0) {
      movedAside = `${target}.before-restore-${(options.now ?? new Date()).toISOString().replaceAll(':', '')}`;
      await rename(target, movedAside);
    }
    // rename(2) replaces an empty folder in one step.
    await rename(staging, target);
    await syncPath(dirname(target));
    return { dataDir: target, manifest, ...(movedAside === undefined ? {} : { movedAside }) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Reads the whole archive and checks it against its manifest, writing nothing. Fails with
 * BACKUP_ERR_MANIFEST (no valid manifest first), BACKUP_ERR_UNSAFE_ENTRY (a link, device or path
 * escaping the folder) or BACKUP_ERR_VERIFY naming every file that differs, is missing or is extra.
 */
export async function verifyArchive(archive: string): Promise<Manifest> {
  const digests = new Map<string, Digest>();
  const unsafe: FieldError[] = [];
  const duplicates: string[] = [];
  const order: string[] = [];
  let manifestText = '';
  const reading: Promise<void>[] = [];

  const onReadEntry = (entry: ReadEntry): void => {
    const path = normalise(entry.path);
    order.push(path);
    if (!isSafePath(path)) unsafe.push({ field: entry.path, message: 'a path outside the data folder' });
    if (entry.type === 'Directory') {
      entry.resume();
      return;
    }
    if (entry.type !== 'File' && entry.type !== 'OldFile') {
      unsafe.push({ field: entry.path, message: `a ${entry.type} entry` });
      entry.resume();
      return;
    }
    if (digests.has(path) || (path === MANIFEST_NAME && order.indexOf(path) !== order.length - 1)) duplicates.push(path);
    reading.push(
      new Promise<void>((done, fail) => {
        const hash = createHash('sha256');
        const chunks: Buffer[] = [];
        let size = 0;
        entry.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          size += chunk.byteLength;
          if (path === MANIFEST_NAME) chunks.push(chunk);
        });
        entry.on('end', () => {
          digests.set(path, { sha256: hash.digest('hex'), size });
          if (path === MANIFEST_NAME) manifestText = Buffer.concat(chunks).toString('utf8');
          done();
        });
        entry.on('error', fail);
      }),
    );
  };

  try {
    await list({ file: archive, strict: true, onReadEntry });
    await Promise.all(reading);
  } catch (err) {
    throw BackupErrors.BACKUP_ERR_VERIFY(`${archive}: not a readable backup archive (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (unsafe.length > 0) {
    throw BackupErrors.BACKUP_ERR_UNSAFE_ENTRY(`${archive}: ${unsafe.map((u) => `${u.field}: ${u.message}`).join('; ')}`, { errors: unsafe });
  }
  const firstFile = order.find((p) => digests.has(p));
  if (firstFile !== MANIFEST_NAME) {
    throw BackupErrors.BACKUP_ERR_MANIFEST(`${archive}: the first entry is ${firstFile ?? 'missing'}, not ${MANIFEST_NAME}; this is not a tamga backup`);
  }
  const manifest = parseManifest(manifestText, archive);
  digests.delete(MANIFEST_NAME);
  const problems = compare(manifest, digests);
  for (const path of duplicates) problems.push({ field: path, message: 'appears more than once in the archive' });
  if (problems.length > 0) {
    throw BackupErrors.BACKUP_ERR_VERIFY(`${archive}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { errors: problems });
  }
  return manifest;
}

function parseManifest(text: string, archive: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw BackupErrors.BACKUP_ERR_MANIFEST(`${archive}: ${MANIFEST_NAME} is not JSON`, { cause: err });
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    throw BackupErrors.BACKUP_ERR_MANIFEST(`${archive}: ${MANIFEST_NAME} is malformed`, {
      cause: parsed.error,
      errors: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  const seen = new Set<string>();
  for (const file of parsed.data.files) {
    if (seen.has(file.path) || file.path === MANIFEST_NAME) throw BackupErrors.BACKUP_ERR_MANIFEST(`${archive}: ${MANIFEST_NAME} lists ${file.path} twice`);
    seen.add(file.path);
  }
  return parsed.data;
}

/** Every listed file present with its hash and size, a blob's hash equal to its name, nothing unlisted. */
function compare(manifest: Manifest, found: ReadonlyMap<string, Digest>): FieldError[] {
  const problems: FieldError[] = [];
  for (const file of manifest.files) {
    const digest = found.get(file.path);
    if (digest === undefined) problems.push({ field: file.path, message: 'listed in the manifest but missing' });
    else if (digest.size !== file.size) problems.push({ field: file.path, message: `${digest.size} bytes, the manifest says ${file.size}` });
    else if (digest.sha256 !== file.sha256) problems.push({ field: file.path, message: `SHA-256 ${digest.sha256}, the manifest says ${file.sha256}` });
    else if (file.kind === 'blob' && basename(file.path) !== file.sha256) problems.push({ field: file.path, message: 'a blob whose content does not hash to its name' });
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const path of found.keys()) if (!listed.has(path)) problems.push({ field: path, message: 'in the archive but not in the manifest' });
  return problems;
}

/** The extracted folder must hold exactly the manifest's files, byte for byte. */
async function checkExtracted(root: string, manifest: Manifest): Promise<void> {
  const found = new Map<string, Digest>();
  for (const path of await filesUnder(root, '')) found.set(path, await hashFile(join(root, ...path.split('/'))));
  const problems = compare(manifest, found);
  if (problems.length > 0) {
    throw BackupErrors.BACKUP_ERR_VERIFY(`the archive changed while it was restored: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { errors: problems });
  }
  for (const file of manifest.files.filter((f) => f.kind === 'database')) {
    const db = new Database(join(root, ...file.path.split('/')), { readonly: true, fileMustExist: true });
    try {
      const verdict = db.pragma('integrity_check', { simple: true });
      if (verdict !== 'ok') throw BackupErrors.BACKUP_ERR_VERIFY(`${file.path}: SQLite integrity check: ${String(verdict)}`, { errors: [{ field: file.path, message: String(verdict) }] });
    } finally {
      db.close();
    }
  }
}

/** Modes as recorded (keys folders 0700), then every file and folder fsynced, deepest first. */
async function settle(root: string, manifest: Manifest): Promise<void> {
  const folders = new Set<string>();
  for (const file of manifest.files) {
    const segments = file.path.split('/');
    const path = join(root, ...segments);
    await chmod(path, file.mode);
    await syncPath(path);
    for (let i = 1; i < segments.length; i += 1) folders.add(segments.slice(0, i).join('/'));
  }
  for (const folder of [...folders].sort((a, b) => b.split('/').length - a.split('/').length)) {
    const path = join(root, ...folder.split('/'));
    if (folder === 'keys' || folder.endsWith('/keys')) await chmod(path, 0o700);
    await syncPath(path);
  }
  await syncPath(root);
}

async function filesUnder(root: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(join(root, ...prefix.split('/').filter(Boolean)))) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    const info = await lstat(join(root, ...path.split('/')));
    if (info.isDirectory()) out.push(...(await filesUnder(root, path)));
    else out.push(path);
  }
  return out;
}

async function folderEntries(path: string): Promise<string[] | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return undefined;
  if (!info.isDirectory()) throw BackupErrors.BACKUP_ERR_TARGET_NOT_EMPTY(`${path} exists and is not a folder`);
  return readdir(path);
}

function normalise(path: string): string {
  return path.replace(/^\.\//, '').replace(/\/+$/, '');
}

function isSafePath(path: string): boolean {
  return !path.startsWith('/') && path.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\\'));
}
