// One way for the demo to call a service: bearer token, JSON or raw body, and an answer that
// is either one of the expected statuses or a DemoError carrying the service's problem details.
import { DemoErrors } from './errors.ts';

export interface ServiceCall {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/cases`. */
  path: string;
  token: string;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (a file), sent with `contentType`. */
  raw?: { bytes: Uint8Array | string; contentType: string };
  /** Statuses that count as an answer (default: 200 and 201). */
  expect?: readonly number[];
}

export interface ServiceAnswer {
  status: number;
  body: Uint8Array;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = Record<string, unknown>>(): T;
  header(name: string): string | undefined;
}

export async function callService(baseUrl: string, call: ServiceCall): Promise<ServiceAnswer> {
  const url = new URL(call.path, baseUrl);
  const headers: Record<string, string> = { authorization: `Bearer ${call.token}` };
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  } else if (call.raw !== undefined) {
    headers['content-type'] = call.raw.contentType;
    body = typeof call.raw.bytes === 'string' ? call.raw.bytes : new Uint8Array(call.raw.bytes);
  }
  let res: Response;
  try {
    res = await fetch(url, { method: call.method, headers, ...(body === undefined ? {} : { body }) });
  } catch (cause) {
    const reason =
      cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
    throw DemoErrors.DEMO_ERR_UNREACHABLE(
      `${call.method} ${url.href}: ${reason}. Is the system running (\`tamga start\`) at this address?`,
      { cause },
    );
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const answer: ServiceAnswer = {
    status: res.status,
    body: bytes,
    json: <T>() => JSON.parse(new TextDecoder().decode(bytes)) as T,
    header: (name) => res.headers.get(name) ?? undefined,
  };
  if (!(call.expect ?? [200, 201]).includes(res.status)) {
    const text = new TextDecoder().decode(bytes.subarray(0, 2000));
    throw DemoErrors.DEMO_ERR_UNEXPECTED_RESPONSE(`${call.method} ${url.pathname} answered ${res.status}: ${text}`, {
      errors: problemFields(text),
    });
  }
  return answer;
}

function problemFields(text: string): { field: string; message: string }[] {
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    return Array.isArray(parsed.errors) ? (parsed.errors as { field: string; message: string }[]) : [];
  } catch {
    return [];
  }
}
