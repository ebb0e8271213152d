/**
 * The composition root: builds every part from the config, starts them in order (providers and
 * their event streams, services, entrypoints, control API) and stops them in reverse.
 */
import { parseHostPort, type DiscoveredConfig, type DrowseConfig, type ServiceConfig } from './config/index.ts';
import { BACKENDS, createBackend, guardedByLabels, providerEntries, type Backend, type BackendRegistry, type WorkloadEvent, type WorkloadObserver } from './provider/index.ts';
import { ServiceRegistry, type Service, type WakeBackoff } from './service/index.ts';
import { buildEntrypoints, httpRoutes, tcpEntrypoint, type HttpEntrypoint, type TcpEntrypoint } from './proxy/index.ts';
import { ConfigWatcher } from './watcher/index.ts';
import { ControlServer, ControlViews, Metrics, defaultControlSocket } from './control/index.ts';
import { LoadingSite } from './loading/index.ts';
import { Redactor, systemClock, type Clock, type Logger } from './kernel/index.ts';

/** Everything the daemon is built from. */
export interface DaemonOptions {
  readonly config: DrowseConfig;
  readonly log: Logger;
  readonly version: string;
  /** How long a probe attempt may take when health sets no timeout (2 s); tests shorten it. */
  readonly probeTimeoutMs?: number;
  /** Interval of SSE heartbeat comments; tests shorten it. */
  readonly sseHeartbeatMs?: number;
  /** How long requests are held off after a failed wake (5 s doubling to 5 min); tests shorten it. */
  readonly wakeBackoff?: WakeBackoff;
  /** Config kind → backend factory; the built-in backends unless told (tests register fakes). */
  readonly backends?: BackendRegistry;
  /** Time for uptime, services' timers and the backends' loops; the system clock unless told. */
  readonly clock?: Clock;
  /** How long start() waits for the first listing of labelled containers (5 s); an engine that is down is not waited for. */
  readonly discoveryWaitMs?: number;
}

/** Workload events after which the labelled containers are listed again: one may have come or gone. */
const DISCOVERY_ACTIONS = new Set(['create', 'destroy', 'poll']);

/** A running drowse. */
export class Daemon {
  private readonly opts: DaemonOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly backends = new Map<string, Backend>();
  private services: ServiceRegistry | undefined;
  private site: LoadingSite | undefined;
  private http: HttpEntrypoint | undefined;
  private readonly tcp = new Map<string, TcpEntrypoint>();
  private views: ControlViews | undefined;
  private control: ControlServer | undefined;
  private watcher: ConfigWatcher | undefined;
  private metrics: Metrics | undefined;
  private applying: Promise<void> = Promise.resolve();
  private readonly startedAt: number;
  private stopped = false;

  constructor(opts: DaemonOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.startedAt = this.clock.now();
  }

  /** The HTTP entrypoint's bound address (tests bind port 0). */
  httpAddress(): { host: string; port: number } | undefined {
    return this.http?.address();
  }

  /** Looks a service up by name. */
  service(name: string): Service | undefined {
    return this.services?.get(name);
  }

  /** One line for systemd's STATUS=, e.g. "serving 4 services, 1 awake"; read from the registry, so it follows reloads. */
  summary(): string {
    const all = this.services?.all() ?? [];
    const awake = all.filter((s) => s.state === 'ready').length;
    return `serving ${all.length} service${all.length === 1 ? '' : 's'}, ${awake} awake`;
  }

  /** The control API's /status document. */
  status(): object {
    return this.mustViews().status();
  }

  /** Wakes a service as the control API does (through the backoff) and resolves with its status. */
  wake(name: string): Promise<object> {
    return this.mustViews().wake(name);
  }

