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
  deadAt: string;
  /** The message body as sent. */
  payload: string;
}

function toDeadLetter(stored: StoredMsg): DeadLetter {
  const h = stored.header;
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
    deadAt: get(Headers.dlqTime) ?? stored.time.toISOString(),
    payload: stored.string(),
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
