/**
 * The composition root: builds every part from the config, starts them in order (providers and
 * their event streams, services, entrypoints, control API) and stops them in reverse.
 */
import { parseHostPort, type DrowseConfig } from './config/index.ts';
import { BACKENDS, createBackend, providerEntries, type Backend, type BackendRegistry } from './provider/index.ts';
import { ServiceRegistry, type Service, type WakeBackoff } from './service/index.ts';
import { buildEntrypoints, type HttpEntrypoint, type TcpEntrypoint } from './proxy/index.ts';
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
}

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
        provider: (name) => this.backends.get(name)?.provider,
        log: this.log,
        clock: this.clock,
        probeTimeoutMs: this.opts.probeTimeoutMs ?? 2000,
        ...(this.opts.wakeBackoff ? { wakeBackoff: this.opts.wakeBackoff } : {}),
      });
      this.services = services;
      const metrics = new Metrics(() => this.mustViews().snapshot());
      for (const s of services.all()) s.onEvent((e) => metrics.observe(e));
      if (config.services.length === 0) {
        this.log.info({}, 'no services configured yet: add them to the config file (see config/drowse.example.yaml); discovery from Docker labels lands in a later release');
      }
      this.views = new ControlViews({
        version: this.opts.version,
        source: config.source,
        clock: this.clock,
        startedAt: this.startedAt,
        backends: this.backends,
        services,
        held: (name) => (this.http?.held(name) ?? 0) + (this.tcp.get(name)?.heldCount ?? 0),
        metrics,
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
      for (const backend of this.backends.values()) {
        backend.feed.start(services);
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
    await Promise.all([...this.backends.values()].flatMap((b) => [b.feed.stop(), b.stats?.stop()]));
    await this.control?.stop().catch((err: unknown) => this.log.warn({ err }, 'control API did not stop cleanly'));
    // Event streams never end by themselves; ending them first lets the server close at once.
    this.site?.stop();
    await Promise.all([this.http?.stop(), ...[...this.tcp.values()].map((e) => e.stop())]);
    this.services?.stop();
    this.log.info({}, 'drowse stopped');
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
