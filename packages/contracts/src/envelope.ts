// The event envelope every message on NATS carries. `id` is a UUIDv7 and doubles as the
// JetStream `Nats-Msg-Id`, so a re-published outbox entry is de-duplicated by the broker.
import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import { IsoDateTime, Uuid7 } from './common.ts';
import { Actor } from './identity.ts';
import { TraceParent } from './trace.ts';

/** Dotted, lower-case, past tense, context first: `intake.item.received`. */
export const EventTypeName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$/, 'must be dotted lower-case: context.entity.past_tense');

/** The emitting service: `intake`, `analysis`, `reporting`, `portal`. */
export const ServiceName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case service name');

export const EventEnvelope = z.object({
  id: Uuid7,
  type: EventTypeName,
  source: ServiceName,
  time: IsoDateTime,
  /** What the event concerns: the lab number, or for multi-item facts the report/case id. */
  subject: z.string().min(1).max(200),
  actor: Actor,
  data: z.unknown().refine((d) => d !== undefined, 'data is required'),
  traceparent: TraceParent.optional(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** A new, time-ordered event id (UUIDv7). */
export function newEventId(): string {
  return uuidv7();
}

/** The envelope schema of one event type, with its data typed. */
export function eventSchema<T extends string, D extends z.ZodType>(type: T, data: D) {
  return EventEnvelope.extend({ type: z.literal(type), data });
}
