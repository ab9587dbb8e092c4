// `pnpm bench [suite ...]`: runs the named suites (default: all), prints a table and merges the
// figures into .bench/results.json.
import { readdirSync } from 'node:fs';
import { measurement, printTable, saveResults, type Measurement, type Suite } from './lib.ts';

const wanted = process.argv.slice(2);
const files = readdirSync(new URL('./suites/', import.meta.url)).filter((f) => f.endsWith('.ts'));
const all: Measurement[] = [];
for (const file of files.sort()) {
  // A suite's file is named after it; importing only the wanted ones keeps a heavy suite's
  // set-up out of the others' runs.
  if (wanted.length && !wanted.includes(file.replace(/\.ts$/, ''))) continue;
  const mod = (await import(new URL(`./suites/${file}`, import.meta.url).href)) as { suite: Suite };
  if (wanted.length && !wanted.includes(mod.suite.name)) continue;
  console.log(`\n# ${mod.suite.name}`);
  const results = (await mod.suite.run()).map(measurement);
  printTable(results);
  saveResults(results);
  all.push(...results);
}
if (all.length === 0) console.log(`no suite matched ${wanted.join(' ')}`);
