// Spectrum uploads in every instrument format, end to end over HTTP: JCAMP-DX, mzML (base64,
// zlib or none, 32- or 64-bit floats) and two-column CSV, written here by the test (no data
// files). Each is parsed, kept as a raw blob with its SHA-256, and searched, every hit with all
// its scores; corrupt or truncated files are refused with a 4xx naming what is wrong, and
// nothing of them is stored. A small made-up library (not real chemistry) with retention indices.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSpectrum, writeMsp } from '@tamga/spectra';
import { auditRecords } from '../src/store/collections.ts';
import { startAnalysis, type AnalysisFixture } from './fixture.ts';

const LIBRARY = [
  { name: 'Synthetic compound A', ri: 1210, peaks: [[43, 999], [58, 420], [91, 310], [134, 120]] },
  { name: 'Synthetic compound B', ri: 1340, peaks: [[44, 999], [77, 380], [105, 650], [182, 90]] },
  { name: 'Synthetic compound C', ri: 1500, peaks: [[57, 999], [71, 520], [85, 300], [142, 60]] },
] as const;

/** The exhibit's spectrum: compound C with a little noise. */
const QUERY: [number, number][] = [
  [57, 950],
  [71, 540],
  [85, 280],
  [142, 70],
  [200, 5],
];

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function jcamp(peaks: [number, number][], ri?: number): string {
  const lines = ['##TITLE=exhibit run 7', '##JCAMP-DX=4.24', '##DATA TYPE=MASS SPECTRUM', '##DATA CLASS=PEAK TABLE'];
  if (ri !== undefined) lines.push(`##$RETENTION INDEX=${ri}`);
  lines.push('##XUNITS=M/Z', '##YUNITS=RELATIVE ABUNDANCE', `##NPOINTS=${peaks.length}`, '##PEAK TABLE=(XY..XY)');
  for (const [mz, y] of peaks) lines.push(`${mz},${y}`);
  lines.push('##END=');
  return `${lines.join('\n')}\n`;
}

type Width = 32 | 64;
type Compression = 'zlib' | 'none';

function encodeArray(values: number[], width: Width, compression: Compression): string {
  const raw = Buffer.alloc(values.length * (width / 8));
  values.forEach((v, k) => (width === 64 ? raw.writeDoubleLE(v, k * 8) : raw.writeFloatLE(v, k * 4)));
  return (compression === 'zlib' ? deflateSync(raw) : raw).toString('base64');
}

function binaryArray(kind: 'mz' | 'intensity', base64: string, width: Width, compression: Compression): string {
  const cv = (acc: string, name: string) => `<cvParam cvRef="MS" accession="${acc}" name="${name}" value=""/>`;
  return [
    `<binaryDataArray encodedLength="${base64.length}">`,
    width === 64 ? cv('MS:1000523', '64-bit float') : cv('MS:1000521', '32-bit float'),
    compression === 'zlib' ? cv('MS:1000574', 'zlib compression') : cv('MS:1000576', 'no compression'),
    kind === 'mz' ? cv('MS:1000514', 'm/z array') : cv('MS:1000515', 'intensity array'),
    `<binary>${base64}</binary>`,
    '</binaryDataArray>',
  ].join('\n');
}

function mzml(peaks: [number, number][], width: Width, compression: Compression, arrays?: { mz: string; intensity: string }): string {
  const mz = arrays?.mz ?? encodeArray(peaks.map((p) => p[0]), width, compression);
  const intensity = arrays?.intensity ?? encodeArray(peaks.map((p) => p[1]), width, compression);
  return `<?xml version="1.0" encoding="utf-8"?>
<mzML xmlns="http://psi.hupo.org/ms/mzml" version="1.1.0">
  <run id="exhibit-run">
    <spectrumList count="1">
      <spectrum index="0" id="scan=1" defaultArrayLength="${peaks.length}">
        <cvParam cvRef="MS" accession="MS:1000511" name="ms level" value="1"/>
        <binaryDataArrayList count="2">
${binaryArray('mz', mz, width, compression)}
${binaryArray('intensity', intensity, width, compression)}
        </binaryDataArrayList>
      </spectrum>
    </spectrumList>
  </run>
</mzML>
`;
}

