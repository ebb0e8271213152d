/**
 * The resolved config: what the rest of drowse reads after the YAML was parsed, expanded, validated
 * and had its defaults applied. Durations are milliseconds here; the file spells them "30s".
 *
 * The zod schema in schema.ts is the source of truth, and these types are built from its output:
 * - a section the resolve step passes on as it is (log, control) is the schema's own type;
 * - a value the resolve step keeps (an enum, a flag, a count, a name) is typed by indexing the
 *   schema's output, so changing the schema changes every reader;
 * - a section whose resolved form differs (durations as ms, one host or a list as an array, the
 *   probe keys as one tagged union, the workload spelled per backend as a ref) is an interface here,
 *   and the checks at the end of the file fail to compile when the schema gains or loses a key that
 *   the interface does not account for.
 * The resolve step stays plain functions rather than zod transforms: it reads across sections
 * (defaults into services, the first provider into each workload), which a transform on one
 * section cannot see, and resolve.ts reads top to bottom as the mapping from file to config.
 */
import type { HostPort } from './address.ts';
import type { ConfigFile, DefaultWakeFilterFile, DockerProviderFile, EventLogFile, HealthFile, ProxmoxProviderFile, ServiceFile, StopMethod, StopSignal } from './schema.ts';

export type { StopMethod, StopSignal } from './schema.ts';

type HttpRouteFile = NonNullable<ServiceFile['http']>;
type TcpRouteFile = NonNullable<ServiceFile['tcp']>;
type HttpProbeFile = NonNullable<HealthFile['http']>;
type LimitsFile = ConfigFile['limits'];

export interface DockerProviderConfig {
  /** The key under providers.docker. */
  readonly name: string;
  /** Unix socket path, when the engine is local. */
  readonly socket?: string;
  /** tcp://host:port or https://host:port, for a remote engine. */
  readonly url?: string;
  readonly tls?: Readonly<NonNullable<DockerProviderFile['tls']>>;
  /** Discover services from container labels (drowse.enable=true). */
  readonly labels: DockerProviderFile['labels'];
  /** The network drowse shares with discovered containers: their targets are their names on it. */
  readonly network?: NonNullable<DockerProviderFile['network']>;
  /** stream: one event stream; poll: list containers every pollIntervalMs. */
  readonly events: DockerProviderFile['events'];
  readonly pollIntervalMs: number;
  readonly statsIntervalMs: number;
  readonly diskUsageIntervalMs: number;
}

/** One `providers.proxmox.NAME` entry: a Proxmox VE cluster reached through its API with a token. */
export interface ProxmoxProviderConfig {
  /** The key under providers.proxmox. */
  readonly name: string;
  /** https://host:8006, no path: the API is under /api2/json. */
  readonly url: string;
  /** USER@REALM!TOKENID, e.g. drowse@pve!proxy. Not a secret: it names the token in errors. */
  readonly tokenId: string;
  /** The token's secret: redacted wherever text leaves drowse, even when written in the file. */
  readonly tokenSecret: string;
  readonly tls: {
    /** Path to the CA certificate (PEM) that signed the node certificates, e.g. pve-root-ca.pem. */
    readonly ca?: string;
    /** SHA-256 fingerprint of the node certificate, hex pairs with colons (as the web UI shows it). */
    readonly fingerprint?: string;
    /** Skip certificate checks for this client only. */
    readonly insecure: boolean;
  };
  /** Each API request is given up after this long. */
  readonly timeoutMs: number;
  /** How often /cluster/resources is read. */
  readonly pollIntervalMs: number;
  /** How often it is read while one of this provider's services wakes. */
  readonly wakePollIntervalMs: number;
}

export interface HttpRouteConfig {
  /** Lower-case host names; an entry may start with "*." to match any subdomain. */
  readonly hosts: readonly string[];
  /** Upstream base URL, e.g. http://127.0.0.1:18080; absent when the service's address is derived. */
  readonly target?: NonNullable<HttpRouteFile['target']>;
  /** With a derived address (ServiceConfig.address): the port on it. */
  readonly port?: NonNullable<HttpRouteFile['port']>;
}

