import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import { parseCsvSpectrum, parseJcamp, parseMsp, parseMzml, parseSpectrumFile, writeJcamp, writeMsp } from '../src/index.ts';

const MSP = `Name: COCAINE
Synon: Benzoylmethylecgonine
Synon: $:00in-source
Formula: C17H21NO4
MW: 303
InChIKey: ZPUCINDJVBIVPJ-LJISPDSOSA-N
CAS#: 50-36-2
DB#: TEST-0001
Derivative: TMS
RI: 2189
Comments: "License=CC BY; Contributor=Test"
Num Peaks: 5
82 999; 182 800
303 200 "M+"
94 300
105 150

Name: SWGDRUG STYLE
CASNO: 1-2-3
ID: 42
Comment: from the SWGDRUG export
Num peaks: 3
 40 10  41 20  43 100
`;

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (isDomainError(err)) return `${err.code} ${err.message}`;
    throw err;
  }
  return 'no error';
};

describe('MSP', () => {
  it('reads multi-peak lines, synonyms, comments, derivative, RI and the SWGDRUG export variant', () => {
    const [a, b] = parseMsp(MSP, { source: 'lib.msp' });
    expect(a?.name).toBe('COCAINE');
    expect(a?.synonyms).toEqual(['Benzoylmethylecgonine']);
    expect(Array.from(a?.mz ?? [])).toEqual([82, 94, 105, 182, 303]);
    expect(Array.from(a?.intensity ?? [])).toEqual([999, 300, 150, 800, 200]);
    expect(a).toMatchObject({ inchikey: 'ZPUCINDJVBIVPJ-LJISPDSOSA-N', cas: '50-36-2', dbId: 'TEST-0001', derivative: 'TMS', ri: 2189, mw: 303, comments: 'License=CC BY; Contributor=Test' });
    expect(a?.source).toEqual({ file: 'lib.msp', record: 0, line: 1 });
    expect(b).toMatchObject({ name: 'SWGDRUG STYLE', cas: '1-2-3', dbId: '42', comments: 'from the SWGDRUG export' });
    expect(Array.from(b?.mz ?? [])).toEqual([40, 41, 43]);
  });

  it('writes MSP that reads back to the same records', () => {
    const lib = parseMsp(MSP);
    const again = parseMsp(writeMsp(lib));
    expect(again.map(({ source: _s, ...r }) => r)).toEqual(lib.map(({ source: _s, ...r }) => r));
  });

  it.each([
    ['a peak count short of Num Peaks', 'Name: X\nNum Peaks: 3\n41 1\n43 2\n\n', 'line 5'],
    ['more peaks than declared', 'Name: X\nNum Peaks: 1\n41 1; 43 2\n', 'line 3'],
    ['a non-numeric intensity', 'Name: X\nNum Peaks: 2\n41 1\n43 abc\n', 'line 4'],
    ['a header line without a colon', 'Name: X\nFormula C2H6\nNum Peaks: 1\n41 1\n', 'line 2'],
    ['a record without Name', 'Formula: C2H6\nNum Peaks: 1\n41 1\n', 'line 1'],
    ['an odd number of peak values', 'Name: X\nNum Peaks: 2\n41 1 43\n', 'line 3'],
  ])('refuses %s with the line at fault', (_what, text, line) => {
    const msg = codeOf(() => parseMsp(text));
    expect(msg).toContain('SPECTRA_ERR_MALFORMED_MSP');
    expect(msg).toContain(line);
  });
});

describe('JCAMP-DX', () => {
  it('round-trips a written peak table with its metadata', () => {
    const lib = parseMsp(MSP);
    const back = parseJcamp(writeJcamp(lib));
    expect(back).toHaveLength(2);
    expect(back[0]).toMatchObject({ name: 'COCAINE', formula: 'C17H21NO4', cas: '50-36-2', inchikey: 'ZPUCINDJVBIVPJ-LJISPDSOSA-N', derivative: 'TMS', ri: 2189, dbId: 'TEST-0001', comments: 'License=CC BY; Contributor=Test' });
    expect(Array.from(back[0]?.mz ?? [])).toEqual(Array.from(lib[0]?.mz ?? []));
    expect(Array.from(back[0]?.intensity ?? [])).toEqual(Array.from(lib[0]?.intensity ?? []));
  });

  it('refuses a block without ##END and a point count that disagrees with NPOINTS', () => {
    expect(codeOf(() => parseJcamp('##TITLE=x\n##PEAK TABLE=(XY..XY)\n1,2\n'))).toContain('SPECTRA_ERR_MALFORMED_JCAMP');
    expect(codeOf(() => parseJcamp('##TITLE=x\n##NPOINTS=3\n##PEAK TABLE=(XY..XY)\n41,2 43,5\n##END=\n'))).toContain('NPOINTS 3');
  });
});

