// Nominal-mass pre-processing shared by every measure (Samokhin, JASMS 2024;35:3178, after
// Stein & Scott 1994): m/z goes to bin ceil(mz - 0.649), intensities are summed per bin, scaled
// to a base peak of 999 and rounded; bins that round to zero are dropped. Measures then work on
// small integer arrays, and a library of a million spectra fits in two Uint16Arrays.
import type { Peaks } from '../types.ts';

export interface NominalSpectrum {
  /** Nominal m/z bins, ascending, 1..65535. */
  readonly mz: Uint16Array;
  /** Intensities 1..999 (base peak 999). */
  readonly intensity: Uint16Array;
}

export const MAX_BIN = 65535;

export function nominalBin(mz: number): number {
  return Math.ceil(mz - 0.649);
}

export function toNominal(peaks: Peaks): NominalSpectrum {
  const sums = new Map<number, number>();
  for (let k = 0; k < peaks.mz.length; k++) {
    const bin = nominalBin(peaks.mz[k] ?? 0);
    const a = peaks.intensity[k] ?? 0;
    if (bin < 1 || bin > MAX_BIN || !(a > 0)) continue;
    sums.set(bin, (sums.get(bin) ?? 0) + a);
  }
  let base = 0;
  for (const v of sums.values()) base = Math.max(base, v);
  const bins = [...sums.keys()].sort((a, b) => a - b);
  const mz: number[] = [];
  const intensity: number[] = [];
  for (const bin of bins) {
    const scaled = Math.round(((sums.get(bin) ?? 0) / base) * 999);
    if (scaled <= 0) continue;
    mz.push(bin);
    intensity.push(scaled);
  }
  return { mz: Uint16Array.from(mz), intensity: Uint16Array.from(intensity) };
}
