import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

interface Started {
  child: ChildProcess;
  url: string;
  lines: string[];
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(tsx, [fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (line.startsWith('listening ')) resolve(line.slice('listening '.length));
      }
    });
    void exited.then((code) => reject(new Error(`fixture exited early with ${code}`)));
  });
  return { child, url, lines, exited };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('graceful shutdown', () => {
  it('finishes the in-flight request, then drains consumers and closes the store, and exits 0', async () => {
    const svc = await start({ SLOW_MS: '700' });
    const inFlight = fetch(`${svc.url}/slow`);
    await until(() => svc.lines.includes('request started'));
    svc.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(await svc.exited).toBe(0);
    const order = ['request done', 'consumers drained', 'store closed'].map((l) => svc.lines.indexOf(l));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    await expect(fetch(`${svc.url}/health`)).rejects.toThrow();
  });

  it('exits at once with 1 on a second signal', async () => {
    const svc = await start({ SLOW_MS: '30000' });
    const inFlight = fetch(`${svc.url}/slow`).catch((err: unknown) => err);
    await until(() => svc.lines.includes('request started'));
    const t0 = Date.now();
    svc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    svc.child.kill('SIGINT');
    expect(await svc.exited).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(svc.lines).not.toContain('store closed');
    await inFlight;
  });
});
