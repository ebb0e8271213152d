/** The wake events of CONTRACT §3, as sent over SSE and written to the event log. */
export type WakeEventType =
  | 'waking' | 'dependency_waking' | 'dependency_ready' | 'starting' | 'started' | 'probing'
  | 'ready' | 'stopping' | 'asleep' | 'error' | 'unhealthy' | 'healthy' | 'restarting';

/** One event in a service's history; ids grow by one per service. */
export interface WakeEvent {
  readonly id: number;
  readonly service: string;
  readonly type: WakeEventType;
  readonly at: string;
  /** Public: a sentence for the loading page, naming the service only. */
  readonly message: string;
  /** Public: the failure in words a visitor may read. */
  readonly error?: string;
  /** Not public: the full reason (probe, engine error), for the control API and the event log only. */
  readonly detail?: string;
  /** For error: when requests may start the next wake (the backoff). */
  readonly retry_at?: string;
  /** For dependency_waking and dependency_ready: which dependency. */
  readonly dependency?: string;
  /** For stopping: why (idle, manual, restart). */
  readonly reason?: 'idle' | 'manual' | 'restart';
}

/** Receives a service's events as they happen. */
export type WakeEventListener = (event: WakeEvent) => void;
