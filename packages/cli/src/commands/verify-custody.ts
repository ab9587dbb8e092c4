import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { custodyErrorTitle, encodePublicKey, verifyBundle, type BundleReport, type ChainHead } from '@tamga/custody';

const HELP = `tamga verify-custody BUNDLE.json [--public-key FILE] [--head LENGTH:HASH] [--json]

Checks an item's custody proof bundle offline: the checkpoint is signed by the lab's Ed25519 key,
every event hashes to its recorded hash and links to the one before it, and every event is in
the signed lab-wide log. Names the first bad event.

  --public-key FILE   the lab's public key (PEM, or base64 of the 32 raw bytes). Without it the
                      key inside the bundle is used, which shows only that the bundle is
                      self-consistent, not that the lab signed it.
  --head LENGTH:HASH  a head recorded earlier (e.g. printed in a report): the chain must extend it,
                      which also catches events cut from the end.
Exit code 0 when the bundle verifies, 1 when it does not.`;

export async function verifyCustodyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'public-key': { type: 'string' },
      head: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (values.help || !file) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const expectedHead = values.head === undefined ? undefined : parseHead(values.head);
  if (expectedHead === 'invalid') {
    console.error('tamga verify-custody: --head must be LENGTH:HASH, e.g. 7:3f5a... (64 hex digits)');
    return 2;
  }

  let bundle: unknown;
  try {
    bundle = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    console.error(`${file}: not a readable JSON bundle (${err instanceof Error ? err.message : String(err)})`);
    return 1;
  }
  const keyFile = values['public-key'];
  const bundleKey = typeof bundle === 'object' && bundle !== null ? (bundle as { publicKey?: unknown }).publicKey : undefined;
  const key = keyFile ? (await readFile(keyFile, 'utf8')).trim() : typeof bundleKey === 'string' ? bundleKey : undefined;
  if (key === undefined) {
    console.error(`${file}: the bundle carries no public key; pass --public-key FILE`);
    return 1;
  }

  let report: BundleReport;
  try {
    report = verifyBundle(bundle, key, expectedHead ? { expectedHead } : {});
  } catch (err) {
    // Only the supplied key can make verifyBundle throw (CUSTODY_ERR_KEY_INVALID).
    console.error(`${keyFile ?? 'bundle publicKey'}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  if (values.json) {
    console.log(JSON.stringify({ file, keySource: keyFile ? 'supplied' : 'bundle', ...report }));
    return report.ok ? 0 : 1;
  }
  if (report.ok) {
    console.log(`${file}: VERIFIED`);
    console.log(`  item:        ${report.item}`);
    console.log(`  events:      ${report.head.length}, head ${report.head.hash}`);
    console.log(`  checkpoint:  ${report.checkpoint.origin}, log size ${report.checkpoint.size}, signed ${report.checkpoint.time}`);
    console.log(`  root:        ${report.checkpoint.rootHash}`);
    console.log(`  key:         ${encodePublicKey(key)} (key ID ${report.keyId})`);
  } else {
    console.log(`${file}: NOT VERIFIED`);
    console.log(`  ${report.reason}: ${custodyErrorTitle(report.reason)}`);
    if (report.index !== undefined) console.log(`  first bad event: #${report.index}${report.eventId ? ` (eventId ${report.eventId})` : ''}`);
    console.log(`  ${report.detail}`);
  }
  if (!keyFile) {
    console.log('  ! no --public-key given: checked against the key inside the bundle, which anyone can replace;');
    console.log("    pass the lab's published key to know the lab signed this.");
  }
  return report.ok ? 0 : 1;
}

function parseHead(text: string): ChainHead | 'invalid' {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!m) return 'invalid';
  return { length: Number(m[1]), hash: m[2] as string };
}
