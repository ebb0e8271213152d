/**
 * The resolved config: what the rest of drowse reads after the YAML was parsed, expanded, validated
 * and had its defaults applied. Durations are milliseconds here; the file spells them "30s".
 * The zod schema in schema.ts is the source of truth for the file; this is what it resolves to.
 */

export type StopMethod = 'stop' | 'pause' | 'kill';

export interface DockerProviderConfig {
  readonly name: string;
  /** Unix socket path, when the engine is local. */
  readonly socket?: string;
  /** tcp://host:port or https://host:port, for a remote engine. */
  readonly url?: string;
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  /** Discover services from container labels (lands with label discovery; parsed today). */
  readonly labels: boolean;
  /** stream: one event stream; poll: list containers every pollIntervalMs. */
  readonly events: 'stream' | 'poll';
  readonly pollIntervalMs: number;
  readonly statsIntervalMs: number;
  readonly diskUsageIntervalMs: number;
}

export interface HttpRouteConfig {
  /** Lower-case host names; an entry may start with "*." to match any subdomain. */
  readonly hosts: readonly string[];
  /** Upstream base URL, e.g. http://127.0.0.1:18080. */
  readonly target: string;
}

/** One way to check a service. */
export type ProbeConfig =
  | { readonly kind: 'http'; readonly path: string; readonly expect: readonly (readonly [number, number])[] }
  | { readonly kind: 'tcp' }
  | { readonly kind: 'exec'; readonly command: readonly string[] }
  | { readonly kind: 'docker' };

/** services.NAME.health: readiness while waking, liveness while awake. */
export interface HealthConfig {
  /** Absent: the default check (or the container's HEALTHCHECK) for readiness. */
  readonly probe?: ProbeConfig;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly retries: number;
  readonly autoRestart: boolean;
  readonly maxRestarts: number;
  readonly restartDelayMs: number;
}

export interface TcpRouteConfig {
  /** host:port drowse listens on (host "" is every interface). */
  readonly listen: { readonly host: string; readonly port: number };
  readonly target: { readonly host: string; readonly port: number };
  /** Connections held while waking; more are closed. */
  readonly maxHeld: number;
  /** An open connection counts as activity even when no bytes move. */
  readonly openKeepsAwake: boolean;
}

/**
 * Which workload a service runs as, on which provider: the file spells it per backend (`docker:
 * { provider?, container }`), and resolving turns that into this, so nothing past the config knows
 * which backend a service is on. The same shape as the provider module's WorkloadRef.
 */
export interface WorkloadRefConfig {
  /** Name of the provider entry (any kind) that runs the workload. */
  readonly provider: string;
  /** The workload's id on that provider (Docker: the container name or id). */
  readonly id: string;
}

export interface ServiceConfig {
  readonly name: string;
  readonly workload: WorkloadRefConfig;
  readonly http?: HttpRouteConfig;
  readonly tcp?: TcpRouteConfig;
  readonly health?: HealthConfig;
  /** Services woken before this one, in the order written (independent ones wake in parallel). */
  readonly dependsOn: readonly string[];
  readonly idleTimeoutMs: number;
  readonly wakeTimeoutMs: number;
  readonly stopMethod: StopMethod;
  readonly stopSignal: string;
  readonly stopTimeoutMs: number;
  /** Paths that may wake the service ("/x/*" matches below /x/); absent: every path. */
  readonly startEndpoints?: readonly string[];
  /** Page navigations to a service that is not ready get the loading page. */
  readonly loadingPage: boolean;
  /** User-Agent substrings (lower-cased) that may not wake the service, and those exempt from the deny list. */
  readonly wakeFilter: WakeFilterConfig;
}

export interface WakeFilterConfig {
  readonly deny: readonly string[];
  readonly allow: readonly string[];
}

export interface ControlConfig {
  /** Unix socket path (mode 0660). */
  readonly socket?: string;
  /** host:port for a TCP control API; requires token. */
  readonly listen?: string;
  readonly token?: string;
}

/** limits: what clients may hold. */
export interface LimitsConfig {
  /** Absent: derived from the open-files limit at start. */
  readonly maxConnections?: number;
  readonly headerTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly heldPerService: number;
  readonly ssePerService: number;
  readonly sseTotal: number;
  readonly sseLifetimeMs: number;
}

export interface DrowseConfig {
  /** Where the config came from: a file path, or "(embedded default)". */
  readonly source: string;
  readonly entrypoints: { readonly http: { readonly host: string; readonly port: number } };
  readonly control: ControlConfig;
  readonly log: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'; readonly format: 'json' | 'pretty' };
  readonly providers: { readonly docker: readonly DockerProviderConfig[] };
  readonly services: readonly ServiceConfig[];
  readonly limits: LimitsConfig;
  /** Values that came from ${VAR} expansion, and the control token: redacted wherever text leaves drowse. */
  readonly secrets?: readonly string[];
}
