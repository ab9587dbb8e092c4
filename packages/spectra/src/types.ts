// A mass spectrum as the lab handles it: a peak list plus what the record says about itself.
// Peaks are parallel arrays (m/z ascending), so a library of a million spectra packs into
// typed arrays without an object per peak.

export interface Peaks {
  /** m/z values, ascending. */
  readonly mz: Float64Array;
  /** Intensities (any scale; measures are scale-invariant), same length as `mz`. */
  readonly intensity: Float64Array;
}

export interface SpectrumMeta {
  name: string;
  synonyms: string[];
  formula?: string;
  /** Nominal molecular weight. */
  mw?: number;
  exactMass?: number;
  inchikey?: string;
  cas?: string;
  smiles?: string;
  /** Library record id (MSP `DB#`, MassBank accession). */
  dbId?: string;
  /** Derivative label from the record (`TMS`, `2 TMS`, `MEOX`...); absent when underivatised. */
  derivative?: string;
  derivativeFormula?: string;
  /** Retention index (Kovats) when the record carries one. */
  ri?: number;
  instrumentType?: string;
  instrument?: string;
  /** The record's free comments, kept verbatim: for public libraries they carry the licence. */
  comments?: string;
  /** Fields this reader does not model, kept so a write round-trips them. */
  extra: Record<string, string>;
}

export interface Spectrum extends Peaks, SpectrumMeta {}

/** A spectrum read from a library file; `source` says which file and record it came from. */
export interface LibrarySpectrum extends Spectrum {
  source?: { file?: string; record: number; line: number };
}

export interface LibraryMeta {
  name: string;
  version: string;
}

export function emptyMeta(name = ''): SpectrumMeta {
  return { name, synonyms: [], extra: {} };
}

/** Builds a spectrum from unsorted peaks: sorts by m/z, keeps the metadata given. */
export function makeSpectrum(peaks: ArrayLike<readonly [number, number]> | { mz: ArrayLike<number>; intensity: ArrayLike<number> }, meta: Partial<SpectrumMeta> = {}): Spectrum {
  let mzIn: ArrayLike<number>;
  let inIn: ArrayLike<number>;
  if ('mz' in peaks) {
    mzIn = peaks.mz;
    inIn = peaks.intensity;
  } else {
    const arr = Array.from(peaks);
    mzIn = arr.map((p) => p[0]);
    inIn = arr.map((p) => p[1]);
  }
  const order = Array.from({ length: mzIn.length }, (_, i) => i).sort((a, b) => (mzIn[a] ?? 0) - (mzIn[b] ?? 0));
  const mz = new Float64Array(order.length);
  const intensity = new Float64Array(order.length);
  order.forEach((j, i) => {
    mz[i] = mzIn[j] ?? 0;
    intensity[i] = inIn[j] ?? 0;
  });
  return { ...emptyMeta(), ...meta, synonyms: meta.synonyms ?? [], extra: meta.extra ?? {}, mz, intensity };
}