function csv(peaks: [number, number][]): string {
  return `m/z,intensity\n${peaks.map(([mz, y]) => `${mz},${y}`).join('\n')}\n`;
}

interface UploadView {
  id: string;
  format: string;
  raw: { sha256: string; size: number };
  spectra: {
    peakCount: number;
    ri?: number;
    search: {
      library: { name: string; version: string };
      hits: { rank: number; name: string; mf: number; rmf: number; entropy: number; score: number; probability: number; libraryRi?: number; riDelta?: number }[];
    };
  }[];
}

let lab: AnalysisFixture;
let workItemId: string;

async function upload(filename: string, body: string | Buffer, contentType = 'application/octet-stream') {
  return lab.call('ana', 'POST', `/v1/work-items/${workItemId}/spectra?filename=${encodeURIComponent(filename)}&instrument=GCMS-1`, Buffer.from(body), contentType);
}

/** What a refused upload must leave untouched: the item's spectra, its audit trail. */
async function stored() {
  return {
    spectra: (await lab.call('ana', 'GET', `/v1/work-items/${workItemId}/spectra`)).json(),
    audit: await lab.store.collection(auditRecords).find({ entityId: workItemId }, { sort: { at: 1 } }),
  };
}

beforeAll(async () => {
  lab = await startAnalysis();
  const msp = writeMsp(
    LIBRARY.map((c, i) => makeSpectrum(c.peaks.map(([mz, y]) => [mz, y] as [number, number]), { name: c.name, dbId: `SYN-${i + 1}`, ri: c.ri })),
  );
  const lib = await lab.call('qa', 'POST', '/v1/libraries?name=Synthetic&version=1', msp, 'application/octet-stream');
  expect(lib.status, lib.body).toBe(201);
  workItemId = await lab.request('TMG-2026-000401-01');
  await lab.claim('ana', workItemId);
});

afterAll(async () => {
  await lab.close();
});

describe('uploads in every format', () => {
  const cases: { label: string; filename: string; body: () => string; format: string; ri?: number }[] = [
    { label: 'JCAMP-DX with a retention index', filename: 'run7.jdx', body: () => jcamp(QUERY, 1512), format: 'jcamp', ri: 1512 },
    { label: 'mzML, 64-bit, uncompressed', filename: 'run7-64.mzML', body: () => mzml(QUERY, 64, 'none'), format: 'mzml' },
    { label: 'mzML, 32-bit, zlib', filename: 'run7-32z.mzML', body: () => mzml(QUERY, 32, 'zlib'), format: 'mzml' },
    { label: 'mzML, 64-bit, zlib', filename: 'run7-64z.mzML', body: () => mzml(QUERY, 64, 'zlib'), format: 'mzml' },
    { label: 'mzML, 32-bit, uncompressed', filename: 'run7-32.mzML', body: () => mzml(QUERY, 32, 'none'), format: 'mzml' },
    { label: 'two-column CSV', filename: 'run7.csv', body: () => csv(QUERY), format: 'csv' },
  ];

  for (const c of cases) {
    it(`parses, stores with its SHA-256 and searches ${c.label}`, async () => {
      const bytes = Buffer.from(c.body());
      const res = await upload(c.filename, bytes);
      expect(res.status, res.body).toBe(201);
      const view = res.json<UploadView>();
      expect(view.format).toBe(c.format);
      expect(view.raw).toMatchObject({ sha256: sha256(bytes), size: bytes.length });
      // The raw file comes back byte for byte, named by its hash.
      const raw = await lab.call('ana', 'GET', `/v1/spectra/${view.id}/raw`);
      expect(raw.status).toBe(200);
      expect(raw.raw.equals(bytes)).toBe(true);
      expect(raw.headers['x-content-sha256']).toBe(sha256(bytes));
      const [spectrum] = view.spectra;
      expect(spectrum?.peakCount).toBe(QUERY.length);
      expect(spectrum?.search.library).toEqual({ name: 'Synthetic', version: '1' });
      const [best, ...rest] = spectrum?.search.hits ?? [];
      expect(best?.name).toBe('Synthetic compound C');
      // Every score of every hit, similarities on the 0..1000 scale.
      for (const h of [best, ...rest]) {
        expect(h).toEqual(expect.objectContaining({ mf: expect.any(Number), rmf: expect.any(Number), entropy: expect.any(Number), score: expect.any(Number), probability: expect.any(Number) }));
        for (const s of [h?.mf, h?.rmf, h?.entropy, h?.score]) {
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(1000);
        }
      }
      expect(best?.mf).toBeGreaterThan(800);
      expect(best?.entropy).toBeGreaterThan(800);
      expect(best?.entropy).toBeGreaterThan(rest[0]?.entropy ?? 0);
      if (c.ri === undefined) {
        expect(best?.riDelta).toBeUndefined();
      } else {
        expect(best).toMatchObject({ libraryRi: 1500, riDelta: c.ri - 1500 });
      }
    });
  }
});


