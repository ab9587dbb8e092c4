// The production backend: MongoDB through the official driver. Transactions need a replica set
// (compose runs a single-node one). Every write is majority-acknowledged and journaled; reads
// are majority reads, transactions read a snapshot. Documents keep the caller's `_id` and a
// `_v` version field; an update is a replace conditioned on `_v`. Blobs live in GridFS, one file
// per SHA-256.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket, MongoClient } from 'mongodb';
import type { ClientSession, Db, Document, TransactionOptions } from 'mongodb';
import { StoreErrors } from './errors.ts';
import { Queue, TxScope } from './gate.ts';
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
import { checkFilter, checkPath, toJson } from './query.ts';

export interface MongoStoreOptions {
  /** A replica-set connection string, e.g. mongodb://localhost:27017/?replicaSet=rs0 */
  url: string;
  dbName: string;
  /** How long to look for a server before failing; default 10 s. */
  serverSelectionTimeoutMS?: number;
}

const WRITE_CONCERN = { w: 'majority', journal: true } as const;
const TRANSACTION: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: WRITE_CONCERN,
  readPreference: 'primary',
};
const DUPLICATE_KEY = 11000;
const NAMESPACE_EXISTS = 48;

/** How documents sit in MongoDB: the caller's string `_id` (never an ObjectId) and the version. */
interface StoredDoc extends Document {
  _id: string;
  _v: number;
}

interface VersionRecord {
  _id: string;
  docId: string;
  v: number;
  doc: StoredDoc;
}

export async function openMongoStore(options: MongoStoreOptions): Promise<DocumentStore> {
  const client = new MongoClient(options.url, {
    writeConcern: WRITE_CONCERN,
    readConcern: { level: 'majority' },
    readPreference: 'primary',
    ignoreUndefined: true,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
  });
  try {
    await client.connect();
    await client.db(options.dbName).command({ ping: 1 });
  } catch (err) {
    await client.close();
    throw StoreErrors.STORE_ERR_UNAVAILABLE(`cannot reach MongoDB at ${redact(options.url)}`, { cause: err });
  }
  return new MongoStore(client, client.db(options.dbName));
}

/** The session a collection handle works in: none for plain operations, the transaction's otherwise. */
interface Scope {
  session: ClientSession | undefined;
  /** Operations of one transaction go one at a time: a session runs one command at a time. */
  run<R>(op: () => Promise<R>): Promise<R>;
}

class MongoStore implements DocumentStore {
  readonly backend = 'mongo';
  readonly blobs: BlobStore;
  private readonly scope = new TxScope();
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {
    this.blobs = gridFsBlobStore(new GridFSBucket(db, { bucketName: 'blobs' }));
  }

  async ensure(specs: readonly CollectionSpec<unknown>[]): Promise<void> {
    this.scope.refuseInside();
    await Promise.all(specs.map((spec) => this.ensureSpec(spec)));
  }

  collection<T>(spec: CollectionSpec<T>): Collection<T> {
    return this.openCollection(spec, {
      session: undefined,
      run: (op) => {
        const misuse = this.scope.misuse();
        return misuse === undefined ? op() : Promise.reject(misuse);
      },
    });
  }

  async transaction<R>(work: (tx: Transaction) => Promise<R>): Promise<R> {
    this.scope.refuseInside();
    const session = this.client.startSession();
    try {
      return await session.withTransaction(async () => {
        const queue = new Queue();
        let open = true;
        const txScope: Scope = {
          session,
          run: (op) => (open ? queue.run(op) : Promise.reject(new Error('store: this transaction has already finished'))),
        };
        try {
          return await this.scope.run(() => work({ collection: (spec) => this.openCollection(spec, txScope) }));
        } finally {
          open = false;
        }
      }, TRANSACTION);
    } finally {
      await session.endSession();
    }
  }

