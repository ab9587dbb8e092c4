// NIST MSP text: records of `Key: value` lines, then `Num Peaks: n` and n (m/z, intensity)
// pairs, one or several per line ("41 20; 43 100", "41:20 43:100", "(41 20)"), optionally
// followed by a quoted annotation. Records are separated by blank lines. Accepts the variants
// written by NIST MS Search, MassBank exports and the SWGDRUG library export (`CASNO:`,
// `Comment:`, `Num peaks:`, `ID:`). A malformed record is refused with its line number; a
// half-read spectrum is never returned.
import { SpectraErrors } from '../errors.ts';
import { emptyMeta, type LibrarySpectrum, type Spectrum, type SpectrumMeta } from '../types.ts';

export interface ParseOptions {
  /** File name (or other label) recorded in each spectrum's `source` and in error messages. */
  source?: string;
}

const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function fail(opts: ParseOptions, line: number, message: string): never {
  const where = `${opts.source ?? 'MSP'} line ${line}`;
  throw SpectraErrors.SPECTRA_ERR_MALFORMED_MSP(`${where}: ${message}`, { errors: [{ field: `line ${line}`, message }] });
}

function parseNumber(text: string): number | undefined {
  const t = text.trim();
  return NUM.test(t) ? Number(t) : undefined;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** Applies one header line to the metadata being built. */
function applyField(meta: SpectrumMeta, key: string, value: string, opts: ParseOptions, line: number): void {
  const k = key.toLowerCase().replace(/[\s_]+/g, '');
  // "Not available" markers mean the field is absent, not malformed.
  if (/^(n\/?a|none|null|-)?$/i.test(value) && k !== 'name' && k !== 'comments' && k !== 'comment') return;
  const numeric = (label: string): number => {
    const n = parseNumber(value);
    if (n === undefined) fail(opts, line, `${label} "${value}" is not a number`);
    return n;
  };
  switch (k) {
    case 'name':
      meta.name = value;
      break;
    case 'synon':
    case 'synonym':
      if (value.startsWith('$:')) meta.extra[`Synon ${value.slice(0, 4)}`] = value;
      else meta.synonyms.push(value);
      break;
    case 'formula':
      meta.formula = value;
      break;
    case 'mw':
      meta.mw = numeric('MW');
      break;
    case 'exactmass':
      meta.exactMass = numeric('ExactMass');
      break;
    case 'inchikey':
      if (value !== '' && value !== 'N/A') meta.inchikey = value;
      break;
    case 'cas#':
    case 'casno':
    case 'cas':
      if (value !== '' && value !== 'N/A') meta.cas = value;
      break;
    case 'smiles':
      meta.smiles = value;
      break;
    case 'db#':
    case 'id':
    case 'nistno':
    case 'accession':
      meta.dbId ??= value;
      if (meta.dbId !== value) meta.extra[key] = value;
      break;
    case 'derivative':
      if (value !== '' && value.toLowerCase() !== 'none') meta.derivative = value;
      break;
    case 'derivativeformula':
      meta.derivativeFormula = value;
      break;
    case 'ri':
    case 'retentionindex': {
      const n = parseNumber(value.split(/\s/)[0] ?? '');
      if (n === undefined) fail(opts, line, `RI "${value}" is not a number`);
      meta.ri = n;
      break;
    }
    case 'instrumenttype':
      meta.instrumentType = value;
      break;
    case 'instrument':
      meta.instrument = value;
      break;
    case 'comments':
    case 'comment':
      meta.comments = meta.comments === undefined ? unquote(value) : `${meta.comments}; ${unquote(value)}`;
      break;
    default:
      meta.extra[key] = value;
  }
}

/** Splits a peak line into numbers, dropping quoted annotations and pair separators. */
function peakNumbers(text: string, opts: ParseOptions, line: number): number[] {
  const stripped = text.replace(/"[^"]*"/g, ' ');
  const tokens = stripped.split(/[\s,;:()[\]{}]+/).filter((t) => t !== '');
  const out: number[] = [];
  for (const t of tokens) {
    const n = parseNumber(t);
    if (n === undefined) fail(opts, line, `peak value "${t}" is not a number`);
    out.push(n);
  }
  if (out.length % 2 !== 0) fail(opts, line, 'a peak has an m/z but no intensity');
  return out;
}

export function parseMsp(text: string, opts: ParseOptions = {}): LibrarySpectrum[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  const out: LibrarySpectrum[] = [];
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') {
      i++;
      continue;
    }
    const startLine = i + 1;
    const meta = emptyMeta();
    let sawName = false;
    let declared: number | undefined;
    // Header lines up to `Num Peaks`.
    while (i < lines.length) {
      const l = (lines[i] ?? '').trim();
      const lineNo = i + 1;
      if (l === '') fail(opts, lineNo, 'record ends before its "Num Peaks" line');
      const colon = l.indexOf(':');
      if (colon <= 0) fail(opts, lineNo, `expected "Key: value", got "${l.slice(0, 40)}"`);
      const key = l.slice(0, colon).trim();
      const value = l.slice(colon + 1).trim();
      i++;
      if (/^num\s*peaks$/i.test(key)) {
        const n = parseNumber(value);
        if (n === undefined || !Number.isInteger(n) || n < 0) fail(opts, lineNo, `Num Peaks "${value}" is not a count`);
        declared = n;
        break;
      }
      if (key.toLowerCase() === 'name') {
        if (sawName) fail(opts, lineNo, 'second "Name:" in one record (missing blank line or Num Peaks?)');
        sawName = true;
        if (value === '') fail(opts, lineNo, 'empty Name');
      } else if (!sawName) {
        fail(opts, lineNo, 'a record must start with "Name:"');
      }
      applyField(meta, key, value, opts, lineNo);
    }
    if (declared === undefined) fail(opts, lines.length, 'record ends before its "Num Peaks" line');
    const mz: number[] = [];
    const intensity: number[] = [];
    while (mz.length < declared) {
      const lineNo = i + 1;
      if (i >= lines.length || (lines[i] ?? '').trim() === '') {
        fail(opts, lineNo, `record declares ${declared} peaks but has ${mz.length}`);
      }
      const nums = peakNumbers(lines[i] ?? '', opts, lineNo);
      for (let j = 0; j < nums.length; j += 2) {
        const m = nums[j] ?? 0;
        const a = nums[j + 1] ?? 0;
        if (!(m > 0)) fail(opts, lineNo, `m/z ${m} is not positive`);
        if (a < 0) fail(opts, lineNo, `intensity ${a} is negative`);
        mz.push(m);
        intensity.push(a);
      }
      if (mz.length > declared) fail(opts, lineNo, `record declares ${declared} peaks but has more`);
      i++;
    }
    if (i < lines.length && (lines[i] ?? '').trim() !== '') {
      fail(opts, i + 1, `record declares ${declared} peaks but has more`);
    }
    out.push({ ...sortPeaks(mz, intensity), ...meta, source: { ...(opts.source === undefined ? {} : { file: opts.source }), record: out.length, line: startLine } });
  }
  return out;
}