describe('hits in the spectra API', () => {
  it('lists every upload of the work item with all scores of its hits', async () => {
    const list = (await lab.call('rev', 'GET', `/v1/work-items/${workItemId}/spectra`)).json<{ spectra: UploadView[] }>();
    expect(list.spectra.map((s) => s.format)).toEqual(['jcamp', 'mzml', 'mzml', 'mzml', 'mzml', 'csv']);
    const jdx = list.spectra[0];
    expect(jdx?.spectra[0]?.search.hits[0]).toMatchObject({ name: 'Synthetic compound C', libraryRi: 1500, riDelta: 12 });
    const one = (await lab.call('rev', 'GET', `/v1/spectra/${jdx?.id ?? ''}`)).json<UploadView>();
    expect(one.spectra[0]?.search.hits[0]?.entropy).toBe(jdx?.spectra[0]?.search.hits[0]?.entropy);
    const plot = await lab.call('ana', 'GET', `/v1/spectra/${jdx?.id ?? ''}/mirror-plot.svg?rank=1`);
    expect(plot.status).toBe(200);
    expect(plot.body).toMatch(/MF \d+, RMF \d+, entropy \d+; Synthetic 1/);
  });
});

describe('corrupt and truncated uploads', () => {
  const good = { jcamp: jcamp(QUERY, 1512), mzml: mzml(QUERY, 32, 'zlib'), csv: csv(QUERY) };
  const zlibBytes = Buffer.from(encodeArray(QUERY.map((p) => p[0]), 32, 'zlib'), 'base64');
  zlibBytes.fill(0x55, 2, 8); // damaged deflate stream
  const sixBytes = Buffer.alloc(6).toString('base64'); // one and a half 32-bit floats
  const refused: { label: string; filename: string; body: string | Buffer; status: number; code: string; field: RegExp | string; message?: RegExp }[] = [
    { label: 'a JCAMP-DX file broken off before ##END', filename: 'cut.jdx', body: good.jcamp.slice(0, good.jcamp.indexOf('85,280')), status: 422, code: 'SPECTRA_ERR_MALFORMED_JCAMP', field: 'END' },
    { label: 'a JCAMP-DX peak table with a non-number', filename: 'bad.jdx', body: good.jcamp.replace('71,540', '71,5x0'), status: 422, code: 'SPECTRA_ERR_MALFORMED_JCAMP', field: /point 2$/, message: /not a number/ },
    { label: 'an mzML document broken off mid-way', filename: 'cut.mzML', body: good.mzml.slice(0, Math.floor(good.mzml.length * 0.6)), status: 422, code: 'SPECTRA_ERR_MALFORMED_MZML', field: /^line \d+$/ },
    {
      label: 'an mzML array whose zlib data does not inflate',
      filename: 'zlib.mzML',
      body: mzml(QUERY, 32, 'zlib', { mz: zlibBytes.toString('base64'), intensity: encodeArray(QUERY.map((p) => p[1]), 32, 'zlib') }),
      status: 422,
      code: 'SPECTRA_ERR_MALFORMED_MZML',
      field: 'spectrum[0].binaryDataArray[0]',
      message: /zlib/,
    },
    {
      label: 'an mzML array cut inside a value',
      filename: 'short.mzML',
      body: mzml(QUERY, 32, 'none', { mz: encodeArray(QUERY.map((p) => p[0]), 32, 'none'), intensity: sixBytes }),
      status: 422,
      code: 'SPECTRA_ERR_MALFORMED_MZML',
      field: 'spectrum[0].binaryDataArray[1]',
      message: /32-bit/,
    },
    { label: 'an mzML array that is not base64', filename: 'b64.mzML', body: good.mzml.replace(/<binary>[^<]{4}/, '<binary>@@@@'), status: 422, code: 'SPECTRA_ERR_MALFORMED_MZML', field: /binaryDataArray/, message: /base64/ },
    { label: 'a CSV broken off inside a row', filename: 'cut.csv', body: good.csv.slice(0, good.csv.indexOf('85,280') + 2), status: 422, code: 'SPECTRA_ERR_MALFORMED_CSV', field: /^line \d+$/ },
    { label: 'a CSV with a word for an intensity', filename: 'bad.csv', body: good.csv.replace('540', 'lots'), status: 422, code: 'SPECTRA_ERR_MALFORMED_CSV', field: 'line 3' },
    { label: 'a file of no known format', filename: 'photo.bin', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]), status: 415, code: 'SPECTRA_ERR_UNKNOWN_FORMAT', field: /.*/ },
  ];

  for (const r of refused) {
    it(`refuses ${r.label}, naming what is wrong, and stores nothing`, async () => {
      const before = await stored();
      const bytes = Buffer.from(r.body);
      const res = await upload(r.filename, bytes);
      expect(res.status, res.body).toBe(r.status);
      const problem = res.json<{ code: string; errors?: { field: string; message: string }[]; detail?: string }>();
      expect(problem.code).toBe(r.code);
      if (r.status === 422) {
        const [error] = problem.errors ?? [];
        if (typeof r.field === 'string') expect(error?.field).toBe(r.field);
        else expect(error?.field).toMatch(r.field);
        if (r.message !== undefined) expect(error?.message).toMatch(r.message);
      }
      expect(await stored()).toEqual(before);
      expect(await lab.store.blobs.has(sha256(bytes))).toBe(false);
    });
  }

  it('refuses an empty body and a missing filename', async () => {
    const before = await stored();
    const empty = await upload('empty.csv', Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('body');
    const nameless = await lab.call('ana', 'POST', `/v1/work-items/${workItemId}/spectra`, Buffer.from(good.csv), 'text/csv');
    expect(nameless.status).toBe(400);
    expect(nameless.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('query.filename');
    expect(await stored()).toEqual(before);
  });
});

describe('who may upload', () => {
  it('refuses another analyst, a reviewer, a technician and an investigator, storing nothing', async () => {
    const before = await stored();
    const bytes = Buffer.from(csv(QUERY));
    const url = `/v1/work-items/${workItemId}/spectra?filename=run.csv`;
    const other = await lab.call('ana2', 'POST', url, bytes, 'text/csv');
    expect(other.status).toBe(403);
    expect(other.json()).toMatchObject({ code: 'ANALYSIS_ERR_NOT_ASSIGNED' });
    for (const who of ['rev', 'tech', 'inv'] as const) expect((await lab.call(who, 'POST', url, bytes, 'text/csv')).status).toBe(403);
    expect((await lab.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/csv' }, payload: bytes })).statusCode).toBe(401);
    expect(await stored()).toEqual(before);
  });

  it('hides an item’s spectra from another analyst and from investigators', async () => {
    expect((await lab.call('ana2', 'GET', `/v1/work-items/${workItemId}/spectra`)).status).toBe(403);
    expect((await lab.call('inv', 'GET', `/v1/work-items/${workItemId}/spectra`)).status).toBe(403);
  });
});
