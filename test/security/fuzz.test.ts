// Property-based requests against every route of every service, built from the zod schemas each
// route registered and then mutated (wrong types, missing and extra fields, huge and odd
// strings, prototype-pollution keys, deep nesting, bodies that are not JSON, odd path and query
// values). Whatever arrives, a service must answer:
//   - never 5xx;
//   - every 4xx as RFC 9457 problem details;
//   - nothing that leaks internals (stack frames, source paths, node_modules);
//   - with no change to any of its collections or blobs when it answered 4xx;
//   - and without polluting Object.prototype.
// The caller is, per route, the first subject the access matrix lets in, so requests get past
// the door and reach the handler.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { declarationOf, defaultParams, routeKey, type RouteAccess } from './access-matrix.ts';
import { startLab, whyLabCannotRun, type CollectedRoute, type Lab, type Subject } from './lab.ts';
import { arbitraryOf, hostileRawBody, hostileValue, isZodSchema, mutatedOf, type Hints } from './zod-arbitrary.ts';

const skip = whyLabCannotRun();
if (skip !== undefined) console.warn(`fuzzing skipped: ${skip}`);

const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

const lab: Lab | undefined = skip === undefined ? await startLab() : undefined;
if (lab !== undefined) await lab.quiesce();

const CALLER_PREFERENCE: readonly Subject[] = ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin', 'investigator-own', 'anonymous'];

function callerFor(d: RouteAccess): Subject {
  return CALLER_PREFERENCE.find((s) => d.allow.includes(s)) ?? 'anonymous';
}

/** The routes to fuzz: everything but the HEAD twins of GET routes and the gateway, a byte-for-byte proxy to routes fuzzed directly. */
function fuzzedRoutes(routes: readonly CollectedRoute[]): CollectedRoute[] {
  return routes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !r.url.startsWith('/api/'));
}

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

const LEAKS: readonly [RegExp, string][] = [
  [/\n\s+at [^\n]+:\d+:\d+/, 'a stack trace'],
  [/node_modules/, 'a node_modules path'],
  [/\/work\/|\/home\/|\/tmp\/|file:\/\//, 'a file path'],
  [/\.(?:ts|js|mjs):\d+/, 'a source location'],
  [/TypeError|ReferenceError|RangeError|Cannot read propert/, 'a JavaScript error'],
  [/root:x:0:0/, '/etc/passwd'],
];

const PATH_SEGMENTS = fc.oneof(
  fc.constantFrom('..', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%', '%zz', '%00', '%C0%AF', '__proto__', 'constructor', 'a'.repeat(3000), '%F0%9F%92%A9', ' ', '%20'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return 'x';
    }
  }),
);

function shapeOf(schema: unknown): Record<string, unknown> {
  if (!isZodSchema(schema)) return {};
  const def = schema._zod.def;
  return def.type === 'object' ? (def.shape as Record<string, unknown>) : {};
}

function toQuery(value: unknown): string {
  const params = new URLSearchParams();
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, typeof one === 'string' ? one : JSON.stringify(one) ?? '');
    }
  } else if (value !== undefined) {
    params.append('q', typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
  }
  return params.toString();
}

