// Query semantics shared by the backends that evaluate filters in JavaScript (memory, and the
// sqlite fallback for dotted paths that cross arrays). They follow MongoDB's rules so that the
// three backends answer the same filter with the same documents:
// - a path that reaches an array matches when any element matches;
// - `null` equality matches a missing field or a null value;
// - comparisons only match values of the same type (numbers with numbers, strings with strings);
// - strings compare by their UTF-8 bytes (MongoDB's simple collation, SQLite's BINARY).
import type { FieldOps, Filter, FindOptions, Scalar } from './port.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const OPERATORS = new Set(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists']);
const SEGMENT = /^[^.$"\\][^."\\]*$/;

/**
 * Rejects anything outside the port's filter language (unknown operators, `$where`, nested
 * objects as values), so a filter built from request input can never become a server-side query.
 */
export function checkFilter(filter: Filter): void {
  for (const [path, condition] of Object.entries(filter)) {
    checkPath(path);
    if (isOps(condition)) {
      for (const [op, operand] of Object.entries(condition)) {
        if (!OPERATORS.has(op)) throw new TypeError(`store filter: unknown operator ${op} on "${path}"`);
        if (op === '$in' || op === '$nin') {
          if (!Array.isArray(operand)) throw new TypeError(`store filter: ${op} on "${path}" needs an array`);
          for (const item of operand as unknown[]) checkScalar(path, item);
        } else if (op === '$exists') {
          if (typeof operand !== 'boolean') throw new TypeError(`store filter: $exists on "${path}" needs a boolean`);
        } else if (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') {
          if (typeof operand !== 'string' && typeof operand !== 'number') {
            throw new TypeError(`store filter: ${op} on "${path}" needs a string or a number`);
          }
        } else {
          checkScalar(path, operand);
        }
      }
    } else {
      checkScalar(path, condition);
    }
  }
}

export function checkPath(path: string): void {
  if (path.length === 0 || !path.split('.').every((s) => SEGMENT.test(s))) {
    throw new TypeError(`store: "${path}" is not a valid field path`);
  }
}

function checkScalar(path: string, value: unknown): void {
  const ok = value === null || ['string', 'number', 'boolean'].includes(typeof value);
  if (!ok || (typeof value === 'number' && !Number.isFinite(value))) {
    throw new TypeError(`store filter: "${path}" can only be compared with a string, number, boolean or null`);
  }
}

export function isOps(condition: Scalar | FieldOps | undefined): condition is FieldOps {
  return typeof condition === 'object' && condition !== null;
}

/** Normalises a condition to its operator form. */
export function toOps(condition: Scalar | FieldOps): FieldOps {
  return isOps(condition) ? condition : { $eq: condition };
}

/**
 * The values a dotted path reaches, MongoDB-style: arrays along the way fan out to their elements
 * (or are indexed by a numeric segment); the final array is returned as well as its elements.
 */
