// Runs the real PDF and PKI tools the tests check reports with (poppler, qpdf, NSS, OpenSSL).
import { spawnSync } from 'node:child_process';

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], input?: Uint8Array): ToolResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function hasTool(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Names of the wanted tools that are not on PATH, printed once so a skip says why. */
export function missingTools(tools: readonly string[], what: string): string[] {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length > 0) {
    console.warn(`SKIPPED ${what}: ${missing.join(', ')} not on PATH (apt-get install poppler-utils qpdf libnss3-tools openssl)`);
  }
  return missing;
}
