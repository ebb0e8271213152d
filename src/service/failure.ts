/**
 * Why a wake or a stop failed, said twice: a `notice` any visitor of the loading page may read
 * (the state in words, never a container name, target, probe URL, command or engine error), and the
 * full `detail` for the operator, which only the authenticated control API and the log show.
 */
import { errorMessage } from '../kernel/index.ts';
import { GiveUpError } from '../health/index.ts';
import { ProviderError } from '../provider/index.ts';
import { DependencyFailedError, WakeFailedError } from './errors.ts';

/**
 * What kind of failure it was, in a word clients and scripts can act on (it is public: the kinds
 * say nothing of the service's insides). Problem answers and the control API carry it.
 */
export type FailureCode =
  | 'wake_timeout'
  | 'workload_exited'
  | 'workload_missing'
  | 'dependency_failed'
  | 'provider_unreachable'
  | 'provider_denied'
  | 'provider_misconfigured'
  | 'start_failed'
  | 'stop_failed'
  | 'shutting_down';

/** A failure, for the public and for the operator. */
export interface Failure {
  readonly code: FailureCode;
  /** A sentence a visitor may read: "web could not start: it exited with exit code 3 while waking". */
  readonly notice: string;
  /** Everything drowse knows, for the control API and the log. */
  readonly detail: string;
}

/** The workload stopped running while drowse waited for it to be ready: waiting longer cannot help. */
export class WorkloadExitedError extends GiveUpError {
  override readonly name: string = 'WorkloadExitedError';
  readonly exitCode: number | undefined;
  readonly removed: boolean;
  constructor(workload: string, how: { exitCode?: number; removed?: boolean }, options?: { cause?: unknown }) {
    const code = how.exitCode === undefined ? '' : ` with exit code ${how.exitCode}`;
    super(`${workload} ${how.removed ? 'was removed' : `exited${code}`} while waking`, options);
    this.exitCode = how.exitCode;
    this.removed = how.removed === true;
  }

  /** The same fact without the workload's name. */
  get publicText(): string {
    const code = this.exitCode === undefined ? '' : ` with exit code ${this.exitCode}`;
    return this.removed ? 'it was removed while waking' : `it exited${code} while waking`;
  }
}

/** The workload a service names does not exist on its provider. */
export class WorkloadMissingError extends Error {
  override readonly name = 'WorkloadMissingError';
}

/** A failed wake of `service`, from what was caught; `timeout` is the wake budget when it ran out. */
export function wakeFailure(service: string, err: unknown, timeout?: { budget: string; lastCheck?: string }): Failure {
  if (timeout) {
    const last = timeout.lastCheck === undefined ? '' : ` (last check: ${timeout.lastCheck})`;
    return { code: 'wake_timeout', notice: `${service} did not become ready within ${timeout.budget}`, detail: `wake timed out after ${timeout.budget}${last}` };
  }
  return { code: codeOf(err), notice: `${service} could not start: ${publicCause(err)}`, detail: `wake failed: ${text(err)}` };
}

/** A failed stop of `service`. */
export function stopFailure(service: string, method: string, err: unknown): Failure {
  return { code: 'stop_failed', notice: `${service} could not be put to sleep`, detail: `${method} failed: ${text(err)}` };
}

/** A visitor learns that drowse was refused, never by whom or with which token. */
const DENIED = "its provider refused drowse's credentials";
/** Nor which setting: an untrusted certificate, an unreadable CA file. */
const MISCONFIGURED = "drowse's settings for its provider need fixing";

/** A provider that will refuse again whatever drowse waits for: its credentials (401/403) or its own settings (TLS trust). */
export type Refusal = 'denied' | 'config';

/** The refusal an error says, if any. */
export function refusalOf(err: unknown): Refusal | undefined {
  return err instanceof ProviderError && (err.reason === 'denied' || err.reason === 'config') ? err.reason : undefined;
}

/** The public half of a refusal: the service named, the provider, token and setting not. */
export function refusalNotice(service: string, refusal: Refusal): string {
  return `${service} cannot be started: ${refusal === 'denied' ? DENIED : MISCONFIGURED}`;
}

/** The failure code of a refusal. */
export function refusalCode(refusal: Refusal): FailureCode {
  return refusal === 'denied' ? 'provider_denied' : 'provider_misconfigured';
}

function codeOf(err: unknown): FailureCode {
  if (err instanceof WorkloadExitedError) return err.removed ? 'workload_missing' : 'workload_exited';
  if (err instanceof WorkloadMissingError) return 'workload_missing';
  if (err instanceof DependencyFailedError) return 'dependency_failed';
  if (err instanceof ProviderError) {
    if (err.reason === 'unreachable' || err.reason === 'timeout') return 'provider_unreachable';
    if (err.reason === 'denied' || err.reason === 'config') return refusalCode(err.reason);
    if (err.reason === 'not_found') return 'workload_missing';
  }
  return 'start_failed';
}

function publicCause(err: unknown): string {
  if (err instanceof WorkloadExitedError) return err.publicText;
  if (err instanceof WorkloadMissingError) return 'its workload does not exist';
  if (err instanceof DependencyFailedError) {
    const inner = err.cause instanceof WakeFailedError ? err.cause.notice : 'it could not be woken';
    return `dependency "${err.dependency}" failed: ${inner}`;
  }
  if (err instanceof ProviderError) {
    if (err.reason === 'unreachable' || err.reason === 'timeout') return 'its provider did not answer';
    if (err.reason === 'denied') return DENIED;
    if (err.reason === 'config') return MISCONFIGURED;
    if (err.reason === 'not_found') return 'its workload does not exist';
  }
  return 'starting it failed';
}

function text(err: unknown): string {
  return errorMessage(err);
}