/** One way to check a service: the one probe key set under health. */
export type ProbeConfig =
  | { readonly kind: 'http'; readonly path: HttpProbeFile['path']; readonly expect: readonly (readonly [number, number])[] }
  | { readonly kind: 'tcp' }
  | { readonly kind: 'exec'; readonly command: Readonly<NonNullable<HealthFile['exec']>> }
  | { readonly kind: 'docker' };

/** services.NAME.health: readiness while waking, liveness while awake. */
export interface HealthConfig {
  /** Absent: the default check (or the container's HEALTHCHECK) for readiness. */
  readonly probe?: ProbeConfig;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly retries: HealthFile['retries'];
  readonly autoRestart: HealthFile['auto_restart'];
  readonly maxRestarts: HealthFile['max_restarts'];
  readonly restartDelayMs: number;
}

export interface TcpRouteConfig {
  /** host:port drowse listens on (host "" is every interface). */
  readonly listen: HostPort;
  /** Absent when the service's address is derived. */
  readonly target?: HostPort;
  /** With a derived address (ServiceConfig.address): the port on it. */
  readonly port?: NonNullable<TcpRouteFile['port']>;
  /** Connections held while waking; more are closed. */
  readonly maxHeld: TcpRouteFile['max_held'];
  /** An open connection counts as activity even when no bytes move. */
  readonly openKeepsAwake: TcpRouteFile['open_keeps_awake'];
}

/**
 * Which workload a service runs as, on which provider: the file spells it per backend (`docker:
 * { provider?, container }`), and resolving turns that into this, so nothing past the config knows
 * which backend a service is on. The same shape as the provider module's WorkloadRef.
 */
export interface WorkloadRefConfig {
  /** Name of the provider entry (any kind) that runs the workload. */
  readonly provider: string;
  /** The workload's id on that provider (Docker: the container name or id; Proxmox: the vmid). */
  readonly id: string;
  /** Where to look for it first (Proxmox: the configured node); a hint, not part of its identity. */
  readonly location?: string;
}

/** One service, with every key it does not set taken from defaults. */
export interface ServiceConfig {
  /** The key under services. */
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
  readonly stopSignal: StopSignal;
  readonly stopTimeoutMs: number;
  /** Paths that may wake the service ("/x/*" matches below /x/); absent: every path. */
  readonly startEndpoints?: readonly string[];
  /** Held requests sent at once when the service becomes ready; each answer lets one more go. */
  readonly releaseConcurrency: ConfigFile['defaults']['release_concurrency'];
  /** Page navigations to a service that is not ready get the loading page. */
  readonly loadingPage: ConfigFile['defaults']['loading_page'];
  /** User-Agent substrings (lower-cased) that may not wake the service, and those exempt from the deny list. */
  readonly wakeFilter: WakeFilterConfig;
  /** Set when the service came from a container's labels rather than the file. */
  readonly discovered?: DiscoveredFrom;
  /**
   * Set when the routes name a port instead of a target: the workload's address is asked of its
   * provider each time it wakes (a Proxmox guest gets a new one from DHCP), optionally on one interface.
   */
  readonly address?: { readonly interface?: string };
}

/** Where a discovered service came from: its container, and its Compose project and service when Compose made it. */
export interface DiscoveredFrom {
  readonly container: string;
  readonly compose?: { readonly project: string; readonly service: string };
}

/** A wake_filter with the built-in list folded into deny (builtin_deny is gone once resolved). */
export interface WakeFilterConfig {
  readonly deny: readonly string[];
  readonly allow: readonly string[];
}

/** control: the file's own keys (an empty token resolves to none). */
export type ControlConfig = Readonly<ConfigFile['control']>;

/** limits: what clients may hold. */
export interface LimitsConfig {
  /** Absent: derived from the open-files limit at start. */
  readonly maxConnections?: NonNullable<LimitsFile['max_connections']>;
  readonly headerTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly heldPerService: LimitsFile['held_per_service'];
  readonly ssePerService: LimitsFile['sse_per_service'];
  readonly sseTotal: LimitsFile['sse_total'];
  readonly sseLifetimeMs: number;
}

