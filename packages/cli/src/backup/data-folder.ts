// What a backup takes from the data folder that `tamga start` lays out:
//   <data>/<service>/<service>.sqlite         the service's store (WAL; -wal/-shm are folded in by the copy)
//   <data>/<service>/<service>.sqlite.blobs/  content-addressed blobs, <first two hex>/<sha256>
//   <data>/keys/                              token-signing key, pki/ (lab CA, report signer), custody checkpoint key
//   <data>/<service>/keys/                    a service's own keys when it runs without KEYS_DIR
//   <data>/nats/, <data>/nats-cluster/, <data>/logs/  left out (see EXCLUDED)
// Anything else that is a plain file is copied as it is. Dotfiles are temporary files and locks.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVICES } from '../system/start-system.ts';
import type { FileKind } from './manifest.ts';

export interface PlannedFile {
  /** Path inside the data folder and the archive, POSIX separators. */
  path: string;
  /** Absolute path of the source file. */
  source: string;
  kind: FileKind;
  mode: number;
  secret: boolean;
}

export interface BackupPlan {
  /** Service folders, in the order their databases are copied. */
  services: string[];
  /** Databases first (in service order), then every other file. */
  files: PlannedFile[];
  excluded: { path: string; reason: string }[];
  /** Entries neither copied nor deliberately excluded (symbolic links, sockets...). */
  skipped: { path: string; reason: string }[];
}

export const EXCLUDED: Readonly<Record<string, string>> = {
  nats: 'the JetStream store: every event is kept in the outbox of the service that published it and is republished from there',
  'nats-cluster': 'the JetStream stores and configuration of the local 3-node cluster: republished from the outboxes, configuration rewritten at start',
  logs: 'process logs, not state',
};

const SHA256_NAME = /^[0-9a-f]{64}$/;
const SQLITE_SIDE_FILE = /\.sqlite-(wal|shm|journal)$/;
const PRIVATE_KEY_NAME = /(private|\.key$|\.key\.pem$)/;

/**
 * Consumers before producers: a database copied earlier is older. When every consumer is older
 * than the producers it reads, whatever it has not yet handled is still in a producer's outbox;
 * the other way round, a consumer could hold results of events its producer's copy never made.
 */
export function serviceOrder(names: readonly string[]): string[] {
  const known = [...SERVICES].reverse() as string[];
  const unknown = names.filter((n) => !known.includes(n)).sort();
  return [...unknown, ...known.filter((n) => names.includes(n))];
}

export async function planBackup(dataDir: string): Promise<BackupPlan> {
  const plan: BackupPlan = { services: [], files: [], excluded: [], skipped: [] };
  const databases: PlannedFile[] = [];
  const others: PlannedFile[] = [];
  const serviceDirs: string[] = [];

  for (const entry of await sortedEntries(dataDir)) {
    if (entry.startsWith('.')) continue;
    const source = join(dataDir, entry);
    const info = await lstat(source);
    const reason = EXCLUDED[entry];
    if (reason !== undefined) {
      plan.excluded.push({ path: entry, reason });
    } else if (info.isDirectory()) {
      if (entry === 'keys') await walk(source, entry, 'key', others, plan);
      else serviceDirs.push(entry);
    } else {
      await addFile(source, entry, 'file', others, plan);
    }
  }

  for (const service of serviceOrder(serviceDirs)) {
    const folder = join(dataDir, service);
    let holdsDatabase = false;
    for (const entry of await sortedEntries(folder)) {
      if (entry.startsWith('.') || SQLITE_SIDE_FILE.test(entry)) continue;
      const source = join(folder, entry);
      const path = `${service}/${entry}`;
      const info = await lstat(source);
      if (info.isDirectory()) {
        await walk(source, path, entry.endsWith('.blobs') ? 'blob' : entry === 'keys' ? 'key' : 'file', others, plan);
      } else if (info.isFile() && entry.endsWith('.sqlite')) {
        holdsDatabase = true;
        databases.push(planned(source, path, 'database', info.mode));
      } else {
        await addFile(source, path, 'file', others, plan);
      }
    }
    if (holdsDatabase) plan.services.push(service);
  }
  plan.files = [...databases, ...others];
  return plan;
}

async function walk(dir: string, path: string, kind: FileKind, into: PlannedFile[], plan: BackupPlan): Promise<void> {
  for (const entry of await sortedEntries(dir)) {
    if (entry.startsWith('.')) continue;
    const source = join(dir, entry);
    const info = await lstat(source);
    if (info.isDirectory()) await walk(source, `${path}/${entry}`, kind, into, plan);
    else await addFile(source, `${path}/${entry}`, kind === 'blob' && !SHA256_NAME.test(entry) ? 'file' : kind, into, plan);
  }
}

async function addFile(source: string, path: string, kind: FileKind, into: PlannedFile[], plan: BackupPlan): Promise<void> {
  const info = await lstat(source);
  if (!info.isFile()) {
    plan.skipped.push({ path, reason: info.isSymbolicLink() ? 'a symbolic link (not followed)' : 'not a plain file' });
    return;
  }
  into.push(planned(source, path, kind, info.mode));
}

function planned(source: string, path: string, kind: FileKind, mode: number): PlannedFile {
  const bits = mode & 0o777;
  const name = path.slice(path.lastIndexOf('/') + 1);
  // Readable by its owner only, or named like a private key: treat it as a secret.
  const secret = (bits & 0o077) === 0 || (kind === 'key' && PRIVATE_KEY_NAME.test(name));
  return { path, source, kind, mode: bits, secret };
}

async function sortedEntries(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
