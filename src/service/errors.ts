/** Errors a waiting client can receive; the proxy maps each to an HTTP answer in one place. */

/** The wake did not finish within wake_timeout; the abort reason of a wake's deadline. */
export class WakeTimeoutError extends Error {
  override readonly name = 'WakeTimeoutError';
  constructor(timeout: string) {
    super(`wake timed out after ${timeout}`);
  }
}

/** The wake failed (timeout, provider error, missing container, ...); `reason` says which, without the service. */
export class WakeFailedError extends Error {
  override readonly name = 'WakeFailedError';
  readonly service: string;
  readonly reason: string;
  constructor(service: string, reason: string, options?: { cause?: unknown }) {
    super(`service "${service}": ${reason}`, options);
    this.service = service;
    this.reason = reason;
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
