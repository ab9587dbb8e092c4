import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyReportPdf } from '@tamga/report-pdf';

const HELP = `tamga verify FILE.pdf [--ca LAB-CA.pem] [--json]

Checks a signed report offline: the signature is valid, the signing certificate chains to the
lab CA, and the document is unmodified since signing. Default CA: <data>/keys/pki/lab-ca.pem.
Exit code 0 when the report verifies, 1 when it does not.`;

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ca: { type: 'string' },
      data: { type: 'string', default: process.env.TAMGA_DATA ?? '.data' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (values.help || !file) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const caFile = values.ca ?? join(values.data, 'keys', 'pki', 'lab-ca.pem');
  const [pdf, caCertPem] = await Promise.all([readFile(file), readFile(caFile, 'utf8')]);
  const result = await verifyReportPdf(new Uint8Array(pdf), { caCertPem });
  if (values.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`${file}: ${result.ok ? 'VALID' : 'NOT VALID'}`);
    console.log(`  signature valid:          ${yes(result.valid)}`);
    console.log(`  chains to the lab CA:     ${yes(result.trusted)}`);
    console.log(`  unmodified since signing: ${yes(result.intact)}`);
    console.log(`  signer:                   ${result.signer.name}${result.signer.organization ? `, ${result.signer.organization}` : ''}`);
    if (result.signedAt) console.log(`  signed at:                ${result.signedAt}`);
    if (result.reportNumber) console.log(`  report number:            ${result.reportNumber}`);
    console.log(`  sha256:                   ${result.sha256}`);
    for (const r of result.reasons) console.log(`  ! ${r}`);
  }
  return result.ok ? 0 : 1;
}

function yes(b: boolean): string {
  return b ? 'yes' : 'NO';
}