/** event_log: the JSON-lines audit trail (durations in ms, sizes in bytes). */
export interface EventLogConfig {
  readonly path: EventLogFile['path'];
  readonly retentionMs: number;
  readonly maxSizeBytes: number;
  readonly maxTotalBytes: number;
}

export interface DrowseConfig {
  /** Where the config came from: a file path, or "(embedded default)". */
  readonly source: string;
  readonly entrypoints: { readonly http: HostPort };
  readonly control: ControlConfig;
  readonly log: Readonly<ConfigFile['log']>;
  /** Absent: no event log is written. */
  readonly eventLog?: EventLogConfig;
  /** Provider entries by kind (the key under providers:), each list in the file's order. */
  readonly providers: { readonly docker: readonly DockerProviderConfig[]; readonly proxmox: readonly ProxmoxProviderConfig[] };
  readonly services: readonly ServiceConfig[];
  readonly limits: LimitsConfig;
  /** How long a shutdown (SIGTERM/SIGINT) waits for in-flight and held requests before cutting them. */
  readonly shutdownTimeoutMs: number;
  /** Values that came from ${VAR} expansion, and the control token: redacted wherever text leaves drowse. */
  readonly secrets?: readonly string[];
}

// Drift checks: each line names the file keys an interface above resolves. A key added to or removed
// from the schema fails to compile here until the interface (and resolve.ts) account for it.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type _DriftChecks = [
  Expect<Equal<keyof ConfigFile, 'entrypoints' | 'control' | 'log' | 'shutdown_timeout' | 'event_log' | 'providers' | 'defaults' | 'services' | 'limits'>>,
  Expect<Equal<keyof EventLogFile, 'path' | 'retention' | 'max_size' | 'max_total'>>,
  Expect<Equal<keyof ConfigFile['entrypoints'], keyof DrowseConfig['entrypoints']>>,
  Expect<Equal<keyof ConfigFile['providers'], keyof DrowseConfig['providers']>>,
  Expect<Equal<keyof DockerProviderFile, 'socket' | 'url' | 'tls' | 'labels' | 'network' | 'events' | 'poll_interval' | 'stats_interval' | 'disk_usage_interval'>>,
  Expect<Equal<keyof ProxmoxProviderFile, 'url' | 'token_id' | 'token_secret' | 'ca' | 'fingerprint' | 'tls_insecure' | 'timeout' | 'poll_interval' | 'wake_poll_interval'>>,
  Expect<Equal<keyof ServiceFile, 'docker' | 'proxmox' | 'http' | 'tcp' | 'health' | 'depends_on' | 'idle_timeout' | 'wake_timeout' | 'stop_method' | 'stop_signal' | 'stop_timeout' | 'start_endpoint' | 'release_concurrency' | 'loading_page' | 'wake_filter'>>,
  // Every default is a service key it stands in for.
  Expect<Equal<Exclude<keyof ConfigFile['defaults'], keyof ServiceFile>, never>>,
  Expect<Equal<keyof HttpRouteFile, 'host' | 'target' | 'port'>>,
  Expect<Equal<keyof TcpRouteFile, 'listen' | 'target' | 'port' | 'max_held' | 'open_keeps_awake'>>,
  // The probe keys under health are exactly the kinds of ProbeConfig.
  Expect<Equal<keyof HealthFile, ProbeConfig['kind'] | 'timeout' | 'interval' | 'retries' | 'auto_restart' | 'max_restarts' | 'restart_delay'>>,
  Expect<Equal<keyof DefaultWakeFilterFile, 'builtin_deny' | keyof WakeFilterConfig>>,
  Expect<Equal<keyof LimitsFile, 'max_connections' | 'header_timeout' | 'keep_alive_timeout' | 'held_per_service' | 'sse_per_service' | 'sse_total' | 'sse_lifetime'>>,
];
