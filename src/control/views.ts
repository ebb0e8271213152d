/**
 * What the control API shows of a running drowse: the /status document and the metrics snapshot,
 * both read from the parts at request time so they always agree, and the wake and sleep commands.
 * The daemon hands over its parts; nothing here builds or owns them.
 */
import type { Clock } from '../kernel/index.ts';
import type { Backend } from '../provider/index.ts';
import type { Service, ServiceRegistry } from '../service/index.ts';
import type { Metrics, MetricsSnapshot } from './metrics.ts';
import type { ControlBackend } from './server.ts';

/** The parts the views read. */
export interface ControlViewParts {
  readonly version: string;
  /** Where the config came from. */
  readonly source: string;
  readonly clock: Clock;
  readonly startedAt: number;
  readonly backends: ReadonlyMap<string, Backend>;
  readonly services: ServiceRegistry;
  /** Requests and connections held right now for a service, over every entrypoint. */
  readonly held: (service: string) => number;
  readonly metrics: Metrics;
  /** Label discovery, when a provider discovers: each source's standing and the last merge. */
  readonly discovery?: () => DiscoveryView | undefined;
  /** The last config reload's outcome, when there was one. */
  readonly lastReload?: () => object | undefined;
  /** Requests (HTTP) and connections (TCP) held right now for a service, each on its own. */
  readonly holding?: (service: string) => { readonly requests: number; readonly connections: number };
  /** Every supervised loop's state (the daemon's Supervisor). */
  readonly loops?: () => readonly object[];
  /** The prerequisite checks' last results. */
  readonly prerequisites?: () => readonly object[];
  /** Reloads the config (POST /reload) and resolves with the outcome. */
  readonly reload?: () => Promise<object>;
}

/** What the views read of label discovery. */
export interface DiscoveryView {
  status(): readonly object[];
  merged(): { readonly unavailable: readonly { readonly name: string; readonly provider: string; readonly container: string; readonly problems: readonly string[] }[]; readonly shadowed: readonly string[] } | undefined;
}

/** The control API's view of the daemon. */
export class ControlViews implements ControlBackend {
  private readonly parts: ControlViewParts;

  /** POST /reload, when the daemon can reload. */
  readonly reload?: () => Promise<object>;

  constructor(parts: ControlViewParts) {
    this.parts = parts;
    if (parts.reload) this.reload = parts.reload;
  }

  status(): object {
    const { version, source, clock, startedAt, backends, services } = this.parts;
    const discovery = this.parts.discovery?.();
    return {
      version,
      uptime_s: Math.round((clock.now() - startedAt) / 1000),
      config: source,
      providers: [...backends.entries()].map(([name, { provider, feed, stats }]) => {
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
      services: [...services.all().map((s) => this.serviceStatus(s)), ...this.unavailable()],
      ...(discovery && discovery.status().length > 0 ? { discovery: discovery.status() } : {}),
      ...(this.parts.lastReload?.() ? { last_reload: this.parts.lastReload() } : {}),
      ...(discovery ? { discovery: discovery.status() } : {}),
      ...(this.parts.loops ? { loops: this.parts.loops() } : {}),
      ...(this.parts.prerequisites ? { prerequisites: this.parts.prerequisites() } : {}),
    };
  }

  /** Labelled containers that are not served, with why: they are services the operator asked for. */
  private unavailable(): object[] {
    const merged = this.parts.discovery?.()?.merged();
    return (merged?.unavailable ?? []).map((u) => ({ name: u.name, state: 'unavailable', source: 'labels', provider: u.provider, container: u.container, problems: u.problems }));
  }

  metrics(): Promise<{ contentType: string; body: string }> {
    return this.parts.metrics.render();
  }

  hasService(name: string): boolean {
    return this.parts.services.get(name) !== undefined;
  }

  async wake(name: string): Promise<object> {
    const s = this.parts.services.mustGet(name);
    // An operator's explicit wake goes through the backoff that holds requests off.
    await s.whenReady(AbortSignal.timeout(this.parts.services.wakeBudgetMs(name) + 1000), { force: true });
    return s.status();
  }

  sleep(name: string): object {
    const s = this.parts.services.mustGet(name);
    s.sleep('manual');
    return s.status();
  }

  /** What /metrics reads at scrape time. */
  snapshot(): MetricsSnapshot {
    const { backends, services, clock, held } = this.parts;
    return {
      providers: [...backends.entries()].map(([name, b]) => ({ name, online: b.feed.health().online })),
      services: services.all().map((s) => {
        const stats = this.statsOf(s);
        return {
          name: s.name,
          state: s.state,
          inFlight: s.status().in_flight,
          backoffSeconds: s.retryAt === undefined ? 0 : Math.ceil((s.retryAt - clock.now()) / 1000),
          held: held(s.name),
          ...(stats ? { cpuPercent: stats.cpu_percent, memoryBytes: stats.memory_bytes } : {}),
        };
      }),
      disks: [...backends.entries()].flatMap(([provider, b]) => {
        const d = b.stats?.diskUsage();
        return d ? [{ provider, images: d.images_bytes, containers: d.containers_bytes, volumes: d.volumes_bytes, buildCache: d.build_cache_bytes }] : [];
      }),
    };
  }

  /** A service's status with its CPU and memory while awake. */
  private serviceStatus(s: Service): object {
    const stats = this.statsOf(s);
    const found = s.config.discovered;
    const shadowed = this.parts.discovery?.()?.merged()?.shadowed.includes(s.name) ?? false;
    const holding = this.parts.holding?.(s.name);
    return {
      ...s.status(),
      ...(holding ? { held_requests: holding.requests, held_connections: holding.connections } : {}),
      source: found ? 'labels' : 'file',
      ...(found ? { container: found.container, ...(found.compose ? { compose: found.compose } : {}) } : {}),
      // A labelled container the file also defines: the file's definition is the one served.
      ...(shadowed ? { labels_ignored: 'the config file defines this service; its container labels are not used' } : {}),
      ...(stats ? { cpu_percent: stats.cpu_percent, memory_bytes: stats.memory_bytes, ...(stats.memory_limit_bytes ? { memory_limit_bytes: stats.memory_limit_bytes } : {}), stats_at: stats.at } : {}),
    };
  }

  /** The last CPU and memory reading of an awake service. */
  private statsOf(s: Service) {
    const ref = this.parts.services.refOf(s.name);
    return ref && s.state === 'ready' ? this.parts.backends.get(ref.provider)?.stats?.statsOf(ref.id) : undefined;
  }
}