function requestArbitrary(route: CollectedRoute, d: RouteAccess, l: Lab): fc.Arbitrary<FuzzRequest> {
  const fixtures = { ...defaultParams(l.fixtures), ...(d.params?.(l.fixtures) ?? {}) };
  const f = l.fixtures;
  const hints: Hints = {
    agencyId: [f.agencyId, f.otherAgencyId],
    caseId: [f.caseId],
    labNo: [f.labNo, f.secondLabNo],
    locationId: ['store-1'],
    parentId: ['store-1'],
    userId: [l.people.analyst.sub, l.people.technician.sub],
    spectrumId: [f.spectrumId],
    reportNumber: [f.reportNumber],
    username: ['admin', 'technician', 'analyst'],
  };
  const paramShape = shapeOf(route.schema.params);
  const names = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? '');
  const param = (name: string): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(encodeURIComponent(fixtures[name] ?? 'x')) },
      { weight: 2, arbitrary: name in paramShape ? arbitraryOf(paramShape[name]).map((v) => encodeURIComponent(typeof v === 'string' && v !== '' ? v : 'x')) : fc.constant('x') },
      { weight: 2, arbitrary: PATH_SEGMENTS },
    );
  const path: fc.Arbitrary<string> =
    route.url === '/*'
      ? fc.oneof(PATH_SEGMENTS.map((s) => `/${s}`), fc.constantFrom('/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/index.html', '/assets/..%2f..%2fpackage.json', '//etc/passwd'))
      : fc.tuple(...names.map(param)).map((values) => {
          let i = 0;
          return route.url.replace(/:([A-Za-z]+)/g, () => values[i++] ?? 'x');
        });
  const query: fc.Arbitrary<string> = isZodSchema(route.schema.querystring)
    ? fc.oneof({ weight: 4, arbitrary: mutatedOf(route.schema.querystring, hints).map(toQuery) }, { weight: 1, arbitrary: fc.constant(d.query?.(l.fixtures) ?? '') })
    : fc.oneof(fc.constant(''), fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }).map(toQuery), fc.constantFrom('__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes', 'a=%zz'));
  const withBody = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);
  const body: fc.Arbitrary<{ contentType: string | undefined; payload: string | Buffer } | undefined> = !withBody
    ? fc.constant(undefined)
    : isZodSchema(route.schema.body)
      ? fc.oneof(
          { weight: 5, arbitrary: mutatedOf(route.schema.body, hints).map((v) => ({ contentType: 'application/json', payload: JSON.stringify(v) ?? 'null' })) },
          { weight: 1, arbitrary: hostileRawBody },
        )
      : fc.oneof(hostileRawBody, hostileValue.map((v) => ({ contentType: 'application/json', payload: JSON.stringify(v) ?? 'null' })));
  const caller = callerFor(d);
  const auth = fc.oneof(
    { weight: 12, arbitrary: fc.constant(l.token(caller)) },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, 'x.y.z', `${l.token(caller) ?? 'a.b.c'}x`, 'null', '\u0000') },
  );
  return fc.record({ path, query, body, auth }).map(({ path: p, query: q, body: b, auth: token }) => ({
    method: route.method,
    url: q === '' ? p : `${p}?${q}`,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(b?.contentType === undefined ? {} : { 'content-type': b.contentType }),
    },
    ...(b === undefined ? {} : { payload: b.payload }),
  }));
}

function describeRequest(r: FuzzRequest): string {
  const payload = r.payload === undefined ? '' : typeof r.payload === 'string' ? r.payload : `<${r.payload.length} bytes>`;
  return `${r.method} ${r.url.slice(0, 300)} ${JSON.stringify({ ...r.headers, authorization: r.headers.authorization === undefined ? undefined : '…' })} ${payload.slice(0, 600)}`;
}

function checkProblem(status: number, contentType: string, body: string): string | undefined {
  if (!contentType.startsWith('application/problem+json')) return `answered ${status} as ${contentType || 'no content type'}, not problem details`;
  let problem: unknown;
  try {
    problem = JSON.parse(body);
  } catch {
    return `answered ${status} with problem details that are not JSON`;
  }
  const p = problem as Record<string, unknown>;
  if (typeof p.type !== 'string' || typeof p.title !== 'string' || p.status !== status || typeof p.detail !== 'string') {
    return `answered ${status} with a problem missing type, title, status or detail: ${body.slice(0, 300)}`;
  }
  if (p.errors !== undefined && !(Array.isArray(p.errors) && p.errors.every((e: unknown) => typeof (e as { field?: unknown }).field === 'string' && typeof (e as { message?: unknown }).message === 'string'))) {
    return 'answered with errors[] that do not name fields';
  }
  return undefined;
}

