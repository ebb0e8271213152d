/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long; 10 s unless told. */
  readonly timeoutMs?: number;
  /** Pause between tries; 50 ms unless told. */
  readonly intervalMs?: number;
  /** What was awaited, for the failure message. */
  readonly message?: string;
}

/**
 * Calls `fn` until it returns a truthy value (returned) or the time is up (throws, with the last
 * value or error). A throwing `fn` counts as "not yet", so it can hold assertions.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${opts.message ?? 'a condition'} (last: ${detail})`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