export function reach(doc: Json | undefined, path: string): Json[] {
  let frontier: Json[] = doc === undefined ? [] : [doc];
  for (const segment of path.split('.')) {
    const next: Json[] = [];
    for (const value of frontier) {
      if (Array.isArray(value)) {
        if (/^\d+$/.test(segment)) {
          const element = value[Number(segment)];
          if (element !== undefined) next.push(element);
        }
        for (const element of value) {
          if (isObject(element) && segment in element) next.push(element[segment] as Json);
        }
      } else if (isObject(value) && segment in value) {
        next.push(value[segment] as Json);
      }
    }
    frontier = next;
  }
  return frontier;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The candidates one operator is tested against: each reached value and, for arrays, their elements. */
function candidates(reached: Json[]): Json[] {
  const out: Json[] = [];
  for (const value of reached) {
    out.push(value);
    if (Array.isArray(value)) out.push(...value);
  }
  return out;
}

function equalsScalar(value: Json, wanted: Scalar): boolean {
  return value === wanted;
}

function compare(value: Json, bound: string | number): number | undefined {
  if (typeof bound === 'number') return typeof value === 'number' ? value - bound : undefined;
  return typeof value === 'string' ? compareStrings(value, bound) : undefined;
}

export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function matchesEq(reached: Json[], wanted: Scalar): boolean {
  if (wanted === null && reached.length === 0) return true;
  return candidates(reached).some((v) => equalsScalar(v, wanted));
}

function matchesOps(reached: Json[], ops: FieldOps): boolean {
  for (const [op, operand] of Object.entries(ops) as [keyof FieldOps, FieldOps[keyof FieldOps]][]) {
    if (operand === undefined) continue;
    switch (op) {
      case '$eq':
        if (!matchesEq(reached, operand as Scalar)) return false;
        break;
      case '$ne':
        if (matchesEq(reached, operand as Scalar)) return false;
        break;
      case '$in':
        if (!(operand as readonly Scalar[]).some((w) => matchesEq(reached, w))) return false;
        break;
      case '$nin':
        if ((operand as readonly Scalar[]).some((w) => matchesEq(reached, w))) return false;
        break;
      case '$exists':
        if ((reached.length > 0) !== operand) return false;
        break;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        const bound = operand as string | number;
        const ok = candidates(reached).some((v) => {
          const c = compare(v, bound);
          if (c === undefined) return false;
          return op === '$gt' ? c > 0 : op === '$gte' ? c >= 0 : op === '$lt' ? c < 0 : c <= 0;
        });
        if (!ok) return false;
        break;
      }
    }
  }
  return true;
}

export function matchesField(doc: Json, path: string, condition: Scalar | FieldOps): boolean {
  return matchesOps(reach(doc, path), toOps(condition));
}

export function matches(doc: Json, filter: Filter): boolean {
  for (const [path, condition] of Object.entries(filter)) {
    if (!matchesField(doc, path, condition)) return false;
  }
  return true;
}

/** MongoDB's order of types: missing/null, numbers, strings, objects, arrays, booleans. */
export function typeRank(value: Json | undefined): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  if (Array.isArray(value)) return 4;
  if (typeof value === 'object') return 3;
  return 5;
}

function compareValues(a: Json | undefined, b: Json | undefined): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return compareStrings(JSON.stringify(a ?? null), JSON.stringify(b ?? null));
}

/** The value a sort key reads: the first value the path reaches (sort keys are meant to be scalars). */
function sortValue(doc: Json, path: string): Json | undefined {
  return reach(doc, path)[0];
}

/** Sorts by the given keys, then by `_id` so every backend returns ties in the same order. */
export function sortDocs<D extends JsonObject>(docs: D[], sort: FindOptions['sort']): D[] {
  const keys: [string, 1 | -1][] = Object.entries(sort ?? {});
  for (const [path] of keys) checkPath(path);
  if (!keys.some(([path]) => path === '_id')) keys.push(['_id', 1]);
  return docs.sort((a, b) => {
    for (const [path, direction] of keys) {
      const c = compareValues(sortValue(a, path), sortValue(b, path));
      if (c !== 0) return c * direction;
    }
    return 0;
  });
}

export function page<D>(docs: D[], options: FindOptions | undefined): D[] {
  const skip = options?.skip ?? 0;
  const end = options?.limit === undefined ? undefined : skip + options.limit;
  return docs.slice(skip, end);
}

/**
 * The key a unique index sees for a document, or undefined when one of its fields is missing
 * (such documents are not constrained; a null value is a value).
 */
export function uniqueKey(doc: Json, fields: readonly string[]): string | undefined {
  const values: Json[] = [];
  for (const field of fields) {
    const reached = reach(doc, field);
    if (reached.length === 0) return undefined;
    values.push(reached[0] ?? null);
  }
  return JSON.stringify(values);
}

/** Documents are JSON: this drops `undefined` members and rejects what JSON cannot carry. */
export function toJson(doc: unknown): JsonObject {
  return JSON.parse(JSON.stringify(doc)) as JsonObject;
}
