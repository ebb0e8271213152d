import { systemClock, type Clock } from './clock.ts';
import type { Logger } from './log.ts';

/** How retry delays grow: initialMs doubling (by `factor`) up to maxMs, minus up to `jitter` of it at random. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Growth per failed attempt; 2 unless told. */
  readonly factor?: number;
  /** Fraction (0..1) of each delay taken off at random, so many clients do not retry in lockstep; 0.2 unless told. */
  readonly jitter?: number;
  /** Injected for deterministic tests; Math.random unless told. */
  readonly random?: () => number;
}

/** Exponential backoff: each `next()` returns a longer delay until maxMs; `reset()` after a success. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(opts: BackoffOptions) {
    this.#initialMs = Math.max(0, opts.initialMs);
    this.#maxMs = Math.max(this.#initialMs, opts.maxMs);
    this.#factor = opts.factor ?? 2;
    this.#jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.2));
    this.#random = opts.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The delay to wait before the next attempt; grows with every call. */
  next(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#attempt);
    this.#attempt++;
    return Math.round(base * (1 - this.#jitter * this.#random()));
  }

  /** Back to initialMs, after an attempt that went well. */
  reset(): void {
    this.#attempt = 0;
  }
}

/**
 * What a supervised loop is doing, for /status: `running` (healthy), `degraded` (trying again after
 * failures, not yet healthy), `backoff` (waiting until `retryAt` before the next attempt), `stopped`.
 */
export interface LoopStatus {
  readonly state: 'running' | 'degraded' | 'backoff' | 'stopped';
  /** The last failure, kept after recovery so operators can see what happened. */
  readonly lastError?: string;
  readonly since: Date;
  /** Attempts that failed in a row; an attempt that becomes healthy resets it. */
  readonly failures?: number;
  /** While in backoff: when the next attempt starts. */
  readonly retryAt?: Date;
}

/** What one attempt of a supervised loop receives. */
export interface AttemptContext {
  /** Aborted when the loop stops; the attempt must end promptly then. */
  readonly signal: AbortSignal;
  /** Marks the attempt as established (e.g. connected): if it then lasts stableMs, the backoff resets. */
  healthy(): void;
}

/** Options of a {@link SupervisedLoop}. */
export interface SupervisedLoopOptions {
  /** Names the loop in logs. */
  readonly name: string;
  /**
   * One attempt of the work. It should run until the work ends; resolving counts as an ending too
   * (a loop that is meant to run forever is restarted after the usual delay either way).
   */
  readonly run: (ctx: AttemptContext) => Promise<void>;
  /** Called after each attempt that ended while the loop was still meant to run, before the delay. */
  readonly onAttemptEnd?: (err: Error, delayMs: number) => void;
  readonly backoff: BackoffOptions;
  /** How long an attempt must stay healthy before the backoff resets; 10 s unless told. */
  readonly stableMs?: number;
  readonly log: Logger;
  readonly clock?: Clock;
}

/**
 * Runs `run` again and again until stopped: a failure is caught, logged and retried after an
 * exponential backoff, so a background loop never dies. Lifecycle: start() launches, stop() ends it.
 */
export class SupervisedLoop {
  readonly #opts: SupervisedLoopOptions;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  #status: LoopStatus;
  /** Attempts that failed in a row, for /status (the backoff keeps its own count, reset only by a stable attempt). */
  #failures = 0;
  #abort: AbortController | undefined;
  #done: Promise<void> | undefined;

  constructor(opts: SupervisedLoopOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#backoff = new Backoff(opts.backoff);
    this.#status = { state: 'stopped', since: new Date(this.#clock.now()) };
  }

  /** The current state, the last error and since when. */
  status(): LoopStatus {
    return this.#status;
  }

  /** Launches the loop; a second call while running does nothing. */
  start(): void {
    if (this.#abort) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#done = this.#loop(abort.signal);
  }

  /** Aborts the current attempt or delay and resolves once the loop has exited. Idempotent. */
  async stop(): Promise<void> {
    const abort = this.#abort;
    if (!abort) return;
    abort.abort();
    await this.#done;
    if (this.#abort === abort) {
      this.#abort = undefined;
      this.#done = undefined;
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    const { name, log } = this.#opts;
    const stableMs = this.#opts.stableMs ?? 10_000;
    while (!signal.aborted) {
      this.#setState(this.#failures > 0 ? 'degraded' : 'running');
      let healthyAt: number | undefined;
      let ended: Error;
      const healthy = (): void => {
        if (healthyAt !== undefined) return;
        healthyAt = this.#clock.now();
        this.#failures = 0;
        if (!signal.aborted) this.#setState('running');
      };
      try {
        await this.#opts.run({ signal, healthy });
        ended = new Error(`${name}: ended`);
      } catch (err) {
        ended = asError(err);
      }
      if (signal.aborted) break;
      if (healthyAt !== undefined && this.#clock.now() - healthyAt >= stableMs) this.#backoff.reset();
      const delayMs = this.#backoff.next();
      this.#failures++;
      this.#setState('backoff', ended.message, new Date(this.#clock.now() + delayMs));
      log.warn({ loop: name, err: ended, delayMs, attempt: this.#backoff.attempts }, 'background loop failed, retrying');
      try {
        this.#opts.onAttemptEnd?.(ended, delayMs);
      } catch (err) {
        // A broken callback must not kill the loop it reports on.
        log.error({ loop: name, err }, 'background loop callback failed');
      }
      await sleep(this.#clock, delayMs, signal);
    }
    this.#setState('stopped');
  }

  #setState(state: LoopStatus['state'], lastError?: string, retryAt?: Date): void {
    const error = lastError ?? this.#status.lastError;
    this.#status = {
      state,
      since: new Date(this.#clock.now()),
      failures: this.#failures,
      ...(error === undefined ? {} : { lastError: error }),
      ...(retryAt === undefined ? {} : { retryAt }),
    };
  }
}

/** Resolves after `ms` on `clock`, or as soon as `signal` aborts (never rejects). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve();
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
