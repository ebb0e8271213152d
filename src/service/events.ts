/**
 * The wake events of CONTRACT §3, as the service emits them: typed, with the facts of each step.
 * The sentence a person reads (`message` on SSE and in the event log) is built where the event is
 * shown, by loading/'s describe(), so the service never writes UI text.
 */
import type { StopMethod } from '../config/index.ts';
import type { Clock, Logger } from '../kernel/index.ts';
import type { CheckKind } from './wake.ts';

/** The event types CONTRACT §3 names. */
export type WakeEventType =
  | 'waking' | 'dependency_waking' | 'dependency_ready' | 'starting' | 'started' | 'probing'
  | 'ready' | 'stopping' | 'asleep' | 'error' | 'unhealthy' | 'healthy' | 'restarting';

/** The facts an event may carry besides its type. */
export interface WakeEventFields {
  /** Public: the failure in words a visitor may read (error), or what liveness saw (unhealthy, restarting). */
  readonly error?: string;
  /** Not public: the full reason (probe, engine error), for the control API and the event log only. */
  readonly detail?: string;
  /** For dependency_waking and dependency_ready: which dependency. */
  readonly dependency?: string;
  /** For stopping: why (idle, manual, restart). */
  readonly reason?: 'idle' | 'manual' | 'restart';
  /** For stopping: how. */
  readonly method?: StopMethod;
  /** For starting: the workload was paused, and is unpaused. */
  readonly unpause?: true;
  /** For starting: the start waits, the workload being busy with another task (a Proxmox lock: backup, migrate...). */
  readonly busy?: string;
  /** For probing: which check decides readiness. */
  readonly check?: CheckKind;
  /** For error: the stop failed, not a wake; or the provider cannot be reached (the service is `unknown`). */
  readonly failed?: 'stop' | 'provider';
  /** For error: when requests may start the next wake (the backoff). */
  readonly retry_at?: string;
}

/** One event in a service's history; ids grow by one per service. */
export interface WakeEvent extends WakeEventFields {
  readonly id: number;
  readonly service: string;
  readonly type: WakeEventType;
  readonly at: string;
}

/** Receives a service's events as they happen. */
export type WakeEventListener = (event: WakeEvent) => void;

/**
 * One service's event stream: numbers events (ids grow by one per service), stamps them, and hands
 * them to every listener; a listener that throws is logged and never stops the others.
 */
export class ServiceEvents {
  private readonly opts: { readonly service: string; readonly clock: Clock; readonly log: Logger };
  private readonly listeners = new Set<WakeEventListener>();
  private nextId = 1;

  constructor(opts: { readonly service: string; readonly clock: Clock; readonly log: Logger }) {
    this.opts = opts;
  }

  /** Subscribes; returns the unsubscribe. */
  on(listener: WakeEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(type: WakeEventType, fields: WakeEventFields = {}): void {
    const event: WakeEvent = { id: this.nextId++, service: this.opts.service, type, at: new Date(this.opts.clock.now()).toISOString(), ...fields };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.opts.log.error({ err }, 'wake event listener failed');
      }
    }
  }
}
