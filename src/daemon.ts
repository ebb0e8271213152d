/**
 * The composition root: builds every part from the config, starts them in order (providers and
 * their event streams, services, entrypoints, control API) and stops them in reverse.
 */
import { parseHostPort, type DrowseConfig, type ServiceConfig } from './config/index.ts';
import type { Provider, WorkloadEvent, WorkloadObserver } from './provider/index.ts';
import { DockerProvider, createDockerClient } from './provider/docker/index.ts';
import { DockerEventCollector, DockerPollCollector, DockerStatsCollector } from './collector/index.ts';
import { Service, type WakeBackoff } from './service/index.ts';
import { checksFor } from './health/index.ts';
import { HttpEntrypoint, TcpEntrypoint, type HttpRoute } from './proxy/index.ts';
import { ControlServer, Metrics, defaultControlSocket, type ControlBackend, type MetricsSnapshot } from './control/index.ts';
import { LoadingSite } from './loading/index.ts';
import { MAX_TIMER_MS, Redactor, WarnLimiter, type Logger } from './kernel/index.ts';

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
}

interface ProviderSlot {
  readonly provider: Provider;
  readonly collector?: DockerEventCollector | DockerPollCollector;
  readonly stats?: DockerStatsCollector;
  online: boolean;
  lastError?: string;
  since: Date;
}

/** A running drowse. */
export class Daemon implements WorkloadObserver, ControlBackend {
  private readonly opts: DaemonOptions;
  private readonly log: Logger;
  private readonly providers = new Map<string, ProviderSlot>();
  private readonly services = new Map<string, Service>();
  private http: HttpEntrypoint | undefined;
  private site: LoadingSite | undefined;
  private readonly tcp = new Map<string, TcpEntrypoint>();
  private control: ControlServer | undefined;
  private readonly startedAt = Date.now();
  private readonly metricsRegistry = new Metrics(() => this.metricsSnapshot());
  private stopped = false;
  private readonly warnings = new WarnLimiter();

  constructor(opts: DaemonOptions) {
    this.opts = opts;
    this.log = opts.log;
  }

  /** The HTTP entrypoint's bound address (tests bind port 0). */
  httpAddress(): { host: string; port: number } | undefined {
    return this.http?.address();
  }

  /** Looks a service up by name. */
  service(name: string): Service | undefined {
    return this.services.get(name);
  }

