// One logger: pino, structured, one line per event, secrets redacted.
import { pino } from 'pino';
import type { DestinationStream, Logger, LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  '*.password',
  'password',
  '*.token',
  'token',
  '*.privateKey',
];

export interface LoggerOptions {
  name: string;
  level?: LevelWithSilent | undefined;
  /** Where to write (default stdout); tests pass a stream to read the lines back. */
  destination?: DestinationStream | undefined;
}

export function createLogger(options: LoggerOptions): Logger {
  const config = {
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: options.name },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** Ids that correlate log lines across services. */
export interface LogContext {
  labNo?: string | undefined;
  caseId?: string | undefined;
  eventId?: string | undefined;
  traceId?: string | undefined;
}

/** A child logger carrying the given correlation ids (undefined ones left out). */
export function withLogContext(logger: Logger, context: LogContext): Logger {
  const bindings: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) {
    if (typeof value === 'string') bindings[key] = value;
  }
  return logger.child(bindings);
}