  /** Builds and starts everything. A backend that is down is not an error: its feed keeps retrying. */
  async start(): Promise<void> {
    const { config } = this.opts;
    this.log.info({ config: config.source, services: config.services.length }, 'drowse starting');
    try {
      for (const entry of providerEntries(config.providers)) {
        const deps = { log: this.log, clock: this.clock, awake: () => this.services?.awakeOn(entry.name) ?? [] };
        this.backends.set(entry.name, createBackend(entry, deps, this.opts.backends ?? BACKENDS));
      }
      const services = new ServiceRegistry({
        services: config.services,
        provider: (name, sc) => this.providerFor(name, sc),
        log: this.log,
        clock: this.clock,
        probeTimeoutMs: this.opts.probeTimeoutMs ?? 2000,
        ...(this.opts.wakeBackoff ? { wakeBackoff: this.opts.wakeBackoff } : {}),
      });
      this.services = services;
      const metrics = new Metrics(() => this.mustViews().snapshot());
      this.metrics = metrics;
      for (const s of services.all()) s.onEvent((e) => metrics.observe(e));
      this.views = new ControlViews({
        version: this.opts.version,
        source: config.source,
        clock: this.clock,
        startedAt: this.startedAt,
        backends: this.backends,
        services,
        held: (name) => (this.http?.held(name) ?? 0) + (this.tcp.get(name)?.heldCount ?? 0),
        metrics,
        discovery: () => this.watcher,
      });

      this.site = new LoadingSite({
        services: services.all(),
        ...(this.opts.sseHeartbeatMs === undefined ? {} : { heartbeatMs: this.opts.sseHeartbeatMs }),
        sse: { perService: config.limits.ssePerService, total: config.limits.sseTotal, lifetimeMs: config.limits.sseLifetimeMs },
      });
      await this.site.start();
      const entrypoints = buildEntrypoints({ config, services: services.all(), budgetMs: (name) => services.wakeBudgetMs(name), site: this.site, log: this.log });
      this.http = entrypoints.http;
      await this.http.start();
      for (const [name, tcp] of entrypoints.tcp) {
        this.tcp.set(name, tcp);
        await tcp.start();
      }
      await this.startControl(this.views);
      const sources = [...this.backends.entries()].flatMap(([provider, b]) => (b.discovery ? [{ provider, discovery: b.discovery }] : []));
      if (sources.length > 0) {
        this.watcher = new ConfigWatcher({ file: config, sources, log: this.log, ...(this.opts.clock ? { clock: this.opts.clock } : {}), apply: (merged) => this.queueApply(merged) });
        await this.watcher.start(this.opts.discoveryWaitMs ?? 5000);
      }
      const observer = this.observer(services);
      for (const backend of this.backends.values()) {
        backend.feed.start(observer);
        backend.stats?.start();
      }
      const total = services.all().length;
      if (total === 0) {
        const where = sources.length > 0 ? 'label containers with drowse.enable=true, or add services to a config file' : 'add them to the config file';
        this.log.info({}, `no services yet: ${where} (see config/drowse.example.yaml and "Docker labels" in the README)`);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * Stops accepting at once, gives in-flight and held requests `shutdown_timeout` to finish, and
   * stops the rest in reverse order; workloads are left as they are. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const graceMs = this.opts.config.shutdownTimeoutMs;
    // Event streams never end by themselves; ending them first lets the server close at once.
    this.site?.stop();
    const http = this.http?.stop(graceMs);
    this.watcher?.stop();
    await this.applying;
    const tcp = [...this.tcp.values()].map((e) => e.stop(graceMs));
    await Promise.all([...this.backends.values()].flatMap((b) => [b.feed.stop(), b.stats?.stop()]));
    await this.control?.stop().catch((err: unknown) => this.log.warn({ err }, 'control API did not stop cleanly'));
    await Promise.all([http, ...tcp]);
    this.services?.stop();
    this.log.info({}, 'drowse stopped');
  }

  /** Applies merged sets one after the other: listeners of one must be closed before the next binds them. */
  private queueApply(merged: DiscoveredConfig): void {
    this.applying = this.applying.then(() => this.applyDiscovered(merged)).catch((err: unknown) => this.log.error({ err }, 'applying discovered services failed'));
  }

  /** A discovered service's provider asks its discovery again before it starts or stops anything. */
  private providerFor(name: string, sc: ServiceConfig) {
    const backend = this.backends.get(name);
    if (!backend) return undefined;
    return sc.discovered && backend.discovery ? guardedByLabels(backend.provider, backend.discovery, this.log) : backend.provider;
  }

  /** The registry hears every event; the watcher hears those after which a labelled container may have come or gone. */
  private observer(services: ServiceRegistry): WorkloadObserver {
    return {
      onWorkloadEvent: (e: WorkloadEvent) => {
        services.onWorkloadEvent(e);
        if (DISCOVERY_ACTIONS.has(e.action)) this.watcher?.changed(e.provider);
      },
      onResync: (provider) => {
        services.onResync(provider);
        this.watcher?.changed(provider);
      },
      onWorkloadHealth: (provider, id) => services.onWorkloadHealth(provider, id),
      onProviderOnline: (provider, online, error) => services.onProviderOnline(provider, online, error),
    };
  }

  /**
   * Makes the running parts serve the merged set: the registry rebuilds only what changed, the
   * site and metrics learn the new services, the HTTP routes are swapped, and the TCP listeners
   * of changed or removed services are closed and those of new ones bound.
   */
  private async applyDiscovered(merged: DiscoveredConfig): Promise<void> {
    const services = this.services;
    if (!services || this.stopped) return;
    let change;
    try {
      change = services.apply(merged.config.services);
    } catch (err) {
      this.log.error({ err }, 'discovered services could not be applied; the previous set keeps serving');
      return;
    }
    const metrics = this.metrics;
    for (const s of [...change.added, ...change.replaced.map((r) => r.now)]) {
      if (metrics) s.onEvent((e) => metrics.observe(e));
      this.site?.add(s);
    }
    for (const s of change.removed) this.site?.remove(s.name);
    const budgetMs = (name: string) => services.wakeBudgetMs(name);
    this.http?.setRoutes(httpRoutes(services.all(), budgetMs));
    for (const s of [...change.added, ...change.replaced.map((r) => r.now)]) {
      this.log.info({ service: s.name, container: s.config.discovered?.container, change: change.added.includes(s) ? 'added' : 'changed' }, 'service from labels');
    }
    for (const s of change.removed) this.log.info({ service: s.name }, 'service removed: its container or its labels are gone');
    const gone = [...change.removed, ...change.replaced.map((r) => r.old)];
    await Promise.all(gone.map(async (s) => {
      const tcp = this.tcp.get(s.name);
      this.tcp.delete(s.name);
      await tcp?.stop();
    }));
    for (const s of [...change.added, ...change.replaced.map((r) => r.now)]) {
      const tcp = tcpEntrypoint(s, { config: this.opts.config, budgetMs, log: this.log });
      if (!tcp || this.stopped) continue;
      try {
        await tcp.start();
        this.tcp.set(s.name, tcp);
      } catch (err) {
        this.log.error({ err, service: s.name }, 'tcp listener of a discovered service could not start');
      }
    }
  }

  private mustViews(): ControlViews {
    if (!this.views) throw new Error('daemon: not started');
    return this.views;
  }

  private async startControl(views: ControlViews): Promise<void> {
    const c = this.opts.config.control;
    // The config has validated listen already; an unparsable one cannot reach here.
    const listen = c.listen ? parseHostPort(c.listen) : undefined;
    const socket = listen ? undefined : c.socket ?? defaultControlSocket();
    const redactor = new Redactor(this.opts.config.secrets ?? []);
    this.control = new ControlServer({
      ...(listen ? { listen } : {}),
      ...(socket ? { socket } : {}),
      ...(c.token ? { token: c.token } : {}),
      backend: views,
      log: this.log,
      redact: (text) => redactor.redact(text),
    });
    try {
      await this.control.start();
    } catch (err) {
      // The proxy is what users came for; a control socket we cannot bind must not take it down.
      this.log.error({ err, socket, listen: c.listen }, 'control API could not start; drowse runs without it');
      this.control = undefined;
    }
  }
}
