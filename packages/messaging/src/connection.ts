import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { MessagingErrors } from './errors.ts';

export interface ConnectNatsOptions {
  /** One URL, a comma-separated list, or a list (`nats://127.0.0.1:4222`). */
  servers: string | readonly string[];
  /** The client name the server shows in its connection list: the service name. */
  name: string;
  user?: string;
  pass?: string;
  token?: string;
  /** How long the first connection may take. Default 5 s. */
  timeoutMs?: number;
}

/**
 * Connects to NATS. The first connection must succeed (a wrong URL stops the service at start);
 * afterwards the client reconnects for ever, since a broker restart is routine.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const servers = typeof options.servers === 'string' ? options.servers.split(',').map((s) => s.trim()) : [...options.servers];
  try {
    return await connect({
      servers,
      name: options.name,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.pass === undefined ? {} : { pass: options.pass }),
      ...(options.token === undefined ? {} : { token: options.token }),
      timeout: options.timeoutMs ?? 5_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
  } catch (err) {
    throw MessagingErrors.MESSAGING_ERR_UNAVAILABLE(`cannot connect to NATS at ${servers.join(', ')}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** Throws when the connection is closed or the server does not answer a round trip (for /ready). */
export async function pingNats(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) throw MessagingErrors.MESSAGING_ERR_UNAVAILABLE('the NATS connection is closed');
  try {
    await nc.rtt();
  } catch (err) {
    throw MessagingErrors.MESSAGING_ERR_UNAVAILABLE('NATS did not answer', { cause: err });
  }
}
