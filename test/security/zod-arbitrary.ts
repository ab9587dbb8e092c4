// fast-check arbitraries from zod 4 schemas, and mutations of what they produce. The schemas
// are the ones the routes registered (from @tamga/contracts), read through zod 4's public
// definition objects (`schema._zod.def`); zod-fast-check supports only zod 3, so this covers
// the schema kinds Tamga's contracts use. Values start valid-looking so requests get past the
// first field, then mutations make them wrong in the ways clients and attackers do.
import fc from 'fast-check';

interface Def {
  type: string;
  [key: string]: unknown;
}
export interface ZodLike {
  _zod: { def: Def };
  safeParse(value: unknown): { success: boolean };
}

export function isZodSchema(value: unknown): value is ZodLike {
  return typeof value === 'object' && value !== null && '_zod' in value && typeof (value as { safeParse?: unknown }).safeParse === 'function';
}

function defOf(schema: unknown): Def {
  if (!isZodSchema(schema)) throw new TypeError('not a zod 4 schema');
  return schema._zod.def;
}

interface CheckDef {
  check: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}

function checksOf(def: Def): CheckDef[] {
  const checks = Array.isArray(def.checks) ? (def.checks as { _zod?: { def?: CheckDef } }[]) : [];
  return checks.flatMap((c) => (c._zod?.def === undefined ? [] : [c._zod.def]));
}

const MAX_LEN = 40;
const MAX_ITEMS = 4;

function stringArbitrary(def: Def): fc.Arbitrary<string> {
  const checks = checksOf(def);
  const min = Math.max(0, ...checks.filter((c) => c.check === 'min_length').map((c) => c.minimum ?? 0));
  const max = Math.min(Number.MAX_SAFE_INTEGER, ...checks.filter((c) => c.check === 'max_length').map((c) => c.maximum ?? Number.MAX_SAFE_INTEGER));
  const format = typeof def.format === 'string' ? def.format : undefined;
  const within = (a: fc.Arbitrary<string>) => a.filter((s) => s.length >= min && s.length <= max);
  if (format === 'uuid' || format === 'guid') return fc.uuid();
  if (format === 'datetime') return fc.date({ min: new Date('2000-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
  if (format === 'date') return fc.date({ min: new Date('2000-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  const regex = def.pattern instanceof RegExp ? def.pattern : checks.find((c) => c.format === 'regex' && c.pattern instanceof RegExp)?.pattern;
  if (regex !== undefined) return within(fc.stringMatching(regex, { size: 'small' }));
  const size = { minLength: min, maxLength: Math.max(min, Math.min(max, MAX_LEN)) };
  return within(fc.oneof(fc.string({ ...size, unit: 'grapheme-ascii' }), fc.string({ ...size, unit: 'grapheme' })));
}

function numberArbitrary(def: Def): fc.Arbitrary<number> {
  const checks = checksOf(def);
  const isInt = checks.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32' || c.format === 'uint32'));
  let min = -1e6;
  let max = 1e6;
  let minExcluded = false;
  let maxExcluded = false;
  for (const c of checks) {
    if (c.check === 'greater_than' && typeof c.value === 'number') {
      min = c.value;
      minExcluded = c.inclusive !== true;
    }
    if (c.check === 'less_than' && typeof c.value === 'number') {
      max = c.value;
      maxExcluded = c.inclusive !== true;
    }
  }
  if (isInt) {
    const lo = Math.ceil(minExcluded ? min + 1 : min);
    const hi = Math.floor(maxExcluded ? max - 1 : max);
    return fc.integer({ min: Math.max(lo, -1e9), max: Math.min(hi, 1e9) });
  }
  return fc.double({ min, max, minExcluded, maxExcluded, noNaN: true, noDefaultInfinity: true });
}

/** Known-good values for fields of a given name (ids of records that exist), so requests get past lookups. */
export type Hints = Readonly<Record<string, readonly string[]>>;

/** Values shaped by the schema: mostly valid, never guaranteed (refinements are not solved). */
export function arbitraryOf(schema: unknown, depth = 0, hints: Hints = {}): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  if (depth > 8) return fc.constant(undefined);
  const inner = (s: unknown) => arbitraryOf(s, depth + 1, hints);
  switch (def.type) {
    case 'string':
      return stringArbitrary(def);
    case 'number':
      return numberArbitrary(def);
    case 'int':
      return fc.integer();
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, string | number>));
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      const optional = (s: unknown) => ['optional', 'default', 'prefault'].includes(defOf(s).type);
      const field = (k: string, s: unknown): fc.Arbitrary<unknown> => {
        const generated = inner(optional(s) && defOf(s).type === 'optional' ? defOf(s).innerType : s);
        const known = hints[k];
        return known === undefined || known.length === 0 ? generated : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: generated });
      };
      const model = Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, field(k, s)]));
      return fc.record(model, { requiredKeys: Object.keys(shape).filter((k) => !optional(shape[k])) });
    }
    case 'array': {
      const checks = checksOf(def);
      const minLength = Math.max(0, ...checks.filter((c) => c.check === 'min_length').map((c) => c.minimum ?? 0));
      const maxLength = Math.min(MAX_ITEMS, ...checks.filter((c) => c.check === 'max_length').map((c) => c.maximum ?? MAX_ITEMS));
      return fc.array(inner(def.element), { minLength, maxLength: Math.max(minLength, maxLength) });
    }
    case 'union':
      return fc.oneof(...(def.options as unknown[]).map(inner));
    case 'intersection':
      return fc.tuple(inner(def.left), inner(def.right)).map(([a, b]) => (isPlainObject(a) && isPlainObject(b) ? { ...a, ...b } : a));
    case 'record':
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), inner(def.valueType), { maxKeys: 3 });
    case 'optional':
      return fc.option(inner(def.innerType), { nil: undefined });
    case 'nullable':
      return fc.option(inner(def.innerType), { nil: null });
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return inner(def.innerType);
    case 'pipe':
      return inner(def.in);
    case 'lazy':
      return inner((def.getter as () => unknown)());
    case 'transform':
      return fc.string({ maxLength: MAX_LEN });
    default:
      // any, unknown, custom and kinds the contracts do not use: any JSON.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ------------------------------------------------------------------------------ hostile values

