/**
 * The composition root: builds every part from the config, starts them in order (providers and
 * their event streams, services, entrypoints, control API) and stops them in reverse.
 */
import { parseHostPort, type DiscoveredConfig, type DrowseConfig, type LoadResult, type ServiceConfig } from './config/index.ts';
import { BACKENDS, createBackend, guardedByLabels, providerEntries, type Backend, type BackendRegistry, type WorkloadEvent, type WorkloadObserver } from './provider/index.ts';
import { ServiceRegistry, livenessLoops, type Service, type WakeBackoff } from './service/index.ts';
import { buildEntrypoints, httpEntrypoint, httpRoutes, tcpEntrypoint, type HttpEntrypoint, type TcpEntrypoint } from './proxy/index.ts';
import { ConfigWatcher, Reloader, discoveryLoops, type ReloadStatus, type ReloadTrigger } from './watcher/index.ts';
import { ControlServer, ControlViews, EventFeed, Metrics, controlSocketOf, defaultControlSocket } from './control/index.ts';
import { Prerequisites, prerequisitesOf } from './prerequisites/index.ts';
import { LoadingSite } from './loading/index.ts';
import { EventLogWriter, Redactor, Supervisor, systemClock, type Clock, type Logger } from './kernel/index.ts';

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
  /** How long requests to a service whose provider is offline are held before a 503 (5 s); tests shorten it. */
  readonly offlineHoldMs?: number;
  /** How often failed prerequisites that can recover are checked again (30 s); tests shorten it. */
  readonly recheckMs?: number;
  /** How long start() waits for the first listing of labelled containers (5 s); an engine that is down is not waited for. */
  readonly discoveryWaitMs?: number;
  /** Finds and parses the config again for a reload (SIGHUP, file edits, the control API); no reloads without it. */
  readonly load?: () => Promise<LoadResult>;
  /** The config file whose edits reload it; unset for the embedded default or to reload only on request. */
  readonly watch?: string;
  /** Redacts every line the logger writes; the daemon adds the secrets a reload brings. */
  readonly redactor?: Redactor;
  /** Told when a reloaded config is being put in force and when it is (systemd's RELOADING=1 / READY=1). */
  readonly notify?: { reloading(): void; ready(summary: string): void };
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
  private events: EventFeed | undefined;
  private eventLog: EventLogWriter | undefined;
  private applying: Promise<void> = Promise.resolve();
  private reloader: Reloader | undefined;
  /** The config in force: the one started with, then each reloaded one. */
  private config: DrowseConfig;
  private readonly redactor: Redactor;
  /** Every long-running loop's state, for /status. */
  readonly supervisor: Supervisor;
  private prerequisites: Prerequisites | undefined;
  private readonly startedAt: number;
  private stopped = false;

  constructor(opts: DaemonOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.config = opts.config;
    this.redactor = opts.redactor ?? new Redactor(opts.config.secrets ?? []);
    this.startedAt = this.clock.now();
    this.supervisor = new Supervisor(this.clock);
  }

  /** Reloads the config (as SIGHUP does) and resolves with the outcome; refused without a loader. */
  reload(trigger: ReloadTrigger = 'api'): Promise<ReloadStatus> {
    if (!this.reloader) return Promise.resolve({ at: new Date(this.clock.now()).toISOString(), trigger, ok: false, problems: ['this drowse was started without a config it can reload'] });
    return this.reloader.reload(trigger);
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
        const deps = { log: this.log, clock: this.clock, awake: () => this.services?.awakeOn(entry.name) ?? [], waking: () => this.services?.wakingOn(entry.name) ?? false };
        this.backends.set(entry.name, createBackend(entry, deps, this.opts.backends ?? BACKENDS));
      }
      await this.checkPrerequisites();
      const services = new ServiceRegistry({
        services: config.services,
        provider: (name, sc) => this.providerFor(name, sc),
        log: this.log,
        clock: this.clock,
        probeTimeoutMs: this.opts.probeTimeoutMs ?? 2000,
        ...(this.opts.wakeBackoff ? { wakeBackoff: this.opts.wakeBackoff } : {}),
        ...(this.opts.offlineHoldMs === undefined ? {} : { offlineHoldMs: this.opts.offlineHoldMs }),
      });
      this.services = services;
      const metrics = new Metrics(() => this.mustViews().snapshot());
      this.metrics = metrics;
      await this.startEvents(metrics);
      for (const s of services.all()) this.observeService(s);
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
        lastReload: () => this.reloader?.status(),
        // Refused reloads reject, with their problems: POST /reload answers 422 with them.
        reload: async () => {
          const outcome = await this.reload('api');
          if (!outcome.ok) throw Object.assign(new Error('reload refused; the running config keeps serving'), { problems: outcome.problems ?? [] });
          return outcome;
        },
        holding: (name) => ({ requests: this.http?.held(name) ?? 0, connections: this.tcp.get(name)?.heldCount ?? 0 }),
        loops: () => this.supervisor.status(),
        prerequisites: () => this.prerequisites?.status() ?? [],
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
      // With no discovering provider the watcher still merges: a reloaded file goes the same way.
      this.watcher = new ConfigWatcher({ file: config, sources, log: this.log, ...(this.opts.clock ? { clock: this.opts.clock } : {}), apply: (merged) => this.queueApply(merged) });
      await this.watcher.start(this.opts.discoveryWaitMs ?? 5000);
      if (this.opts.load) {
        this.reloader = new Reloader({ load: this.opts.load, apply: (next) => this.applyNotified(next), log: this.log, ...(this.opts.watch === undefined ? {} : { watch: this.opts.watch }), ...(this.opts.clock ? { clock: this.opts.clock } : {}) });
        await this.reloader.start();
      }
      const observer = this.observer(services);
      for (const backend of this.backends.values()) {
        backend.feed.start(observer);
        backend.stats?.start();
      }
      this.supervise(services);
      const total = services.all().length;
      if (total === 0) {
        const where = sources.length > 0 ? 'label containers with drowse.enable=true, or add services to a config file' : 'add them to the config file';
        this.log.info({}, `no services yet: ${where} (see config/drowse.example.yaml and "Docker labels" in the README)`);
      }
      this.log.info({ services: total }, 'drowse ready');
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
    const graceMs = this.config.shutdownTimeoutMs;
    this.reloader?.stop();
    // Event streams never end by themselves; ending them first lets the server close at once.
    this.site?.stop();
    const http = this.http?.stop(graceMs);
    this.watcher?.stop();
    await this.applying;
    const tcp = [...this.tcp.values()].map((e) => e.stop(graceMs));
    await Promise.all([...this.backends.values()].flatMap((b) => [b.feed.stop(), b.stats?.stop()]));
    for (const b of this.backends.values()) b.close?.();
    this.events?.stop();
    await this.prerequisites?.stop();
    await this.control?.stop().catch((err: unknown) => this.log.warn({ err }, 'control API did not stop cleanly'));
    await Promise.all([http, ...tcp]);
    this.services?.stop();
    await this.eventLog?.stop();
    this.log.info({}, 'drowse stopped');
  }

  private async applyNotified(next: DrowseConfig): Promise<string[]> {
    this.opts.notify?.reloading();
    try {
      return await this.applyConfig(next);
    } finally {
      this.opts.notify?.ready(this.summary());
    }
  }

  /**
   * Puts a reloaded config in force. Services go through the watcher's merge (with the labels it
   * last saw) and are applied as a difference; a new HTTP address is bound before the old one is
   * closed; the log level and secrets change at once. What cannot change in place (providers, the
   * control API, limits, log format) is named for a restart.
   */
  private async applyConfig(next: DrowseConfig): Promise<string[]> {
    const old = this.config;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const restart: string[] = [];
    if (!same(old.providers, next.providers)) restart.push('providers');
    if (!same(old.control, next.control)) restart.push('control');
    if (!same(old.limits, next.limits)) restart.push('limits');
    if (old.log.format !== next.log.format) restart.push('log.format');
    if (!same(old.eventLog, next.eventLog)) restart.push('event_log');
    this.redactor.add(next.secrets ?? []);
    this.log.level = next.log.level;
    if (!same(old.entrypoints, next.entrypoints)) await this.moveHttp(next);
    this.config = next;
    this.watcher?.setFile(next);
    await this.applying;
    return restart;
  }

  /** Binds the HTTP entrypoint's new address, then lets the old listener finish its requests. */
  private async moveHttp(next: DrowseConfig): Promise<void> {
    const services = this.services;
    const site = this.site;
    if (!services || !site) return;
    const moved = httpEntrypoint({ config: { ...next, limits: this.config.limits }, services: services.all(), budgetMs: (name) => services.wakeBudgetMs(name), site, log: this.log });
    await moved.start();
    const old = this.http;
    this.http = moved;
    this.log.info({ address: `${next.entrypoints.http.host}:${next.entrypoints.http.port}` }, 'http entrypoint moved');
    void old?.stop();
  }

  /** Applies merged sets one after the other: listeners of one must be closed before the next binds them. */
  private queueApply(merged: DiscoveredConfig): void {
    this.applying = this.applying.then(() => this.applyServices(merged)).catch((err: unknown) => this.log.error({ err }, 'applying the merged services failed'));
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
  private async applyServices(merged: DiscoveredConfig): Promise<void> {
    const services = this.services;
    if (!services || this.stopped) return;
    let change;
    try {
      change = services.apply(merged.config.services);
    } catch (err) {
      this.log.error({ err }, 'the merged services could not be applied; the previous set keeps serving');
      return;
    }
    for (const s of [...change.added, ...change.replaced.map((r) => r.now)]) {
      this.observeService(s);
      this.site?.add(s);
    }
    for (const s of change.removed) this.site?.remove(s.name);
    const budgetMs = (name: string) => services.wakeBudgetMs(name);
    this.http?.setRoutes(httpRoutes(services.all(), budgetMs));
    for (const s of [...change.added, ...change.replaced.map((r) => r.now)]) {
      const source = s.config.discovered ? { source: 'labels', container: s.config.discovered.container } : { source: 'file' };
      this.log.info({ service: s.name, ...source }, change.added.includes(s) ? 'service added' : 'service changed');
    }
    // Its workload is left as it is: a service taken out of drowse is no longer drowse's to stop.
    for (const s of change.removed) this.log.info({ service: s.name }, 'service removed');
    const gone = [...change.removed, ...change.replaced.map((r) => r.old)];
    await Promise.all(gone.map(async (s) => {
      const tcp = this.tcp.get(s.name);
      this.tcp.delete(s.name);
      await tcp?.stop();
    }));
    for (const s of [...change.added, ...change.replaced.map((r) => r.now)]) {
      const tcp = tcpEntrypoint(s, { config: this.config, budgetMs, log: this.log });
      if (!tcp || this.stopped) continue;
      try {
        await tcp.start();
        this.tcp.set(s.name, tcp);
      } catch (err) {
        this.log.error({ err, service: s.name }, 'tcp listener of a discovered service could not start');
      }
    }
  }

  /**
   * Subscribes the daemon's own listeners (metrics, the event feed) to a service. Called for every
   * service the daemon puts in service — at start, and each time one is added or replaced later.
   */
  private observeService(s: Service): void {
    const { metrics, events } = this;
    s.onEvent((e) => {
      metrics?.observe(e);
      events?.record(e);
    });
  }

  /** The event feed, and the event log writer behind it when event_log is set; a log that cannot be prepared never stops drowse. */
  private async startEvents(metrics: Metrics): Promise<void> {
    const el = this.opts.config.eventLog;
    if (el) {
      this.eventLog = new EventLogWriter({ path: el.path, maxSizeBytes: el.maxSizeBytes, maxTotalBytes: el.maxTotalBytes, retentionMs: el.retentionMs, log: this.log, onDrop: (n) => metrics.eventLogDropped(n) });
      await this.eventLog.start();
      // Retention compares with file times, so the writer keeps the system clock even when tests inject one.
      // A failure was logged by the writer, which keeps trying at every line.
      if (this.eventLog.status().last_error === undefined) this.log.info({ path: el.path }, 'event log open');
    }
    // The daemon's redactor: a reload adds the secrets it brings.
    const redactor = this.redactor;
    this.events = new EventFeed({ log: this.log, redact: (text) => redactor.redact(text), ...(this.eventLog ? { sink: this.eventLog } : {}), ...(this.opts.sseHeartbeatMs === undefined ? {} : { heartbeatMs: this.opts.sseHeartbeatMs }) });
  }

  /**
   * Prerequisite checks (CONTRACT §5): the local ones (ports, directories, open files) before
   * anything binds, an engine's in the background so one that hangs never holds the start up.
   * Failures are logged and shown in /status; none stops drowse, and those that can recover are
   * checked again until they pass.
   */
  private async checkPrerequisites(): Promise<void> {
    const { config } = this.opts;
    const socket = controlSocketOf(config.control);
    const prerequisites = new Prerequisites({
      checks: prerequisitesOf(config, { backends: this.backends, ...(socket === undefined ? {} : { controlSocket: socket }) }),
      log: this.log,
      clock: this.clock,
      ...(this.opts.recheckMs === undefined ? {} : { recheckMs: this.opts.recheckMs }),
    });
    this.prerequisites = prerequisites;
    await prerequisites.run((c) => c.local);
    void prerequisites.run((c) => !c.local);
    prerequisites.startRechecks();
  }

  /** Registers every long-running loop with the supervisor; sources are read at request time, never cached. */
  private supervise(services: ServiceRegistry): void {
    for (const [name, b] of this.backends) {
      this.supervisor.watch(`feed "${name}"`, () => b.feed.state());
      const stats = b.stats;
      if (stats) this.supervisor.watchAll(() => Object.entries(stats.state()).map(([monitor, st]) => [`${monitor} "${name}"`, st] as const));
    }
    const started = new Date(this.startedAt);
    this.supervisor.watchAll(() => discoveryLoops(this.watcher, started));
    this.supervisor.watchAll(() => livenessLoops(services.all()));
    const prerequisites = this.prerequisites;
    if (prerequisites) this.supervisor.watch('prerequisites', () => prerequisites.loopStatus());
    // The writer is one serial loop over its queue: running while lines land, degraded while they fail.
    const eventLog = this.eventLog;
    const since = new Date(this.startedAt);
    if (eventLog) {
      this.supervisor.watch('event log', () => {
        const st = eventLog.status();
        return st.last_error === undefined ? { state: 'running', since } : { state: 'degraded', since, lastError: st.last_error };
      });
    }
  }

  private mustViews(): ControlViews {
    if (!this.views) throw new Error('daemon: not started');
    return this.views;
  }

  private async startControl(views: ControlViews): Promise<void> {
    const c = this.config.control;
    // The config has validated listen already; an unparsable one cannot reach here.
    const listen = c.listen ? parseHostPort(c.listen) : undefined;
    const socket = listen ? undefined : c.socket ?? defaultControlSocket();
    const redactor = this.redactor;
    this.control = new ControlServer({
      ...(listen ? { listen } : {}),
      ...(socket ? { socket } : {}),
      ...(c.token ? { token: c.token } : {}),
      backend: views,
      log: this.log,
      redact: (text) => redactor.redact(text),
      ...(this.events ? { events: this.events } : {}),
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
