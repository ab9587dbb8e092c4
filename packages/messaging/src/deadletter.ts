// Messages a consumer gave up on are published to `deadletter.<durable>` with where they came
// from and why they failed, so an administrator can look at them and send them round again.
import type { JetStreamClient, JsMsg, PubAck, StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { MessagingErrors } from './errors.ts';
import { Headers, headerValue } from './headers.ts';
import { DEADLETTER_PREFIX, DEADLETTER_STREAM } from './streams.ts';

export interface DeadLetterReason {
  durable: string;
  message: string;
  code?: string;
}

/** Publishes `msg` with its headers to the dead-letter stream. The caller terms it afterwards. */
export async function publishDeadLetter(js: JetStreamClient, msg: JsMsg, reason: DeadLetterReason, now: Date): Promise<PubAck> {
  const h = natsHeaders();
  if (msg.headers !== undefined) {
    for (const [key, values] of msg.headers) {
      // The original id goes under its own name: in the dead-letter stream it would collide
      // with the same event dead-lettered by another consumer.
      if (key.toLowerCase() === 'nats-msg-id') continue;
      for (const value of values) h.append(key, value);
    }
  }
  const originalId = msg.headers?.get('Nats-Msg-Id') ?? '';
  h.set(Headers.dlqSubject, msg.subject);
  h.set(Headers.dlqStream, msg.info.stream);
  h.set(Headers.dlqStreamSeq, String(msg.info.streamSequence));
  h.set(Headers.dlqDurable, reason.durable);
  h.set(Headers.dlqDeliveries, String(msg.info.deliveryCount));
  h.set(Headers.dlqError, headerValue(reason.message));
  if (reason.code !== undefined) h.set(Headers.dlqErrorCode, reason.code);
  if (originalId !== '') h.set(Headers.dlqMsgId, originalId);
  h.set(Headers.dlqTime, now.toISOString());
  return js.publish(`${DEADLETTER_PREFIX}.${reason.durable}`, msg.data, {
    headers: h,
    // One dead letter per consumer and stream message, however often this is retried.
    msgID: `dlq:${reason.durable}:${msg.info.stream}:${msg.info.streamSequence}`,
    timeout: 5_000,
  });
}

export interface DeadLetter {
  /** Sequence in the DEADLETTER stream: what replayDeadLetter takes. */
  seq: number;
  durable: string;
  /** The subject it was published to originally (the event type). */
  subject: string;
  stream: string;
  streamSeq: number;
  deliveries: number;
  error: string;
  errorCode: string | undefined;
  /** The original `Nats-Msg-Id` (the event id for events from an outbox). */
  msgId: string | undefined;
  /** `id` and `type` of the body when it is an event envelope. */
  eventId: string | undefined;
  eventType: string | undefined;
  deadAt: string;
  traceparent: string | undefined;
  /** The message body as sent. */
  payload: string;
}

/** `id` and `type` read from a body that may not be JSON at all. */
function envelopeOf(body: string): { id: string | undefined; type: string | undefined } {
  try {
    const raw: unknown = JSON.parse(body);
    if (typeof raw !== 'object' || raw === null) return { id: undefined, type: undefined };
    const { id, type } = raw as { id?: unknown; type?: unknown };
    return { id: typeof id === 'string' ? id : undefined, type: typeof type === 'string' ? type : undefined };
  } catch {
    return { id: undefined, type: undefined };
  }
}

function toDeadLetter(stored: StoredMsg): DeadLetter {
  const h = stored.header;
  const payload = stored.string();
  const envelope = envelopeOf(payload);
  const get = (name: string): string | undefined => {
    const value = h.get(name);
    return value === '' ? undefined : value;
  };
  return {
    seq: stored.seq,
    durable: get(Headers.dlqDurable) ?? stored.subject.slice(DEADLETTER_PREFIX.length + 1),
    subject: get(Headers.dlqSubject) ?? '',
    stream: get(Headers.dlqStream) ?? '',
    streamSeq: Number(get(Headers.dlqStreamSeq) ?? 0),
    deliveries: Number(get(Headers.dlqDeliveries) ?? 0),
    error: get(Headers.dlqError) ?? '',
    errorCode: get(Headers.dlqErrorCode),
    msgId: get(Headers.dlqMsgId),
    eventId: envelope.id,
    eventType: envelope.type,
    deadAt: get(Headers.dlqTime) ?? stored.time.toISOString(),
    traceparent: get(Headers.traceparent),
    payload,
  };
}

/** Every dead letter, oldest first, or only those of one consumer. */
export async function listDeadLetters(js: JetStreamClient, durable?: string): Promise<DeadLetter[]> {
  const jsm = await js.jetstreamManager();
  const subject = durable === undefined ? `${DEADLETTER_PREFIX}.>` : `${DEADLETTER_PREFIX}.${durable}`;
  const out: DeadLetter[] = [];
  let seq = 1;
  for (;;) {
    const request: { seq: number; next_by_subj: string } = { seq, next_by_subj: subject };
    const stored = await jsm.streams.getMessage(DEADLETTER_STREAM, request);
    if (stored === null) return out;
    out.push(toDeadLetter(stored));
    seq = stored.seq + 1;
  }
}

export interface DeadLetterPage {
  letters: DeadLetter[];
  /** Pass as `after` for the next page; absent on the last page. */
  next: number | undefined;
}

/** Up to `limit` dead letters of the given consumers with a sequence above `after`, oldest first. */
export async function pageDeadLetters(js: JetStreamClient, options: { durables: readonly string[]; after: number; limit: number }): Promise<DeadLetterPage> {
  const { durables, after, limit } = options;
  if (durables.length === 0 || limit < 1) return { letters: [], next: undefined };
  const jsm = await js.jetstreamManager();
  const only = durables.length === 1 ? durables[0] : undefined;
  const subject = only === undefined ? `${DEADLETTER_PREFIX}.>` : `${DEADLETTER_PREFIX}.${only}`;
  const wanted = new Set(durables);
  const found: DeadLetter[] = [];
  let seq = after + 1;
  // One more than asked, to know whether there is a next page.
  while (found.length <= limit) {
    // `next_by_subj` is a valid request the client's type does not name.
    const request: { seq: number; next_by_subj: string } = { seq, next_by_subj: subject };
    const stored = await jsm.streams.getMessage(DEADLETTER_STREAM, request);
    if (stored === null) break;
    const letter = toDeadLetter(stored);
    if (wanted.has(letter.durable)) found.push(letter);
    seq = stored.seq + 1;
  }
  const letters = found.slice(0, limit);
  return { letters, next: found.length > limit ? letters.at(-1)?.seq : undefined };
}

/** Dead letter `seq`; `MESSAGING_ERR_DEAD_LETTER_NOT_FOUND` when there is none. */
export async function readDeadLetter(js: JetStreamClient, seq: number): Promise<DeadLetter> {
  const jsm = await js.jetstreamManager();
  const stored = await jsm.streams.getMessage(DEADLETTER_STREAM, { seq });
  if (stored === null) throw MessagingErrors.MESSAGING_ERR_DEAD_LETTER_NOT_FOUND(`no dead letter with sequence ${seq}`);
  const letter = toDeadLetter(stored);
  if (letter.subject === '') throw MessagingErrors.MESSAGING_ERR_DEAD_LETTER_NOT_FOUND(`message ${seq} in ${DEADLETTER_STREAM} is not a dead letter`);
  return letter;
}

/**
 * Publishes dead letter `seq` again to its original subject, with a new message id (so the
 * duplicate window does not drop it) marked as a replay, and removes it from the dead-letter
 * stream. Consumers that handled the event already skip it through their inbox.
 */
export async function replayDeadLetter(js: JetStreamClient, seq: number): Promise<PubAck> {
  const jsm = await js.jetstreamManager();
  const stored = await jsm.streams.getMessage(DEADLETTER_STREAM, { seq });
  if (stored === null) throw MessagingErrors.MESSAGING_ERR_DEAD_LETTER_NOT_FOUND(`no dead letter with sequence ${seq}`);
  const letter = toDeadLetter(stored);
  if (letter.subject === '') throw MessagingErrors.MESSAGING_ERR_DEAD_LETTER_NOT_FOUND(`message ${seq} in ${DEADLETTER_STREAM} is not a dead letter`);
  const h = natsHeaders();
  for (const [key, values] of stored.header) {
    if (key.startsWith('Tamga-Dlq-') || key.toLowerCase() === 'nats-msg-id') continue;
    for (const value of values) h.append(key, value);
  }
  h.set(Headers.replayOf, String(seq));
  const ack = await js.publish(letter.subject, stored.data, {
    headers: h,
    msgID: `${letter.msgId ?? `${letter.stream}:${letter.streamSeq}`}:replay:${seq}`,
    timeout: 5_000,
  });
  await jsm.streams.deleteMessage(DEADLETTER_STREAM, seq);
  return ack;
}
