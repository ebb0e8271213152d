/** What the control API and the public surfaces show of one service. */
import type { LivenessStatus } from '../health/index.ts';
import type { ServiceState } from './state.ts';
import type { CheckKind } from './wake.ts';

/** What anyone may see of a service (/__drowse/status, the loading page): its state in words, nothing of its insides. */
export interface PublicServiceStatus {
  readonly name: string;
  readonly state: ServiceState;
  readonly since: string;
  /** Why it is in `error`, as a sentence a visitor may read. */
  readonly notice?: string;
  /** When a request may start the next wake, during the backoff after a failed one. */
  readonly retry_at?: string;
  readonly last_wake_ms?: number;
}

/** How the last stop ended: for the operator, who learns from it that an app ignores its stop signal. */
export interface LastStop {
  readonly at: string;
  readonly method: 'stop' | 'pause' | 'kill';
  readonly took_ms: number;
  /** stop_timeout ran out and the workload was killed; absent when the provider cannot tell. */
  readonly killed?: boolean;
}

/** What /status shows for one service. */
export interface ServiceStatus {
  readonly name: string;
  readonly state: ServiceState;
  readonly since: string;
  /** Why the service is in `error`, in full. */
  readonly reason?: string;
  /** The same in words a visitor may read: what the loading page shows. */
  readonly notice?: string;
  /** Wakes that failed in a row, and when requests may try again (the backoff). */
  readonly wake_failures?: number;
  readonly retry_at?: string;
  readonly provider: string;
  readonly workload: string;
  readonly target?: string;
  readonly depends_on?: readonly string[];
  /** Idle, but kept awake because these dependents are not asleep. */
  readonly sleep_waits_for?: readonly string[];
  readonly entrypoints: { readonly http?: readonly string[]; readonly tcp?: string };
  readonly in_flight: number;
  /** Bytes from clients and to them, headers included, since the service was (re)built. */
  readonly bytes_in: number;
  readonly bytes_out: number;
  readonly last_activity?: string;
  readonly sleeps_at?: string;
  readonly wakes: number;
  readonly last_wake_ms?: number;
  readonly last_stop?: LastStop;
  /** Which check decides readiness: the configured or default probe, or the workload's own HEALTHCHECK. */
  readonly check?: CheckKind;
  /** Liveness while awake, when health is configured. */
  readonly health?: LivenessStatus;
}