function b64(values: number[], bits: 32 | 64, zlib: boolean): string {
  const arr = bits === 64 ? new Float64Array(values) : new Float32Array(values);
  const raw = Buffer.from(arr.buffer);
  return (zlib ? deflateSync(raw) : raw).toString('base64');
}

function mzml(opts: { indexed: boolean; bits: 32 | 64; zlib: boolean; mzValues?: number[] }): string {
  const mz = opts.mzValues ?? [41, 43.1, 57];
  const cv = (bits: number, zlib: boolean) =>
    `<cvParam cvRef="MS" accession="${bits === 64 ? 'MS:1000523' : 'MS:1000521'}" name="float"/><cvParam cvRef="MS" accession="${zlib ? 'MS:1000574' : 'MS:1000576'}" name="c"/>`;
  const body = `<mzML xmlns="http://psi.hupo.org/ms/mzml" version="1.1.0"><run id="r"><spectrumList count="1">
<spectrum index="0" id="scan=1" defaultArrayLength="3"><cvParam cvRef="MS" accession="MS:1000796" name="spectrum title" value="unknown 1"/>
<binaryDataArrayList count="2">
<binaryDataArray encodedLength="0">${cv(opts.bits, opts.zlib)}<cvParam cvRef="MS" accession="MS:1000514" name="m/z array"/><binary>${b64(mz, opts.bits, opts.zlib)}</binary></binaryDataArray>
<binaryDataArray encodedLength="0">${cv(64, false)}<cvParam cvRef="MS" accession="MS:1000515" name="intensity array"/><binary>${b64([100, 999, 50], 64, false)}</binary></binaryDataArray>
</binaryDataArrayList></spectrum></spectrumList></run></mzML>`;
  return `<?xml version="1.0" encoding="utf-8"?>\n` + (opts.indexed ? `<indexedmzML xmlns="http://psi.hupo.org/ms/mzml">${body}<indexListOffset>0</indexListOffset></indexedmzML>` : body);
}

describe('mzML', () => {
  it.each([
    [false, 64, false],
    [true, 64, true],
    [false, 32, true],
    [true, 32, false],
  ] as const)('decodes indexed=%s %i-bit zlib=%s arrays', (indexed, bits, zlib) => {
    const [s] = parseMzml(mzml({ indexed, bits, zlib }));
    expect(s?.name).toBe('unknown 1');
    expect(Array.from(s?.mz ?? []).map((v) => Math.round(v * 1000) / 1000)).toEqual([41, 43.1, 57]);
    expect(Array.from(s?.intensity ?? [])).toEqual([100, 999, 50]);
  });

  it('refuses arrays of different lengths and broken XML, naming the place', () => {
    expect(codeOf(() => parseMzml(mzml({ indexed: false, bits: 64, zlib: false, mzValues: [41, 43] })))).toContain('spectrum[0]');
    expect(codeOf(() => parseMzml('<mzML><run></mzML>'))).toContain('SPECTRA_ERR_MALFORMED_MZML');
  });
});

describe('CSV and dispatch', () => {
  it('reads two columns with a header and refuses a third column with its line', () => {
    const s = parseCsvSpectrum('mz,intensity\n43,100\n41;20\n57\t5\n');
    expect(Array.from(s.mz)).toEqual([41, 43, 57]);
    expect(codeOf(() => parseCsvSpectrum('41,1\n43,2,3\n'))).toContain('line 2');
  });

  it('chooses the reader by content, then by extension', () => {
    const enc = (t: string) => new TextEncoder().encode(t);
    expect(parseSpectrumFile(enc(MSP), 'x.dat')).toHaveLength(2);
    expect(parseSpectrumFile(enc(writeJcamp(parseMsp(MSP))), 'x.txt')).toHaveLength(2);
    expect(parseSpectrumFile(enc(mzml({ indexed: true, bits: 64, zlib: true })), 'a')).toHaveLength(1);
    expect(parseSpectrumFile(enc('41 1\n43 2\n'), 'peaks.csv')[0]?.mz.length).toBe(2);
    expect(codeOf(() => parseSpectrumFile(enc('hello'), 'x.bin'))).toContain('SPECTRA_ERR_UNKNOWN_FORMAT');
  });
});
