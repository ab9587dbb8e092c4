// The embedded, durable backend: one SQLite file per service (better-sqlite3, WAL, synchronous=FULL,
// so a commit is on disk before it is acknowledged and `kill -9` loses nothing acknowledged).
// One table per collection (`_id`, `_v`, `doc` as JSON), unique keys as expression indexes on the
// JSON, filters and sorting translated to SQL. One connection and one writer: transactions are
// serialised by the gate and plain operations wait for the running one.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Connection, Statement } from 'better-sqlite3';
import { fileBlobStore } from './blob-files.ts';
import { StoreErrors } from './errors.ts';
import { Gate } from './gate.ts';
import type {
  Collection,
  CollectionSpec,
  DocumentStore,
  FieldOps,
  Filter,
  FindOptions,
  NewDoc,
  Scalar,
  Stored,
  Transaction,
} from './port.ts';
import { checkFilter, checkPath, matches, toJson, toOps } from './query.ts';
import type { Json } from './query.ts';

export interface SqliteStoreOptions {
  /** The database file; its folder is created when missing. */
  file: string;
  /** Where blobs go; default `<file>.blobs` beside the database. */
  blobDir?: string;
}

type Param = string | number;

interface Sql {
  sql: string;
  params: Param[];
}

export function openSqliteStore(options: SqliteStoreOptions): Promise<DocumentStore> {
  mkdirSync(dirname(options.file), { recursive: true });
  const db = new Database(options.file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 10000');
    registerFunctions(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return Promise.resolve(new SqliteStore(db, options.blobDir ?? `${options.file}.blobs`));
}

class SqliteStore implements DocumentStore {
  readonly backend = 'sqlite';
  readonly blobs;
  private readonly gate = new Gate();
  private readonly statements = new Map<string, Statement>();
  /** Collections whose tables and indexes exist, by name and index signature. */
  private readonly ensured = new Map<string, string>();

  constructor(
    private readonly db: Connection,
    blobDir: string,
  ) {
    this.blobs = fileBlobStore(blobDir);
  }

  ensure(specs: readonly CollectionSpec<unknown>[]): Promise<void> {
    return this.gate.run(() => {
      this.db.transaction(() => {
        for (const spec of specs) this.ensureSpec(spec, undefined);
      })();
    });
  }

  collection<T>(spec: CollectionSpec<T>): Collection<T> {
    return this.openCollection(spec, (op) => {
      if (!this.db.open) return Promise.reject(StoreErrors.STORE_ERR_UNAVAILABLE('sqlite store is closed'));
      return this.gate.run(() => op(undefined));
    });
  }

  transaction<R>(work: (tx: Transaction) => Promise<R>): Promise<R> {
    if (!this.db.open) return Promise.reject(StoreErrors.STORE_ERR_UNAVAILABLE('sqlite store is closed'));
    return this.gate.transaction(async () => {
      const createdHere = new Set<string>();
      let open = true;
      const inTx = <T>(op: (created: Set<string> | undefined) => T): Promise<T> => {
        if (!open) return Promise.reject(new Error('store: this transaction has already finished'));
        try {
          return Promise.resolve(op(createdHere));
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work({ collection: (spec) => this.openCollection(spec, inTx) });
        open = false;
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        open = false;
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        // Tables created inside the rolled-back transaction are gone again.
        for (const name of createdHere) this.ensured.delete(name);
        throw err;
      }
    });
  }

  ping(): Promise<void> {
    try {
      this.db.prepare('SELECT 1').get();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(StoreErrors.STORE_ERR_UNAVAILABLE('sqlite store is not usable', { cause: err }));
    }
  }

  close(): Promise<void> {
    return this.gate.run(() => {
      if (this.db.open) this.db.close();
    });
  }

  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      // Filters vary (an $in list of any length is its own statement): keep the cache bounded.
      if (this.statements.size >= 500) this.statements.clear();
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Creates the tables and indexes of a collection, once per process. */
  private ensureSpec(spec: CollectionSpec<unknown>, createdInTx: Set<string> | undefined): void {
    const indexes = spec.indexes ?? [];
    const signature = JSON.stringify(indexes);
    if (this.ensured.get(spec.name) === signature) return;
    const table = ident(spec.name);
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (_id TEXT PRIMARY KEY NOT NULL, _v INTEGER NOT NULL, doc TEXT NOT NULL)`);
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${ident(`${spec.name}.versions`)} (_id TEXT NOT NULL, _v INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (_id, _v))`,
    );
    for (const index of indexes) {
      index.fields.forEach(checkPath);
      const columns = index.fields.map((f) => `doc -> ${literal(jsonPath(f))}`).join(', ');
      const name = ident(`${spec.name}:${index.unique === true ? 'unique:' : ''}${index.fields.join(',')}`);
      try {
        this.db.exec(`CREATE ${index.unique === true ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${name} ON ${table} (${columns})`);
      } catch (err) {
        throw translate(err, `${spec.name}: existing records share a key of the unique index on ${index.fields.join(', ')}`);
      }
    }
    this.ensured.set(spec.name, signature);
    createdInTx?.add(spec.name);
  }

  private openCollection<T>(
    spec: CollectionSpec<T>,
    run: <R>(op: (createdInTx: Set<string> | undefined) => R) => Promise<R>,
  ): Collection<T> {
    const name = spec.name;
    const table = ident(name);
    const versionsTable = ident(`${name}.versions`);
    const keepVersions = spec.keepVersions ?? true;
    const parse = (row: unknown): Stored<T> => JSON.parse((row as { doc: string }).doc) as Stored<T>;
    const select = (filter: Filter, options?: FindOptions): Stored<T>[] => {
      const where = whereClause(filter);
      const order = orderClause(options?.sort);
      const params = [...where.params];
      let sql = `SELECT doc FROM ${table} WHERE ${where.sql} ORDER BY ${order}`;
      if (options?.limit !== undefined || options?.skip !== undefined) {
        sql += ' LIMIT ? OFFSET ?';
        params.push(options.limit ?? -1, options.skip ?? 0);
      }
      return this.statement(sql).all(...params).map(parse);
    };

    return {
      name,
      insert: (doc: NewDoc<T>) =>
        run((created) => {
          this.ensureSpec(spec, created);
          if (typeof doc._id !== 'string' || doc._id.length === 0) throw new TypeError(`${name}: _id must be a non-empty string`);
          const stored = { ...toJson(doc), _id: doc._id, _v: 1 };
          try {
            this.statement(`INSERT INTO ${table} (_id, _v, doc) VALUES (?, 1, ?)`).run(stored._id, JSON.stringify(stored));
          } catch (err) {
            throw translate(err, `${name}: a record with _id ${doc._id} or the same unique key already exists`);
          }
          return stored as unknown as Stored<T>;
        }),
      get: (id) =>
        run((created) => {
          this.ensureSpec(spec, created);
          const row = this.statement(`SELECT doc FROM ${table} WHERE _id = ?`).get(id);
          return row === undefined ? undefined : parse(row);
        }),
      findOne: (filter) =>
        run((created) => {
          this.ensureSpec(spec, created);
          return select(filter, { limit: 1 })[0];
        }),
      find: (filter, options) =>
        run((created) => {
          this.ensureSpec(spec, created);
          return select(filter, options);
        }),
      count: (filter) =>
        run((created) => {
          this.ensureSpec(spec, created);
          const where = whereClause(filter);
          const row = this.statement(`SELECT count(*) AS n FROM ${table} WHERE ${where.sql}`).get(...where.params) as { n: number };
          return row.n;
        }),
      update: (id, expectedVersion, next) =>
        run((created) => {
          this.ensureSpec(spec, created);
          // A savepoint when inside a transaction, its own transaction otherwise.
          return this.db.transaction(() => {
            const row = this.statement(`SELECT _v, doc FROM ${table} WHERE _id = ?`).get(id) as { _v: number; doc: string } | undefined;
            if (row === undefined) throw StoreErrors.STORE_ERR_NOT_FOUND(`${name}: no record ${id}`);
            if (row._v !== expectedVersion) {
              throw StoreErrors.STORE_ERR_VERSION_CONFLICT(`${name}: ${id} is at version ${row._v}, not ${expectedVersion}`);
            }
            const stored = { ...toJson(next), _id: id, _v: expectedVersion + 1 };
            if (keepVersions) {
              this.statement(`INSERT INTO ${versionsTable} (_id, _v, doc) VALUES (?, ?, ?)`).run(id, row._v, row.doc);
            }
            try {
              this.statement(`UPDATE ${table} SET _v = ?, doc = ? WHERE _id = ? AND _v = ?`).run(stored._v, JSON.stringify(stored), id, expectedVersion);
            } catch (err) {
              throw translate(err, `${name}: another record already has the same unique key`);
            }
            return stored as unknown as Stored<T>;
          })();
        }),
      versions: (id) =>
        run((created) => {
          this.ensureSpec(spec, created);
          return this.statement(`SELECT doc FROM ${versionsTable} WHERE _id = ? ORDER BY _v`).all(id).map(parse);
        }),
    };
  }
}

// ---- filters and sorting in SQL -------------------------------------------------------------

/**
 * Translates a filter to a WHERE clause with MongoDB's semantics (see query.ts). Every condition
 * evaluates to 0 or 1, never NULL, so negations ($ne, $nin) stay correct on missing fields.
 * A dotted path whose prefix holds an array (or that indexes one) is evaluated by the same
 * JavaScript matcher the memory backend uses, registered as the SQL function tamga_match.
 */
function whereClause(filter: Filter): Sql {
  checkFilter(filter);
  const parts: string[] = [];
  const params: Param[] = [];
  for (const [path, condition] of Object.entries(filter)) {
    const ops = toOps(condition);
    if (path === '_id' && typeof condition === 'string') {
      parts.push('_id = ?');
      params.push(condition);
      continue;
    }
    const segments = path.split('.');
    const single = JSON.stringify({ [path]: condition });
    if (segments.some((s) => /^\d+$/.test(s))) {
      parts.push('tamga_match(doc, ?)');
      params.push(single);
      continue;
    }
    const exact = fieldCondition(jsonPath(path), ops);
    if (segments.length === 1) {
      parts.push(exact.sql);
      params.push(...exact.params);
    } else {
      const prefixes = segments.slice(0, -1).map((_, i) => `json_type(doc, ${literal(jsonPath(segments.slice(0, i + 1).join('.')))}) IS 'array'`);
      parts.push(`(CASE WHEN ${prefixes.join(' OR ')} THEN tamga_match(doc, ?) ELSE ${exact.sql} END)`);
      params.push(single, ...exact.params);
    }
  }
  return { sql: parts.length === 0 ? '1' : parts.join(' AND '), params };
}

function fieldCondition(path: string, ops: FieldOps): Sql {
  const p = literal(path);
  const type = `json_type(doc, ${p})`;
  const value = `json_extract(doc, ${p})`;
  const parts: string[] = [];
  const params: Param[] = [];

  /** The value itself, or any element when it is an array, passes `test(type, value)`. */
  const any = (test: (t: string, v: string) => Sql): void => {
    const direct = test(type, value);
    const element = test('j.type', 'j.value');
    parts.push(`(${direct.sql} OR (${type} IS 'array' AND EXISTS (SELECT 1 FROM json_each(doc, ${p}) AS j WHERE ${element.sql})))`);
    params.push(...direct.params, ...element.params);
  };
  const eq = (wanted: Scalar): Sql => {
    const direct = scalarEquals(type, value, wanted);
    const element = scalarEquals('j.type', 'j.value', wanted);
    const anyEq = `(${direct.sql} OR (${type} IS 'array' AND EXISTS (SELECT 1 FROM json_each(doc, ${p}) AS j WHERE ${element.sql})))`;
    return {
      sql: wanted === null ? `(${type} IS NULL OR ${anyEq})` : anyEq,
      params: [...direct.params, ...element.params],
    };
  };
  const push = (s: Sql): void => {
    parts.push(s.sql);
    params.push(...s.params);
  };
  const anyOf = (list: readonly Scalar[]): Sql => {
    const each = list.map(eq);
    return { sql: each.length === 0 ? '0' : `(${each.map((e) => e.sql).join(' OR ')})`, params: each.flatMap((e) => e.params) };
  };

  if (ops.$eq !== undefined) push(eq(ops.$eq));
  if (ops.$ne !== undefined) {
    const e = eq(ops.$ne);
    push({ sql: `NOT ${e.sql}`, params: e.params });
  }
  if (ops.$in !== undefined) push(anyOf(ops.$in));
  if (ops.$nin !== undefined) {
    const e = anyOf(ops.$nin);
    push({ sql: `NOT ${e.sql}`, params: e.params });
  }
  if (ops.$exists !== undefined) parts.push(`${type} IS ${ops.$exists ? 'NOT NULL' : 'NULL'}`);
  for (const [op, sqlOp] of [
    ['$gt', '>'],
    ['$gte', '>='],
    ['$lt', '<'],
    ['$lte', '<='],
  ] as const) {
    const bound = ops[op];
    if (bound === undefined) continue;
    any((t, v) => ({
      sql: typeof bound === 'number' ? `((${t} IS 'integer' OR ${t} IS 'real') AND ${v} ${sqlOp} ?)` : `(${t} IS 'text' AND ${v} ${sqlOp} ?)`,
      params: [bound],
    }));
  }
  return { sql: parts.length === 0 ? '1' : parts.join(' AND '), params };
}

function scalarEquals(type: string, value: string, wanted: Scalar): Sql {
  if (wanted === null) return { sql: `${type} IS 'null'`, params: [] };
  if (typeof wanted === 'boolean') return { sql: `${type} IS '${wanted ? 'true' : 'false'}'`, params: [] };
  if (typeof wanted === 'number') return { sql: `((${type} IS 'integer' OR ${type} IS 'real') AND ${value} = ?)`, params: [wanted] };
  return { sql: `(${type} IS 'text' AND ${value} = ?)`, params: [wanted] };
}

/** MongoDB's type order first (missing/null, numbers, strings, objects, arrays, booleans), then the value; ties by _id. */
function orderClause(sort: FindOptions['sort']): string {
  const keys = Object.entries(sort ?? {});
  const parts: string[] = [];
  for (const [path, direction] of keys) {
    checkPath(path);
    const dir = direction === -1 ? 'DESC' : 'ASC';
    if (path === '_id') {
      parts.push(`_id ${dir}`);
      continue;
    }
    const p = literal(jsonPath(path));
    parts.push(
      `CASE json_type(doc, ${p}) WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 WHEN 'object' THEN 3 WHEN 'array' THEN 4 WHEN 'true' THEN 5 WHEN 'false' THEN 5 ELSE 0 END ${dir}`,
      `json_extract(doc, ${p}) ${dir}`,
    );
  }
  if (!keys.some(([path]) => path === '_id')) parts.push('_id ASC');
  return parts.join(', ');
}

function registerFunctions(db: Connection): void {
  const parsed = new Map<string, Filter>();
  db.function('tamga_match', { deterministic: true }, (doc: unknown, filterJson: unknown) => {
    if (typeof doc !== 'string' || typeof filterJson !== 'string') return 0;
    let filter = parsed.get(filterJson);
    if (filter === undefined) {
      filter = JSON.parse(filterJson) as Filter;
      if (parsed.size > 1000) parsed.clear();
      parsed.set(filterJson, filter);
    }
    return matches(JSON.parse(doc) as Json, filter) ? 1 : 0;
  });
}

/** A JSON path with every label quoted: `a.b` becomes `$."a"."b"` (labels were checked by checkPath). */
function jsonPath(path: string): string {
  return `$${path
    .split('.')
    .map((s) => `."${s}"`)
    .join('')}`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function translate(err: unknown, message: string): unknown {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return StoreErrors.STORE_ERR_DUPLICATE(message, { cause: err });
  }
  return err;
}
