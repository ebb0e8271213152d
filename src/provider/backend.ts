/**
 * What a backend is to the rest of drowse: a Provider that acts on workloads, a Feed that watches
 * them, and optionally stats of the awake ones. Each backend folder exports one factory of this
 * shape; backends.ts maps config kinds to factories.
 */
import type { LabelledWorkload } from '../config/index.ts';
import type { Clock, Logger, LoopStatus } from '../kernel/index.ts';
import type { Feed } from './feed.ts';
import type { Provider } from './provider.ts';

/** One workload's resource use. */
export interface WorkloadStats {
  readonly cpu_percent: number;
  readonly memory_bytes: number;
  readonly memory_limit_bytes?: number;
  readonly at: string;
}

/** A backend's disk use (Docker: /system/df). */
export interface DiskUsage {
  readonly images_bytes: number;
  readonly containers_bytes: number;
  readonly volumes_bytes: number;
  readonly build_cache_bytes: number;
  readonly at: string;
}

/**
 * A monitor the engine refused (a socket proxy answering 403): switched off until drowse restarts,
 * with the reason, instead of failing in a loop.
 */
export interface OffMonitorStatus {
  readonly state: 'off';
  readonly reason: string;
  readonly since: Date;
}

/** One background monitor as /status shows it. */
export type MonitorStatus = LoopStatus | OffMonitorStatus;

/** Resource readings a backend may offer, each on its own background loop. */
export interface BackendStats {
  start(): void;
  stop(): Promise<void>;
  /** The last reading of a workload whose service is awake. */
  statsOf(id: string): WorkloadStats | undefined;
  diskUsage(): DiskUsage | undefined;
  /** Each monitor loop's status, by name, for /status. */
  state(): Readonly<Record<string, MonitorStatus>>;
}

/** Services a backend finds on its own (Docker labels); only backends configured to discover have one. */
export interface Discovery {
  /** Every workload that asks to be a service, with its labels: a whole snapshot, never a diff. */
  list(signal?: AbortSignal): Promise<readonly LabelledWorkload[]>;
  /** Whether the workload still asks to be a service: read again before drowse starts or stops it. */
  stillEnabled(id: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Set when the backend's feed polls: a workload recreated between two polls with other labels
   * changes no state the poll sees, so the watcher lists this often as well.
   */
  readonly pollMs?: number;
}

/** What a failed call means for the operator, in the backend's own terms: a stable code and what to do. */
export interface BackendAdvice {
  readonly code: string;
  readonly hint: string;
}

/** A built backend. */
export interface Backend {
  readonly provider: Provider;
  readonly feed: Feed;
  /**
   * The advice for a failure of this backend (a refused token, an untrusted certificate), for the
   * prerequisite checks; undefined leaves it to their general reading of socket and HTTP errors.
   */
  advise?(err: unknown): BackendAdvice | undefined;
  /** Releases what the backend holds open besides its loops (a connection pool); idempotent. Called once its feed and stats stopped. */
  close?(): void;
  readonly stats?: BackendStats;
  readonly discovery?: Discovery;
}

/** The settings of one provider entry: `providers.<kind>.<name>` as the config resolved it. */
export interface ProviderSettings {
  readonly name: string;
}

/** What a factory gets besides its settings. */
export interface BackendDeps {
  readonly log: Logger;
  readonly clock?: Clock;
  /** Ids of this provider's workloads whose services are awake now: the ones worth reading stats of. */
  awake(): readonly string[];
  /** Whether one of this provider's services is waking now: a polling feed looks more often then. */
  waking?(): boolean;
}

/**
 * Builds one backend. `settings` is the entry the config validated under this factory's kind, so a
 * factory may read it as its own config type.
 */
export type BackendFactory = (settings: ProviderSettings, deps: BackendDeps) => Backend;

/** Config kind (the key under `providers:`) → factory. */
export type BackendRegistry = Readonly<Record<string, BackendFactory>>;

/** One configured provider, whatever its kind. */
export interface ProviderEntry {
  readonly kind: string;
  readonly name: string;
  readonly settings: ProviderSettings;
}

/** Flattens `config.providers` (kind → entries) into one list, in the config's order. */
export function providerEntries(providers: Readonly<Record<string, readonly ProviderSettings[]>>): ProviderEntry[] {
  return Object.entries(providers).flatMap(([kind, list]) => list.map((settings) => ({ kind, name: settings.name, settings })));
}
