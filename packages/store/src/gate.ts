// One transaction at a time per store, and plain operations wait for it: the memory and sqlite
// backends have a single writer, so this is how they give transactions isolation. The async
// context remembers that a transaction is running so a call that would wait on itself (using
// `store.collection` or `store.transaction` inside a transaction) fails at once instead of hanging.
import { AsyncLocalStorage } from 'node:async_hooks';

interface TxContext {
  active: boolean;
}

export class Gate {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly context = new AsyncLocalStorage<TxContext>();

  /** Runs `work` when every earlier holder is done. */
  run<R>(work: () => Promise<R> | R): Promise<R> {
    this.refuseInsideTransaction();
    return this.enqueue(work);
  }

  /** Runs a transaction body; calls inside it that would need the gate fail instead of deadlocking. */
  transaction<R>(work: () => Promise<R>): Promise<R> {
    this.refuseInsideTransaction();
    return this.enqueue(async () => {
      const ctx: TxContext = { active: true };
      try {
        return await this.context.run(ctx, work);
      } finally {
        ctx.active = false;
      }
    });
  }

  refuseInsideTransaction(): void {
    if (this.context.getStore()?.active === true) {
      throw new Error(
        'store: this call was made inside a transaction but outside it; use the transaction handle (tx.collection) instead',
      );
    }
  }

  private enqueue<R>(work: () => Promise<R> | R): Promise<R> {
    const result = this.tail.then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
