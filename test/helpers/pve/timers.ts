/** The timers of one double, so stop() can clear every one of them. */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Runs `fn` after `ms` unless the double stopped first. */
  later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, Math.max(0, ms));
    this.pending.add(t);
  }

  /**
   * Resolves after `ms`; rejects with "interrupted by signal" (what a PVE worker dies with on
   * SIGTERM) when `signal` aborts. After stop() it never settles: the work it paused is abandoned.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('interrupted by signal'));
      const onAbort = (): void => reject(new Error('interrupted by signal'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.later(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  clear(): void {
    this.closed = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}
