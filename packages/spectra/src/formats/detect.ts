// Reads a spectrum file of any supported format, chosen by content first, extension second.
import { SpectraErrors } from '../errors.ts';
import type { LibrarySpectrum, Spectrum } from '../types.ts';
import { parseCsvSpectrum } from './csv.ts';
import { parseJcamp } from './jcamp.ts';
import { parseMsp } from './msp.ts';
import { parseMzml } from './mzml.ts';

export type SpectrumFormat = 'msp' | 'jcamp' | 'mzml' | 'csv';

export function detectFormat(text: string, filename: string): SpectrumFormat {
  const head = text.slice(0, 4096).replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<') && /<(indexedmzML|mzML)\b/.test(head)) return 'mzml';
  if (/^##TITLE\s*=/im.test(head)) return 'jcamp';
  if (/^Name\s*:/im.test(head)) return 'msp';
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  if (ext === 'msp') return 'msp';
  if (ext === 'jdx' || ext === 'dx' || ext === 'jcamp') return 'jcamp';
  if (ext === 'mzml') return 'mzml';
  if (ext === 'csv' || ext === 'tsv' || ext === 'txt') return 'csv';
  throw SpectraErrors.SPECTRA_ERR_UNKNOWN_FORMAT(`${filename}: not MSP, JCAMP-DX, mzML or two-column CSV`);
}

export function parseSpectrumFile(bytes: Uint8Array, filename: string): (Spectrum | LibrarySpectrum)[] {
  const text = new TextDecoder('utf-8').decode(bytes);
  const opts = { source: filename };
  switch (detectFormat(text, filename)) {
    case 'msp':
      return parseMsp(text, opts);
    case 'jcamp':
      return parseJcamp(text, opts);
    case 'mzml':
      return parseMzml(text, opts);
    case 'csv':
      return [parseCsvSpectrum(text, { ...opts, name: filename.replace(/^.*[\\/]/, '') })];
  }
}
