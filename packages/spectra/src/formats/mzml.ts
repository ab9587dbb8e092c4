// mzML 1.1 (plain or wrapped in indexedmzML): every <spectrum> with an m/z and an intensity
// binaryDataArray, base64, zlib-compressed or not, 32- or 64-bit floats. Other compressions
// (MS-Numpress) are refused by name rather than misread.
import { inflateSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SpectraErrors } from '../errors.ts';
import { makeSpectrum, type Spectrum } from '../types.ts';
import type { ParseOptions } from './msp.ts';

type Node = Record<string, unknown>;

const CV = {
  float64: 'MS:1000523',
  float32: 'MS:1000521',
  zlib: 'MS:1000574',
  none: 'MS:1000576',
  mzArray: 'MS:1000514',
  intensityArray: 'MS:1000515',
  title: 'MS:1000796',
} as const;

function fail(opts: ParseOptions, field: string, message: string): never {
  throw SpectraErrors.SPECTRA_ERR_MALFORMED_MZML(`${opts.source ?? 'mzML'}: ${field}: ${message}`, { errors: [{ field, message }] });
}

const attr = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const list = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node]);

function cvParams(node: Node): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of list(node.cvParam)) out.set(attr(p['@_accession']), attr(p['@_value']));
  return out;
}

function decodeArray(b: Node, field: string, opts: ParseOptions): Float64Array {
  const cv = cvParams(b);
  const b64 = attr(b.binary).replace(/\s+/g, '');
  if (b64 !== '' && !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) fail(opts, field, 'binary is not base64');
  let bytes: Uint8Array = Buffer.from(b64, 'base64');
  if (cv.has(CV.zlib)) {
    try {
      bytes = inflateSync(bytes);
    } catch (cause) {
      return fail(opts, field, `zlib data does not inflate (${String(cause)})`);
    }
  } else if (!cv.has(CV.none)) {
    const other = [...cv.keys()].find((k) => /^MS:100(2312|2313|2314|2746|2747|2748)$/.test(k));
    fail(opts, field, other === undefined ? 'no compression cvParam' : `unsupported compression ${other}`);
  }
  const width = cv.has(CV.float64) ? 8 : cv.has(CV.float32) ? 4 : fail(opts, field, 'neither 32- nor 64-bit float');
  if (bytes.length % width !== 0) fail(opts, field, `${bytes.length} bytes is not a whole number of ${width * 8}-bit values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(bytes.length / width);
  for (let k = 0; k < out.length; k++) out[k] = width === 8 ? view.getFloat64(k * 8, true) : view.getFloat32(k * 4, true);
  return out;
}

export function parseMzml(text: string, opts: ParseOptions = {}): Spectrum[] {
  const valid = XMLValidator.validate(text);
  if (valid !== true) fail(opts, `line ${valid.err.line}`, valid.err.msg);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, parseTagValue: false, parseAttributeValue: false }).parse(text) as Node;
  const root = ((doc.indexedmzML as Node | undefined)?.mzML ?? doc.mzML) as Node | undefined;
  if (root === undefined) fail(opts, 'mzML', 'no <mzML> element');
  const run = root.run as Node | undefined;
  if (run === undefined) fail(opts, 'mzML.run', 'no <run> element');
  const spectra = list((run.spectrumList as Node | undefined)?.spectrum);
  return spectra.map((sp, k) => {
    const field = `spectrum[${k}]`;
    const n = Number(sp['@_defaultArrayLength']);
    let mz: Float64Array | undefined;
    let intensity: Float64Array | undefined;
    list((sp.binaryDataArrayList as Node | undefined)?.binaryDataArray).forEach((b, j) => {
      const cv = cvParams(b);
      if (cv.has(CV.mzArray)) mz = decodeArray(b, `${field}.binaryDataArray[${j}]`, opts);
      else if (cv.has(CV.intensityArray)) intensity = decodeArray(b, `${field}.binaryDataArray[${j}]`, opts);
    });
    if (mz === undefined) fail(opts, field, 'no m/z array');
    if (intensity === undefined) fail(opts, field, 'no intensity array');
    if (mz.length !== intensity.length) fail(opts, field, `m/z array has ${mz.length} values, intensity array ${intensity.length}`);
    if (Number.isFinite(n) && n !== mz.length) fail(opts, field, `defaultArrayLength ${n} but ${mz.length} values`);
    const title = cvParams(sp).get(CV.title);
    return makeSpectrum({ mz, intensity }, { name: title !== undefined && title !== '' ? title : attr(sp['@_id']) || `spectrum ${k}` });
  });
}
