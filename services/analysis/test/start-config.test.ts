// The service refuses to start without the portal key that verifies e-signatures: a clear
// configuration error naming the variable, exit code 78 (EX_CONFIG), before it touches NATS.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const main = resolve(import.meta.dirname, '../src/main.ts');

describe('starting the analysis service', () => {
  it('refuses without AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL, naming the variable', () => {
    const { PATH, HOME } = process.env;
    const run = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { PATH, HOME, STORE_BACKEND: 'memory', NATS_URL: 'nats://127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(78);
    expect(run.stderr).toMatch(/AUTH_PUBLIC_KEY_FILE/);
    expect(run.stderr).toMatch(/AUTH_JWKS_URL/);
  }, 70_000);
});
