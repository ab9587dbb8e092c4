export { defineCollection } from './port.ts';
export type {
  BackendName,
  BlobRef,
  BlobStore,
  Collection,
  CollectionSpec,
  DocumentStore,
  FieldOps,
  Filter,
  FindOptions,
  IndexSpec,
  NewDoc,
  Scalar,
  Stored,
  Transaction,
} from './port.ts';
export { StoreErrors } from './errors.ts';
export { createMemoryStore } from './memory.ts';
export type { MemoryStoreOptions } from './memory.ts';
export { openSqliteStore } from './sqlite.ts';
export type { SqliteStoreOptions } from './sqlite.ts';
export { openMongoStore } from './mongo.ts';
export type { MongoStoreOptions } from './mongo.ts';
export { openStore } from './open.ts';
export type { StoreConfig } from './open.ts';