  /** Builds and starts everything. A Docker engine that is down is not an error: its stream keeps retrying. */
  async start(): Promise<void> {
    const { config } = this.opts;
    this.log.info({ config: config.source, services: config.services.length }, 'drowse starting');
    try {
      for (const p of config.providers.docker) {
        const provider = new DockerProvider({ ...p, log: this.log });
        // The stream's client has no socket timeout: the stream is quiet for hours.
        const docker = createDockerClient(p);
        const collector = p.events === 'poll'
          ? new DockerPollCollector({ provider: p.name, docker, observer: this, log: this.log, intervalMs: p.pollIntervalMs })
          : new DockerEventCollector({ provider: p.name, docker, observer: this, log: this.log });
        const stats = new DockerStatsCollector({
          provider: p.name,
          docker,
          awake: () => this.awakeOn(p.name),
          statsIntervalMs: p.statsIntervalMs,
          diskUsageIntervalMs: p.diskUsageIntervalMs,
          log: this.log,
        });
        this.providers.set(p.name, { provider, collector, stats, online: false, since: new Date() });
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
      for (const slot of this.providers.values()) {
        void slot.collector?.start();
        slot.stats?.start();
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
    await Promise.all([...this.providers.values()].flatMap((slot) => [slot.collector?.stop(), slot.stats?.stop()]));
    await this.control?.stop().catch((err: unknown) => this.log.warn({ err }, 'control API did not stop cleanly'));
    // Event streams never end by themselves; ending them first lets the server close at once.
    this.site?.stop();
    await Promise.all([this.http?.stop(), ...[...this.tcp.values()].map((e) => e.stop())]);
    for (const s of this.services.values()) s.stop();
    this.log.info({}, 'drowse stopped');
  }

  /**
   * Events are treated as "this workload changed": the state observed is re-read from the provider,
   * not taken from the event. The collector replays a few seconds of events on every connect, and a
   * replayed `start` of a container that has since stopped must not wake it.
   */
  onWorkloadEvent(event: WorkloadEvent): void {
    for (const s of this.servicesOn(event.provider, event.id)) this.refresh(s);
  }

  onWorkloadHealth(provider: string, id: string): void {
    for (const s of this.servicesOn(provider, id)) s.nudge();
  }

  onResync(provider: string): void {
    for (const s of this.services.values()) if (this.refOf(s.config)?.provider === provider) this.refresh(s);
  }

  private refresh(s: Service): void {
    const ref = this.refOf(s.config);
    const slot = ref && this.providers.get(ref.provider);
    if (!ref || !slot) return;
    slot.provider.status(ref).then(
      (st) => s.observe(st.state),
      (err: unknown) => {
        const limited = this.warnings.allow(`refresh:${s.name}`);
        if (limited) this.log.warn({ service: s.name, provider: ref.provider, err: err instanceof Error ? err.message : String(err), suppressed: limited.suppressed }, 'reading workload state failed');
      },
    );
  }

  onProviderOnline(provider: string, online: boolean, error?: Error): void {
    const slot = this.providers.get(provider);
    if (!slot || (slot.online === online && !error)) return;
    slot.online = online;
    slot.since = new Date();
    if (error) slot.lastError = error.message;
    if (online) this.log.info({ provider }, 'provider online');
    else this.log.warn({ provider, err: error?.message }, 'provider unreachable; retrying in the background');
  }

  status(): object {
    return {
      version: this.opts.version,
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
      config: this.opts.config.source,
      providers: [...this.providers.entries()].map(([name, slot]) => ({
        name,
        kind: slot.provider.kind,
        online: slot.online,
        since: slot.since.toISOString(),
        ...(slot.lastError ? { last_error: slot.lastError } : {}),
        ...(slot.collector ? { events: slot.collector.state() } : {}),
        ...(slot.stats ? { monitors: slot.stats.state() } : {}),
        ...(slot.stats?.diskUsage() ? { disk_usage: slot.stats.diskUsage() } : {}),
      })),
      services: [...this.services.values()].map((s) => this.serviceStatus(s)),
    };
  }

  metrics(): Promise<{ contentType: string; body: string }> {
    return this.metricsRegistry.render();
  }

  private metricsSnapshot(): MetricsSnapshot {
    return {
      providers: [...this.providers.entries()].map(([name, slot]) => ({ name, online: slot.online })),
      services: [...this.services.values()].map((s) => {
        const stats = this.statsOf(s);
        return {
          name: s.name,
          state: s.state,
          inFlight: s.status().in_flight,
          backoffSeconds: s.retryAt === undefined ? 0 : Math.ceil((s.retryAt - Date.now()) / 1000),
          held: (this.http?.held(s.name) ?? 0) + (this.tcp.get(s.name)?.heldCount ?? 0),
          ...(stats ? { cpuPercent: stats.cpu_percent, memoryBytes: stats.memory_bytes } : {}),
        };
      }),
      disks: [...this.providers.entries()].flatMap(([provider, slot]) => {
        const d = slot.stats?.diskUsage();
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
    const ref = this.refOf(s.config);
    return ref && s.state === 'ready' ? this.providers.get(ref.provider)?.stats?.statsOf(ref.id) : undefined;
  }

  /** Containers of the services on `provider` that are awake now: the ones worth reading stats of. */
  private awakeOn(provider: string): string[] {
    const ids: string[] = [];
    for (const s of this.services.values()) {
      const ref = this.refOf(s.config);
      if (ref?.provider === provider && s.state === 'ready') ids.push(ref.id);
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
    const ref = this.refOf(sc);
    if (!ref) throw new Error(`service "${sc.name}": no workload configured`);
    const slot = this.providers.get(ref.provider);
    if (!slot) throw new Error(`service "${sc.name}": provider "${ref.provider}" is not configured`);
    const provider = slot.provider;
    const { readiness, ownHealth } = checksFor(sc, provider, ref, this.opts.probeTimeoutMs ?? 2000);
    return new Service({
      config: sc,
      provider,
      ref,
      readiness,
      ...(ownHealth ? { ownHealth } : {}),
      log: this.log,
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

  private refOf(sc: ServiceConfig) {
    return sc.docker ? { provider: sc.docker.provider, id: sc.docker.container } : undefined;
  }

  private *servicesOn(provider: string, id: string): Iterable<Service> {
    for (const s of this.services.values()) {
      const ref = this.refOf(s.config);
      if (ref && ref.provider === provider && ref.id === id) yield s;
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
