/**
 * The deadline every backend call runs under: its own timeout and the caller's signal, whichever
 * ends first. Which of the two ended it matters to the error ("timed out after 30s" is the backend's
 * fault, "aborted" is the caller's choice), so the mapping is told.
 */

/** How a bounded call ended, for the backend's error mapping. */
export interface DeadlineFacts {
  /** The call's own timeout ran out. */
  readonly timedOut: boolean;
  readonly timeoutMs: number;
  /** The caller's signal ended it. */
  readonly aborted: boolean;
}

/** Runs `fn` under the deadline; a failure goes through `mapError` with the facts of how it ended. */
export async function withDeadline<T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
  mapError: (err: unknown, facts: DeadlineFacts) => Error,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = (): void => controller.abort();
  if (signal?.aborted) controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(controller.signal);
  } catch (err) {
    throw mapError(err, { timedOut, timeoutMs, aborted: signal?.aborted ?? false });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
