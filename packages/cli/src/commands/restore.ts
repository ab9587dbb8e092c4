import { parseArgs } from 'node:util';
import { isDomainError } from '@tamga/contracts';
import { restoreBackup } from '../backup/restore-backup.ts';

const HELP = `tamga restore --data DIR [--force] FILE.tar[.gz]

Restores a backup written by tamga backup into DIR. Every file is checked against the archive's
manifest before anything is written; the restored folder appears in one rename, fsynced.
DIR must be empty or absent; --force moves an existing DIR aside (DIR.before-restore-TIME),
it never deletes it. Stop the services first. After tamga start, the services republish their
outboxes to the fresh NATS store.`;

export async function restoreCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (values.help || file === undefined || values.data === undefined) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  try {
    const result = await restoreBackup({ archive: file, dataDir: values.data, force: values.force });
    const { manifest } = result;
    console.log(`${result.dataDir}: restored ${manifest.files.length} files from a backup of ${manifest.createdAt} (tamga ${manifest.tool.version})`);
    console.log(`  services: ${manifest.services.join(', ')}; every file matched the manifest`);
    if (result.movedAside !== undefined) console.log(`  the folder's earlier content is in ${result.movedAside}`);
    return 0;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    console.error(`tamga restore: ${err.code}: ${err.message}`);
    return 1;
  }
}
