// JCAMP-DX mass spectra (peak tables or XY data), read with jcampconverter (cheminfo) and
// written as JCAMP-DX 4.24 peak tables that read back to the same record.
import { convert } from 'jcampconverter';
import { SpectraErrors } from '../errors.ts';
import { emptyMeta, makeSpectrum, type Spectrum } from '../types.ts';
import type { ParseOptions } from './msp.ts';

function fail(opts: ParseOptions, field: string, message: string): never {
  throw SpectraErrors.SPECTRA_ERR_MALFORMED_JCAMP(`${opts.source ?? 'JCAMP-DX'}: ${field}: ${message}`, { errors: [{ field, message }] });
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => String(x)).join('\n');
  return typeof v === 'string' || typeof v === 'number' ? String(v).trim() : undefined;
}

export function parseJcamp(text: string, opts: ParseOptions = {}): Spectrum[] {
  if (!/##TITLE\s*=/i.test(text)) fail(opts, 'TITLE', 'no ##TITLE= record');
  const blocks = (text.match(/##TITLE\s*=/gi) ?? []).length;
  const ends = (text.match(/##END\s*=/gi) ?? []).length;
  if (ends < blocks) fail(opts, 'END', `${blocks} ##TITLE blocks but ${ends} ##END`);
  let parsed: ReturnType<typeof convert>;
  try {
    parsed = convert(text, { keepRecordsRegExp: /.*/ });
  } catch (cause) {
    return fail(opts, 'document', String(cause));
  }
  const out: Spectrum[] = [];
  parsed.flatten.forEach((entry, k) => {
    const info = entry.info as Record<string, unknown>;
    const field = `block ${k + 1} (${str(info.TITLE) ?? 'untitled'})`;
    const data = entry.spectra[0]?.data;
    if (data === undefined) fail(opts, field, 'no PEAK TABLE or XYDATA');
    const x = Array.from(data.x as ArrayLike<number>);
    const y = Array.from(data.y as ArrayLike<number>);
    if (x.length !== y.length || x.length === 0) fail(opts, field, `unequal or empty m/z and intensity lists (${x.length}, ${y.length})`);
    const npoints = Number(info.NPOINTS);
    if (Number.isFinite(npoints) && npoints !== x.length) fail(opts, field, `NPOINTS ${npoints} but ${x.length} points`);
    x.forEach((v, j) => {
      if (!Number.isFinite(v) || !Number.isFinite(y[j] ?? Number.NaN)) fail(opts, `${field} point ${j + 1}`, 'not a number');
    });
    const meta = emptyMeta(str(info.TITLE) ?? '');
    const custom = (entry.meta ?? {}) as Record<string, unknown>;
    // Standard labels land in `info` without spaces; `##$` labels in `meta`, spaces kept.
    const take = (key: string): string | undefined => {
      const v = str(key.startsWith('$') ? custom[key.slice(1)] : info[key]);
      return v === '' ? undefined : v;
    };
    const names = take('NAMES');
    if (names !== undefined) meta.synonyms = names.split(/\r?\n/).filter((s) => s !== '');
    const num = (key: string): number | undefined => {
      const v = take(key);
      return v === undefined || !Number.isFinite(Number(v)) ? undefined : Number(v);
    };
    const opt = { formula: take('MOLFORM'), cas: take('CASREGISTRYNO'), mw: num('MW'), inchikey: take('$INCHIKEY'), dbId: take('$DB ID'), derivative: take('$DERIVATIVE'), ri: num('$RETENTION INDEX'), instrumentType: take('$INSTRUMENT TYPE'), instrument: take('SPECTROMETER/DATASYSTEM'), comments: take('$COMMENTS') };
    for (const [key, v] of Object.entries(opt)) if (v !== undefined) (meta as unknown as Record<string, unknown>)[key] = v;
    out.push(makeSpectrum({ mz: x, intensity: y }, meta));
  });
  if (out.length === 0) fail(opts, 'document', 'no spectrum');
  return out;
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(10))));

export function writeJcamp(spectra: readonly Spectrum[]): string {
  return spectra
    .map((s) => {
      const l = ['##TITLE=' + s.name, '##JCAMP-DX=4.24', '##DATA TYPE=MASS SPECTRUM', '##DATA CLASS=PEAK TABLE'];
      if (s.synonyms.length > 0) l.push('##NAMES=' + s.synonyms.join('\n'));
      if (s.formula !== undefined) l.push('##MOLFORM=' + s.formula);
      if (s.cas !== undefined) l.push('##CAS REGISTRY NO=' + s.cas);
      if (s.mw !== undefined) l.push('##MW=' + fmt(s.mw));
      if (s.inchikey !== undefined) l.push('##$INCHIKEY=' + s.inchikey);
      if (s.dbId !== undefined) l.push('##$DB ID=' + s.dbId);
      if (s.derivative !== undefined) l.push('##$DERIVATIVE=' + s.derivative);
      if (s.ri !== undefined) l.push('##$RETENTION INDEX=' + fmt(s.ri));
      if (s.instrumentType !== undefined) l.push('##$INSTRUMENT TYPE=' + s.instrumentType);
      if (s.instrument !== undefined) l.push('##SPECTROMETER/DATA SYSTEM=' + s.instrument);
      if (s.comments !== undefined) l.push('##$COMMENTS=' + s.comments);
      l.push('##XUNITS=M/Z', '##YUNITS=RELATIVE ABUNDANCE', `##NPOINTS=${s.mz.length}`, '##PEAK TABLE=(XY..XY)');
      for (let k = 0; k < s.mz.length; k++) l.push(`${fmt(s.mz[k] ?? 0)},${fmt(s.intensity[k] ?? 0)}`);
      l.push('##END=');
      return l.join('\n');
    })
    .join('\n')
    .concat(spectra.length > 0 ? '\n' : '');
}
