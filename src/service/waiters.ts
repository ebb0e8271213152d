/**
 * The clients waiting for a service to be ready. They are released or failed all at once, when the
 * single wake ends; one that gives up (its signal aborts) leaves alone and cancels nothing.
 */

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** A set of waiting clients. */
export class Waiters {
  private readonly waiting = new Set<Waiter>();

  /** How many are waiting. */
  get size(): number {
    return this.waiting.size;
  }

  /** Resolves when released; rejects when failed or when `signal` aborts (with its reason). */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      this.waiting.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Every waiter goes on. */
  release(): void {
    for (const w of this.waiting) w.resolve();
    this.waiting.clear();
  }

  /** Every waiter gets `err`. */
  fail(err: unknown): void {
    for (const w of this.waiting) w.reject(err);
    this.waiting.clear();
  }
}
