// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` string that ties
// an HTTP request, the events it causes and their handlers into one trace.
import { z } from 'zod';

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export const TraceParent = z
  .string()
  .regex(TRACEPARENT_RE, 'must be a W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex>')
  .refine((s) => !/^ff-|-0{32}-|-0{16}-/.test(s), 'must not use version ff or an all-zero id');
export type TraceParent = z.infer<typeof TraceParent>;

export interface TraceContext {
  /** 32 hex digits, shared by every span of the trace. */
  traceId: string;
  /** 16 hex digits, this span's id. */
  spanId: string;
  /** The `traceparent` to pass on (in outgoing events and responses). */
  traceparent: string;
}

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const b of buf) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * Continues the trace of an incoming `traceparent` with a new span, or starts a new trace when
 * the header is absent or malformed (a malformed header is ignored, as the W3C spec asks).
 */
export function continueTrace(incoming?: string | null): TraceContext {
  const parsed = incoming === undefined || incoming === null ? undefined : TraceParent.safeParse(incoming.trim().toLowerCase());
  const match = parsed?.success === true ? TRACEPARENT_RE.exec(parsed.data) : null;
  const traceId = match?.[2] ?? randomHex(16);
  const flags = match?.[4] ?? '01';
  const spanId = randomHex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-${flags}` };
}
