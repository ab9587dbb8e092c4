// Transactions and the calls that must not happen inside them.
//
// The memory and sqlite backends have a single writer, so a Gate runs one transaction at a time
// and makes plain operations wait for the running one: that is how they isolate transactions.
// Every backend remembers, in the async context, that a transaction is running, so a call that
// would wait on itself or silently escape the transaction (`store.collection` or
// `store.transaction` inside a transaction) fails at once instead of hanging or writing outside.
import { AsyncLocalStorage } from 'node:async_hooks';

interface TxContext {
  active: boolean;
}

export class TxScope {
  private readonly context = new AsyncLocalStorage<TxContext>();

  /** Runs a transaction body with the scope marked; the mark ends when the body settles. */
  async run<R>(work: () => Promise<R>): Promise<R> {
    const ctx: TxContext = { active: true };
    try {
      return await this.context.run(ctx, work);
    } finally {
      ctx.active = false;
    }
  }

  /** The error for a call that must not run inside a transaction, when it is made inside one. */
  misuse(): Error | undefined {
    if (this.context.getStore()?.active !== true) return undefined;
    return new Error('store: this call was made inside a transaction but outside it; use the transaction handle (tx.collection) instead');
  }

  refuseInside(): void {
    const err = this.misuse();
    if (err !== undefined) throw err;
  }
}

/** Runs queued work strictly one after another. */
export class Queue {
  private tail: Promise<unknown> = Promise.resolve();

  run<R>(work: () => Promise<R> | R): Promise<R> {
    const result = this.tail.then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export class Gate {
  private readonly queue = new Queue();
  private readonly scope = new TxScope();

  /** Runs `work` when every earlier holder is done. */
  run<R>(work: () => Promise<R> | R): Promise<R> {
    const misuse = this.scope.misuse();
    if (misuse !== undefined) return Promise.reject(misuse);
    return this.queue.run(work);
  }

  /** Runs a transaction body alone; calls inside it that would need the gate fail instead of deadlocking. */
  transaction<R>(work: () => Promise<R>): Promise<R> {
    const misuse = this.scope.misuse();
    if (misuse !== undefined) return Promise.reject(misuse);
    return this.queue.run(() => this.scope.run(work));
  }
}
