// The registry of every event type and its data schema, and the two ways in and out:
// `makeEvent` (validated, typed) and `parseEvent` (envelope + data checked by type).
import type { z } from 'zod';
import { errorCatalogue } from '../errors.ts';
import type { FieldError } from '../errors.ts';
import { EventEnvelope, newEventId } from '../envelope.ts';
import type { Actor } from '../identity.ts';
import { analysisEvents } from './analysis.ts';
import { intakeEvents } from './intake.ts';
import { reportingEvents } from './reporting.ts';

/** One JetStream stream per context; subjects equal event types. */
export const STREAMS = {
  INTAKE: 'intake.>',
  ANALYSIS: 'analysis.>',
  REPORTING: 'reporting.>',
} as const;
export type StreamName = keyof typeof STREAMS;

export const EventTypes = {
  ...intakeEvents,
  ...analysisEvents,
  ...reportingEvents,
} as const;

export type EventType = keyof typeof EventTypes;
export type EventData<T extends EventType> = z.infer<(typeof EventTypes)[T]>;
/** The envelope of one event type with its data typed. */
export type EventOf<T extends EventType> = Omit<EventEnvelope, 'type' | 'data'> & { type: T; data: EventData<T> };
/** Any known event; narrow on `type`. */
export type AnyEvent = { [T in EventType]: EventOf<T> }[EventType];

export const contractErrors = errorCatalogue({
  CONTRACTS_ERR_UNKNOWN_EVENT_TYPE: [422, 'Unknown event type'],
  CONTRACTS_ERR_INVALID_EVENT: [422, 'Invalid event'],
});

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EventTypes, type);
}

/** The stream an event type belongs to (its first segment). */
export function streamOf(type: EventType): StreamName {
  const context = type.slice(0, type.indexOf('.')).toUpperCase();
  if (context === 'INTAKE' || context === 'ANALYSIS' || context === 'REPORTING') return context;
  throw contractErrors.CONTRACTS_ERR_UNKNOWN_EVENT_TYPE(`no stream for event type ${type}`);
}

function fieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter((s) => s !== '').join('.'),
    message: issue.message,
  }));
}

function parseData<T extends EventType>(type: T, data: unknown): EventData<T> {
  const result = EventTypes[type].safeParse(data);
  if (!result.success) {
    throw contractErrors.CONTRACTS_ERR_INVALID_EVENT(`data of ${type} is invalid`, {
      errors: fieldErrors(result.error, 'data'),
      cause: result.error,
    });
  }
  return result.data as EventData<T>;
}

export interface NewEvent<T extends EventType> {
  type: T;
  /** Emitting service name. */
  source: string;
  /** The lab number the event concerns (or report/case id for multi-item facts). */
  subject: string;
  actor: Actor;
  data: EventData<T>;
  traceparent?: string | undefined;
}

/** Builds a new event with a fresh UUIDv7 id; throws CONTRACTS_ERR_INVALID_EVENT on bad input. */
export function makeEvent<T extends EventType>(input: NewEvent<T>, now: Date): EventOf<T> {
  const data = parseData(input.type, input.data);
  const candidate = {
    id: newEventId(),
    type: input.type,
    source: input.source,
    time: now.toISOString(),
    subject: input.subject,
    actor: input.actor,
    data,
    ...(input.traceparent === undefined ? {} : { traceparent: input.traceparent }),
  };
  const envelope = EventEnvelope.safeParse(candidate);
  if (!envelope.success) {
    throw contractErrors.CONTRACTS_ERR_INVALID_EVENT(`envelope of ${input.type} is invalid`, {
      errors: fieldErrors(envelope.error, ''),
      cause: envelope.error,
    });
  }
  return { ...envelope.data, type: input.type, data };
}

/**
 * Validates a received event: the envelope, then its data against the schema of its type.
 * Throws CONTRACTS_ERR_UNKNOWN_EVENT_TYPE or CONTRACTS_ERR_INVALID_EVENT (with field errors).
 */
export function parseEvent(raw: unknown): AnyEvent {
  const envelope = EventEnvelope.safeParse(raw);
  if (!envelope.success) {
    throw contractErrors.CONTRACTS_ERR_INVALID_EVENT('event envelope is invalid', {
      errors: fieldErrors(envelope.error, ''),
      cause: envelope.error,
    });
  }
  const { type } = envelope.data;
  if (!isEventType(type)) {
    throw contractErrors.CONTRACTS_ERR_UNKNOWN_EVENT_TYPE(`unknown event type ${type}`, {
      errors: [{ field: 'type', message: `unknown event type ${type}` }],
    });
  }
  const data = parseData(type, envelope.data.data);
  return { ...envelope.data, type, data } as AnyEvent;
}
