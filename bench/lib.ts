// Shared benchmark harness. Each suite returns measurements; every measurement names the
// baseline measured in the same run, so the ratio (not the absolute time) is what compares
// across these noisy shared machines.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';

export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** What the value is compared with, measured in the same run (e.g. "sha256sum", "brute-force scan"). */
  baseline: string;
  baselineValue: number;
  /** value / baselineValue. */
  ratio: number;
}

export interface Suite {
  name: string;
  run(): Promise<Omit<Measurement, 'ratio'>[]>;
}

export function measurement(m: Omit<Measurement, 'ratio'>): Measurement {
  return { ...m, ratio: m.baselineValue === 0 ? 0 : round(m.value / m.baselineValue, 4) };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Percentile of a list of numbers (nearest-rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

const RESULTS = '.bench/results.json';

/** Merges new measurements into .bench/results.json by name, keeping other suites' figures. */
export function saveResults(results: readonly Measurement[]): void {
  mkdirSync('.bench', { recursive: true });
  const old: Measurement[] = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Measurement[]) : [];
  const byName = new Map(old.map((m) => [m.name, m]));
  for (const m of results) byName.set(m.name, m);
  writeFileSync(RESULTS, JSON.stringify([...byName.values()], null, 2) + '\n');
}

export function printTable(results: readonly Measurement[]): void {
  const rows = results.map((m) => [m.name, fmt(m.value), m.unit, m.baseline, fmt(m.baselineValue), fmt(m.ratio)]);
  const head = ['name', 'value', 'unit', 'baseline', 'baseline value', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
