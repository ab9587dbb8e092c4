// The one test command (`pnpm test`): typecheck, lint, then every vitest test in the workspace.
// It ends with one line `N passed, N failed, N skipped` for the whole run (checks + tests) and
// exits non-zero on any failure. Skipped tests printed their reason above; they are not passes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';

const extra = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, cmd, args) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status === 0) passed += 1;
  else {
    failed += 1;
    console.log(`--- ${name} FAILED (exit ${r.status})`);
  }
}

if (!extra.length) {
  step('typecheck', 'pnpm', ['-s', 'typecheck']);
  step('lint', 'pnpm', ['-s', 'lint']);
  // The portal serves the built web UI; build it once here so every test that needs it (the
  // static-file regression, the browser flow) tests the same build instead of skipping.
  step('web UI build', 'pnpm', ['-s', '--filter', '@tamga/portal', 'build:web']);
}

mkdirSync('test-output', { recursive: true });
const report = 'test-output/vitest.json';
console.log('\n=== tests: vitest run');
const r = spawnSync('pnpm', ['-s', 'exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], { stdio: 'inherit' });
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  skipped += json.numPendingTests + json.numTodoTests;
  // A suite that failed to load has no test results; count it as a failure.
  for (const file of json.testResults) {
    if (file.status === 'failed' && file.assertionResults.length === 0) failed += 1;
  }
} else {
  failed += 1;
}
if (r.status !== 0 && failed === 0) failed += 1;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
