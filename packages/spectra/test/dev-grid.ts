// Dev-query accuracy grid for the library-search measure (not a test: run by hand with
// `pnpm exec tsx packages/spectra/test/dev-grid.ts`). Scores every dev query against every
// library spectrum once per component, then ranks combinations of them:
//   w * identity part + (1 - w) * cosine(m/z^a * I^b)  [- derivative penalty]
// where the identity part is the full NIST MF (Stein & Scott 1994, Samokhin 2024) or its F1
// term alone (no peak-pair F2). The derivative penalty only uses the query's own `Derivative:`
// field (never its Expected_ comments): a hit whose derivative label differs loses 0.1.
// It ends with a split-half check: pick the best combination on 50 queries, count it on the
// other 50 against the current default; a negative mean says the grid's best is noise.
// The default is chosen on thousands of library replicates by test/eval-measures.ts; this grid
// only shows how little 100 queries can tell measures apart.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMsp } from '../src/formats/msp.ts';
import { packLibrary } from '../src/library/packed.ts';
import { dotKernel, identityKernel, powerTables, queryWeights } from '../src/scoring/core.ts';
import { toNominal } from '../src/scoring/nominal.ts';

const DATA = resolve(import.meta.dirname, '../../../../shared/data/ei-library');
if (!existsSync(resolve(DATA, 'library.msp'))) {
  console.warn(`dev-grid: ${DATA}/library.msp is absent, nothing to do`);
  process.exit(0);
}
const lib = packLibrary(parseMsp(readFileSync(resolve(DATA, 'library.msp'), 'utf8')));
const queries = parseMsp(readFileSync(resolve(DATA, 'queries-dev.msp'), 'utf8'));
const N = lib.offsets.length - 1;
const Q = queries.length;
const libKey = Array.from({ length: N }, (_, s) => `${(lib.inchikeys?.[s] ?? '').slice(0, 14)}|${lib.derivatives?.[s] || 'none'}`);
const expected = queries.map((q) => {
  const c = q.comments ?? '';
  return `${/Expected_skeleton=([^;"]*)/.exec(c)?.[1] ?? '?'}|${/Expected_derivative=([^;"]*)/.exec(c)?.[1]?.trim() || 'none'}`;
});

/** F1 of the identity MF alone: squared cosine of sqrt(mz*I) from the higher lowest m/z up. */
function f1Kernel(qm: Uint16Array, qi: Uint16Array, a: number, b: number): number {
  const m0 = Math.max(qm[0] ?? 0, lib.mz[a] ?? 0);
  let suu = 0;
  let sll = 0;
  let sul = 0;
  let i = 0;
  for (let k = 0; k < qm.length; k++) if ((qm[k] ?? 0) >= m0) suu += (qm[k] ?? 0) * (qi[k] ?? 0);
  for (let p = a; p < b; p++) {
    const m = lib.mz[p] ?? 0;
    if (m < m0) continue;
    const il = lib.intensity[p] ?? 0;
    sll += m * il;
    while (i < qm.length && (qm[i] ?? 0) < m) i++;
    if (qm[i] === m) sul += m * Math.sqrt((qi[i] ?? 0) * il);
  }
  return sul > 0 ? (sul * sul) / (suu * sll) : 0;
}

const POWERS: [number, number][] = [[1, 0.5], [1.5, 0.5], [2, 0.5], [2.5, 0.5], [3, 0.5], [1.3, 0.53], [3, 0.53], [1.3, 0.6], [3, 0.6]];
const comp = new Map<string, Float32Array>();
const get = (name: string): Float32Array => {
  let v = comp.get(name);
  if (v === undefined) comp.set(name, (v = new Float32Array(Q * N)));
  return v;
};
const tables = POWERS.map(([a, b]) => powerTables(a, b));
queries.forEach((query, qi) => {
  const q = toNominal(query);
  const ws = tables.map((t) => queryWeights(q.mz, q.intensity, t));
  for (let s = 0; s < N; s++) {
    const a = lib.offsets[s] ?? 0;
    const b = lib.offsets[s + 1] ?? 0;
    get('mf')[qi * N + s] = identityKernel(q.mz, q.intensity, lib.mz, lib.intensity, a, b, false) / 1000;
    get('f1')[qi * N + s] = f1Kernel(q.mz, q.intensity, a, b);
    tables.forEach((t, k) => {
      const w = ws[k];
      if (w !== undefined) get(`dot${t.a}/${t.b}`)[qi * N + s] = dotKernel(q.mz, w.w, w.n2, lib.mz, lib.intensity, a, b, t);
    });
  }
});

/** Per query: is the top-1 (ties to the lower library position) correct, and is it in the top 5. */
function evaluate(idPart: string, w: number, dot: string, pen: number): { top1: boolean[]; top5: boolean[] } {
  const id = get(idPart);
  const d = get(dot);
  const top1: boolean[] = [];
  const top5: boolean[] = [];
  queries.forEach((query, qi) => {
    const qd = query.derivative ?? '';
    const best: { sc: number; s: number }[] = [];
    for (let s = 0; s < N; s++) {
      let sc = w * (id[qi * N + s] ?? 0) + (1 - w) * (d[qi * N + s] ?? 0);
      if (qd !== '' && (lib.derivatives?.[s] ?? '') !== qd) sc -= pen;
      if (best.length < 5 || sc > (best[4]?.sc ?? -Infinity)) {
        best.push({ sc, s });
        best.sort((x, y) => y.sc - x.sc || x.s - y.s);
        if (best.length > 5) best.pop();
      }
    }
    const keys = best.map((h) => libKey[h.s]);
    top1.push(keys[0] === expected[qi]);
    top5.push(keys.includes(expected[qi] ?? ''));
  });
  return { top1, top5 };
}

const count = (v: boolean[], idx?: number[]) => (idx ?? v.map((_, k) => k)).reduce((n, k) => n + (v[k] === true ? 1 : 0), 0);
const rows: { name: string; top1: boolean[]; top5: boolean[] }[] = [];
for (const dot of tables.map((t) => `dot${t.a}/${t.b}`))
  for (const idPart of ['mf', 'f1'])
    for (const w of [0, 0.1, 0.15, 0.2, 0.3, 0.5])
      for (const pen of [0, 0.1]) {
        if (w === 0 && idPart === 'f1') continue;
        rows.push({ name: `${w}*${idPart} + ${1 - w}*${dot}${pen > 0 ? ' - derivPen' : ''}`, ...evaluate(idPart, w, dot, pen) });
      }
const DEFAULT_NAME = '0.2*mf + 0.8*dot1.5/0.5';
for (const r of [...rows].sort((x, y) => count(y.top1) - count(x.top1) || count(y.top5) - count(x.top5))) console.log(`${count(r.top1)}\t${count(r.top5)}\t${r.name}`);

// Split-half check of what tuning on these queries is worth.
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const def = rows.find((r) => r.name === DEFAULT_NAME);
const gains: number[] = [];
for (let rep = 0; rep < 200 && def !== undefined; rep++) {
  const idx = Array.from({ length: Q }, (_, k) => k).sort(() => rand() - 0.5);
  const tune = idx.slice(0, Q / 2);
  const hold = idx.slice(Q / 2);
  let pick = def;
  for (const r of rows) if (count(r.top1, tune) > count(pick.top1, tune)) pick = r;
  gains.push(count(pick.top1, hold) - count(def.top1, hold));
}
const mean = gains.reduce((x, y) => x + y, 0) / Math.max(1, gains.length);
console.log(`split-half: best-on-50 minus current default on the other 50, mean ${mean.toFixed(2)} over ${gains.length} splits`);
