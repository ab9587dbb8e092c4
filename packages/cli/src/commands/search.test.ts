import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { searchCommand } from './search.ts';

const LIB = `Name: ALPHA
InChIKey: AAAAAAAAAAAAAA-UHFFFAOYSA-N
DB#: L1
Comments: "License=CC BY"
Num Peaks: 3
41 100; 43 999; 57 300

Name: BETA
InChIKey: BBBBBBBBBBBBBB-UHFFFAOYSA-N
DB#: L2
Derivative: TMS
Num Peaks: 3
73 999; 147 200; 41 50
`;
const QUERY = `Name: unknown
Num Peaks: 3
41 90; 43 999; 57 320
`;

function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  return searchCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) }).then((code) => ({ code, out, err }));
}

describe('tamga search', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tamga-search-'));
  const lib = join(dir, 'lib.msp');
  const query = join(dir, 'q.msp');
  writeFileSync(lib, LIB);
  writeFileSync(query, QUERY);

  it('prints one JSON line per query with ranked hits, derivative "none" when absent', async () => {
    const { code, out } = await run(['--library', lib, query, '--json', '--top', '2', '--measure', 'identity']);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const line = JSON.parse(out[0] ?? '{}') as { query: unknown; hits: { rank: number; id: string; derivative: string; mf: number; score: number }[] };
    expect(line.query).toEqual({ name: 'unknown', inchikey: null });
    expect(line.hits.map((h) => [h.rank, h.id, h.derivative])).toEqual([
      [1, 'L1', 'none'],
      [2, 'L2', 'TMS'],
    ]);
    expect(Object.keys(line.hits[0] ?? {})).toEqual(['rank', 'id', 'name', 'inchikey', 'derivative', 'score', 'mf', 'rmf', 'probability']);
    expect(line.hits[0]?.score).toBe(line.hits[0]?.mf);
  });

  it('says in the text output what a check took from a hit\'s score', async () => {
    // The unknown's heaviest significant ion (85) is far above ALPHA's (57): the default measure's
    // low-mass check takes 30 from ALPHA, and the line says so.
    const heavier = join(dir, 'heavier.msp');
    writeFileSync(heavier, 'Name: heavier\nNum Peaks: 4\n41 90; 43 999; 57 320; 85 200\n');
    const { code, out } = await run(['--library', lib, heavier]);
    expect(code).toBe(0);
    const alpha = out.find((l) => l.includes('ALPHA'));
    expect(alpha).toMatch(/\| L1 \(-30 low-mass\)$/);
    const ident = await run(['--library', lib, heavier, '--measure', 'identity']);
    expect(ident.out.find((l) => l.includes('ALPHA'))).toMatch(/\| L1$/);
  });

  it('saves the index and reuses it on the next run', async () => {
    const idx = join(dir, 'lib.idx');
    const first = await run(['--library', lib, query, '--index', idx]);
    expect(existsSync(idx)).toBe(true);
    const second = await run(['--library', lib, query, '--index', idx]);
    expect(second.out).toEqual(first.out);
    expect(first.out[0]).toContain('lib.msp sha256:');
  });

  it('exits 2 on bad usage and 1 on a malformed query file', async () => {
    expect((await run([query])).code).toBe(2);
    expect((await run(['--library', lib, query, '--measure', 'nope'])).code).toBe(2);
    const bad = join(dir, 'bad.msp');
    writeFileSync(bad, 'Name: x\nNum Peaks: 2\n41 1\n');
    const r = await run(['--library', lib, bad]);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain('SPECTRA_ERR_MALFORMED_MSP');
  });
});
