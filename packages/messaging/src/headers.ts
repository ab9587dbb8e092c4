// Header names this package writes next to the JetStream ones (`Nats-Msg-Id` is the event id).
export const Headers = {
  eventType: 'Tamga-Event-Type',
  traceparent: 'traceparent',
  /** On a dead letter: where the message came from and why it died. */
  dlqSubject: 'Tamga-Dlq-Subject',
  dlqStream: 'Tamga-Dlq-Stream',
  dlqStreamSeq: 'Tamga-Dlq-Stream-Seq',
  dlqDurable: 'Tamga-Dlq-Durable',
  dlqDeliveries: 'Tamga-Dlq-Deliveries',
  dlqError: 'Tamga-Dlq-Error',
  dlqErrorCode: 'Tamga-Dlq-Error-Code',
  dlqMsgId: 'Tamga-Dlq-Msg-Id',
  dlqTime: 'Tamga-Dlq-Time',
  /** On a message re-published from the dead-letter stream: the dead letter's sequence. */
  replayOf: 'Tamga-Replay-Of',
} as const;

/** Header values are one line of printable text. */
export function headerValue(text: string, max = 1_000): string {
  const flat = text.replace(/[\r\n]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
