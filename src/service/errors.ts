/** Errors a waiting client can receive; the proxy maps each to an HTTP answer in one place. */

/** The wake did not finish within wake_timeout; the abort reason of a wake's deadline. */
export class WakeTimeoutError extends Error {
  override readonly name = 'WakeTimeoutError';
  constructor(timeout: string) {
    super(`wake timed out after ${timeout}`);
  }
}

/**
 * The wake failed (timeout, provider error, missing container, ...). `reason` says which in full,
 * without the service, for the operator; `notice` says it in words a visitor may read, and is all
 * that public answers show. `retryAt` is when the backoff lets requests try again.
 */
export class WakeFailedError extends Error {
  override readonly name = 'WakeFailedError';
  readonly service: string;
  readonly reason: string;
  readonly notice: string;
  readonly retryAt: number | undefined;
  /** The kind of failure (a FailureCode: wake_timeout, workload_exited, provider_unreachable, ...). */
  readonly code: string;
  constructor(service: string, reason: string, options: { notice?: string; retryAt?: number; code?: string; cause?: unknown } = {}) {
    super(`service "${service}": ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.service = service;
    this.reason = reason;
    this.notice = options.notice ?? `${service} could not be woken`;
    this.retryAt = options.retryAt;
    this.code = options.code ?? 'start_failed';
  }

  /** Whole seconds until the backoff ends (at least 1), or undefined without one. */
  retryAfterSeconds(now = Date.now()): number | undefined {
    if (this.retryAt === undefined) return undefined;
    // Waiting for a missing workload to appear has no end time; a minute is a polite re-ask.
    if (!Number.isFinite(this.retryAt)) return 60;
    return Math.max(1, Math.ceil((this.retryAt - now) / 1000));
  }
}

/** One held request waited longer than wake_timeout (the wake itself may still succeed for later clients). */
export class HeldTooLongError extends Error {
  override readonly name = 'HeldTooLongError';
  readonly service: string;
  constructor(service: string, timeout: string) {
    super(`service "${service}": not ready after ${timeout}`);
    this.service = service;
  }
}

/** A dependency could not be woken, so neither can the service that needs it. */
export class DependencyFailedError extends Error {
  override readonly name = 'DependencyFailedError';
  readonly dependency: string;
  constructor(dependency: string, cause: unknown) {
    const why = cause instanceof WakeFailedError ? cause.reason : cause instanceof Error ? cause.message : String(cause);
    super(`dependency "${dependency}" failed: ${why}`, { cause });
    this.dependency = dependency;
  }
}
