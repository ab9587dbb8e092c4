import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runItemThroughLab } from '../demo/flow.ts';
import { demoCredentials } from '../demo/tokens.ts';

const HELP = `tamga demo --out FILE.pdf [--data DIR] [--lab CODE]
           [--intake URL --analysis URL --reporting URL]
           [--spectrum FILE] [--library FILE.msp]

Drives one evidence item through the running system (start it with \`tamga start\`): intake,
analysis request, library search, findings, second-person review, and the signed report, which
it writes to FILE.pdf. Tokens are signed with the key in DIR/keys (default ./.data).
Without --library it imports a small synthetic demo library; without --spectrum it uploads a
noisy copy of one of its spectra.`;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      data: { type: 'string', default: process.env.TAMGA_DATA ?? '.data' },
      lab: { type: 'string', default: process.env.LAB_CODE ?? 'LAB' },
      intake: { type: 'string', default: 'http://127.0.0.1:3001' },
      analysis: { type: 'string', default: 'http://127.0.0.1:3002' },
      reporting: { type: 'string', default: 'http://127.0.0.1:3003' },
      spectrum: { type: 'string' },
      library: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || values.out === undefined) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const credentials = await demoCredentials({ keysDir: join(values.data, 'keys'), lab: values.lab });
  const result = await runItemThroughLab({
    urls: { intake: values.intake, analysis: values.analysis, reporting: values.reporting },
    tokens: credentials.token,
    eSign: credentials.eSign,
    ...(values.spectrum === undefined ? {} : { spectrumFile: values.spectrum }),
    ...(values.library === undefined ? {} : { libraryFile: values.library }),
    log: (line) => console.log(`  ${line}`),
  });
  const out = resolve(values.out);
  await writeFile(out, result.pdf);
  console.log(`
lab number     ${result.labNo}
substance      ${result.substance}
report number  ${result.reportNumber}
signed report  ${out}

Check it offline:
  tamga verify ${values.out} --ca ${join(values.data, 'keys', 'pki', 'lab-ca.pem')}`);
  return 0;
}