  async ping(): Promise<void> {
    try {
      await this.db.command({ ping: 1 });
    } catch (err) {
      throw StoreErrors.STORE_ERR_UNAVAILABLE('MongoDB does not answer', { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Creates a collection, its version history and its indexes; once per process and spec. */
  private ensureSpec(spec: CollectionSpec<unknown>): Promise<void> {
    const key = `${spec.name} ${JSON.stringify(spec.indexes ?? [])}`;
    let done = this.ensured.get(key);
    if (done === undefined) {
      done = this.createSpec(spec);
      this.ensured.set(key, done);
      done.catch(() => this.ensured.delete(key));
    }
    return done;
  }

  private async createSpec(spec: CollectionSpec<unknown>): Promise<void> {
    const versionsName = `${spec.name}.versions`;
    await Promise.all([this.createCollection(spec.name), this.createCollection(versionsName)]);
    await this.db.collection(versionsName).createIndex({ docId: 1, v: 1 }, { name: 'docId_v' });
    for (const index of spec.indexes ?? []) {
      index.fields.forEach(checkPath);
      const keys = Object.fromEntries(index.fields.map((f) => [f, 1 as const]));
      const unique = index.unique === true;
      // A unique key constrains only documents that have every field (as the other backends do).
      const partial = unique ? { partialFilterExpression: Object.fromEntries(index.fields.map((f) => [f, { $exists: true }])) } : {};
      try {
        await this.db.collection(spec.name).createIndex(keys, { name: `${unique ? 'unique:' : ''}${index.fields.join(',')}`, unique, ...partial });
      } catch (err) {
        throw translate(err, `${spec.name}: existing records share a key of the unique index on ${index.fields.join(', ')}`);
      }
    }
  }

  private async createCollection(name: string): Promise<void> {
    try {
      await this.db.createCollection(name);
    } catch (err) {
      if (codeOf(err) !== NAMESPACE_EXISTS) throw err;
    }
  }

  private openCollection<T>(spec: CollectionSpec<T>, scope: Scope): Collection<T> {
    const name = spec.name;
    const keepVersions = spec.keepVersions ?? true;
    const docs = this.db.collection<StoredDoc>(name);
    const history = this.db.collection<VersionRecord>(`${name}.versions`);
    const { session } = scope;
    const op = <R>(work: () => Promise<R>): Promise<R> =>
      scope.run(async () => {
        await this.ensureSpec(spec);
        return work();
      });
    const out = (doc: StoredDoc): Stored<T> => doc as unknown as Stored<T>;

    const replace = async (id: string, expectedVersion: number, next: T, inSession: ClientSession | undefined): Promise<Stored<T>> => {
      const current = await docs.findOne({ _id: id }, { session: inSession });
      if (current === null) throw StoreErrors.STORE_ERR_NOT_FOUND(`${name}: no record ${id}`);
      if (current._v !== expectedVersion) {
        throw StoreErrors.STORE_ERR_VERSION_CONFLICT(`${name}: ${id} is at version ${JSON.stringify(current._v)}, not ${expectedVersion}`);
      }
      const stored = { ...toJson(next), _id: id, _v: expectedVersion + 1 };
      if (keepVersions) {
        await history.insertOne({ _id: `${id}#${expectedVersion}`, docId: id, v: expectedVersion, doc: current }, { session: inSession });
      }
      let result;
      try {
        result = await docs.replaceOne({ _id: id, _v: expectedVersion }, stored, { session: inSession });
      } catch (err) {
        throw translate(err, `${name}: another record already has the same unique key`);
      }
      if (result.matchedCount === 0) {
        throw StoreErrors.STORE_ERR_VERSION_CONFLICT(`${name}: ${id} changed while it was being updated`);
      }
      return stored as unknown as Stored<T>;
    };

    return {
      name,
      insert: (doc: NewDoc<T>) =>
        op(async () => {
          if (typeof doc._id !== 'string' || doc._id.length === 0) throw new TypeError(`${name}: _id must be a non-empty string`);
          const stored = { ...toJson(doc), _id: doc._id, _v: 1 };
          try {
            await docs.insertOne(stored, { session });
          } catch (err) {
            throw translate(err, `${name}: a record with _id ${doc._id} or the same unique key already exists`);
          }
          return stored as unknown as Stored<T>;
        }),
      get: (id) =>
        op(async () => {
          const doc = await docs.findOne({ _id: id }, { session });
          return doc === null ? undefined : out(doc);
        }),
      findOne: (filter) =>
        op(async () => {
          const [doc] = await query(filter, { limit: 1 });
          return doc;
        }),
      find: (filter, options) => op(() => query(filter, options)),
      count: (filter) =>
        op(() => {
          checkFilter(filter);
          return docs.countDocuments(filter, { session });
        }),
      update: (id, expectedVersion, next) =>
        op(async () => {
          if (session !== undefined) return replace(id, expectedVersion, next, session);
          // Alone, an update and its history record still commit together.
          const own = this.client.startSession();
          try {
            return await own.withTransaction(() => replace(id, expectedVersion, next, own), TRANSACTION);
          } finally {
            await own.endSession();
          }
        }),
      versions: (id) =>
        op(async () => {
          const records = await history.find({ docId: id }, { session, sort: { v: 1 } }).toArray();
          return records.map((r) => out(r.doc));
        }),
    };

    async function query(filter: Filter, options: FindOptions | undefined): Promise<Stored<T>[]> {
      checkFilter(filter);
      const sort: Record<string, 1 | -1> = {};
      for (const [path, direction] of Object.entries(options?.sort ?? {})) {
        checkPath(path);
        sort[path] = direction;
      }
      if (!('_id' in sort)) sort._id = 1;
      let cursor = docs.find(filter, { session, sort });
      if (options?.skip !== undefined) cursor = cursor.skip(options.skip);
      if (options?.limit !== undefined) {
        // MongoDB reads limit 0 as "no limit"; the port means "nothing".
        if (options.limit === 0) return [];
        cursor = cursor.limit(options.limit);
      }
      return (await cursor.toArray()).map(out);
    }
  }
}

function gridFsBlobStore(bucket: GridFSBucket): BlobStore {
  const fileOf = (sha256: string) => bucket.find({ filename: sha256 }, { limit: 1 }).next();
  return {
    async put(bytes, contentType) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const ref: BlobRef = { sha256, size: bytes.byteLength, contentType };
      if ((await fileOf(sha256)) !== null) return ref;
      // GridFS writes the chunks first and the file record last, so a blob is visible only whole.
      const upload = bucket.openUploadStream(sha256, { metadata: { contentType, sha256 } });
      await pipeline(Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), upload);
      return ref;
    },
    async get(sha256) {
      const file = await fileOf(sha256);
      if (file === null) throw StoreErrors.STORE_ERR_NOT_FOUND(`no blob ${sha256}`);
      const parts: Buffer[] = [];
      for await (const chunk of bucket.openDownloadStream(file._id)) parts.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(parts));
    },
    async has(sha256) {
      return (await fileOf(sha256)) !== null;
    },
  };
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

/** Only a duplicate key becomes a domain error; anything else (notably transient transaction errors, which the driver retries on) passes untouched. */
function translate(err: unknown, message: string): unknown {
  return codeOf(err) === DUPLICATE_KEY ? StoreErrors.STORE_ERR_DUPLICATE(message, { cause: err }) : err;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
