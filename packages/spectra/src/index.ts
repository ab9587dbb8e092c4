export type { Peaks, Spectrum, SpectrumMeta, LibrarySpectrum, LibraryMeta } from './types.ts';
export { makeSpectrum } from './types.ts';
export { SpectraErrors } from './errors.ts';
export { parseMsp, writeMsp } from './formats/msp.ts';
export type { ParseOptions } from './formats/msp.ts';
export { parseJcamp, writeJcamp } from './formats/jcamp.ts';
export { parseMzml } from './formats/mzml.ts';
export { parseCsvSpectrum } from './formats/csv.ts';
export { parseSpectrumFile, detectFormat } from './formats/detect.ts';
export type { SpectrumFormat } from './formats/detect.ts';
export { toNominal, nominalBin } from './scoring/nominal.ts';
export type { NominalSpectrum } from './scoring/nominal.ts';
export { identityMatchFactor, reverseMatchFactor, weightedDotProduct, entropySimilarity } from './scoring/measures.ts';
export { matchProbabilities } from './scoring/probability.ts';
export { derivativeLabel, derivativePenalty, rerankByDerivative } from './scoring/derivative.ts';
export { DERIVATIVE_MISMATCH_PENALTY } from './scoring/defaults.ts';
export {
  SpectralIndex,
  buildIndex,
  buildIndexFromPacked,
  MEASURES,
  DEFAULT_MEASURE,
  DEFAULT_DOT_POWERS,
  COMPOSITE_DOT_POWERS,
  COMPOSITE_MF_WEIGHT,
} from './library/index.ts';
export type { Measure, SearchOptions, SearchResult, Hit, Adjustment } from './library/index.ts';
export { packLibrary } from './library/packed.ts';
export type { PackedLibrary } from './library/packed.ts';
export { serializeIndex, loadIndex } from './library/serialize.ts';
export { createSearchPool } from './library/pool.ts';
export type { SearchPool } from './library/pool.ts';
