// Exact brute-force confirmation of the finalists of test/eval-cosine-variants.ts beside the
// shipped default (run by hand: `pnpm exec tsx packages/spectra/test/eval-confirm-candidates.ts`).
// Every query is scored against every library spectrum (no shortlist, no bounds). Each finalist
// keeps the NIST identity MF exactly (full spectra) and changes only
// - the cosine's query side: peaks below qFloor (of 999) dropped from the query's weight vector
//   (library weights and norms untouched, so an index built for the shipped cosine bounds it);
// - a "low-mass" penalty: `pen` score units (of 1000) off a hit whose highest m/z with
//   intensity >= 10 (1 % of base peak) lies more than `gap` below the query's highest such m/z,
//   i.e. the reference spectrum lacks the query's heaviest ions. One number per library spectrum;
//   it only lowers scores, so an index's upper bounds stay valid (like the derivative check);
//   variants marked noBleed take the query's highest such m/z ignoring the column-bleed ions
//   207, 281, 355 and 429 (the library side unchanged);
// plus the derivative check of the default. Figures: replicate set counted once per compound,
// overall and on underivatised EI-B records, and the dev queries; with a paired bootstrap over
// compounds of the top-1 difference to the default.
// Figures of the run of 2026-11-23 (the default's in brackets, same run): query floor 0.5 % +
// low-mass penalty 30 (gap 10) at 0.2*MF: rep top-1 75.20 % (74.43), top-5 89.87 % (89.45), EI-B 74.48 % (74.41) / 89.85 % (89.59), dev 81/95
// (79/94). At 0.15*MF it gives dev 82 but is below 0.2*MF on rep (75.05 %, EI-B 74.44 %): the
// extra dev query (#60: butyl phenyl ether vs phenyl propionate, both nominal mass 150, scores
// 942 vs 943 under the default) is a coin flip, so choosing 0.15 would be dev fitting.
// Bleed-ion exclusion (run of 2026-11-23 16:03): the query max ignoring 207/281/355/429 gives
// the same figures as the plain penalty at 30 and at 50 (no top-1 or top-5 change, same dev
// flips); only 19 of 4421 replicate queries (15 compounds) and 1 dev query (#65, oleamide,
// M+ 281, a real molecular ion) have such an ion as their highest significant m/z - this
// library data holds no bleed, so it cannot show the benefit, only that the cost is nil here.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMsp } from '../src/formats/msp.ts';
import { packLibrary } from '../src/library/packed.ts';
import { dotKernel, identityKernel, powerTables } from '../src/scoring/core.ts';
import { derivativeLabel, derivativePenalty } from '../src/scoring/derivative.ts';
import { toNominal, type NominalSpectrum } from '../src/scoring/nominal.ts';

const DATA = resolve(import.meta.dirname, '../../../../shared/data/ei-library');
if (!existsSync(resolve(DATA, 'library.msp'))) {
  console.warn(`eval-confirm-candidates: ${DATA}/library.msp is absent, nothing to do`);
  process.exit(0);
}
const library = parseMsp(readFileSync(resolve(DATA, 'library.msp'), 'utf8'));
const lib = packLibrary(library);
const devSpectra = parseMsp(readFileSync(resolve(DATA, 'queries-dev.msp'), 'utf8'));
const N = library.length;
const keyOf = (ik: string, d: string) => `${ik.slice(0, 14)}|${derivativeLabel(d) || 'none'}`;
const libKey = library.map((s) => keyOf(s.inchikey ?? '', s.derivative ?? ''));
const SIG = 10;
// High polysiloxane column-bleed ions: a query variant takes its highest significant m/z without
// them, so bleed left in a query does not penalise correct hits (73 / 147 / 221 are siloxane
// ions too but low, and kept).
const BLEED = new Set([207, 281, 355, 429]);
const maxSig = (mz: Uint16Array, it: Uint16Array, a: number, b: number, skip?: ReadonlySet<number>): number => {
  let mx = 0;
  for (let p = a; p < b; p++) if ((it[p] ?? 0) >= SIG && !skip?.has(mz[p] ?? 0)) mx = mz[p] ?? 0;
  return mx;
};
const libMax = Uint16Array.from({ length: N }, (_, s) => maxSig(lib.mz, lib.intensity, lib.offsets[s] ?? 0, lib.offsets[s + 1] ?? 0));

