// The Fastify bootstrap every service builds on: logging with trace ids, the one auth hook,
// the one error handler (RFC 9457 problem details), zod validation, security headers,
// /health and /ready.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import helmet from '@fastify/helmet';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { DomainError, PROBLEM_CONTENT_TYPE, continueTrace, problemType } from '@tamga/contracts';
import type { FieldError, Principal, ProblemDetails, Role, TraceContext } from '@tamga/contracts';
import type { Authenticator } from './auth/verify.ts';
import { assertRole } from './auth/access.ts';
import { kitErrors } from './errors.ts';
import { createLogger } from './logging.ts';
import { registerIdempotency } from './idempotency.ts';
import type { IdempotencyOptions } from './idempotency.ts';
import type { Logger } from './logging.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a token (health, readiness, public verification). */
    public?: boolean;
    /** The caller must hold at least one of these roles. */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    /** The authenticated caller. Reading it on a public route throws AUTH_ERR_UNAUTHENTICATED. */
    readonly principal: Principal;
    /** This request's W3C trace context (incoming trace continued, or a new one). */
    readonly trace: TraceContext;
  }
}

export type ServiceApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger, ZodTypeProvider>;

export type ReadinessCheck = (() => Promise<void>) | { name: string; check: () => Promise<void> };

export interface ServiceAppOptions {
  /** Service name, used in logs and as the problem `instance` prefix. */
  name: string;
  logger?: Logger | undefined;
  auth: Authenticator;
  /** Checks /ready runs (store ping, NATS connected); any throwing makes it 503. */
  readiness?: readonly ReadinessCheck[] | undefined;
  /** Per-check time limit for /ready (default 2000 ms). */
  readinessTimeoutMs?: number | undefined;
  /** Largest accepted request body (default 1 MiB). */
  bodyLimit?: number | undefined;
  /** Overrides of the API-oriented helmet defaults (e.g. a UI-serving portal's CSP). */
  helmet?: FastifyHelmetOptions | undefined;
  /**
   * Honour `Idempotency-Key` on POST/PUT/PATCH/DELETE: the first response per caller, method,
   * URL and key is kept in this store and replayed to retries. Without it the header is ignored.
   */
  idempotency?: IdempotencyOptions | undefined;
}

const traces = new WeakMap<IncomingMessage, TraceContext>();
const principals = new WeakMap<FastifyRequest, Principal>();

function traceOf(raw: IncomingMessage): TraceContext {
  let trace = traces.get(raw);
  if (trace === undefined) {
    const header = raw.headers.traceparent;
    trace = continueTrace(Array.isArray(header) ? header[0] : header);
    traces.set(raw, trace);
  }
  return trace;
}

const LOCATION: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/** `body` + `/items/0/name` -> `body.items.0.name`. */
function fieldPath(location: string, instancePath: string, missingProperty?: unknown): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  if (typeof missingProperty === 'string') parts.push(missingProperty);
  return [location, ...parts].join('.');
}

function validationErrors(error: FastifyError): FieldError[] {
  const location = LOCATION[error.validationContext ?? 'body'] ?? String(error.validationContext);
  return (error.validation ?? []).map((v) => ({
    field: fieldPath(location, v.instancePath, v.params.missingProperty),
    message: v.message ?? 'is invalid',
  }));
}

/**
 * Validates a value with a zod schema, throwing HTTP_ERR_VALIDATION with fields prefixed by
 * `location` (`body`, `query`, `params`, or e.g. `body.file` for a multipart part).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, location: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw kitErrors.HTTP_ERR_VALIDATION(undefined, {
    errors: result.error.issues.map((i) => ({ field: [location, ...i.path.map(String)].join('.'), message: i.message })),
    cause: result.error,
  });
}

function isFastifyError(err: unknown): err is FastifyError {
  return err instanceof Error && typeof (err as Partial<FastifyError>).code === 'string';
}

/** An http-errors style client error (what @fastify/send throws for a NUL byte in a file name): a 4xx status, no code. */
function httpClientError(err: unknown): DomainError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const code = typeof statusCode === 'number' ? statusCode : status;
  return typeof code === 'number' && code >= 400 && code < 500 ? new DomainError('HTTP_ERR_BAD_REQUEST', err.message, { status: code, cause: err }) : undefined;
}

