// Picks a backend from configuration: the one place a service decides where its data lives.
import { join } from 'node:path';
import { createMemoryStore } from './memory.ts';
import { openMongoStore } from './mongo.ts';
import type { BackendName, DocumentStore } from './port.ts';
import { openSqliteStore } from './sqlite.ts';

export interface StoreConfig {
  backend: BackendName;
  /** Required for `mongo`: a replica-set connection string. */
  mongoUrl?: string;
  /** The MongoDB database; default `tamga-<service>`. */
  dbName?: string;
  /** Required for `sqlite`: the folder that holds `<service>.sqlite` and its blobs. */
  dataDir?: string;
  /** The service that owns the store (names its database or file). */
  service: string;
}

export async function openStore(config: StoreConfig): Promise<DocumentStore> {
  switch (config.backend) {
    case 'mongo':
      if (config.mongoUrl === undefined) throw new Error('store: the mongo backend needs mongoUrl (MONGO_URL)');
      return openMongoStore({ url: config.mongoUrl, dbName: config.dbName ?? `tamga-${config.service}` });
    case 'sqlite':
      if (config.dataDir === undefined) throw new Error('store: the sqlite backend needs dataDir');
      return openSqliteStore({ file: join(config.dataDir, `${config.service}.sqlite`) });
    case 'memory':
      return createMemoryStore();
  }
}
