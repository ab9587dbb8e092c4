// The packed form of a library: every spectrum's nominal peaks back to back in typed arrays,
// plus string columns for what a hit must show. Building, saving and loading all go through it.
import { toNominal } from '../scoring/nominal.ts';
import type { LibraryMeta, LibrarySpectrum } from '../types.ts';

export interface PackedLibrary {
  /** offsets[s]..offsets[s+1] are spectrum s's peaks; length count + 1. */
  offsets: Uint32Array;
  mz: Uint16Array;
  intensity: Uint16Array;
  /** Retention index per spectrum, NaN when the record has none. */
  ri: Float32Array;
  /** String columns (one entry per spectrum); absent columns read as empty. */
  ids?: string[];
  names?: string[];
  inchikeys?: string[];
  derivatives?: string[];
  /** Each record's `Comments:` (its licence for public libraries), kept with it. */
  comments?: string[];
}

export function packLibrary(library: readonly LibrarySpectrum[]): PackedLibrary {
  const nominal = library.map((s) => toNominal(s));
  const total = nominal.reduce((n, s) => n + s.mz.length, 0);
  const offsets = new Uint32Array(library.length + 1);
  const mz = new Uint16Array(total);
  const intensity = new Uint16Array(total);
  let at = 0;
  nominal.forEach((s, k) => {
    offsets[k] = at;
    mz.set(s.mz, at);
    intensity.set(s.intensity, at);
    at += s.mz.length;
  });
  offsets[library.length] = at;
  return {
    offsets,
    mz,
    intensity,
    ri: Float32Array.from(library, (s) => s.ri ?? Number.NaN),
    ids: library.map((s, k) => s.dbId ?? String(k + 1)),
    names: library.map((s) => s.name),
    inchikeys: library.map((s) => s.inchikey ?? ''),
    derivatives: library.map((s) => s.derivative ?? ''),
    comments: library.map((s) => s.comments ?? ''),
  };
}

export type { LibraryMeta };
