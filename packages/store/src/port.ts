// The document-store port. Repositories are written once against these types and never know
// which backend (mongo, sqlite, memory) they run on. Every backend passes the same contract suite.

/** A stored document: `_id` is the caller's key, `_v` the optimistic-concurrency version (1 on insert). */
export type Stored<T> = T & { readonly _id: string; readonly _v: number };

/** What a caller inserts: the document with its `_id`; the store assigns `_v`. */
export type NewDoc<T> = T & { readonly _id: string };

export type Scalar = string | number | boolean | null;

/** Operators on one field. Dotted paths reach into nested objects ("seal.number"). */
export interface FieldOps {
  $eq?: Scalar;
  $ne?: Scalar;
  $in?: readonly Scalar[];
  $nin?: readonly Scalar[];
  $gt?: string | number;
  $gte?: string | number;
  $lt?: string | number;
  $lte?: string | number;
  $exists?: boolean;
}

/** Equality on a scalar, or operators. Arrays in documents match when any element matches. */
export type Filter = Readonly<Record<string, Scalar | FieldOps>>;

export interface FindOptions {
  sort?: Readonly<Record<string, 1 | -1>>;
  limit?: number;
  skip?: number;
}

export interface IndexSpec {
  /** Dotted field paths, in order. */
  fields: readonly string[];
  unique?: boolean;
}

/** A collection is declared once, with its indexes, and opened through the store or a transaction. */
export interface CollectionSpec<T> {
  name: string;
  indexes?: readonly IndexSpec[];
  /** When true, every update and delete keeps the previous version in `<name>.versions`. Default true. */
  keepVersions?: boolean;
  /** Phantom type carrier; never read. */
  readonly __type?: T;
}

export function defineCollection<T>(spec: Omit<CollectionSpec<T>, '__type'>): CollectionSpec<T> {
  return spec;
}

export interface Collection<T> {
  readonly name: string;
  /** Inserts; fails with STORE_ERR_DUPLICATE on a duplicate `_id` or unique-index key. */
  insert(doc: NewDoc<T>): Promise<Stored<T>>;
  get(id: string): Promise<Stored<T> | undefined>;
  findOne(filter: Filter): Promise<Stored<T> | undefined>;
  find(filter: Filter, options?: FindOptions): Promise<Stored<T>[]>;
  count(filter: Filter): Promise<number>;
  /**
   * Replaces the document whose version is `expectedVersion` with `next` (version + 1).
   * Fails with STORE_ERR_VERSION_CONFLICT if the stored version differs, STORE_ERR_NOT_FOUND if absent.
   * The previous version is kept in `<name>.versions` unless the collection opted out.
   */
  update(id: string, expectedVersion: number, next: T): Promise<Stored<T>>;
  /** Earlier versions of a document, oldest first (empty when the collection keeps none). */
  versions(id: string): Promise<Stored<T>[]>;
}

export interface Transaction {
  collection<T>(spec: CollectionSpec<T>): Collection<T>;
}

export interface BlobRef {
  sha256: string;
  size: number;
  contentType: string;
}

/** Content-addressed, write-once blobs (PDFs, raw spectrum files, photos). */
export interface BlobStore {
  put(bytes: Uint8Array, contentType: string): Promise<BlobRef>;
  /** Fails with STORE_ERR_NOT_FOUND when absent. */
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
}

export type BackendName = 'mongo' | 'sqlite' | 'memory';

export interface DocumentStore {
  readonly backend: BackendName;
  /** Creates collections and indexes; idempotent. Call once at start with every spec the service uses. */
  ensure(specs: readonly CollectionSpec<unknown>[]): Promise<void>;
  collection<T>(spec: CollectionSpec<T>): Collection<T>;
  /**
   * Runs `work` atomically: all its writes commit together or none do. The callback may be re-run
   * on a transient conflict, so it must not have side effects outside the transaction.
   */
  transaction<R>(work: (tx: Transaction) => Promise<R>): Promise<R>;
  readonly blobs: BlobStore;
  /** Throws when the backend is unreachable (used by /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
