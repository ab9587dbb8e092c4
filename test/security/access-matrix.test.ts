// Every route of every service × every subject (each lab role, an investigator of the item's
// agency and of another, no token), checked against the one declaration in access-matrix.ts.
// Routes come from the running apps, so a new route without a declaration fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_MATRIX, declarationOf, defaultParams, routeKey, type RouteAccess } from './access-matrix.ts';
import { SUBJECTS, startLab, whyLabCannotRun, type CollectedRoute, type Fixtures, type Lab, type Subject } from './lab.ts';

const skip = whyLabCannotRun();
if (skip !== undefined) console.warn(`access matrix skipped: ${skip}`);

type Outcome = 'allowed' | 'denied' | 'error';

interface Cell {
  subject: Subject;
  status: number;
  expected: Exclude<Outcome, 'error'>;
  actual: Outcome;
  ok: boolean;
  why?: string;
}

function outcomeOf(status: number): Outcome {
  if (status >= 500) return 'error';
  return status === 401 || status === 403 ? 'denied' : 'allowed';
}

/** The concrete URL the walk calls for a route. */
function concreteUrl(route: CollectedRoute, d: RouteAccess, f: Fixtures): string {
  if (d.reaches !== undefined) return d.reaches.path(f);
  if (d.path !== undefined) return d.path(f);
  const params = { ...defaultParams(f), ...(d.params?.(f) ?? {}) };
  let path = route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${routeKey(route)}: no fixture for :${name}; add params to its row`);
    return encodeURIComponent(value);
  });
  path = path.endsWith('/*') ? `${path.slice(0, -1)}nothing-here` : path;
  const query = d.query?.(f);
  return query === undefined ? path : `${path}?${query}`;
}

function expectedAllowed(d: RouteAccess, subject: Subject): boolean {
  if (d.reaches !== undefined) {
    const upstream = declarationOf(d.reaches);
    if (upstream === undefined) throw new Error(`gateway row reaches ${routeKey(d.reaches)}, which has no row`);
    return upstream.allow.includes(subject);
  }
  return d.allow.includes(subject);
}

function table(rows: { key: string; cells: Cell[] }[]): string {
  const width = Math.max(...rows.map((r) => r.key.length), 10);
  const head = `${'route'.padEnd(width)} | ${SUBJECTS.map((s) => s.padEnd(18)).join(' | ')}`;
  const lines = rows.map(
    (r) =>
      `${r.key.padEnd(width)} | ${r.cells
        .map((c) => `${c.ok ? '  ' : '!!'}${c.status} ${c.actual === 'allowed' ? 'allow' : c.actual}${c.ok ? '' : ` (want ${c.expected === 'allowed' ? 'allow' : 'deny'})`}`.padEnd(18))
        .join(' | ')}`,
  );
  return [head, '-'.repeat(head.length), ...lines].join('\n');
}

describe.skipIf(skip !== undefined)('access matrix', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab();
    await lab.quiesce();
  }, 120_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('declares every route the apps register, and no route they do not', () => {
    const registered = lab.routes.filter((r) => !(r.method === 'HEAD' && lab.routes.some((g) => g.method === 'GET' && g.url === r.url && g.service === r.service)));
    const undeclared = registered.filter((r) => declarationOf(r) === undefined).map(routeKey);
    expect(undeclared, `routes without a row in test/security/access-matrix.ts:\n${undeclared.join('\n')}`).toEqual([]);
    const stale = ACCESS_MATRIX.filter((d) => d.optional === undefined && !registered.some((r) => routeKey(r) === routeKey(d))).map(routeKey);
    expect(stale, `rows for routes the apps do not register:\n${stale.join('\n')}`).toEqual([]);
  });

  it('answers every route × role × agency as declared', async () => {
    const rows: { key: string; cells: Cell[] }[] = [];
    for (const route of lab.routes) {
      const d = declarationOf(route);
      if (d === undefined) continue; // reported by the test above
      const app = lab.apps[route.service];
      const url = concreteUrl(route, d, lab.fixtures);
      const cells: Cell[] = [];
      // Those who must be turned away go first, so an allowed call that changes the record
      // (accepting the transfer) cannot hide a missing check behind a later 409.
      const order = [...SUBJECTS].sort((a, b) => Number(expectedAllowed(d, a)) - Number(expectedAllowed(d, b)));
      for (const subject of order) {
        const token = lab.token(subject);
        const withBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
        const res = await app.inject({
          method: route.method as 'GET',
          url,
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
          ...(withBody ? { payload: (d.body?.(lab.fixtures) ?? {}) as Record<string, unknown> } : {}),
        });
        const expected = expectedAllowed(d, subject) ? 'allowed' : 'denied';
        const actual = outcomeOf(res.statusCode);
        let ok = actual === expected;
        let why: string | undefined;
        // A denial says the right thing: 401 to nobody, 403 to someone without the right.
        if (ok && actual === 'denied' && res.statusCode !== (subject === 'anonymous' ? 401 : (d.deniedWith ?? 403))) {
          ok = false;
          why = `denied with ${res.statusCode}`;
        }
        if (ok && subject === 'investigator-other' && actual === 'allowed' && d.hiddenFromOtherAgency !== undefined) {
          const leaked = d.hiddenFromOtherAgency(lab.fixtures).filter((s) => res.body.includes(s));
          if (leaked.length > 0) {
            ok = false;
            why = `shows ${leaked.join(', ')} to another agency`;
          }
        }
        cells.push({ subject, status: res.statusCode, expected, actual, ok, ...(why === undefined ? {} : { why }) });
      }
      cells.sort((a, b) => SUBJECTS.indexOf(a.subject) - SUBJECTS.indexOf(b.subject));
      rows.push({ key: routeKey(route), cells });
    }
    const failures = rows.flatMap((r) => r.cells.filter((c) => !c.ok).map((c) => `${r.key} as ${c.subject}: ${c.status}${c.why === undefined ? '' : ` (${c.why})`}, declared ${c.expected}`));
    if (failures.length > 0) console.error(`access matrix (!! = differs from the declaration):\n${table(rows)}`);
    expect(failures, `\n${failures.join('\n')}\n\n${table(rows.filter((r) => r.cells.some((c) => !c.ok)))}`).toEqual([]);
    // Every subject was both let in somewhere and turned away somewhere: the walk is not vacuous.
    for (const subject of SUBJECTS.filter((s) => s !== 'anonymous')) {
      const mine = rows.map((r) => r.cells.find((c) => c.subject === subject));
      expect(mine.some((c) => c?.actual === 'allowed' && c.status < 300), `${subject} got no 2xx anywhere`).toBe(true);
      expect(mine.some((c) => c?.actual === 'denied'), `${subject} was never denied`).toBe(true);
    }
  }, 120_000);
});