/** Maps anything thrown to a DomainError whose code and status the client may see. */
function toDomainError(err: unknown): DomainError | undefined {
  if (err instanceof DomainError) return err;
  if (!isFastifyError(err)) return httpClientError(err);
  if (err.validation !== undefined) {
    return kitErrors.HTTP_ERR_VALIDATION(undefined, { errors: validationErrors(err), cause: err });
  }
  const status = err.statusCode ?? 500;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return kitErrors.HTTP_ERR_PAYLOAD_TOO_LARGE(undefined, { cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return kitErrors.HTTP_ERR_UNSUPPORTED_MEDIA_TYPE(undefined, { cause: err });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return kitErrors.HTTP_ERR_MALFORMED_BODY(err.message, { cause: err });
  }
  if (status >= 400 && status < 500) return new DomainError('HTTP_ERR_BAD_REQUEST', err.message, { status, cause: err });
  return undefined;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problemOf(err: DomainError, request: FastifyRequest): ProblemDetails {
  return {
    type: problemType(err.code),
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    detail: err.message,
    instance: request.url.split('?')[0] ?? request.url,
    code: err.code,
    ...(err.errors.length > 0 ? { errors: [...err.errors] } : {}),
    // From the raw request: the router's framework errors come with an undecorated request.
    traceId: traceOf(request.raw).traceId,
  };
}

function sendProblem(reply: FastifyReply, problem: ProblemDetails): FastifyReply {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

function readinessName(check: ReadinessCheck, index: number): string {
  if (typeof check !== 'function') return check.name;
  return check.name !== '' ? check.name : `check${index}`;
}

async function withTimeout(run: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const API_HELMET: FastifyHelmetOptions = {
  // An API returns JSON and PDFs, never pages that load resources.
  contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-site' },
};

export async function createServiceApp(options: ServiceAppOptions): Promise<ServiceApp> {
  const logger = options.logger ?? createLogger({ name: options.name });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: (raw) => traceOf(raw).spanId,
    requestIdHeader: false,
    childLoggerFactory: (parent, bindings, childOptions, raw) =>
      parent.child({ ...bindings, traceId: traceOf(raw).traceId }, childOptions),
    return503OnClosing: true,
    // A URL the router cannot decode, or a parameter longer than it takes: problem details too.
    frameworkErrors: (err, request, reply) => {
      void sendProblem(reply, problemOf(toDomainError(err) ?? kitErrors.HTTP_ERR_INTERNAL(), request));
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.decorateRequest('trace', {
    getter(this: FastifyRequest) {
      return traceOf(this.raw);
    },
  });
  app.decorateRequest('principal', {
    getter(this: FastifyRequest) {
      const principal = principals.get(this);
      if (principal === undefined) throw kitErrors.AUTH_ERR_UNAUTHENTICATED('this route has no authenticated caller');
      return principal;
    },
  });

  // Registered through a plain plugin type: passing helmet's deep option types to register()
  // on this app type makes typescript-eslint's type-aware rules exhaust memory.
  const helmetOptions: Record<string, unknown> = { ...API_HELMET, ...options.helmet };
  await app.register(helmet as unknown as FastifyPluginAsync<Record<string, unknown>>, helmetOptions);

  // Once closing, ask clients to drop keep-alive connections after the response in flight, so
  // the server's close does not wait out their idle timeout.
  let closing = false;
  app.addHook('preClose', () => {
    closing = true;
    return Promise.resolve();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // The one auth hook: every route needs a valid token unless it declares config.public.
  app.addHook('onRequest', async (request) => {
    if (request.is404) return; // unknown routes answer 404 whoever asks
    const config = request.routeOptions.config;
    if (config.public === true) return;
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (token === undefined) throw kitErrors.AUTH_ERR_UNAUTHENTICATED('send Authorization: Bearer <token>');
    const principal = await options.auth.authenticate(token);
    principals.set(request, principal);
    if (config.roles !== undefined) assertRole(principal, config.roles);
  });

  if (options.idempotency !== undefined) await registerIdempotency(app, options.idempotency);

  app.setErrorHandler((err, request, reply) => {
    const domain = toDomainError(err);
    if (domain === undefined) {
      request.log.error({ err }, 'unexpected error');
      return sendProblem(
        reply,
        problemOf(kitErrors.HTTP_ERR_INTERNAL(`An unexpected error occurred; quote trace id ${request.trace.traceId} when reporting it.`), request),
      );
    }
    if (domain.status >= 500) request.log.error({ err }, domain.message);
    else request.log.info({ code: domain.code, status: domain.status }, domain.message);
    return sendProblem(reply, problemOf(domain, request));
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problemOf(kitErrors.HTTP_ERR_NOT_FOUND(`no route ${request.method} ${request.url}`), request)),
  );

  app.get('/health', { config: { public: true } }, () => ({ status: 'ok', service: options.name }));

  const checks = options.readiness ?? [];
  const timeoutMs = options.readinessTimeoutMs ?? 2000;
  app.get('/ready', { config: { public: true } }, async (request, reply) => {
    const failures: FieldError[] = [];
    await Promise.all(
      checks.map(async (check, i) => {
        const name = readinessName(check, i);
        try {
          await withTimeout(typeof check === 'function' ? check : check.check, timeoutMs);
        } catch (err) {
          failures.push({ field: `checks.${name}`, message: err instanceof Error ? err.message : String(err) });
        }
      }),
    );
    if (failures.length === 0) return { status: 'ready', service: options.name };
    request.log.warn({ failures }, 'not ready');
    return sendProblem(
      reply,
      problemOf(kitErrors.HTTP_ERR_NOT_READY(`failing: ${failures.map((f) => f.field.slice('checks.'.length)).join(', ')}`, { errors: failures }), request),
    );
  });

  return app;
}
