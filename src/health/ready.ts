import type { Probe } from './probe.ts';

/** Thrown by a probe when waiting longer cannot help (the workload exited): the poll stops at once. */
export class GiveUpError extends Error {
  override readonly name: string = 'GiveUpError';
}

/** How fast readiness is polled: fast at first (apps often listen within tens of ms), then backing off. */
export interface PollOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** How soon a refused connection is asked again; initialMs unless told. */
  readonly refusedMs?: number;
}

/**
 * The default poll: 25 ms, growing by half each try, never slower than 500 ms; a refused connect
 * again after 5 ms (a refused connect on the host costs tens of microseconds, and an app that
 * starts listening is then seen within 5 ms instead of within 25).
 */
export const defaultPoll: PollOptions = { initialMs: 25, maxMs: 500, factor: 1.5, refusedMs: 5 };

/**
 * Resolves once the probe passes; rejects with the signal's reason when it aborts (the wake deadline).
 * The last probe failure is attached as `cause`, so a timeout still says what was wrong.
 */
export async function waitUntilReady(probe: Probe, signal: AbortSignal, poll: PollOptions = defaultPoll, nudges?: EventTarget): Promise<void> {
  let interval = poll.initialMs;
  let lastError: unknown;
  for (;;) {
    if (signal.aborted) throw withCause(signal.reason, lastError);
    try {
      await probe(signal);
      return;
    } catch (err) {
      if (err instanceof GiveUpError) throw err;
      lastError = err;
    }
    if (signal.aborted) throw withCause(signal.reason, lastError);
    await sleep(interval, signal, nudges);
    // A refused connect costs next to nothing and says only "not listening yet": ask again just as
    // soon, so an app that starts listening at 2.0 s is seen then and not up to maxMs later. Any
    // other failure (a slow answer, a 503) backs off.
    interval = refused(lastError) ? (poll.refusedMs ?? poll.initialMs) : Math.min(poll.maxMs, interval * poll.factor);
  }
}

/** True when the error (or one of its causes) is a refused TCP connection. */
function refused(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  }
  return false;
}

/** Waits `ms`, or less when the signal aborts or a `nudge` event says there is news (a health_status event). */
function sleep(ms: number, signal: AbortSignal, nudges?: EventTarget): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    nudges?.addEventListener('nudge', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      nudges?.removeEventListener('nudge', done);
      resolve();
    }
  });
}

function withCause(reason: unknown, cause: unknown): unknown {
  if (reason instanceof Error && reason.cause === undefined && cause !== undefined) {
    Object.defineProperty(reason, 'cause', { value: cause, enumerable: false, configurable: true });
  }
  return reason;
}
