// `tamga keys`: rotate the portal's token-signing key or the lab's report-signing certificate
// without invalidating what they signed before.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rotateSigningCertificate } from '@tamga/report-pdf';
import { rotateTokenKey } from '@tamga/service-kit';

const HELP = `tamga keys <rotate-token-key | rotate-signing-cert> [options]

rotate-token-key [--keys DIR] [--keep SECONDS]
  Creates a new token-signing key (new kid). The previous public key stays in the portal's JWKS
  and in token-signing.public.jwk.json for --keep seconds (default 3600: longer than any access
  token or e-signature lives). Running portals sign with the new key from their next token on
  (they look at the key files at most every 2 s); services accept both keys meanwhile. Default
  DIR: <data>/keys.

rotate-signing-cert [--pki DIR] [--years N]
  Issues a new report-signing certificate from the lab CA (the old one is kept in DIR/retired,
  its key destroyed). The running reporting service signs its next report with it; reports
  issued before still verify against the same lab CA. Default DIR: <data>/keys/pki.

Common: --data DIR (default $TAMGA_DATA or .data), --json.`;

export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string', default: process.env.TAMGA_DATA ?? '.data' },
      keys: { type: 'string' },
      pki: { type: 'string' },
      keep: { type: 'string', default: '3600' },
      years: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const action = positionals[0];
  if (values.help || action === undefined) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const print = (result: object, lines: string[]): void => {
    console.log(values.json ? JSON.stringify(result) : lines.join('\n'));
  };

  if (action === 'rotate-token-key') {
    const keepSeconds = Number(values.keep);
    if (!Number.isInteger(keepSeconds) || keepSeconds < 1) {
      console.error('tamga keys: --keep must be a whole number of seconds');
      return 2;
    }
    const dir = values.keys ?? join(values.data, 'keys');
    const rotation = await rotateTokenKey(dir, { keepSeconds });
    print({ ...rotation, keysDir: dir }, [
      `new token-signing key: ${rotation.kid}`,
      `previous key ${rotation.previousKid} stays published until ${rotation.verifyUntil}`,
      'running portals sign new tokens and e-signatures with it from now on (no restart needed)',
    ]);
    return 0;
  }
  if (action === 'rotate-signing-cert') {
    const years = Number(values.years);
    if (!Number.isInteger(years) || years < 1 || years > 10) {
      console.error('tamga keys: --years must be a whole number from 1 to 10');
      return 2;
    }
    const dir = values.pki ?? join(values.data, 'keys', 'pki');
    const rotation = await rotateSigningCertificate(dir, { years });
    print({ ...rotation, pkiDir: dir }, [
      `new report-signing certificate: serial ${rotation.serialNumber}, valid until ${rotation.notAfter}`,
      `previous certificate ${rotation.previousSerialNumber} kept in ${rotation.retiredCertFile}`,
      'the running reporting service signs new reports with it from now on; earlier reports still verify',
    ]);
    return 0;
  }
  console.error(`tamga keys: unknown action '${action}'\n\n${HELP}`);
  return 2;
}
