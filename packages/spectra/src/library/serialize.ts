// Binary index file: "TAMGAIDX" magic, format version, a JSON header (library name/version,
// counts, string columns), then the typed arrays back to back, each 8-byte aligned, so loading
// is a handful of views over one buffer (no parsing of peaks). Format 2 adds the composite's
// blocked cosine postings, so a loaded index (and every worker thread on its bytes) reads them
// instead of building its own. Format 3 keeps pairs as blocked postings with log intensity ratios
// and adds the identity weights beside the cosine weights (the bounds of library/index.ts).
// Format 4 adds each spectrum's cosine norm below the m/z cuts of LOW_CUTS and its heaviest peaks
// with its mass (topPeaks).
import { SpectraErrors } from '../errors.ts';
import { BLOCK, LOW_CUTS } from './blocked.ts';
import { buildIndexFromPacked, SpectralIndex, TOP_WIDTH, type IndexParts } from './index.ts';

const MAGIC = 'TAMGAIDX';
const FORMAT = 4;
/** Earlier formats still read (by indexing their packed library again). */
const READABLE: readonly number[] = [2, 3];

type ArrayName = 'offsets' | 'mz' | 'intensity' | 'ri' | 'order' | 'lowMz' | 'highMz' | 'mass' | 'topPeaks' | 'pairKeys' | 'pairStart' | 'pairLocal' | 'pairRatio' | 'postStart' | 'postLocal' | 'postWeight' | 'postIdWeight' | 'postLowNorm';
type Kind = 'u32' | 'u16' | 'i16' | 'f32' | 'f64';
type AnyArray = Uint32Array | Uint16Array | Int16Array | Float32Array | Float64Array;
const ARRAYS: readonly [ArrayName, Kind][] = [
  ['offsets', 'u32'],
  ['mz', 'u16'],
  ['intensity', 'u16'],
  ['ri', 'f32'],
  ['order', 'u16'],
  ['lowMz', 'u16'],
  ['highMz', 'u16'],
  ['mass', 'f64'],
  ['topPeaks', 'u32'],
  ['pairKeys', 'u32'],
  ['pairStart', 'u32'],
  ['pairLocal', 'u16'],
  ['pairRatio', 'i16'],
  ['postStart', 'u32'],
  ['postLocal', 'u16'],
  ['postWeight', 'u16'],
  ['postIdWeight', 'u16'],
  ['postLowNorm', 'u16'],
];

const EMPTY = { u32: new Uint32Array(0), u16: new Uint16Array(0) };

/** The arrays of the file, the postings' ones empty when the index has none. */
function sections(p: IndexParts): Record<ArrayName, AnyArray> {
  const c = p.cosinePostings;
  return { ...p, postStart: c?.start ?? EMPTY.u32, postLocal: c?.local ?? EMPTY.u16, postWeight: c?.weight ?? EMPTY.u16, postIdWeight: c?.idWeight ?? EMPTY.u16, postLowNorm: c?.lowNorm ?? EMPTY.u16 };
}

