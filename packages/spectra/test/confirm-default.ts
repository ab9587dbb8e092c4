// Exact confirmation of the shipped default (run by hand:
// `pnpm exec tsx packages/spectra/test/confirm-default.ts`): brute force over every library
// spectrum with scoring/defaults.ts and the derivative check, on the library replicates and the
// dev queries as test/eval-measures.ts defines them, beside the previous default
// (0.15 * MF + 0.85 * cos(m/z^2.5 * I^0.5), no derivative check). No shortlist, no bounds.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMsp } from '../src/formats/msp.ts';
import { dotKernel, identityKernel, powerTables, queryWeights } from '../src/scoring/core.ts';
import { COMPOSITE_DOT_POWERS, COMPOSITE_MF_WEIGHT } from '../src/scoring/defaults.ts';
import { derivativeLabel, derivativePenalty } from '../src/scoring/derivative.ts';
import { toNominal, type NominalSpectrum } from '../src/scoring/nominal.ts';

const DATA = resolve(import.meta.dirname, '../../../../shared/data/ei-library');
if (!existsSync(resolve(DATA, 'library.msp'))) {
  console.warn(`confirm-default: ${DATA}/library.msp is absent, nothing to do`);
  process.exit(0);
}
const library = parseMsp(readFileSync(resolve(DATA, 'library.msp'), 'utf8'));
const devSpectra = parseMsp(readFileSync(resolve(DATA, 'queries-dev.msp'), 'utf8'));
const nominal = library.map((s) => toNominal(s));
const offsets = [0];
for (const s of nominal) offsets.push((offsets.at(-1) ?? 0) + s.mz.length);
const mz = new Uint16Array(offsets.at(-1) ?? 0);
const intensity = new Uint16Array(mz.length);
nominal.forEach((s, k) => {
  mz.set(s.mz, offsets[k]);
  intensity.set(s.intensity, offsets[k]);
});
const keyOf = (ik: string, d: string) => `${ik.slice(0, 14)}|${derivativeLabel(d) || 'none'}`;
const libKeys = library.map((s) => keyOf(s.inchikey ?? '', s.derivative ?? ''));

interface Query {
  q: NominalSpectrum;
  key: string;
  self: number;
  deriv: string;
}
const dev: Query[] = devSpectra.map((s) => {
  const c = s.comments ?? '';
  return { q: toNominal(s), key: keyOf(/Expected_skeleton=([^;"]*)/.exec(c)?.[1] ?? '?', /Expected_derivative=([^;"]*)/.exec(c)?.[1] ?? ''), self: -1, deriv: s.derivative ?? '' };
});
const size = new Map<string, number>();
library.forEach((s, k) => {
  if ((s.inchikey ?? '').length >= 14) size.set(libKeys[k] ?? '', (size.get(libKeys[k] ?? '') ?? 0) + 1);
});
const rep: Query[] = [];
library.forEach((s, k) => {
  const n = nominal[k];
  if ((s.inchikey ?? '').length < 14 || (size.get(libKeys[k] ?? '') ?? 0) < 2 || n === undefined || n.mz.length === 0) return;
  rep.push({ q: n, key: libKeys[k] ?? '', self: k, deriv: s.derivative ?? '' });
});

interface Variant {
  name: string;
  wmf: number;
  mz: number;
  int: number;
  derivative: boolean;
}
const variants: Variant[] = [
  { name: 'previous default 0.15*MF + 0.85*cos(mz^2.5 I^0.5)', wmf: 0.15, mz: 2.5, int: 0.5, derivative: false },
  { name: `shipped default, spectra only ${COMPOSITE_MF_WEIGHT}*MF + ${1 - COMPOSITE_MF_WEIGHT}*cos(mz^${COMPOSITE_DOT_POWERS.mz} I^${COMPOSITE_DOT_POWERS.intensity})`, wmf: COMPOSITE_MF_WEIGHT, mz: COMPOSITE_DOT_POWERS.mz, int: COMPOSITE_DOT_POWERS.intensity, derivative: false },
  { name: 'shipped default with the derivative check', wmf: COMPOSITE_MF_WEIGHT, mz: COMPOSITE_DOT_POWERS.mz, int: COMPOSITE_DOT_POWERS.intensity, derivative: true },
];

function run(qs: Query[]): { top1: number[][]; top5: number[][] } {
  const top1 = variants.map(() => [] as number[]);
  const top5 = variants.map(() => [] as number[]);
  for (const query of qs) {
    const { q } = query;
    const mf = new Float64Array(library.length);
    for (let s = 0; s < library.length; s++) mf[s] = s === query.self ? -Infinity : identityKernel(q.mz, q.intensity, mz, intensity, offsets[s] ?? 0, offsets[s + 1] ?? 0, false);
    variants.forEach((v, vi) => {
      const t = powerTables(v.mz, v.int);
      const { w, n2 } = queryWeights(q.mz, q.intensity, t);
      const best: { s: number; score: number }[] = [];
      for (let s = 0; s < library.length; s++) {
        if (s === query.self) continue;
        let score = v.wmf * (mf[s] ?? 0) + (1 - v.wmf) * 1000 * dotKernel(q.mz, w, n2, mz, intensity, offsets[s] ?? 0, offsets[s + 1] ?? 0, t);
        if (v.derivative) score = Math.max(0, score - derivativePenalty(query.deriv, library[s]?.derivative));
        if (best.length === 5 && score <= (best[4]?.score ?? 0)) continue;
        let at = best.length;
        while (at > 0 && (best[at - 1]?.score ?? 0) < score) at--;
        best.splice(at, 0, { s, score });
        if (best.length > 5) best.pop();
      }
      top1[vi]?.push(libKeys[best[0]?.s ?? -1] === query.key ? 1 : 0);
      top5[vi]?.push(best.some((h) => libKeys[h.s] === query.key) ? 1 : 0);
    });
  }
  return { top1, top5 };
}

const d = run(dev);
const r = run(rep);
// Per compound: each compound of the replicate set counts once, spread over its records.
const per = new Map<string, number>();
for (const q of rep) per.set(q.key, (per.get(q.key) ?? 0) + 1);
const byCompound = (v: number[]) => (100 * rep.reduce((t, q, k) => t + (v[k] ?? 0) / (per.get(q.key) ?? 1), 0)) / per.size;
const total = (v: number[]) => v.reduce((a, b) => a + b, 0);
console.log(`replicates: ${rep.length} queries of ${per.size} compounds; dev: ${dev.length} queries`);
variants.forEach((v, vi) => {
  console.log(
    `${v.name}: replicates top-1 ${byCompound(r.top1[vi] ?? []).toFixed(1)} % top-5 ${byCompound(r.top5[vi] ?? []).toFixed(1)} % (per compound; per record ${((100 * total(r.top1[vi] ?? [])) / rep.length).toFixed(1)} %); dev top-1 ${total(d.top1[vi] ?? [])} top-5 ${total(d.top5[vi] ?? [])}`,
  );
});