function sortPeaks(mzIn: number[], inIn: number[]): { mz: Float64Array; intensity: Float64Array } {
  const order = mzIn.map((_, k) => k);
  let sorted = true;
  for (let k = 1; k < mzIn.length; k++) if ((mzIn[k] ?? 0) < (mzIn[k - 1] ?? 0)) sorted = false;
  if (!sorted) order.sort((a, b) => (mzIn[a] ?? 0) - (mzIn[b] ?? 0));
  return { mz: Float64Array.from(order, (k) => mzIn[k] ?? 0), intensity: Float64Array.from(order, (k) => inIn[k] ?? 0) };
}

function fmtNum(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(10)));
}

/** Writes spectra as NIST MSP text that `parseMsp` reads back to the same records. */
export function writeMsp(spectra: readonly Spectrum[]): string {
  const parts: string[] = [];
  for (const s of spectra) {
    const l: string[] = [`Name: ${s.name}`];
    for (const syn of s.synonyms) l.push(`Synon: ${syn}`);
    if (s.formula !== undefined) l.push(`Formula: ${s.formula}`);
    if (s.mw !== undefined) l.push(`MW: ${fmtNum(s.mw)}`);
    if (s.exactMass !== undefined) l.push(`ExactMass: ${fmtNum(s.exactMass)}`);
    if (s.inchikey !== undefined) l.push(`InChIKey: ${s.inchikey}`);
    if (s.cas !== undefined) l.push(`CAS#: ${s.cas}`);
    if (s.smiles !== undefined) l.push(`SMILES: ${s.smiles}`);
    if (s.dbId !== undefined) l.push(`DB#: ${s.dbId}`);
    if (s.derivative !== undefined) l.push(`Derivative: ${s.derivative}`);
    if (s.derivativeFormula !== undefined) l.push(`Derivative_formula: ${s.derivativeFormula}`);
    if (s.ri !== undefined) l.push(`RI: ${fmtNum(s.ri)}`);
    if (s.instrumentType !== undefined) l.push(`Instrument_type: ${s.instrumentType}`);
    if (s.instrument !== undefined) l.push(`Instrument: ${s.instrument}`);
    for (const [k, v] of Object.entries(s.extra)) l.push(`${k.startsWith('Synon ') ? 'Synon' : k}: ${v}`);
    if (s.comments !== undefined) l.push(`Comments: "${s.comments}"`);
    l.push(`Num Peaks: ${s.mz.length}`);
    for (let k = 0; k < s.mz.length; k++) l.push(`${fmtNum(s.mz[k] ?? 0)} ${fmtNum(s.intensity[k] ?? 0)}`);
    parts.push(l.join('\n'));
  }
  return parts.length === 0 ? '' : parts.join('\n\n') + '\n';
}
