// The in-process backend, for unit tests (and an explicit ephemeral demo). It keeps the whole
// contract — unique indexes, optimistic versions, version history, atomic transactions — but
// nothing survives the process, and it says so.
import { createHash } from 'node:crypto';
import { StoreErrors } from './errors.ts';
import { Gate } from './gate.ts';
import type {
  BlobRef,
  BlobStore,
  Collection,
  CollectionSpec,
  DocumentStore,
  Filter,
  FindOptions,
  NewDoc,
  Stored,
  Transaction,
} from './port.ts';
import { checkFilter, checkPath, matches, page, sortDocs, toJson, uniqueKey } from './query.ts';
import type { JsonObject } from './query.ts';

export interface MemoryStoreOptions {
  /** Suppresses the warning that nothing persists (for test suites that create many stores). */
  quiet?: boolean;
}

interface UniqueIndex {
  fields: readonly string[];
  keys: Map<string, string>;
}

interface CollectionState {
  docs: Map<string, JsonObject>;
  versions: Map<string, JsonObject[]>;
  unique: UniqueIndex[];
  keepVersions: boolean;
}

/** Steps that undo a transaction's writes, newest last; a plain operation runs without one. */
type UndoLog = (() => void)[];

export function createMemoryStore(options: MemoryStoreOptions = {}): DocumentStore {
  if (options.quiet !== true) {
    console.warn('[@tamga/store] memory backend: NOTHING IS PERSISTED; every record is lost when this process ends.');
  }
  const gate = new Gate();
  const collections = new Map<string, CollectionState>();
  const blobs = new Map<string, { bytes: Uint8Array; contentType: string }>();
  let closed = false;

  function stateOf(spec: CollectionSpec<unknown>): CollectionState {
    let state = collections.get(spec.name);
    if (state === undefined) {
      state = { docs: new Map(), versions: new Map(), unique: [], keepVersions: spec.keepVersions ?? true };
      collections.set(spec.name, state);
    }
    state.keepVersions = spec.keepVersions ?? true;
    for (const index of spec.indexes ?? []) {
      if (index.unique !== true) continue;
      index.fields.forEach(checkPath);
      const known = state.unique.some((u) => sameFields(u.fields, index.fields));
      if (!known) state.unique.push(buildIndex(spec.name, state, index.fields));
    }
    return state;
  }

  function setDoc(state: CollectionState, id: string, next: JsonObject | undefined): void {
    const previous = state.docs.get(id);
    for (const index of state.unique) {
      if (previous !== undefined) {
        const key = uniqueKey(previous, index.fields);
        if (key !== undefined) index.keys.delete(key);
      }
      if (next !== undefined) {
        const key = uniqueKey(next, index.fields);
        if (key !== undefined) index.keys.set(key, id);
      }
    }
    if (next === undefined) state.docs.delete(id);
    else state.docs.set(id, next);
  }

  function refuseDuplicates(name: string, state: CollectionState, id: string, doc: JsonObject): void {
    for (const index of state.unique) {
      const key = uniqueKey(doc, index.fields);
      if (key === undefined) continue;
      const holder = index.keys.get(key);
      if (holder !== undefined && holder !== id) {
        throw StoreErrors.STORE_ERR_DUPLICATE(`${name}: another record already has ${index.fields.join(', ')} = ${key}`);
      }
    }
  }

  function openCollection<T>(spec: CollectionSpec<T>, run: <R>(op: (undo: UndoLog | undefined) => R) => Promise<R>): Collection<T> {
    const name = spec.name;
    const read = (filter: Filter, options?: FindOptions): JsonObject[] => {
      checkFilter(filter);
      const state = stateOf(spec);
      const hits = [...state.docs.values()].filter((doc) => matches(doc, filter));
      return page(sortDocs(hits, options?.sort), options);
    };
    const out = (doc: JsonObject): Stored<T> => structuredClone(doc) as Stored<T>;
    return {
      name,
      insert: (doc: NewDoc<T>) =>
        run((undo) => {
          const state = stateOf(spec);
          const stored = { ...toJson(doc), _id: doc._id, _v: 1 };
          if (typeof stored._id !== 'string' || stored._id.length === 0) throw new TypeError(`${name}: _id must be a non-empty string`);
          if (state.docs.has(stored._id)) throw StoreErrors.STORE_ERR_DUPLICATE(`${name}: _id ${stored._id} already exists`);
          refuseDuplicates(name, state, stored._id, stored);
          setDoc(state, stored._id, stored);
          undo?.push(() => setDoc(state, stored._id, undefined));
          return out(stored);
        }),
      get: (id) =>
        run(() => {
          const doc = stateOf(spec).docs.get(id);
          return doc === undefined ? undefined : out(doc);
        }),
      findOne: (filter) =>
        run(() => {
          const doc = read(filter, { limit: 1 })[0];
          return doc === undefined ? undefined : out(doc);
        }),
      find: (filter, options) => run(() => read(filter, options).map(out)),
      count: (filter) => run(() => read(filter).length),
      update: (id, expectedVersion, next) =>
        run((undo) => {
          const state = stateOf(spec);
          const previous = state.docs.get(id);
          if (previous === undefined) throw StoreErrors.STORE_ERR_NOT_FOUND(`${name}: no record ${id}`);
          if (previous._v !== expectedVersion) {
            throw StoreErrors.STORE_ERR_VERSION_CONFLICT(`${name}: ${id} is at version ${JSON.stringify(previous._v)}, not ${expectedVersion}`);
          }
          const stored = { ...toJson(next), _id: id, _v: expectedVersion + 1 };
          refuseDuplicates(name, state, id, stored);
          if (state.keepVersions) {
            const history = state.versions.get(id) ?? [];
            history.push(previous);
            state.versions.set(id, history);
            undo?.push(() => history.pop());
          }
          setDoc(state, id, stored);
          undo?.push(() => setDoc(state, id, previous));
          return out(stored);
        }),
      versions: (id) => run(() => (stateOf(spec).versions.get(id) ?? []).map(out)),
    };
  }

  function plain<R>(op: (undo: UndoLog | undefined) => R): Promise<R> {
    if (closed) return Promise.reject(StoreErrors.STORE_ERR_UNAVAILABLE('memory store is closed'));
    return gate.run(() => op(undefined));
  }

  const blobStore: BlobStore = {
    put(bytes, contentType) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (!blobs.has(sha256)) blobs.set(sha256, { bytes: Uint8Array.from(bytes), contentType });
      const ref: BlobRef = { sha256, size: bytes.byteLength, contentType };
      return Promise.resolve(ref);
    },
    get(sha256) {
      const blob = blobs.get(sha256);
      if (blob === undefined) return Promise.reject(StoreErrors.STORE_ERR_NOT_FOUND(`no blob ${sha256}`));
      return Promise.resolve(Uint8Array.from(blob.bytes));
    },
    has: (sha256) => Promise.resolve(blobs.has(sha256)),
  };

  return {
    backend: 'memory',
    ensure: (specs) =>
      plain(() => {
        for (const spec of specs) stateOf(spec);
      }),
    collection: (spec) => openCollection(spec, plain),
    transaction<R>(work: (tx: Transaction) => Promise<R>): Promise<R> {
      if (closed) return Promise.reject(StoreErrors.STORE_ERR_UNAVAILABLE('memory store is closed'));
      return gate.transaction(async () => {
        const undo: UndoLog = [];
        let open = true;
        const inTx = <T>(op: (log: UndoLog | undefined) => T): Promise<T> => {
          if (!open) return Promise.reject(new Error('store: this transaction has already finished'));
          try {
            return Promise.resolve(op(undo));
          } catch (err) {
            return Promise.reject(err instanceof Error ? err : new Error(String(err)));
          }
        };
        try {
          return await work({ collection: (spec) => openCollection(spec, inTx) });
        } catch (err) {
          for (const step of undo.reverse()) step();
          throw err;
        } finally {
          open = false;
        }
      });
    },
    blobs: blobStore,
    ping: () => (closed ? Promise.reject(StoreErrors.STORE_ERR_UNAVAILABLE('memory store is closed')) : Promise.resolve()),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

function buildIndex(name: string, state: CollectionState, fields: readonly string[]): UniqueIndex {
  const keys = new Map<string, string>();
  for (const [id, doc] of state.docs) {
    const key = uniqueKey(doc, fields);
    if (key === undefined) continue;
    if (keys.has(key)) throw StoreErrors.STORE_ERR_DUPLICATE(`${name}: existing records share ${fields.join(', ')} = ${key}`);
    keys.set(key, id);
  }
  return { fields, keys };
}
