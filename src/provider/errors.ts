/** Why a provider call failed, in the terms a caller acts on. */
export type ProviderErrorReason =
  /** The workload does not exist (Docker 404). */
  | 'not_found'
  /** The backend refused in the workload's current state (Docker 409), e.g. pausing a stopped container. */
  | 'conflict'
  /** The call's own deadline passed. */
  | 'timeout'
  /** The caller's AbortSignal ended the call. */
  | 'aborted'
  /** The backend could not be reached (socket missing, connection refused or reset, TLS failure). */
  | 'unreachable'
  /** The backend refused drowse's credentials or permissions (HTTP 401/403): asking again soon cannot help. */
  | 'denied'
  /** The provider's own settings are unusable (e.g. an unreadable TLS file). */
  | 'config'
  /** Anything else the backend answered with. */
  | 'failed';

/** What a {@link ProviderError} is built from. */
export interface ProviderErrorInit {
  readonly kind: string;
  readonly provider: string;
  /** The operation: status, start, stop, pause, unpause, kill, events, configure. */
  readonly op: string;
  /** The workload's id, when the call named one. */
  readonly ref?: string;
  readonly reason: ProviderErrorReason;
  /** The backend's HTTP status, when it answered. */
  readonly statusCode?: number;
  /** What went wrong, in words; becomes the tail of the message. */
  readonly detail: string;
  readonly cause?: unknown;
}

/**
 * A failed provider call. The message starts with its subject, as every error in drowse does:
 * `docker provider "local": start "whoami": no such container`.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: string;
  readonly provider: string;
  readonly op: string;
  readonly ref: string | undefined;
  readonly reason: ProviderErrorReason;
  readonly statusCode: number | undefined;

  constructor(init: ProviderErrorInit) {
    const subject = `${init.kind} provider "${init.provider}": ${init.op}${init.ref === undefined ? '' : ` "${init.ref}"`}`;
    super(`${subject}: ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.provider = init.provider;
    this.op = init.op;
    this.ref = init.ref;
    this.reason = init.reason;
    this.statusCode = init.statusCode;
  }

  /** The workload does not exist on the backend. */
  get notFound(): boolean {
    return this.reason === 'not_found';
  }
}

/** True when `err` says the workload does not exist. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ProviderError && err.notFound;
}
