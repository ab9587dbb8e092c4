// The one error family. Expected failures are DomainErrors with a stable `code` from a
// catalogue per package (STORE_ERR_*, CUSTODY_ERR_*, ANALYSIS_ERR_*...), an HTTP status the
// boundary handler uses, and optionally the offending fields. `cause` is always kept.

export interface FieldError {
  /** Dotted path of the offending field, e.g. "items.0.seals.1.number". */
  field: string;
  message: string;
}

export interface DomainErrorOptions {
  status?: number;
  errors?: readonly FieldError[];
  cause?: unknown;
}

export class DomainError extends Error {
  readonly code: string;
  readonly status: number;
  readonly errors: readonly FieldError[];

  constructor(code: string, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.status = options.status ?? 400;
    this.errors = options.errors ?? [];
  }
}

/** Builds a catalogue of error constructors: `const E = errorCatalogue({ X: [409, 'msg'] })`. */
export function errorCatalogue<K extends string>(
  entries: Record<K, readonly [status: number, title: string]>,
): Record<K, (detail?: string, options?: Omit<DomainErrorOptions, 'status'>) => DomainError> {
  const out = {} as Record<K, (detail?: string, options?: Omit<DomainErrorOptions, 'status'>) => DomainError>;
  for (const code of Object.keys(entries) as K[]) {
    const [status, title] = entries[code];
    out[code] = (detail, options = {}) => new DomainError(code, detail ?? title, { ...options, status });
  }
  return out;
}

export function isDomainError(err: unknown, code?: string): err is DomainError {
  return err instanceof DomainError && (code === undefined || err.code === code);
}
