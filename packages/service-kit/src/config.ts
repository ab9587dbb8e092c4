// Configuration comes from the environment, validated by a zod schema at start. A bad value
// stops the process with a message naming every offending variable.
import { z } from 'zod';
import { LabCode } from '@tamga/contracts';
import type { FieldError } from '@tamga/contracts';

export class ConfigError extends Error {
  readonly code = 'CONFIG_ERR_INVALID';
  readonly errors: readonly FieldError[];

  constructor(errors: readonly FieldError[], options?: { cause?: unknown }) {
    super(`Invalid configuration:\n${errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}`, options);
    this.name = 'ConfigError';
    this.errors = errors;
  }
}

/** Reads an optional env var, treating an empty string as unset (as shells and compose do). */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: string[]; message: string }): void;
}

/**
 * The base schema's cross-field rules, for a schema rebuilt from `ServiceConfigSchema.shape`
 * (e.g. the portal, which drops the AUTH_* variables): mongo needs MONGO_URL, and unless
 * `requireTokenKey` is false, one of AUTH_PUBLIC_KEY_FILE / AUTH_JWKS_URL must be set.
 */
export function checkServiceConfig(
  c: { STORE_BACKEND: string; MONGO_URL?: string | undefined; AUTH_PUBLIC_KEY_FILE?: string | undefined; AUTH_JWKS_URL?: string | undefined },
  ctx: IssueSink,
  requireTokenKey = true,
): void {
  if (c.STORE_BACKEND === 'mongo' && c.MONGO_URL === undefined) {
    ctx.addIssue({ code: 'custom', path: ['MONGO_URL'], message: 'is required when STORE_BACKEND=mongo' });
  }
  if (requireTokenKey && c.AUTH_PUBLIC_KEY_FILE === undefined && c.AUTH_JWKS_URL === undefined) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_PUBLIC_KEY_FILE'], message: 'one of AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL is required' });
  }
}

/**
 * Variables every service reads. Services extend it: `ServiceConfigSchema.extend({ ... })`.
 * Cross-field rules (mongo needs MONGO_URL; a key source for tokens) are part of it.
 */
export const ServiceConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** One URL or a comma-separated list (every node of a cluster). */
    NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
    /** This service's own NATS user, when the server requires one (`tamga start` always does). */
    NATS_USER: optionalString,
    NATS_PASSWORD: optionalString,
    /** Copies of each stream: 1 on one server, 3 on a three-node cluster. */
    NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
    STORE_BACKEND: z.enum(['mongo', 'sqlite', 'memory']).default('sqlite'),
    MONGO_URL: optionalString,
    DATA_DIR: z.string().min(1).default('./data'),
    /** Public key of the token issuer: a JWK / JWKS JSON file or an SPKI PEM file. */
    AUTH_PUBLIC_KEY_FILE: optionalString,
    /** Or the issuer's JWKS endpoint (the portal's `/.well-known/jwks.json`). */
    AUTH_JWKS_URL: optionalString.pipe(z.url().optional()),
    AUTH_ISSUER: z.string().min(1).default('tamga-portal'),
    AUTH_AUDIENCE: z.string().min(1).default('tamga'),
    LAB_CODE: LabCode.default('TMG'),
  })
  .superRefine(checkServiceConfig);
export type ServiceConfig = z.infer<typeof ServiceConfigSchema>;

/** Parses `env` with `schema`; throws a ConfigError naming every bad variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(environment)',
    message: issue.message,
  }));
  throw new ConfigError(errors, { cause: result.error });
}

/**
 * `loadConfig`, but a bad configuration prints the ConfigError and exits with 78
 * (EX_CONFIG), so a supervisor does not restart-loop on it. For `main.ts` only.
 */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    return exitOnBadConfig(err);
  }
}

/** Prints a ConfigError and exits with 78 (EX_CONFIG); rethrows anything else. */
export function exitOnBadConfig(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  throw err;
}