interface Query {
  q: NominalSpectrum;
  key: string;
  self: number;
  deriv: string;
  eib: boolean;
}
const dev: Query[] = devSpectra.map((s) => {
  const c = s.comments ?? '';
  return {
    q: toNominal(s),
    key: keyOf(/Expected_skeleton=([^;"]*)/.exec(c)?.[1] ?? '?', /Expected_derivative=([^;"]*)/.exec(c)?.[1] ?? ''),
    self: -1,
    deriv: s.derivative ?? '',
    eib: s.instrumentType === 'EI-B' && derivativeLabel(s.derivative) === '',
  };
});
const size = new Map<string, number>();
library.forEach((s, k) => {
  if ((s.inchikey ?? '').length >= 14) size.set(libKey[k] ?? '', (size.get(libKey[k] ?? '') ?? 0) + 1);
});
const rep: Query[] = [];
library.forEach((s, k) => {
  const a = lib.offsets[k] ?? 0;
  const b = lib.offsets[k + 1] ?? 0;
  if ((s.inchikey ?? '').length < 14 || (size.get(libKey[k] ?? '') ?? 0) < 2 || b <= a) return;
  rep.push({ q: { mz: lib.mz.slice(a, b), intensity: lib.intensity.slice(a, b) }, key: libKey[k] ?? '', self: k, deriv: s.derivative ?? '', eib: s.instrumentType === 'EI-B' && derivativeLabel(s.derivative) === '' });
});

interface Variant {
  name: string;
  qFloor: number;
  gap: number;
  pen: number;
  /** Weight of the MF (the cosine gets 1 - this); the shipped 0.2 unless given. */
  wmf?: number;
  /** The query's highest significant m/z ignores the bleed ions (the library side unchanged). */
  noBleed?: boolean;
}
const variants: Variant[] = [
  { name: 'shipped default 0.2*MF + 0.8*1000*cos(mz^1.5 I^0.5)', qFloor: 0, gap: 0, pen: 0 },
  { name: 'query floor 0.5 % + low-mass penalty 30 (gap 10)', qFloor: 5, gap: 10, pen: 30 },
  { name: 'query floor 0.5 % + low-mass penalty 50 (gap 10)', qFloor: 5, gap: 10, pen: 50 },
  { name: 'query floor 0.5 % + low-mass penalty 30 (gap 10), query max ignores bleed 207/281/355/429', qFloor: 5, gap: 10, pen: 30, noBleed: true },
  { name: 'query floor 0.5 % + low-mass penalty 50 (gap 10), query max ignores bleed 207/281/355/429', qFloor: 5, gap: 10, pen: 50, noBleed: true },
];
const t = powerTables(1.5, 0.5);

function run(qs: Query[]): { top1: Uint8Array[]; top5: Uint8Array[]; bleedTop: Uint8Array } {
  const top1 = variants.map(() => new Uint8Array(qs.length));
  const top5 = variants.map(() => new Uint8Array(qs.length));
  // 1 where the query's highest significant m/z is a bleed ion.
  const bleedTop = new Uint8Array(qs.length);
  const mf = new Float64Array(N);
  qs.forEach((query, qi) => {
    const { q } = query;
    for (let s = 0; s < N; s++) mf[s] = s === query.self ? -Infinity : identityKernel(q.mz, q.intensity, lib.mz, lib.intensity, lib.offsets[s] ?? 0, lib.offsets[s + 1] ?? 0, false);
    const qmax = maxSig(q.mz, q.intensity, 0, q.mz.length);
    const qmaxNoBleed = maxSig(q.mz, q.intensity, 0, q.mz.length, BLEED);
    bleedTop[qi] = BLEED.has(qmax) ? 1 : 0;
    const cosBy = new Map<number, Float64Array>();
    for (const f of new Set(variants.map((v) => v.qFloor))) {
      // Query weights with bins below the floor set to 0: they leave the dot product and the
      // query norm; the library side is the shipped one.
      const w = new Float64Array(q.mz.length);
      let n2 = 0;
      q.mz.forEach((m, k) => {
        const i = q.intensity[k] ?? 0;
        const v = i >= f ? (t.mzPow[m] ?? 0) * (t.intPow[i] ?? 0) : 0;
        w[k] = v;
        n2 += v * v;
      });
      const c = new Float64Array(N);
      for (let s = 0; s < N; s++) c[s] = dotKernel(q.mz, w, n2, lib.mz, lib.intensity, lib.offsets[s] ?? 0, lib.offsets[s + 1] ?? 0, t);
      cosBy.set(f, c);
    }
    variants.forEach((v, vi) => {
      const cos = cosBy.get(v.qFloor) as Float64Array;
      const best: { s: number; score: number }[] = [];
      for (let s = 0; s < N; s++) {
        if (s === query.self) continue;
        const wmf = v.wmf ?? 0.2;
        let score = wmf * (mf[s] ?? 0) + (1 - wmf) * 1000 * (cos[s] ?? 0) - derivativePenalty(query.deriv, library[s]?.derivative);
        if (v.pen > 0 && (libMax[s] ?? 0) < (v.noBleed ? qmaxNoBleed : qmax) - v.gap) score -= v.pen;
        score = Math.max(0, score);
        if (best.length === 5 && score <= (best[4]?.score ?? 0)) continue;
        let at = best.length;
        while (at > 0 && (best[at - 1]?.score ?? 0) < score) at--;
        best.splice(at, 0, { s, score });
        if (best.length > 5) best.pop();
      }
      (top1[vi] as Uint8Array)[qi] = libKey[best[0]?.s ?? -1] === query.key ? 1 : 0;
      (top5[vi] as Uint8Array)[qi] = best.some((h) => libKey[h.s] === query.key) ? 1 : 0;
    });
    if (qi % 500 === 0) console.log(`  ${qi}/${qs.length}`);
  });
  return { top1, top5, bleedTop };
}

