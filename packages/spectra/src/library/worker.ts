// Worker-thread side of the search pool: views the shared index bytes (no copy) and answers
// search requests one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { loadIndex } from './serialize.ts';
import type { SearchOptions } from './index.ts';

interface Request {
  id: number;
  query: { mz: Float64Array; intensity: Float64Array; ri?: number };
  opts: SearchOptions;
}

const index = loadIndex((workerData as { bytes: Uint8Array }).bytes);
parentPort?.on('message', (req: Request) => {
  try {
    parentPort?.postMessage({ id: req.id, result: index.search(req.query, req.opts) });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    parentPort?.postMessage({ id: req.id, error: { code: e.code ?? 'SPECTRA_ERR_WORKER', message: e.message ?? String(err) } });
  }
});
