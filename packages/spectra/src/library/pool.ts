// Searches on all cores: each worker thread views the same SharedArrayBuffer holding the
// serialised index, and whole queries are handed to the next idle worker.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DomainError } from '@tamga/contracts';
import type { Peaks } from '../types.ts';
import { SpectralIndex, type IndexParts, type SearchOptions, type SearchResult } from './index.ts';
import { serializeIndex } from './serialize.ts';

export interface SearchPool {
  readonly threads: number;
  search(query: Peaks & { ri?: number; derivative?: string }, opts?: SearchOptions): Promise<SearchResult>;
  searchMany(queries: readonly (Peaks & { ri?: number; derivative?: string })[], opts?: SearchOptions): Promise<SearchResult[]>;
  close(): Promise<void>;
}

/**
 * The worker is TypeScript. A `--import tsx` in the worker's execArgv does not reach the
 * worker's entry module on Node 20, so a two-line bootstrap registers tsx's loader first and
 * then imports the worker (the same in the CLI, under tsx, and under vitest).
 */
function startWorker(data: WorkerInput): Worker {
  const entry = new URL('./worker.ts', import.meta.url).href;
  let api: string;
  try {
    api = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  } catch {
    return new Worker(new URL('./worker.ts', import.meta.url), { workerData: data });
  }
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

/** What a worker is given: the saved index bytes, or the index's own arrays when they are shared. */
export type WorkerInput = { bytes: Uint8Array } | { meta: SpectralIndex['meta']; parts: IndexParts };

const isShared = (a: ArrayBufferView): boolean => a.buffer instanceof SharedArrayBuffer;

function workerInput(source: Uint8Array | SpectralIndex): WorkerInput {
  if (source instanceof SpectralIndex) {
    const p = source.parts;
    // Typed arrays over shared memory reach the workers as views of the same memory: no copy.
    if (Object.values(p).every((v) => !ArrayBuffer.isView(v) || isShared(v))) return { meta: source.meta, parts: p };
    return { bytes: serializeIndex(source, { shared: true }) };
  }
  if (source.buffer instanceof SharedArrayBuffer) return { bytes: source };
  const copy = new Uint8Array(new SharedArrayBuffer(source.byteLength));
  copy.set(source);
  return { bytes: copy };
}

interface Pending {
  resolve(r: SearchResult): void;
  reject(e: Error): void;
}

export function createSearchPool(source: Uint8Array | SpectralIndex, opts: { threads?: number } = {}): SearchPool {
  const threads = Math.max(1, opts.threads ?? availableParallelism());
  const input = workerInput(source);
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const queue: { id: number; msg: unknown }[] = [];
  const pending = new Map<number, Pending>();
  const busy = new Map<Worker, number>();
  let nextId = 1;

  const dispatch = (): void => {
    while (idle.length > 0 && queue.length > 0) {
      const w = idle.pop();
      const job = queue.shift();
      if (w === undefined || job === undefined) return;
      busy.set(w, job.id);
      w.postMessage(job.msg);
    }
  };

  for (let k = 0; k < threads; k++) {
    const w = startWorker(input);
    w.on('message', (msg: { id: number; result?: SearchResult; error?: { code: string; message: string } }) => {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      busy.delete(w);
      idle.push(w);
      if (p !== undefined) {
        if (msg.error !== undefined) p.reject(new DomainError(msg.error.code, msg.error.message));
        else if (msg.result !== undefined) p.resolve(msg.result);
      }
      dispatch();
    });
    w.on('error', (err) => {
      const id = busy.get(w);
      if (id !== undefined) pending.get(id)?.reject(err);
    });
    workers.push(w);
    idle.push(w);
  }

  const search = (query: Peaks & { ri?: number; derivative?: string }, o: SearchOptions = {}): Promise<SearchResult> =>
    new Promise<SearchResult>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      queue.push({ id, msg: { id, query: { mz: Float64Array.from(query.mz), intensity: Float64Array.from(query.intensity), ri: query.ri, derivative: query.derivative }, opts: o } });
      dispatch();
    });

  return {
    threads,
    search,
    searchMany: (queries, o) => Promise.all(queries.map((q) => search(q, o))),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
