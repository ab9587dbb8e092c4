// Runs a program (a service, nats-server) as a separate OS process for whole-system tests: its
// output is kept for the failure message, and the start waits until it says or shows it is ready.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { TestkitErrors } from './errors.ts';

export interface StartProcessOptions {
  /** A short name for messages and logs ("analysis", "nats-server"). */
  name: string;
  cmd: string;
  args?: readonly string[];
  /** Added to (and overriding) this process's environment; `undefined` removes a variable. */
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Ready once `GET readyUrl` answers 200. */
  readyUrl?: string;
  /** Ready once the output (stdout or stderr) matches. With `readyUrl`, both must hold. */
  readyPattern?: RegExp;
  /** How long to wait for readiness before killing the process and failing. Default 30 s. */
  timeoutMs?: number;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  /** Sends a signal (default SIGTERM) and returns at once; `kill('SIGKILL')` simulates a crash. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves when the process has exited. */
  stop(graceMs?: number): Promise<ProcessExit>;
  /** Everything the process wrote to stdout and stderr so far (the last 5,000 lines). */
  logs(): string;
  /** Settles when the process exits, however that happens. */
  readonly exited: Promise<ProcessExit>;
  running(): boolean;
}

const MAX_LINES = 5_000;
const TAIL_LINES = 80;
const POLL_MS = 100;

/** Children still running when this (test) process exits are killed, so no server outlives its test. */
const alive = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of alive) child.kill('SIGKILL');
  });
}

/** The command that runs a TypeScript entry file with Node and tsx: `node --import tsx FILE`. */
export function tsxCommand(entry: string): { cmd: string; args: string[] } {
  return { cmd: process.execPath, args: ['--import', 'tsx', entry] };
}

export async function startProcess(options: StartProcessOptions): Promise<RunningProcess> {
  installExitHook();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const child = spawn(options.cmd, [...(options.args ?? [])], {
    env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const lines: string[] = [];
  let partial = '';
  let onOutput: (() => void) | undefined;
  const collect = (chunk: Buffer): void => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
    onOutput?.();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const logs = (): string => (partial === '' ? lines.join('\n') : [...lines, partial].join('\n'));

  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      alive.delete(child);
      resolve(exit);
    });
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });

  const tail = (): string => logs().split('\n').slice(-TAIL_LINES).join('\n');
  const fail = (why: string, cause?: unknown): Error =>
    TestkitErrors.TESTKIT_ERR_PROCESS_START(`${options.name} (${options.cmd}): ${why}\n--- output ---\n${tail()}`, { cause });

  try {
    await spawned;
  } catch (err) {
    throw fail('could not be started', err);
  }
  alive.add(child);
  const pid = child.pid ?? -1;

  const running = (): boolean => exit === undefined;
  const kill = (signal: NodeJS.Signals = 'SIGTERM'): void => {
    if (running()) child.kill(signal);
  };
  const stop = async (graceMs = 10_000): Promise<ProcessExit> => {
    if (!running()) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  try {
    await Promise.race([
      waitReady({ options, logs, listen: (listener) => (onOutput = listener), deadline, running }),
      exited.then((e) => {
        throw fail(`exited before it was ready (code ${String(e.code)}, signal ${String(e.signal)})`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    if (err instanceof Error && 'code' in err && err.code === 'TESTKIT_ERR_PROCESS_START') throw err;
    throw fail(err instanceof Error ? err.message : String(err), err);
  } finally {
    onOutput = undefined;
  }

  return { name: options.name, pid, kill, stop, logs, exited, running };
}

interface ReadyWait {
  options: StartProcessOptions;
  logs: () => string;
  listen: (listener: () => void) => void;
  deadline: number;
  /** False once the process exited: the wait gives up quietly (the exit is reported instead). */
  running: () => boolean;
}

async function waitReady({ options, logs, listen, deadline, running }: ReadyWait): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (options.readyPattern !== undefined) {
    const pattern = options.readyPattern;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no output matching ${String(pattern)} within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      timer.unref();
      const check = (): void => {
        if (pattern.test(logs())) {
          clearTimeout(timer);
          resolve();
        }
      };
      listen(check);
      check();
    });
  }
  if (options.readyUrl !== undefined) {
    while (running()) {
      let last: string;
      try {
        const res = await fetch(options.readyUrl, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
        last = `status ${res.status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline) throw new Error(`GET ${options.readyUrl} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
