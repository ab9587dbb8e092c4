// The `Idempotency-Key` request header: a client whose state-changing request lost its response
// retries with the same key and gets the first response back instead of a second case, item or
// custody event. One record per (caller, method, URL, key) in the service's own store holds the
// request's fingerprint, whether it is still running, and the response once there is one.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError } from '@tamga/contracts';
import type { CollectionSpec, DocumentStore } from '@tamga/store';
import type { ServiceApp } from './app.ts';
import { kitErrors } from './errors.ts';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

export interface IdempotencyOptions {
  /** The service's store; the records go in its `idempotency_keys` collection. */
  store: DocumentStore;
  /** How long a response is replayed for its key (default 24 h). */
  retainMs?: number | undefined;
  /**
   * How long a first request may stay unanswered before a retry may run in its place (default
   * 60 s): a process that died mid-request must not lock its key for the whole retention.
   */
  leaseMs?: number | undefined;
  clock?: (() => Date) | undefined;
}

interface StoredResponse {
  status: number;
  contentType?: string | undefined;
  location?: string | undefined;
  body: string;
  encoding: 'utf8' | 'base64';
}

/**
 * `running` while the first request is being handled, `done` with its response, `released`
 * when the response was not kept (a 5xx, a stream) so that the next request with the key runs.
 */
interface IdempotencyRecord {
  state: 'running' | 'done' | 'released';
  fingerprint: string;
  startedAt: string;
  expiresAt: string;
  response?: StoredResponse | undefined;
}

export const IdempotencyKeys: CollectionSpec<IdempotencyRecord> = {
  name: 'idempotency_keys',
  // A record's history says nothing a reader needs, and each request would double it.
  keepVersions: false,
};

const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEY_SHAPE = /^[\x20-\x7e]{1,200}$/;
const FIELD = `headers.${IDEMPOTENCY_KEY_HEADER}`;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The key of a request, or undefined when it carries none; a malformed key is a 400. */
function keyOf(request: FastifyRequest): string | undefined {
  const value = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !KEY_SHAPE.test(value)) {
    throw kitErrors.HTTP_ERR_IDEMPOTENCY_KEY_INVALID(undefined, {
      errors: [{ field: FIELD, message: 'Idempotency-Key must be 1 to 200 printable ASCII characters' }],
    });
  }
  return value;
}

function sha256(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('base64url');
}

/**
 * What the request asks for. The body is the validated one: zod rebuilds objects in the schema's
 * key order, so two bodies differing only in key order or unknown keys ask for the same thing.
 */
function fingerprintOf(body: unknown): string {
  if (body === undefined || body === null) return sha256(['none']);
  if (Buffer.isBuffer(body)) return sha256(['bytes', body]);
  if (typeof body === 'string') return sha256(['text', body]);
  return sha256(['json', JSON.stringify(body)]);
}

function storable(payload: unknown): Pick<StoredResponse, 'body' | 'encoding'> | undefined {
  if (payload === undefined || payload === null) return { body: '', encoding: 'utf8' };
  if (typeof payload === 'string') return { body: payload, encoding: 'utf8' };
  if (Buffer.isBuffer(payload)) return { body: payload.toString('base64'), encoding: 'base64' };
  return undefined; // a stream: it cannot be kept without reading it
}

/** The response headers a replay repeats besides the status and body; absent ones are left out. */
function headersOf(reply: FastifyReply): Pick<StoredResponse, 'contentType' | 'location'> {
  const out: Pick<StoredResponse, 'contentType' | 'location'> = {};
  const contentType = reply.getHeader('content-type');
  const location = reply.getHeader('location');
  if (typeof contentType === 'string') out.contentType = contentType;
  if (typeof location === 'string') out.location = location;
  return out;
}

interface Owned {
  id: string;
  version: number;
  record: IdempotencyRecord;
}

type Claim = ({ run: true } & Owned) | { run: false; response: StoredResponse };

function inProgress(): Error {
  return kitErrors.HTTP_ERR_IDEMPOTENCY_IN_PROGRESS(undefined, {
    errors: [{ field: FIELD, message: 'a request with this key is still being handled; retry when it has answered' }],
  });
}

