// Where the shipped default goes wrong on the dev queries (run by hand:
// `pnpm exec tsx packages/spectra/test/eval-dev-failures.ts`): for every query whose top hit is
// not its compound, the top 3 hits and the best record of the right compound (rank, score, MF,
// cosine, instrument), to tell apart isomers the spectra cannot separate, mislabelled or
// unkeyed library records, and misses a measure could fix. Diagnosis only, not a selection.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMsp } from '../src/formats/msp.ts';
import { packLibrary } from '../src/library/packed.ts';
import { dotKernel, identityKernel, powerTables, queryWeights } from '../src/scoring/core.ts';
import { COMPOSITE_DOT_POWERS, COMPOSITE_MF_WEIGHT } from '../src/scoring/defaults.ts';
import { derivativeLabel, derivativePenalty } from '../src/scoring/derivative.ts';
import { toNominal } from '../src/scoring/nominal.ts';

const DATA = resolve(import.meta.dirname, '../../../../shared/data/ei-library');
if (!existsSync(resolve(DATA, 'library.msp'))) {
  console.warn(`eval-dev-failures: ${DATA}/library.msp is absent, nothing to do`);
  process.exit(0);
}
const library = parseMsp(readFileSync(resolve(DATA, 'library.msp'), 'utf8'));
const lib = packLibrary(library);
const queries = parseMsp(readFileSync(resolve(DATA, 'queries-dev.msp'), 'utf8'));
const N = library.length;
const keyOf = (ik: string, d: string) => `${ik.slice(0, 14)}|${derivativeLabel(d) || 'none'}`;
const libKey = library.map((s) => keyOf(s.inchikey ?? '', s.derivative ?? ''));
const t = powerTables(COMPOSITE_DOT_POWERS.mz, COMPOSITE_DOT_POWERS.intensity);
const fmt = (s: number) => {
  const r = library[s];
  return `${r?.name ?? '?'} [${libKey[s]}; ${r?.instrumentType ?? '?'}; ${lib.mz.subarray(lib.offsets[s] ?? 0, lib.offsets[s + 1] ?? 0).length} peaks; max ${lib.mz[(lib.offsets[s + 1] ?? 1) - 1]}]`;
};
// --also 59,60: print these queries (1-based) even when right.
const also = new Set((process.argv[process.argv.indexOf('--also') + 1] ?? '').split(',').map(Number));
let right = 0;
queries.forEach((query, qi) => {
  const c = query.comments ?? '';
  const key = keyOf(/Expected_skeleton=([^;"]*)/.exec(c)?.[1] ?? '?', /Expected_derivative=([^;"]*)/.exec(c)?.[1] ?? '');
  const q = toNominal(query);
  const { w, n2 } = queryWeights(q.mz, q.intensity, t);
  const rows: { s: number; score: number; mf: number; cos: number }[] = [];
  for (let s = 0; s < N; s++) {
    const a = lib.offsets[s] ?? 0;
    const b = lib.offsets[s + 1] ?? 0;
    const mf = identityKernel(q.mz, q.intensity, lib.mz, lib.intensity, a, b, false);
    const cos = dotKernel(q.mz, w, n2, lib.mz, lib.intensity, a, b, t);
    const score = Math.max(0, COMPOSITE_MF_WEIGHT * mf + (1 - COMPOSITE_MF_WEIGHT) * 1000 * cos - derivativePenalty(query.derivative, library[s]?.derivative));
    rows.push({ s, score, mf, cos });
  }
  rows.sort((x, y) => y.score - x.score || x.s - y.s);
  if (libKey[rows[0]?.s ?? 0] === key) {
    right++;
    if (!also.has(qi + 1)) return;
  }
  const at = rows.findIndex((r) => libKey[r.s] === key);
  const best = rows[at];
  const sig = q.mz.filter((_, k) => (q.intensity[k] ?? 0) >= 10);
  const i73 = q.intensity[q.mz.indexOf(73)] ?? 0;
  console.log(`\n#${qi + 1} ${query.name} [${key}; ${query.instrumentType}; ${q.mz.length} peaks; max ${q.mz[q.mz.length - 1]}, max >= 1 % ${sig[sig.length - 1]}; m/z 73 at ${q.mz.includes(73) ? i73 : 0}]`);
  rows.slice(0, also.has(qi + 1) ? 6 : 3).forEach((r, k) => console.log(`  ${k + 1}. ${r.score.toFixed(0)} (MF ${r.mf.toFixed(0)}, cos ${(1000 * r.cos).toFixed(0)}) ${fmt(r.s)}`));
  if (best !== undefined) console.log(`  right: rank ${at + 1}, ${best.score.toFixed(0)} (MF ${best.mf.toFixed(0)}, cos ${(1000 * best.cos).toFixed(0)}) ${fmt(best.s)}`);
  else console.log('  right: not in the library');
});
console.log(`\n${right}/${queries.length} right`);