const d = run(dev);
const r = run(rep);
// Per compound: each compound counts once, spread over its records.
const group = (keep: (q: Query) => boolean) => {
  const idx = rep.map((_, k) => k).filter((k) => keep(rep[k] as Query));
  const cnt = new Map<string, number>();
  for (const k of idx) cnt.set((rep[k] as Query).key, (cnt.get((rep[k] as Query).key) ?? 0) + 1);
  return { idx, cnt };
};
const ALL = group(() => true);
const EIB = group((q) => q.eib);
const per = (v: Uint8Array, g: typeof ALL) => (100 * g.idx.reduce((t2, k) => t2 + (v[k] ?? 0) / (g.cnt.get((rep[k] as Query).key) ?? 1), 0)) / g.cnt.size;
const total = (v: Uint8Array) => v.reduce((a, b) => a + b, 0);
// Paired bootstrap over compounds of (variant - default) top-1 points.
let seed = 5;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
function bootstrap(v: Uint8Array, base: Uint8Array, g: typeof ALL): string {
  const byKey = new Map<string, number>();
  for (const k of g.idx) {
    const key = (rep[k] as Query).key;
    byKey.set(key, (byKey.get(key) ?? 0) + ((v[k] ?? 0) - (base[k] ?? 0)) / (g.cnt.get(key) ?? 1));
  }
  const diffs = [...byKey.values()];
  const means: number[] = [];
  for (let it = 0; it < 2000; it++) {
    let sum = 0;
    for (let j = 0; j < diffs.length; j++) sum += diffs[Math.floor(rand() * diffs.length)] ?? 0;
    means.push((100 * sum) / diffs.length);
  }
  means.sort((a, b) => a - b);
  const pos = means.filter((m) => m > 0).length / means.length;
  return `95 % CI [${(means[50] ?? 0).toFixed(2)}, ${(means[1949] ?? 0).toFixed(2)}] points, P(gain > 0) ${(100 * pos).toFixed(0)} %`;
}
console.log(`replicates: ${rep.length} queries of ${ALL.cnt.size} compounds (EI-B underivatised ${EIB.idx.length} of ${EIB.cnt.size}); dev: ${dev.length}`);
const bleedRep = rep.map((_, k) => k).filter((k) => r.bleedTop[k]);
const bleedDev = dev.map((_, k) => k).filter((k) => d.bleedTop[k]);
const byIon = (qs: Query[], idx: number[]) => [...BLEED].map((m) => `${m}: ${idx.filter((k) => maxSig((qs[k] as Query).q.mz, (qs[k] as Query).q.intensity, 0, (qs[k] as Query).q.mz.length) === m).length}`).join(', ');
console.log(`highest significant m/z is a bleed ion: rep ${bleedRep.length} of ${rep.length} queries (${new Set(bleedRep.map((k) => (rep[k] as Query).key)).size} compounds; ${byIon(rep, bleedRep)}), EI-B underivatised ${bleedRep.filter((k) => (rep[k] as Query).eib).length}; dev ${bleedDev.length} of ${dev.length} (${byIon(dev, bleedDev)}${bleedDev.length ? `; #${bleedDev.map((k) => k + 1).join(' #')}` : ''})`);
variants.forEach((v, vi) => {
  const t1 = r.top1[vi] as Uint8Array;
  const t5 = r.top5[vi] as Uint8Array;
  console.log(
    `${v.name}: rep top-1 ${per(t1, ALL).toFixed(2)} % top-5 ${per(t5, ALL).toFixed(2)} %; EI-B top-1 ${per(t1, EIB).toFixed(2)} % top-5 ${per(t5, EIB).toFixed(2)} %; dev top-1 ${total(d.top1[vi] as Uint8Array)} top-5 ${total(d.top5[vi] as Uint8Array)}`,
  );
  if (vi > 0) {
    console.log(`    vs default, all: ${bootstrap(t1, r.top1[0] as Uint8Array, ALL)}; EI-B: ${bootstrap(t1, r.top1[0] as Uint8Array, EIB)}`);
    const flips = dev.map((_, k) => k).filter((k) => d.top1[vi]?.[k] !== d.top1[0]?.[k]).map((k) => `${d.top1[vi]?.[k] ? '+' : '-'}#${k + 1}`);
    console.log(`    dev flips: ${flips.join(' ') || 'none'}`);
  }
});
