// Two-column text: m/z and intensity per line, separated by a comma, semicolon, tab or spaces.
// One header line is allowed before the data; `#` starts a comment.
import { SpectraErrors } from '../errors.ts';
import { makeSpectrum, type Spectrum } from '../types.ts';
import type { ParseOptions } from './msp.ts';

const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseCsvSpectrum(text: string, opts: ParseOptions & { name?: string } = {}): Spectrum {
  const where = opts.source ?? 'CSV';
  const fail = (line: number, message: string): never => {
    throw SpectraErrors.SPECTRA_ERR_MALFORMED_CSV(`${where} line ${line}: ${message}`, { errors: [{ field: `line ${line}`, message }] });
  };
  const peaks: [number, number][] = [];
  let sawData = false;
  let sawHeader = false;
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n|\r/)
    .forEach((raw, k) => {
      const line = raw.replace(/#.*$/, '').trim();
      if (line === '') return;
      const cells = line.split(/\s*[,;\t]\s*|\s+/).filter((c) => c !== '');
      const numeric = cells.every((c) => NUM.test(c));
      if (!numeric) {
        if (!sawData && !sawHeader) {
          sawHeader = true;
          return;
        }
        fail(k + 1, `"${line.slice(0, 40)}" is not two numbers`);
      }
      if (cells.length !== 2) fail(k + 1, `expected 2 columns (m/z, intensity), got ${cells.length}`);
      const mz = Number(cells[0]);
      const a = Number(cells[1]);
      if (!(mz > 0)) fail(k + 1, `m/z ${mz} is not positive`);
      if (a < 0) fail(k + 1, `intensity ${a} is negative`);
      sawData = true;
      peaks.push([mz, a]);
    });
  if (peaks.length === 0) fail(1, 'no peaks');
  return makeSpectrum(peaks, { name: opts.name ?? opts.source ?? '' });
}
