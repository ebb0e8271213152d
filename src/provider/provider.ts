/**
 * The Provider contract: what the service watcher needs from a backend that can run a workload.
 * Docker implements it today; Proxmox LXC fits the same shape (a guest is a workload with a ref).
 * What else a backend brings (its feed, its stats) is in backend.ts.
 */

/** Where a workload stands, as the backend reports it. `paused` and `stopped` both count as asleep. */
export type WorkloadState = 'running' | 'paused' | 'stopped' | 'missing';

/** Names one workload on one provider: for Docker the container name, for Proxmox "node/vmid". */
export interface WorkloadRef {
  readonly provider: string;
  readonly id: string;
  /**
   * Where the backend should look for it first, when its id alone does not say (Proxmox: the
   * configured node of a guest that may have migrated). A hint, never part of its identity.
   */
  readonly location?: string;
}

/** A snapshot of one workload. */
export interface WorkloadStatus {
  readonly state: WorkloadState;
  /** Exit code of the last run, when the backend knows it and the workload is not running. */
  readonly exitCode?: number;
  /** The backend's own health verdict (a Docker HEALTHCHECK), when the workload defines one and runs. */
  readonly health?: 'starting' | 'healthy' | 'unhealthy';
  /** The workload defines its own health check (read from its config, whatever its state). */
  readonly healthcheck?: boolean;
}

/** What a command run inside a workload returned. */
export interface ExecResult {
  readonly exitCode: number;
  /** stdout and stderr, interleaved, truncated to a few KiB. */
  readonly output: string;
}

/** How a graceful stop is asked for. */
export interface StopOptions {
  /** Signal name sent first, e.g. SIGTERM. */
  readonly signal: string;
  /** Grace period before the backend kills the workload. */
  readonly timeoutMs: number;
}

/** How a graceful stop ended, for backends that can tell. */
export interface StopReport {
  /** The grace period ran out and the workload had to be killed (it ignored the signal). */
  readonly killed: boolean;
}

/**
 * Told while a start waits on something outside drowse: the workload is busy with another task
 * (a Proxmox guest locked by a backup or a migration). `busy` is the backend's word for it.
 */
export type StartProgress = (note: { readonly busy: string }) => void;

/** A backend that can start and stop workloads. Every method resolves when the backend has done it. */
export interface Provider {
  readonly name: string;
  /** The config's key for this backend (`docker`); open, so a new backend needs no edit here. */
  readonly kind: string;
  status(ref: WorkloadRef, signal?: AbortSignal): Promise<WorkloadStatus>;
  /** Starts a stopped workload; starting a running one succeeds (idempotent). */
  start(ref: WorkloadRef, signal?: AbortSignal, progress?: StartProgress): Promise<void>;
  /**
   * Graceful stop: signal, then kill after the grace period; stopping a stopped one succeeds.
   * Says whether it had to kill, when the backend can tell (void when it cannot).
   */
  stop(ref: WorkloadRef, opts: StopOptions): Promise<StopReport | void>;
  pause(ref: WorkloadRef): Promise<void>;
  /** Resumes a paused workload; bounded by `signal` when given (a wake's deadline). */
  unpause(ref: WorkloadRef, signal?: AbortSignal): Promise<void>;
  kill(ref: WorkloadRef, signal: string): Promise<void>;
  /**
   * Every workload the backend knows and its state, by id: what a poll feed diffs. Backends that
   * cannot list omit it.
   */
  list?(signal?: AbortSignal): Promise<ReadonlyMap<string, WorkloadState>>;
  /**
   * The address a running workload is reached at, for services whose target is derived when they
   * wake (Proxmox: a guest's IPv4 on the named interface, else its first non-loopback one).
   * Undefined while it has none yet (DHCP not answered); backends whose targets are static omit it.
   */
  address?(ref: WorkloadRef, opts: { readonly interface?: string }, signal?: AbortSignal): Promise<string | undefined>;
  /** Runs a command inside the running workload (health checks); backends that cannot omit it. */
  exec?(ref: WorkloadRef, command: readonly string[], signal?: AbortSignal): Promise<ExecResult>;
}

/** A change a backend observed on its own (event stream or poll), not necessarily caused by drowse. */
export interface WorkloadEvent {
  readonly provider: string;
  /** Same id space as WorkloadRef.id. */
  readonly id: string;
  /** The state the workload is in after this event. */
  readonly state: WorkloadState;
  /** The backend's own word for what happened (docker: start, die, stop, pause, unpause, kill, destroy, ...). */
  readonly action: string;
  readonly at: Date;
  readonly exitCode?: number;
}

/** Receives observed changes and connectivity of one backend; implemented by the daemon. */
export interface WorkloadObserver {
  onWorkloadEvent(event: WorkloadEvent): void;
  /** The backend's event feed (re)connected: every workload's state must be re-read, anything may have changed. */
  onResync(provider: string): void;
  /** The workload's own health check has a new verdict (Docker health_status): read it again now. */
  onWorkloadHealth?(provider: string, id: string): void;
  /** The backend became reachable or unreachable. */
  onProviderOnline(provider: string, online: boolean, error?: Error): void;
}