/**
 * Registers the hooks on `app`: after validation a keyed request either claims its key and runs,
 * or is answered from the record (replay, 409 while running, 422 for another body); its own
 * response is then recorded before it is sent, so a retry after any answer finds it.
 */
export async function registerIdempotency(app: ServiceApp, options: IdempotencyOptions): Promise<void> {
  await options.store.ensure([IdempotencyKeys]);
  const records = options.store.collection(IdempotencyKeys);
  const retainMs = options.retainMs ?? DAY_MS;
  const leaseMs = options.leaseMs ?? 60_000;
  const clock = options.clock ?? (() => new Date());
  const claims = new WeakMap<object, Owned>();

  async function claim(id: string, fingerprint: string): Promise<Claim> {
    const now = clock();
    const fresh: IdempotencyRecord = {
      state: 'running',
      fingerprint,
      startedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + retainMs).toISOString(),
    };
    try {
      const inserted = await records.insert({ _id: id, ...fresh });
      return { run: true, id, version: inserted._v, record: fresh };
    } catch (err) {
      if (!isDomainError(err, 'STORE_ERR_DUPLICATE')) throw err;
    }
    const existing = await records.get(id);
    if (existing === undefined) throw inProgress();
    const stale =
      existing.state === 'released' ||
      Date.parse(existing.expiresAt) <= now.getTime() ||
      (existing.state === 'running' && Date.parse(existing.startedAt) + leaseMs <= now.getTime());
    if (stale) {
      try {
        const taken = await records.update(id, existing._v, fresh);
        return { run: true, id, version: taken._v, record: fresh };
      } catch (err) {
        // Another retry took it over first: it is now the one running.
        if (isDomainError(err, 'STORE_ERR_VERSION_CONFLICT')) throw inProgress();
        throw err;
      }
    }
    if (existing.fingerprint !== fingerprint) {
      throw kitErrors.HTTP_ERR_IDEMPOTENCY_KEY_REUSED(undefined, {
        errors: [{ field: FIELD, message: 'this key was used with a different request body; use a new key for a new request' }],
      });
    }
    if (existing.state === 'running' || existing.response === undefined) throw inProgress();
    return { run: false, response: existing.response };
  }

  app.addHook('preHandler', async (request, reply) => {
    // Without a caller there is nobody to keep a key apart from others': public routes ignore it.
    if (!METHODS.has(request.method) || request.is404 || request.routeOptions.config.public === true) return;
    const key = keyOf(request);
    if (key === undefined) return;
    const id = sha256([request.principal.sub, request.method, request.url, key]);
    const outcome = await claim(id, fingerprintOf(request.body));
    if (outcome.run) {
      claims.set(request, outcome);
      return;
    }
    const { response } = outcome;
    reply.status(response.status).header(IDEMPOTENT_REPLAYED_HEADER, 'true');
    if (typeof response.contentType === 'string') reply.header('content-type', response.contentType);
    if (typeof response.location === 'string') reply.header('location', response.location);
    return reply.send(response.encoding === 'base64' ? Buffer.from(response.body, 'base64') : response.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const owned = claims.get(request);
    if (owned === undefined) return payload;
    claims.delete(request);
    const kept = reply.statusCode >= 500 ? undefined : storable(payload);
    const next: IdempotencyRecord =
      kept === undefined
        ? { ...owned.record, state: 'released' }
        : {
            ...owned.record,
            state: 'done',
            response: { status: reply.statusCode, ...kept, ...headersOf(reply) },
          };
    try {
      await records.update(owned.id, owned.version, next);
    } catch (err) {
      // Taken over after its lease ran out: the newer request owns the record now.
      if (isDomainError(err, 'STORE_ERR_VERSION_CONFLICT')) return payload;
      // The handler's work is committed whatever happens here: a failed write must not turn its
      // answer into an error; it only leaves the key locked until its lease runs out.
      request.log.error({ err }, 'the idempotency record could not be completed');
    }
    return payload;
  });
}
