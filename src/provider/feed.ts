/**
 * A backend's feed of observed changes: an event stream, a poller, or anything else that tells
 * drowse what happened to workloads without drowse asking. The feed is also the one place that
 * knows whether its backend is reachable, so provider health is kept here and nowhere else.
 */
import type { BackoffOptions, Clock, LoopStatus } from '../kernel/index.ts';
import type { WorkloadObserver } from './provider.ts';

/** Whether a backend is reachable, as its feed last saw it. */
export interface ProviderHealth {
  readonly online: boolean;
  /** When `online` last changed (or the last failure was recorded). */
  readonly since: Date;
  /** The last failure, kept after recovery so operators can see what happened. */
  readonly lastError?: string;
}

/** What the daemon needs of every backend's feed. */
export interface Feed {
  /** Starts in the background; a backend that is down is retried, not an error. */
  start(observer: WorkloadObserver): void;
  /** Stops watching; idempotent, and does not report the backend offline. */
  stop(): Promise<void>;
  /** The feed's own loop (running / backoff / stopped), for /status. */
  state(): LoopStatus;
  health(): ProviderHealth;
}

/** A few seconds at first, growing to a minute: an engine being upgraded is back soon, a dead host is not hammered. */
export const RECONNECT_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 60_000 };

/**
 * The reachability bookkeeping every feed shares: which value the observer was last told (so it
 * hears each change once) and the health /status shows (offline from the start, until the first
 * connect says otherwise).
 */
export class HealthRecord {
  readonly #clock: Clock;
  /** undefined until the first report after a start, so the first failure is reported too. */
  #reported: boolean | undefined;
  #online = false;
  #since: Date;
  #lastError: string | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#since = new Date(clock.now());
  }

  /** Records a connect or a failure; true when the observer should be told. */
  report(online: boolean, error?: Error): boolean {
    if (this.#reported === online) return false;
    this.#reported = online;
    if (this.#online !== online || error) {
      this.#online = online;
      this.#since = new Date(this.#clock.now());
      if (error) this.#lastError = error.message;
    }
    return true;
  }

  /** After a stop: the next start reports afresh. The health itself stays as it was last seen. */
  forget(): void {
    this.#reported = undefined;
  }

  get(): ProviderHealth {
    return { online: this.#online, since: this.#since, ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }) };
  }
}
