// Worker-thread side of the search pool: views the shared index (bytes or arrays, no copy) and answers
// search requests one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { loadIndex } from './serialize.ts';
import { SpectralIndex, type SearchOptions } from './index.ts';
import type { WorkerInput } from './pool.ts';

interface Request {
  id: number;
  query: { mz: Float64Array; intensity: Float64Array; ri?: number };
  opts: SearchOptions;
}

const input = workerData as WorkerInput;
const index = 'bytes' in input ? loadIndex(input.bytes) : new SpectralIndex(input.meta, input.parts);
parentPort?.on('message', (req: Request) => {
  try {
    parentPort?.postMessage({ id: req.id, result: index.search(req.query, req.opts) });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    parentPort?.postMessage({ id: req.id, error: { code: e.code ?? 'SPECTRA_ERR_WORKER', message: e.message ?? String(err) } });
  }
});
