// Shared arrangements for the messaging tests: real NATS from the testkit, events, waiting.
import { newEventId, systemActor } from '@tamga/contracts';
import type { EventEnvelope } from '@tamga/contracts';

let counter = 0;

/** An event of a type the registry does not know, so tests can choose subjects freely. */
export function testEvent(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  counter += 1;
  return {
    id: newEventId(),
    type: 'intake.sample.recorded',
    source: 'intake',
    time: new Date().toISOString(),
    subject: `LAB-${counter}`,
    actor: systemActor('intake'),
    data: { n: counter },
    ...overrides,
  };
}

/**
 * Polls `check` until it returns true; a check that throws counts as not yet (a NATS request
 * right after a reconnect can time out). Fails after `timeoutMs` naming `what` and the last error.
 */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
