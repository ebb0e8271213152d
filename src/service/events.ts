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
  readonly message: string;
  readonly error?: string;
  /** For dependency_waking and dependency_ready: which dependency. */
  readonly dependency?: string;
  /** For stopping: why (idle, manual, restart). */
  readonly reason?: 'idle' | 'manual' | 'restart';
}

/** Receives a service's events as they happen. */
export type WakeEventListener = (event: WakeEvent) => void;