interface Header {
  format: number;
  library: { name: string; version: string };
  maxMz: number;
  lengths: number[];
  /** Powers key and block count of the cosine postings, when saved. */
  postings?: { key: string; blocks: number };
  strings: { ids?: string[]; names?: string[]; inchikeys?: string[]; derivatives?: string[]; comments?: string[] };
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Serialises the index into one buffer (optionally shared, for worker threads). */
export function serializeIndex(index: SpectralIndex, opts: { shared?: boolean } = {}): Uint8Array {
  const p = sections(index.parts);
  const c = index.parts.cosinePostings;
  const header: Header = {
    format: FORMAT,
    library: index.meta,
    maxMz: index.parts.maxMz,
    lengths: ARRAYS.map(([name]) => p[name].length),
    ...(c === undefined ? {} : { postings: { key: c.key, blocks: c.blocks } }),
    strings: { ids: index.parts.ids, names: index.parts.names, inchikeys: index.parts.inchikeys, derivatives: index.parts.derivatives, comments: index.parts.comments },
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  let size = align8(8 + 4 + 4 + json.length);
  for (const [name] of ARRAYS) size += align8(p[name].byteLength);
  const buffer = opts.shared === true ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
  const out = new Uint8Array(buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(buffer);
  view.setUint32(8, FORMAT, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  let at = align8(16 + json.length);
  for (const [name] of ARRAYS) {
    const arr = p[name];
    out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), at);
    at += align8(arr.byteLength);
  }
  return out;
}

/** Loads an index written by serializeIndex. Views the bytes without copying when aligned. */
export function loadIndex(bytes: Uint8Array): SpectralIndex {
  const bad = (why: string): never => {
    throw SpectraErrors.SPECTRA_ERR_BAD_INDEX(`index file: ${why}`);
  };
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) bad('not a Tamga spectral index (bad magic)');
  let buf = bytes;
  if (bytes.byteOffset % 8 !== 0) buf = bytes.slice();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const format = view.getUint32(8, true);
  if (format !== FORMAT && !READABLE.includes(format)) bad(`format ${format} is not supported (expected ${FORMAT})`);
  const jsonLen = view.getUint32(12, true);
  if (16 + jsonLen > buf.length) bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(16, 16 + jsonLen))) as Header;
  } catch (cause) {
    return bad(`header is not JSON (${String(cause)})`);
  }
  let at = align8(16 + jsonLen);
  const arrays: Partial<Record<ArrayName, AnyArray>> = {};
  // Files of earlier formats start with the same packed library (offsets, m/z, intensities,
  // retention indices): read those and index them again, so stored libraries keep working.
  const list = format === FORMAT ? ARRAYS : ARRAYS.slice(0, 4);
  list.forEach(([name, type], k) => {
    const len = header.lengths[k] ?? 0;
    const width = type === 'u16' || type === 'i16' ? 2 : type === 'f64' ? 8 : 4;
    if (at + len * width > buf.length) bad(`truncated at ${name}`);
    const off = buf.byteOffset + at;
    arrays[name] =
      type === 'u32'
        ? new Uint32Array(buf.buffer, off, len)
        : type === 'u16'
          ? new Uint16Array(buf.buffer, off, len)
          : type === 'i16'
            ? new Int16Array(buf.buffer, off, len)
            : type === 'f32'
              ? new Float32Array(buf.buffer, off, len)
              : new Float64Array(buf.buffer, off, len);
    at += align8(len * width);
  });
  if (format !== FORMAT) {
    const { offsets, mz, intensity, ri } = arrays as Record<'offsets' | 'mz' | 'intensity' | 'ri', AnyArray>;
    if (!(offsets instanceof Uint32Array && mz instanceof Uint16Array && intensity instanceof Uint16Array && ri instanceof Float32Array)) return bad('inconsistent section types');
    if (offsets.length < 1 || mz.length !== intensity.length || ri.length !== offsets.length - 1 || (offsets[offsets.length - 1] ?? 0) > mz.length) bad('inconsistent section lengths');
    return buildIndexFromPacked({ offsets, mz, intensity, ri, ...header.strings }, header.library);
  }
  const { postStart, postLocal, postWeight, postIdWeight, postLowNorm, ...rest } = arrays;
  const parts = { ...rest, ...header.strings, maxMz: header.maxMz } as IndexParts;
  const count = parts.offsets.length - 1;
  if (count < 0 || parts.mass.length !== count || parts.topPeaks.length !== TOP_WIDTH * count || parts.lowMz.length !== count || parts.highMz.length !== count || parts.order.length !== parts.mz.length || parts.pairStart.length !== parts.pairKeys.length * (Math.max(1, Math.ceil(count / BLOCK)) + 1) + 1 || parts.pairLocal.length !== parts.pairRatio.length) bad('inconsistent section lengths');
  const post = header.postings;
  if (post !== undefined) {
    const row = post.blocks + 1;
    if (postStart?.length !== (header.maxMz + 1) * row + 1 || postLocal?.length !== parts.mz.length || postWeight?.length !== parts.mz.length || postIdWeight?.length !== parts.mz.length || postLowNorm?.length !== LOW_CUTS.length * count) bad('inconsistent postings lengths');
    parts.cosinePostings = { key: post.key, blocks: post.blocks, start: postStart as Uint32Array, local: postLocal as Uint16Array, weight: postWeight as Uint16Array, idWeight: postIdWeight as Uint16Array, lowNorm: postLowNorm as Uint16Array };
  }
  return new SpectralIndex(header.library, parts);
}
