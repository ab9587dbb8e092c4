export { connectNats, pingNats } from './connection.ts';
export type { ConnectNatsOptions } from './connection.ts';
export { ensureStreams, streamSubject, DEADLETTER_STREAM, DEADLETTER_PREFIX } from './streams.ts';
export type { EnsureStreamsOptions } from './streams.ts';
export { outboxCollection, enqueueEvent, startOutboxRelay, replayOutbox } from './outbox.ts';
export type { OutboxEntry, OutboxRelay, OutboxRelayOptions, ReplayOutboxOptions, ReplayReport } from './outbox.ts';
export { inboxCollection, startConsumer, wasHandled } from './consumer.ts';
export type { InboxEntry, ConsumerOptions, RunningConsumer, EventHandler, Delivery, HandlingOutcome } from './consumer.ts';
export { listDeadLetters, replayDeadLetter, pageDeadLetters, readDeadLetter } from './deadletter.ts';
export type { DeadLetter, DeadLetterPage } from './deadletter.ts';
export { createDeadLetterDesk, deadLetterReplays } from './dead-letter-desk.ts';
export type { DeadLetterDesk, DeadLetterDeskOptions, DeadLetterActor, DeadLetterReplay, DeadLetterReplayRecord } from './dead-letter-desk.ts';
export { Headers as MessageHeaders } from './headers.ts';
export { MessagingErrors } from './errors.ts';
export type { MessagingLogger } from './logger.ts';
// The NATS client surface services need, so they depend on this package only.
export { jetstream, jetstreamManager } from '@nats-io/jetstream';
export type { JetStreamClient, JetStreamManager, JsMsg, PubAck } from '@nats-io/jetstream';
export type { NatsConnection } from '@nats-io/transport-node';
