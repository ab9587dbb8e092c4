import { parseArgs } from 'node:util';
import { isDomainError } from '@tamga/contracts';
import { BackupErrors } from '../backup/errors.ts';
import { takeBackup } from '../backup/take-backup.ts';

const HELP = `tamga backup --out FILE.tar[.gz] [--data DIR]

Backs up a data folder of the SQLite backend, also while tamga start is running: every service
database (SQLite online backup), every blob (checked against its SHA-256 name), and the keys
folder, private keys included. The NATS store is left out: the outboxes republish it.
The archive starts with manifest.json (SHA-256, size and mode of every file); it is written 0600.

  --data DIR   the data folder (default $TAMGA_DATA or .data)
  --out FILE   the archive to write; .gz or .tgz compresses it. Must not exist.
With MONGO_URL set the store is in MongoDB: use mongodump --oplog (see packages/cli/README.md).`;

export async function backupCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: process.env.TAMGA_DATA ?? '.data' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || values.out === undefined) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  try {
    if (process.env.MONGO_URL) {
      throw BackupErrors.BACKUP_ERR_MONGO_BACKEND(
        'MONGO_URL is set, so the records and blobs live in MongoDB, which tamga backup does not copy. Back the database up with `mongodump --uri "$MONGO_URL" --oplog --gzip --archive=FILE` and the keys folder of the data folder separately (see packages/cli/README.md).',
      );
    }
    const result = await takeBackup({ dataDir: values.data, out: values.out });
    const { manifest } = result;
    const count = (kind: string): number => manifest.files.filter((f) => f.kind === kind).length;
    console.log(`${result.file}: ${result.size} bytes`);
    console.log(`  databases: ${count('database')} (${manifest.services.join(', ')}), blobs: ${count('blob')}, keys: ${count('key')}, other files: ${count('file')}`);
    for (const e of manifest.excluded) console.log(`  left out ${e.path}/: ${e.reason}`);
    for (const s of result.skipped) console.log(`  ! skipped ${s.path}: ${s.reason}`);
    const secrets = manifest.files.filter((f) => f.secret).map((f) => f.path);
    if (secrets.length > 0) {
      console.log(`  ! the archive holds ${secrets.length} private keys and secrets (${secrets.join(', ')}): keep it as safe as the keys.`);
    }
    return 0;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    console.error(`tamga backup: ${err.code}: ${err.message}`);
    return 1;
  }
}
