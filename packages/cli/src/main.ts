// `tamga`: start the system, drive a demo, search spectra, verify reports and custody bundles offline.
const USAGE = `usage: tamga <command> [options]

commands:
  start                 run nats-server and every service locally (data in ./.data)
  demo --out FILE       drive one item through the whole flow and write the signed report
  verify FILE.pdf       check a report offline: signature, certificate chain, integrity
  verify-custody FILE   check an item's custody proof bundle offline
  search                search spectra against a library (see tamga search --help)
  backup --out FILE     back up the data folder (databases, blobs, keys) into a tar archive
  restore --data DIR F  restore a backup into an empty data folder, verified first
  keys rotate-token-key | rotate-signing-cert
                        new token-signing key or report-signing certificate; what they signed still verifies

Run tamga <command> --help for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./commands/start.ts')).startCommand,
  demo: async () => (await import('./commands/demo.ts')).demoCommand,
  verify: async () => (await import('./commands/verify.ts')).verifyCommand,
  'verify-custody': async () => (await import('./commands/verify-custody.ts')).verifyCustodyCommand,
  backup: async () => (await import('./commands/backup.ts')).backupCommand,
  restore: async () => (await import('./commands/restore.ts')).restoreCommand,
  keys: async () => (await import('./commands/keys.ts')).keysCommand,
  search: async () => {
    const { searchCommand } = await import('./commands/search.ts');
    return (argv) => searchCommand(argv);
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`tamga: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  const run = await load();
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`tamga: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
