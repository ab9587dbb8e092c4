// Blocked cosine accumulation: postings per nominal m/z bin, ordered by spectrum id and cut into
// blocks of BLOCK spectra, so one query adds its weighted postings block by block into a small
// accumulator that stays in cache (sequential reads, cache-resident writes), instead of random
// writes into one accumulator as large as the library.
//
// Weights are the library's normalised cosine weights rounded UP to 1/65535, so the accumulated
// value is an upper bound of the spectrum's cosine with the (normalised, non-negative) query.
import type { PowerTables } from '../scoring/core.ts';

export const BLOCK_BITS = 16;
export const BLOCK = 1 << BLOCK_BITS;
const SCALE = 65535;

export interface CosinePostings {
  /** Powers key (`a/b`) of the weights. */
  key: string;
  blocks: number;
  /** start[m * (blocks + 1) + b]: first posting of bin m in block b; [.. + blocks] ends bin m. */
  start: Uint32Array;
  /** Spectrum id within its block. */
  local: Uint16Array;
  /** ceil(weight * 65535). */
  weight: Uint16Array;
}

/**
 * Builds the postings of the weights mz^a * I^b divided by their spectrum's norm (counting sort
 * by bin, then by id), computing each weight on the fly so no per-peak array is kept.
 */
export function buildCosinePostings(
  lib: { offsets: Uint32Array; mz: Uint16Array; intensity: Uint16Array },
  t: PowerTables,
  maxMz: number,
  share: boolean,
): CosinePostings {
  const { offsets, mz, intensity } = lib;
  const key = `${t.a}/${t.b}`;
  const count = offsets.length - 1;
  const blocks = Math.max(1, Math.ceil(count / BLOCK));
  const row = blocks + 1;
  const alloc = <T>(Ctor: new (b: ArrayBufferLike) => T, bytes: number): T => new Ctor(share ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const start = alloc(Uint32Array, 4 * ((maxMz + 1) * row + 1));
  for (let s = 0; s < count; s++) {
    const b = s >>> BLOCK_BITS;
    const e = offsets[s + 1] ?? 0;
    for (let p = offsets[s] ?? 0; p < e; p++) {
      const cell = (mz[p] ?? 0) * row + b;
      start[cell] = (start[cell] ?? 0) + 1;
    }
  }
  let at = 0;
  for (let c = 0; c < start.length; c++) {
    const n = start[c] ?? 0;
    start[c] = at;
    at += n;
  }
  const local = alloc(Uint16Array, 2 * at);
  const weight = alloc(Uint16Array, 2 * at);
  // Fill with a moving cursor per cell, then shift the cursors back into start positions.
  for (let s = 0; s < count; s++) {
    const b = s >>> BLOCK_BITS;
    const a = offsets[s] ?? 0;
    const e = offsets[s + 1] ?? 0;
    let n2 = 0;
    for (let p = a; p < e; p++) {
      const v = (t.mzPow[mz[p] ?? 0] ?? 0) * (t.intPow[intensity[p] ?? 0] ?? 0);
      n2 += v * v;
    }
    const norm = Math.sqrt(n2);
    for (let p = a; p < e; p++) {
      const cell = (mz[p] ?? 0) * row + b;
      const pos = start[cell] ?? 0;
      const w = norm > 0 ? ((t.mzPow[mz[p] ?? 0] ?? 0) * (t.intPow[intensity[p] ?? 0] ?? 0)) / norm : 0;
      local[pos] = s & (BLOCK - 1);
      weight[pos] = Math.min(SCALE, Math.ceil(w * SCALE));
      start[cell] = pos + 1;
    }
  }
  for (let c = start.length - 1; c > 0; c--) start[c] = start[c - 1] ?? 0;
  start[0] = 0;
  return { key, blocks, start, local, weight };
}

/**
 * Adds q[m] * weight of every posting of block b into acc (acc[s - b * BLOCK]), over the query
 * bins `bins` with their normalised weights `qw` (already divided by 65535).
 */
export function accumulateBlock(post: CosinePostings, b: number, bins: Uint16Array, qw: Float64Array, acc: Float32Array): void {
  const { start, local, weight } = post;
  const row = post.blocks + 1;
  for (let k = 0; k < bins.length; k++) {
    const cell = (bins[k] ?? 0) * row + b;
    const w = qw[k] ?? 0;
    const e = start[cell + 1] ?? 0;
    for (let p = start[cell] ?? 0; p < e; p++) {
      const s = local[p] ?? 0;
      acc[s] = (acc[s] ?? 0) + w * (weight[p] ?? 0);
    }
  }
}
