/** Time as the watcher sees it; tests inject a manual clock to step idle timers without waiting. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The longest delay Node's setTimeout honours (2^31 − 1 ms, about 24.8 days); anything longer it
 * turns into 1 ms, which made `idle_timeout: 30d` stop a container right after every request.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that may be longer than MAX_TIMER_MS: it waits in steps, re-armed until the deadline. */
interface LongTimer {
  handle: NodeJS.Timeout;
}

/** Runs `fn` after `ms`, however long, with `arm` doing each step (setTimeout, unref'd). */
export function setLongTimeout(fn: () => void, ms: number, arm: (fn: () => void, ms: number) => NodeJS.Timeout = unrefTimeout, now: () => number = Date.now): LongTimer {
  const deadline = now() + ms;
  const timer = {} as LongTimer;
  const step = () => {
    const left = deadline - now();
    if (left <= 0) return fn();
    timer.handle = arm(step, Math.min(left, MAX_TIMER_MS));
  };
  timer.handle = arm(step, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  return timer;
}

function unrefTimeout(fn: () => void, ms: number): NodeJS.Timeout {
  return setTimeout(fn, ms).unref();
}

/** The real clock. Timers are unref'd so a pending idle timer never keeps the process alive on shutdown. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setLongTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout((handle as LongTimer | undefined)?.handle),
};
