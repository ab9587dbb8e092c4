// Runs a service until SIGTERM/SIGINT, then shuts down gracefully: the HTTP server stops
// accepting and finishes in-flight requests, then the onClose hooks run in order (drain the
// consumers and the outbox relay, then close NATS and the store). A second signal, or the
// grace period running out, forces the exit.
import type { ServiceApp } from './app.ts';

export interface RunServiceOptions {
  app: ServiceApp;
  port: number;
  host: string;
  /**
   * Run in order after the last HTTP request finished: drain consumers first, close the
   * connections they use (NATS, store) last. In-flight requests may still write to the store,
   * which is why the store closes after them.
   */
  onClose?: ReadonlyArray<() => Promise<void>> | undefined;
  /** Longest a graceful shutdown may take before the process is forced out (default 15 s). */
  graceMs?: number | undefined;
  /** For tests: the signal source and the exit function (default: process). */
  signals?: NodeJS.EventEmitter | undefined;
  exit?: ((code: number) => void) | undefined;
}

export interface RunningService {
  /** Where the server listens, e.g. `http://127.0.0.1:3101`. */
  url: string;
  /** Shuts down as a signal would; resolves with the exit code it used. */
  shutdown(reason?: string): Promise<number>;
}

export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { app } = options;
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const graceMs = options.graceMs ?? 15_000;
  const url = await app.listen({ port: options.port, host: options.host });
  app.log.info({ url }, 'listening');

  let shuttingDown: Promise<number> | undefined;

  async function close(reason: string): Promise<number> {
    app.log.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error({ graceMs }, 'graceful shutdown took too long; forcing exit');
      exit(1);
    }, graceMs);
    timer.unref();
    let code = 0;
    try {
      await app.close();
    } catch (err) {
      app.log.error({ err }, 'closing the HTTP server failed');
      code = 1;
    }
    for (const hook of options.onClose ?? []) {
      try {
        await hook();
      } catch (err) {
        // Keep going: the remaining resources still deserve an orderly close.
        app.log.error({ err }, 'a shutdown step failed');
        code = 1;
      }
    }
    clearTimeout(timer);
    app.log.info({ code }, 'stopped');
    return code;
  }

  function shutdown(reason = 'shutdown requested'): Promise<number> {
    shuttingDown ??= close(reason);
    return shuttingDown;
  }

  const onSignal = (signal: string): void => {
    if (shuttingDown !== undefined) {
      app.log.warn({ signal }, 'second signal; forcing exit');
      exit(1);
      return;
    }
    void shutdown(signal).then(exit);
  };
  signals.on('SIGTERM', onSignal);
  signals.on('SIGINT', onSignal);
  return { url, shutdown };
}
