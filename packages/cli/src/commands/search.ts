// `tamga search --library FILE.msp QUERY [--measure M] [--top N] [--json] [--index FILE.idx]`:
// ranks library hits for every spectrum in the query file. The library is named after its
// file and versioned by the SHA-256 of its bytes; with --index the built index is saved and
// reused while the library file is unchanged.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { isDomainError } from '@tamga/contracts';
import { buildIndex, DEFAULT_MEASURE, loadIndex, MEASURES, parseMsp, parseSpectrumFile, serializeIndex, type Measure, type SearchResult, type SpectralIndex } from '@tamga/spectra';

const USAGE = `usage: tamga search --library FILE.msp QUERY [--measure ${MEASURES.join('|')}] [--top N] [--json] [--index FILE.idx]`;

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function openLibrary(libraryPath: string, indexPath: string | undefined): SpectralIndex {
  const bytes = readFileSync(libraryPath);
  const meta = { name: basename(libraryPath), version: 'sha256:' + createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
  if (indexPath !== undefined && existsSync(indexPath)) {
    const saved = loadIndex(readFileSync(indexPath));
    if (saved.meta.name === meta.name && saved.meta.version === meta.version) return saved;
  }
  const index = buildIndex(parseMsp(bytes.toString('utf8'), { source: libraryPath }), meta);
  if (indexPath !== undefined) writeFileSync(indexPath, serializeIndex(index));
  return index;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** What a check took from the score, e.g. " (-30 low-mass)", so a lowered score is explained. */
const adjusted = (list: SearchResult['hits'][number]['adjustments']): string =>
  list.length === 0 ? '' : ` (${list.map((a) => `-${r1(a.points)} ${a.reason}`).join(', ')})`;

function printText(io: Io, k: number, query: { name: string; inchikey?: string }, result: SearchResult): void {
  io.out(`Query ${k + 1}: ${query.name}${query.inchikey === undefined ? '' : ` (${query.inchikey})`}  [${result.measure}, ${result.library.name} ${result.library.version}]`);
  io.out('  rank  score     MF    RMF  prob%  name | InChIKey | derivative | id');
  for (const h of result.hits) {
    io.out(
      `  ${String(h.rank).padStart(4)}  ${r1(h.score).toFixed(1).padStart(6)}  ${String(Math.round(h.mf)).padStart(5)}  ${String(Math.round(h.rmf)).padStart(5)}  ${h.probability.toFixed(1).padStart(5)}  ${h.name} | ${h.inchikey || '-'} | ${h.derivative} | ${h.id}${adjusted(h.adjustments)}`,
    );
  }
  if (result.hits.length === 0) io.out('  (no hits)');
}

export async function searchCommand(argv: string[], io: Io = defaultIo): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        library: { type: 'string' },
        measure: { type: 'string', default: DEFAULT_MEASURE },
        top: { type: 'string', default: '10' },
        json: { type: 'boolean', default: false },
        index: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const measure = values.measure as Measure;
  const top = Number(values.top);
  if (values.library === undefined || positionals.length !== 1 || !MEASURES.includes(measure) || !Number.isInteger(top) || top < 1) {
    io.err(USAGE);
    return 2;
  }
  const queryPath = positionals[0] ?? '';
  try {
    const index = openLibrary(values.library, values.index);
    const queries = parseSpectrumFile(await readFile(queryPath), queryPath);
    queries.forEach((q, k) => {
      const result = index.search(q, { measure, top });
      if (values.json) {
        io.out(
          JSON.stringify({
            query: { name: q.name, inchikey: q.inchikey ?? null },
            hits: result.hits.map((h) => ({ rank: h.rank, id: h.id, name: h.name, inchikey: h.inchikey, derivative: h.derivative, score: r1(h.score), mf: r1(h.mf), rmf: r1(h.rmf), probability: h.probability })),
          }),
        );
      } else {
        printText(io, k, q, result);
      }
    });
    return 0;
  } catch (err) {
    if (isDomainError(err)) {
      io.err(`${err.code}: ${err.message}`);
      return 1;
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(`file not found: ${(err as NodeJS.ErrnoException).path ?? ''}`);
      return 1;
    }
    throw err;
  }
}