const HUGE = 'Ж'.repeat(70_000);
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Deeply nested arrays or objects (parsers and validators that recurse). */
function nested(depth: number, asObject: boolean): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v];
  return v;
}

/** Values that break careless code: wrong types, extremes, control and combining characters, injection shapes. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -0,
    -1,
    -1e308,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    0.1,
    '',
    ' ',
    '\u0000',
    '\u202e\u0301\u200b',
    'null',
    'NaN',
    '-1',
    '1e309',
    '../../../../etc/passwd',
    '%00%2e%2e%2f',
    '<script>alert(1)</script>',
    "'; DROP TABLE items; --",
    '${process.env}',
    '𝕏'.repeat(300),
    HUGE,
    { $gt: '' },
    { $where: 'sleep(1000)' },
    [],
    {},
    [[[]]],
  ),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.integer(),
  fc.double(),
  fc.integer({ min: 50, max: 400 }).chain((d) => fc.boolean().map((o) => nested(d, o))),
  fc.jsonValue({ maxDepth: 3 }),
);

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function clone(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** Sets an own, enumerable property even when the key is `__proto__`, so JSON.stringify sends it. */
function setOwn(target: Record<string, unknown> | unknown[], key: string | number, v: unknown): void {
  Object.defineProperty(target, key, { value: v, enumerable: true, writable: true, configurable: true });
}

function at(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

type Mutation =
  | { kind: 'replace'; pick: number; value: unknown }
  | { kind: 'delete'; pick: number }
  | { kind: 'extra'; pick: number; key: string; value: unknown }
  | { kind: 'pollute'; pick: number; key: (typeof PROTO_KEYS)[number] }
  | { kind: 'retype'; pick: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extra' as const), pick: fc.nat(), key: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('$where', 'isAdmin', 'roles', '_id', '_v', 'agencyId')), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pollute' as const), pick: fc.nat(), key: fc.constantFrom(...PROTO_KEYS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retype' as const), pick: fc.nat() }) },
);

function applyMutation(value: unknown, m: Mutation): unknown {
  const root = { v: clone(value) };
  const paths = pathsOf(root.v).map((p) => ['v', ...p]);
  const path = paths[m.pick % paths.length] ?? ['v'];
  const parent = at(root, path.slice(0, -1)) as Record<string, unknown> | unknown[];
  const key = path[path.length - 1] ?? 'v';
  const here = at(root, path);
  switch (m.kind) {
    case 'replace':
      setOwn(parent, key, m.value);
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else if (path.length > 1) delete parent[key as string];
      break;
    case 'extra':
      if (isPlainObject(here)) setOwn(here, m.key, m.value);
      else setOwn(parent, key, { [m.key]: m.value });
      break;
    case 'pollute': {
      const payload = m.key === '__proto__' ? { polluted: 'yes', roles: ['admin'] } : { prototype: { polluted: 'yes' } };
      if (isPlainObject(here)) setOwn(here, m.key, payload);
      else {
        const holder: Record<string, unknown> = {};
        setOwn(holder, m.key, payload);
        setOwn(parent, key, holder);
      }
      break;
    }
    case 'retype':
      setOwn(parent, key, typeof here === 'string' ? Number(here) || [here] : typeof here === 'number' ? String(here) : Array.isArray(here) ? here[0] : JSON.stringify(here));
      break;
  }
  return root.v;
}

/** Valid-looking values from the schema, each with 0-3 mutations, plus a few whole hostile values. */
export function mutatedOf(schema: unknown, hints: Hints = {}): fc.Arbitrary<unknown> {
  const base = arbitraryOf(schema, 0, hints);
  return fc.oneof(
    { weight: 2, arbitrary: base },
    { weight: 6, arbitrary: fc.tuple(base, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => ms.reduce(applyMutation, v)) },
    { weight: 1, arbitrary: hostileValue },
  );
}

/** Request bodies that are not the JSON they claim to be, or not JSON at all. */
export const hostileRawBody: fc.Arbitrary<{ contentType: string | undefined; payload: string | Buffer }> = fc.record({
  contentType: fc.constantFrom<string | undefined>(undefined, 'application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/pdf', 'application/octet-stream', 'chemical/x-msp', 'application/xml'),
  payload: fc.oneof(
    fc.constantFrom<string | Buffer>(
      '',
      '{',
      'null',
      '[]',
      '"text"',
      '{"a":1e999}',
      '{"a":NaN}',
      '\uFEFF{}',
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
      'Name: X\nNum Peaks: 2\n41 100\n43 50\n',
      'Name: X\nNum Peaks: 999999999\n41 100\n',
      'Name: \nNum Peaks: -1\n',
      '%PDF-1.7\n%%EOF',
      Buffer.from([0xff, 0xfe, 0x00, 0x00, 0xc3, 0x28]),
    ),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  ),
});
