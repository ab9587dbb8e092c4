import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startProcess, tempDir } from '@tamga/testkit';
import type { RunningProcess } from '@tamga/testkit';
import { existsSync, rmSync } from 'node:fs';

const started: RunningProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop(2_000)));
});

const node = process.execPath;

describe('startProcess', () => {
  it('waits until GET readyUrl answers 200', async () => {
    const port = await freePort();
    // Ready only after a delay, so a start that did not wait would fail the fetch below.
    const script = `
      const http = require('node:http');
      let ready = false; setTimeout(() => { ready = true; }, 300);
      http.createServer((req, res) => { res.statusCode = ready ? 200 : 503; res.end(String(ready)); })
        .listen(${port}, '127.0.0.1', () => console.log('listening'));`;
    const proc = await startProcess({ name: 'web', cmd: node, args: ['-e', script], readyUrl: `http://127.0.0.1:${port}/ready` });
    started.push(proc);
    const res = await fetch(`http://127.0.0.1:${port}/ready`);
    expect(res.status).toBe(200);
    expect(proc.logs()).toContain('listening');
    expect(proc.running()).toBe(true);
  });

  it('waits for a line matching readyPattern and passes the environment', async () => {
    const proc = await startProcess({
      name: 'echo',
      cmd: node,
      args: ['-e', "setTimeout(() => console.error('ready as ' + process.env.WHO), 100); setInterval(() => {}, 1000)"],
      env: { WHO: 'analysis' },
      readyPattern: /ready as analysis/,
    });
    started.push(proc);
    expect(proc.logs()).toContain('ready as analysis');
  });

  it('fails with the exit status and the output when the process dies before it is ready', async () => {
    await expect(
      startProcess({ name: 'broken', cmd: node, args: ['-e', "console.error('bad config: PORT'); process.exit(3)"], readyPattern: /never/ }),
    ).rejects.toMatchObject({ code: 'TESTKIT_ERR_PROCESS_START', message: expect.stringMatching(/code 3[\s\S]*bad config: PORT/) as unknown });
  });

  it('kills a process that is not ready in time and says so', async () => {
    const t0 = Date.now();
    await expect(
      // The limit leaves node time to start and print on a loaded two-core machine.
      startProcess({ name: 'slow', cmd: node, args: ['-e', "console.log('still starting'); setInterval(() => {}, 1000)"], readyPattern: /ready/, timeoutMs: 4_000 }),
    ).rejects.toThrow(/slow[\s\S]*within 4000 ms[\s\S]*still starting/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('kill("SIGKILL") ends the process at once, as a crash would', async () => {
    const proc = await startProcess({
      name: 'stubborn',
      cmd: node,
      args: ['-e', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"],
      readyPattern: /up/,
    });
    proc.kill('SIGKILL');
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(proc.running()).toBe(false);
  });
});

describe('tempDir', () => {
  it('creates a new empty folder each time', () => {
    const a = tempDir('tamga test');
    const b = tempDir('tamga test');
    expect(a).not.toBe(b);
    expect(existsSync(a) && existsSync(b)).toBe(true);
    rmSync(a, { recursive: true });
    rmSync(b, { recursive: true });
  });
});
