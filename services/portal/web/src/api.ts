// The browser's one way to call the system: the portal's own routes (/v1/...) and the
// services behind its gateway (/api/<service>/v1/...). The access token lives in memory only;
// on a 401 the refresh cookie buys one new token and the call is retried once.

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Whether a problem-details field path (`body.seals.0.number`, `body.reasons.0`) names the input
 * called `name` (`seals.0.number`, `number`, `reasons`): the path, or the path without its
 * trailing list index, is the name or ends with `.name`.
 */
export function fieldMatches(field: string, name: string): boolean {
  return [field, field.replace(/(\.\d+)+$/, '')].some((f) => f === name || f.endsWith(`.${name}`));
}

/** A problem-details answer (RFC 9457) as an Error. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];
  constructor(status: number, code: string, detail: string, errors: FieldError[] = []) {
    super(detail);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
  /** The message for one input, matched on the last part of the field path. */
  fieldError(name: string): string | undefined {
    return this.errors.find((e) => fieldMatches(e.field, name))?.message;
  }
  /** True when that part of the system is absent or not built yet. */
  get unavailable(): boolean {
    return this.status === 503 || (this.status === 404 && this.code === 'HTTP_ERR_NOT_FOUND');
  }
}

export interface SessionGrant {
  accessToken: string;
  expiresAt: string;
  user: User;
}

export interface User {
  id: string;
  username: string;
  name: string;
  roles: string[];
  agencyId: string | null;
  disabled: boolean;
  lockedUntil: string | null;
  failedAttempts: number;
  mustChangePassword: boolean;
}

let accessToken: string | undefined;
let onSignedOut: (() => void) | undefined;

export function setAccessToken(token: string | undefined): void {
  accessToken = token;
}
export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

async function problemOf(res: Response): Promise<ApiError> {
  let body: { code?: string; detail?: string; errors?: FieldError[] } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status tells enough.
  }
  return new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.detail ?? res.statusText, body.errors ?? []);
}

export async function refreshSession(): Promise<SessionGrant> {
  const res = await fetch('/v1/sessions/refresh', { method: 'POST', credentials: 'same-origin' });
  if (!res.ok) throw await problemOf(res);
  const grant = (await res.json()) as SessionGrant;
  accessToken = grant.accessToken;
  return grant;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Send these bytes as they are (a PDF, a spectrum file). */
  raw?: Blob;
  headers?: Record<string, string>;
  /** Call as someone else (a witness, with the short-lived token their signature came with). */
  bearer?: string;
}

/** The method of a call: GET without a body, POST with one, unless the caller names it. */
function methodOf(options: CallOptions): string {
  return options.method ?? (options.body === undefined && options.raw === undefined ? 'GET' : 'POST');
}

async function send(path: string, options: CallOptions): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.bearer ?? accessToken;
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] ??= options.raw.type || 'application/octet-stream';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  return fetch(path, {
    method: methodOf(options),
    headers,
    body,
    credentials: 'same-origin',
  });
}

/** Methods that change something: each call gets an `Idempotency-Key` the services honour. */
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A new Idempotency-Key for a call (kept across its retries) when it changes something at a
 * service behind the gateway (/api/...): those answer a repeated key with the first response
 * instead of acting twice. Undefined for anything else.
 */
function idempotencyKey(path: string, method: string): string | undefined {
  return CHANGES.has(method) && path.startsWith('/api/') ? crypto.randomUUID() : undefined;
}

/**
 * Sends; with a key, once more when the connection fails before an answer arrives (the service
 * may have acted: the key makes the second send return that first answer).
 */
async function sendKeyed<T>(key: string | undefined, sendOnce: () => Promise<T>): Promise<T> {
  try {
    return await sendOnce();
  } catch (cause) {
    if (key === undefined) throw cause;
    await new Promise((r) => setTimeout(r, 300));
    return sendOnce();
  }
}

async function call(path: string, given: CallOptions = {}): Promise<Response> {
  const key = idempotencyKey(path, methodOf(given));
  const options: CallOptions = key === undefined ? given : { ...given, headers: { ...given.headers, 'idempotency-key': key } };
  let res = await sendKeyed(key, () => send(path, options));
  if (
    res.status === 401 &&
    accessToken !== undefined &&
    options.bearer === undefined &&
    !path.startsWith('/v1/sessions')
  ) {
    try {
      await refreshSession();
    } catch {
      accessToken = undefined;
      onSignedOut?.();
      throw await problemOf(res);
    }
    res = await sendKeyed(key, () => send(path, options));
  }
  if (!res.ok) throw await problemOf(res);
  return res;
}

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const res = await call(path, options);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export async function apiBlob(path: string): Promise<Blob> {
  return (await call(path)).blob();
}

/** Saves a blob as a file download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface UploadProgress {
  /** Bytes sent so far and in all; `total` is 0 while unknown. */
  loaded: number;
  total: number;
  /** True once every byte is sent and the service is working on it (importing, searching). */
  processing: boolean;
}

function xhrUpload(
  path: string,
  blob: Blob,
  onProgress: (p: UploadProgress) => void,
  key: string | undefined,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    if (accessToken !== undefined) xhr.setRequestHeader('authorization', `Bearer ${accessToken}`);
    if (key !== undefined) xhr.setRequestHeader('idempotency-key', key);
    xhr.setRequestHeader('content-type', blob.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) =>
      onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : 0, processing: false });
    xhr.upload.onload = () => onProgress({ loaded: blob.size, total: blob.size, processing: true });
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new ApiError(0, 'HTTP_NETWORK', 'The connection to the portal failed'));
    xhr.send(blob);
  });
}

/**
 * Sends a file as the request body and reports the upload's progress (fetch cannot), then the
 * wait while the service works on it. A 401 buys one new token and one retry, as `api` does.
 */
export async function upload<T>(path: string, blob: Blob, onProgress: (p: UploadProgress) => void): Promise<T> {
  const key = idempotencyKey(path, 'POST');
  let res = await sendKeyed(key, () => xhrUpload(path, blob, onProgress, key));
  if (res.status === 401 && accessToken !== undefined) {
    await refreshSession();
    res = await sendKeyed(key, () => xhrUpload(path, blob, onProgress, key));
  }
  if (res.status < 200 || res.status >= 300) {
    let body: { code?: string; detail?: string; errors?: FieldError[] } = {};
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      // not JSON
    }
    throw new ApiError(
      res.status,
      body.code ?? `HTTP_${res.status}`,
      body.detail ?? `HTTP ${res.status}`,
      body.errors ?? [],
    );
  }
  return JSON.parse(res.text) as T;
}
