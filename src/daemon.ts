/**
 * The composition root: builds every part from the config, starts them in order (providers and
 * their event streams, services, entrypoints, control API) and stops them in reverse.
 */
import { parseHostPort, type DrowseConfig, type ServiceConfig } from './config/index.ts';
import { BACKENDS, createBackend, providerEntries, type Backend, type BackendRegistry, type WorkloadEvent, type WorkloadObserver } from './provider/index.ts';
import { Service, type WakeBackoff } from './service/index.ts';
import { checksFor } from './health/index.ts';
import { HttpEntrypoint, TcpEntrypoint, type HttpRoute } from './proxy/index.ts';
import { ControlServer, Metrics, defaultControlSocket, type ControlBackend, type MetricsSnapshot } from './control/index.ts';
import { LoadingSite } from './loading/index.ts';
import { MAX_TIMER_MS, Redactor, WarnLimiter, systemClock, type Clock, type Logger } from './kernel/index.ts';

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
}

/** A running drowse. */
export class Daemon implements WorkloadObserver, ControlBackend {
  private readonly opts: DaemonOptions;
  private readonly log: Logger;
  private readonly providers = new Map<string, Backend>();
  private readonly services = new Map<string, Service>();
  private http: HttpEntrypoint | undefined;
  private site: LoadingSite | undefined;
  private readonly tcp = new Map<string, TcpEntrypoint>();
  private control: ControlServer | undefined;
  private readonly clock: Clock;
  private readonly startedAt: number;
  private readonly metricsRegistry = new Metrics(() => this.metricsSnapshot());
  private stopped = false;
  private readonly warnings = new WarnLimiter();

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
    return this.services.get(name);
  }

  /** Builds and starts everything. A backend that is down is not an error: its feed keeps retrying. */
  async start(): Promise<void> {
    const { config } = this.opts;
    this.log.info({ config: config.source, services: config.services.length }, 'drowse starting');
    try {
      for (const entry of providerEntries(config.providers)) {
        const deps = { log: this.log, clock: this.clock, awake: () => this.awakeOn(entry.name) };
        this.providers.set(entry.name, createBackend(entry, deps, this.opts.backends ?? BACKENDS));
      }
      for (const sc of config.services) this.services.set(sc.name, this.buildService(sc));
      this.linkDependencies();
      for (const s of this.services.values()) s.onEvent((e) => this.metricsRegistry.observe(e));
      if (config.services.length === 0) {
        this.log.info({}, 'no services configured yet: add them to the config file (see config/drowse.example.yaml)');
      }

      this.site = new LoadingSite({
        services: [...this.services.values()],
        ...(this.opts.sseHeartbeatMs === undefined ? {} : { heartbeatMs: this.opts.sseHeartbeatMs }),
        sse: { perService: config.limits.ssePerService, total: config.limits.sseTotal, lifetimeMs: config.limits.sseLifetimeMs },
      });
      await this.site.start();
      this.http = new HttpEntrypoint({
        host: config.entrypoints.http.host,
        port: config.entrypoints.http.port,
        routes: this.httpRoutes(),
        site: this.site,
        log: this.log,
        limits: {
          ...(config.limits.maxConnections === undefined ? {} : { maxConnections: config.limits.maxConnections }),
          headerTimeoutMs: config.limits.headerTimeoutMs,
          keepAliveTimeoutMs: config.limits.keepAliveTimeoutMs,
          heldPerService: config.limits.heldPerService,
        },
      });
      await this.http.start();
      for (const s of this.services.values()) {
        const tcp = s.config.tcp;
        if (!tcp) continue;
        const entrypoint = new TcpEntrypoint({
          listen: tcp.listen,
          target: tcp.target,
          service: s,
          wakeTimeoutMs: this.wakeBudgetMs(s.config),
          maxHeld: tcp.maxHeld,
          openKeepsAwake: tcp.openKeepsAwake,
          ...(config.limits.maxConnections === undefined ? {} : { maxConnections: config.limits.maxConnections }),
          log: this.log,
        });
        this.tcp.set(s.name, entrypoint);
        await entrypoint.start();
      }
      await this.startControl();
      for (const backend of this.providers.values()) {
        backend.feed.start(this);
        backend.stats?.start();
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops in reverse order; workloads are left as they are. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.providers.values()].flatMap((b) => [b.feed.stop(), b.stats?.stop()]));
    await this.control?.stop().catch((err: unknown) => this.log.warn({ err }, 'control API did not stop cleanly'));
    // Event streams never end by themselves; ending them first lets the server close at once.
    this.site?.stop();
    await Promise.all([this.http?.stop(), ...[...this.tcp.values()].map((e) => e.stop())]);
    for (const s of this.services.values()) s.stop();
    this.log.info({}, 'drowse stopped');
  }

  /**
   * Events are treated as "this workload changed": the state observed is re-read from the provider,
   * not taken from the event. An event stream may replay a few seconds of events on every connect, and a
   * replayed `start` of a container that has since stopped must not wake it.
   */
  onWorkloadEvent(event: WorkloadEvent): void {
    for (const s of this.servicesOn(event.provider, event.id)) this.refresh(s);
  }

  onWorkloadHealth(provider: string, id: string): void {
    for (const s of this.servicesOn(provider, id)) s.nudge();
  }

  onResync(provider: string): void {
    for (const s of this.services.values()) if (s.config.workload.provider === provider) this.refresh(s);
  }

  private refresh(s: Service): void {
    const ref = s.config.workload;
    const backend = this.providers.get(ref.provider);
    if (!backend) return;
    backend.provider.status(ref).then(
      (st) => s.observe(st.state),
      (err: unknown) => {
        const limited = this.warnings.allow(`refresh:${s.name}`);
        if (limited) this.log.warn({ service: s.name, provider: ref.provider, err: err instanceof Error ? err.message : String(err), suppressed: limited.suppressed }, 'reading workload state failed');
      },
    );
  }

  /** Only logs: the feed that reports it keeps the provider's health (see status()). */
  onProviderOnline(provider: string, online: boolean, error?: Error): void {
    if (online) this.log.info({ provider }, 'provider online');
    else this.log.warn({ provider, err: error?.message }, 'provider unreachable; retrying in the background');
  }

  status(): object {
    return {
      version: this.opts.version,
      uptime_s: Math.round((this.clock.now() - this.startedAt) / 1000),
      config: this.opts.config.source,
      providers: [...this.providers.entries()].map(([name, { provider, feed, stats }]) => {
        const health = feed.health();
        return {
          name,
          kind: provider.kind,
          online: health.online,
          since: health.since.toISOString(),
          ...(health.lastError ? { last_error: health.lastError } : {}),
          events: feed.state(),
          ...(stats ? { monitors: stats.state() } : {}),
          ...(stats?.diskUsage() ? { disk_usage: stats.diskUsage() } : {}),
        };
      }),
      services: [...this.services.values()].map((s) => this.serviceStatus(s)),
    };
  }

  metrics(): Promise<{ contentType: string; body: string }> {
    return this.metricsRegistry.render();
  }

  private metricsSnapshot(): MetricsSnapshot {
    return {
      providers: [...this.providers.entries()].map(([name, b]) => ({ name, online: b.feed.health().online })),
      services: [...this.services.values()].map((s) => {
        const stats = this.statsOf(s);
        return {
          name: s.name,
          state: s.state,
          inFlight: s.status().in_flight,
          backoffSeconds: s.retryAt === undefined ? 0 : Math.ceil((s.retryAt - this.clock.now()) / 1000),
          held: (this.http?.held(s.name) ?? 0) + (this.tcp.get(s.name)?.heldCount ?? 0),
          ...(stats ? { cpuPercent: stats.cpu_percent, memoryBytes: stats.memory_bytes } : {}),
        };
      }),
      disks: [...this.providers.entries()].flatMap(([provider, b]) => {
        const d = b.stats?.diskUsage();
        return d ? [{ provider, images: d.images_bytes, containers: d.containers_bytes, volumes: d.volumes_bytes, buildCache: d.build_cache_bytes }] : [];
      }),
    };
  }

  /** A service's status with its CPU and memory while awake. */
  serviceStatus(s: Service): object {
    const stats = this.statsOf(s);
    return { ...s.status(), ...(stats ? { cpu_percent: stats.cpu_percent, memory_bytes: stats.memory_bytes, ...(stats.memory_limit_bytes ? { memory_limit_bytes: stats.memory_limit_bytes } : {}), stats_at: stats.at } : {}) };
  }

  /** The last CPU and memory reading of an awake service. */
  private statsOf(s: Service) {
    const ref = s.config.workload;
    return s.state === 'ready' ? this.providers.get(ref.provider)?.stats?.statsOf(ref.id) : undefined;
  }

  /** Workloads of the services on `provider` that are awake now: the ones worth reading stats of. */
  private awakeOn(provider: string): string[] {
    const ids: string[] = [];
    for (const s of this.services.values()) {
      const ref = s.config.workload;
      if (ref.provider === provider && s.state === 'ready') ids.push(ref.id);
    }
    return ids;
  }

  hasService(name: string): boolean {
    return this.services.has(name);
  }

  async wake(name: string): Promise<object> {
    const s = this.mustService(name);
    // An operator's explicit wake goes through the backoff that holds requests off.
    await s.whenReady(AbortSignal.timeout(this.wakeBudgetMs(s.config) + 1000), { force: true });
    return s.status();
  }

  sleep(name: string): object {
    const s = this.mustService(name);
    s.sleep('manual');
    return s.status();
  }

  private mustService(name: string): Service {
    const s = this.services.get(name);
    if (!s) throw new Error(`no service "${name}"`);
    return s;
  }

  private buildService(sc: ServiceConfig): Service {
    const ref = sc.workload;
    const backend = this.providers.get(ref.provider);
    if (!backend) throw new Error(`service "${sc.name}": provider "${ref.provider}" is not configured`);
    const provider = backend.provider;
    const { readiness, ownHealth } = checksFor(sc, provider, ref, this.opts.probeTimeoutMs ?? 2000);
    return new Service({
      config: sc,
      provider,
      ref,
      readiness,
      ...(ownHealth ? { ownHealth } : {}),
      log: this.log,
      clock: this.clock,
      wakeBudgetMs: this.wakeBudgetMs(sc),
      ...(this.opts.wakeBackoff ? { wakeBackoff: this.opts.wakeBackoff } : {}),
    });
  }

  /** Gives every service its dependencies and dependents (the config has ruled out unknown names and cycles). */
  private linkDependencies(): void {
    for (const s of this.services.values()) {
      const deps = s.config.dependsOn.map((d) => this.mustService(d));
      const dependents = [...this.services.values()].filter((o) => o.config.dependsOn.includes(s.name));
      s.link(deps, dependents);
    }
  }

  /**
   * How long a wake of `sc` may take: its own wake_timeout plus that of every service it needs,
   * directly or not (each counted once), since those wake first.
   */
  private wakeBudgetMs(sc: ServiceConfig): number {
    const byName = new Map(this.opts.config.services.map((s) => [s.name, s]));
    const seen = new Set<string>();
    const walk = (names: readonly string[]): void => {
      for (const n of names) {
        if (seen.has(n)) continue;
        seen.add(n);
        walk(byName.get(n)?.dependsOn ?? []);
      }
    };
    walk(sc.dependsOn);
    const budget = sc.wakeTimeoutMs + [...seen].reduce((sum, n) => sum + (byName.get(n)?.wakeTimeoutMs ?? 0), 0);
    // Held requests wait on plain timers, which Node cuts to 1 ms past 2^31 ms; no wake needs 24 days.
    return Math.min(budget, MAX_TIMER_MS);
  }

  private *servicesOn(provider: string, id: string): Iterable<Service> {
    for (const s of this.services.values()) {
      const ref = s.config.workload;
      if (ref.provider === provider && ref.id === id) yield s;
    }
  }

  private httpRoutes(): HttpRoute[] {
    const routes: HttpRoute[] = [];
    for (const s of this.services.values()) {
      const http = s.config.http;
      if (!http) continue;
      const { loadingPage, startEndpoints, wakeFilter } = s.config;
      routes.push({
        hosts: http.hosts,
        service: s,
        target: new URL(http.target),
        wakeTimeoutMs: this.wakeBudgetMs(s.config),
        loadingPage,
        policy: { wakeFilter, ...(startEndpoints ? { startEndpoints } : {}) },
      });
    }
    return routes;
  }

  private async startControl(): Promise<void> {
    const c = this.opts.config.control;
    // The config has validated listen already; an unparsable one cannot reach here.
    const listen = c.listen ? parseHostPort(c.listen) : undefined;
    const socket = listen ? undefined : c.socket ?? defaultControlSocket();
    const redactor = new Redactor(this.opts.config.secrets ?? []);
    this.control = new ControlServer({
      ...(listen ? { listen } : {}),
      ...(socket ? { socket } : {}),
      ...(c.token ? { token: c.token } : {}),
      backend: this,
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