function prototypeIsClean(): boolean {
  return Object.keys(Object.prototype).length === 0 && (({}) as Record<string, unknown>).polluted === undefined && (({}) as Record<string, unknown>).roles === undefined;
}

/** Answers per route by status class, printed at the end: how deep the requests got. */
const answers = new Map<string, Record<string, number>>();
function tally(key: string, status: number): void {
  const row = answers.get(key) ?? {};
  const cls = `${Math.floor(status / 100)}xx`;
  row[cls] = (row[cls] ?? 0) + 1;
  answers.set(key, row);
}

describe.skipIf(lab === undefined)('fuzzing every route with requests from the zod contracts', () => {
  afterAll(async () => {
    await lab?.close();
    const lines = [...answers].map(([key, row]) => `${key.padEnd(64)} ${['2xx', '3xx', '4xx', '5xx'].map((c) => `${c} ${String(row[c] ?? 0).padStart(4)}`).join('  ')}`);
    console.info(`fuzzing: ${NUM_RUNS} requests per route\n${lines.join('\n')}`);
  });

  it('sees a change when there is one (the snapshot is not blind)', async () => {
    if (lab === undefined) return;
    const before = await lab.stores.intake.snapshot();
    const res = await lab.apps.intake.inject({
      method: 'POST',
      url: '/v1/locations',
      headers: { authorization: `Bearer ${lab.token('technician') ?? ''}` },
      payload: { locationId: 'probe-shelf', kind: 'shelf', name: 'Probe shelf', parentId: 'store-1' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(await lab.stores.intake.snapshot()).not.toEqual(before);
  });

  const routes = lab === undefined ? [] : fuzzedRoutes(lab.routes);
  for (const route of routes) {
    const d = declarationOf(route);
    it(`${routeKey(route)}: never 5xx, problem details on 4xx, no leaks, no change on 4xx`, async () => {
      if (lab === undefined) return;
      expect(d, `${routeKey(route)} has no row in the access matrix`).toBeDefined();
      if (d === undefined) return;
      const app = lab.apps[route.service];
      const store = lab.stores[route.service];
      await fc.assert(
        fc.asyncProperty(requestArbitrary(route, d, lab), async (request) => {
          const before = await store.snapshot();
          const res = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, ...(request.payload === undefined ? {} : { payload: request.payload }) });
          tally(routeKey(route), res.statusCode);
          const contentType = String(res.headers['content-type'] ?? '');
          const textual = /json|text|svg|xml|pem/.test(contentType) || contentType === '';
          const problems: string[] = [];
          if (res.statusCode >= 500) problems.push(`answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
          if (res.statusCode >= 400) {
            const bad = checkProblem(res.statusCode, contentType, res.body);
            if (bad !== undefined) problems.push(bad);
          }
          if (textual) for (const [pattern, what] of LEAKS) if (pattern.test(res.body)) problems.push(`leaks ${what}: ${res.body.slice(0, 500)}`);
          if (!prototypeIsClean()) problems.push('polluted Object.prototype');
          if (res.statusCode >= 400 && res.statusCode < 500 && d.changesStateOn4xx === undefined) {
            const after = await store.snapshot();
            try {
              expect(after).toEqual(before);
            } catch {
              const changed = [...new Set([...Object.keys(before.collections), ...Object.keys(after.collections)])].filter(
                (name) => JSON.stringify(before.collections[name]) !== JSON.stringify(after.collections[name]),
              );
              problems.push(`changed ${[...changed, ...(before.blobs.length === after.blobs.length ? [] : ['blobs'])].join(', ')} although it answered ${res.statusCode}`);
            }
          }
          if (problems.length > 0) throw new Error(`${describeRequest(request)}\n  -> ${res.statusCode}: ${problems.join('\n  -> ')}`);
        }),
        { numRuns: NUM_RUNS, endOnFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
    }, 60_000);
  }
});
