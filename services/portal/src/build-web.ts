// `pnpm --filter @tamga/portal build:web`: builds the UI into web/dist (or argv[2]).
import { buildWeb } from './web/build.ts';

const out = await buildWeb({ outDir: process.argv[2], logLevel: 'info' });
process.stdout.write(`web UI built into ${out}\n`);
