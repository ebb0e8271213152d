/**
 * Every service of a running drowse: builds them from the config (each with its provider, checks
 * and wake budget), links them along the dependency graph, and routes what the backends observe to
 * the services they concern. Events are treated as "this workload changed": the state is re-read
 * from the provider, not taken from the event, so a replayed `start` of a container that has since
 * stopped cannot wake it.
 */
import { DependencyGraph, type ServiceConfig } from '../config/index.ts';
import { checksFor } from '../health/index.ts';
import { MAX_TIMER_MS, WarnLimiter, systemClock, type Clock, type Logger } from '../kernel/index.ts';
import type { Provider, WorkloadEvent, WorkloadObserver, WorkloadRef } from '../provider/index.ts';
import { Service } from './service.ts';
import { ServiceUpstream } from './upstream.ts';
import type { WakeBackoff } from './state.ts';

/**
 * Workload states read at once when many are re-read together (at start, after a reconnect or a
 * reload). A thousand services otherwise opened a thousand engine connections at the same moment
 * and held every answer in memory together: V8's heap grew to 50 MB during start and kept that
 * much committed afterwards, 80 MB of RSS beyond what the services themselves hold.
 */
export const REFRESH_CONCURRENCY = 16;

/** What the registry is built from. */
export interface ServiceRegistryOptions {
  readonly services: readonly ServiceConfig[];
  /** The provider a config names, or undefined when it names none that is configured. */
  readonly provider: (name: string, service: ServiceConfig) => Provider | undefined;
  readonly log: Logger;
  readonly clock?: Clock;
  /** How long a probe attempt may take when health sets no timeout. */
  readonly probeTimeoutMs: number;
  readonly wakeBackoff?: WakeBackoff;
  /** How long requests to a service whose provider is offline are held before a 503. */
  readonly offlineHoldMs?: number;
}

/** What {@link ServiceRegistry.apply} changed. */
export interface RegistryChange {
  readonly added: readonly Service[];
  /** Services whose definition changed: the old object is stopped, the new one takes its name. */
  readonly replaced: readonly { readonly old: Service; readonly now: Service }[];
  readonly removed: readonly Service[];
}

interface Entry {
  readonly service: Service;
  readonly ref: WorkloadRef;
  readonly provider: Provider;
  /** The definition the service was built from, with its wake budget: equal keys, same service. */
  readonly key: string;
}

/** The services, by name, and the router of workload events to them. */
export class ServiceRegistry implements WorkloadObserver {
  private readonly opts: ServiceRegistryOptions;
  private readonly log: Logger;
  private byName = new Map<string, Entry>();
  private graph: DependencyGraph;
  private readonly warnings = new WarnLimiter();
  /** Entries waiting to be re-read, in order; one waiting read covers any number of reasons. */
  private readonly toRefresh = new Set<Entry>();
  private refreshing = 0;

  constructor(opts: ServiceRegistryOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.graph = new DependencyGraph([]);
    // Built before any feed runs: the first resync reads every state.
    this.apply(opts.services, { read: false });
  }

  /**
   * Makes the registry hold exactly `services` (a config or a discovery has changed): a service
   * whose definition is unchanged keeps its object, state, timers and waiters; a changed one is
   * rebuilt; a removed one is stopped, and its workload left as it is. Everything is relinked
   * along the new dependency graph, which the config has checked for unknown names and cycles.
   * Throws, changing nothing, when a service names a provider that is not configured. New and
   * rebuilt services read their workload's state at once (`read: false` skips it), so a container
   * that already runs is ready and sleeps when idle, without waiting for an event.
   */
  apply(services: readonly ServiceConfig[], opts: { read?: boolean } = {}): RegistryChange {
    const graph = new DependencyGraph(services);
    const next = new Map<string, Entry>();
    const added: Service[] = [];
    const replaced: { old: Service; now: Service }[] = [];
    const budget = (name: string) => Math.min(graph.wakeBudgetMs(name), MAX_TIMER_MS);
    for (const sc of services) {
      const key = JSON.stringify([sc, budget(sc.name)]);
      const old = this.byName.get(sc.name);
      if (old && old.key === key) next.set(sc.name, old);
      else next.set(sc.name, this.build(sc, budget(sc.name), key));
    }
    const removed = [...this.byName.values()].filter((e) => next.get(e.service.name) !== e).map((e) => e.service);
    for (const [name, e] of next) {
      const old = this.byName.get(name);
      if (!old) added.push(e.service);
      else if (old !== e) replaced.push({ old: old.service, now: e.service });
    }
    this.byName = next;
    this.graph = graph;
    for (const { service } of next.values()) {
      const pick = (names: readonly string[]) => names.map((n) => this.mustGet(n));
      service.link(pick(graph.dependenciesOf(service.name)), pick(graph.dependentsOf(service.name)));
    }
    for (const s of removed) s.stop('its definition was changed or removed');
    if (opts.read !== false) for (const e of next.values()) if (!this.wasKept(e, added, replaced)) this.refresh(e);
    return { added, replaced, removed: removed.filter((s) => !next.has(s.name)) };
  }

  /** Every service, in config order. */
  all(): Service[] {
    return [...this.byName.values()].map((e) => e.service);
  }

  get(name: string): Service | undefined {
    return this.byName.get(name)?.service;
  }

  /** The service, or a thrown error naming it (control API callers check has() first). */
  mustGet(name: string): Service {
    const s = this.get(name);
    if (!s) throw new Error(`no service "${name}"`);
    return s;
  }

  /** The workload a service runs as. */
  refOf(name: string): WorkloadRef | undefined {
    return this.byName.get(name)?.ref;
  }

  /**
   * How long a wake of the service may take, its dependencies' wakes included. Held requests wait
   * on plain timers, which Node cuts to 1 ms past 2^31 ms; no wake needs 24 days.
   */
  wakeBudgetMs(name: string): number {
    return Math.min(this.graph.wakeBudgetMs(name), MAX_TIMER_MS);
  }

  /** Workloads of the services on `provider` that are awake now: the ones worth reading stats of. */
  awakeOn(provider: string): string[] {
    return [...this.byName.values()].filter((e) => e.ref.provider === provider && e.service.state === 'ready').map((e) => e.ref.id);
  }

  /** Whether a service on `provider` is waking: a polling feed looks more often meanwhile. */
  wakingOn(provider: string): boolean {
    for (const e of this.byName.values()) if (e.ref.provider === provider && e.service.state === 'waking') return true;
    return false;
  }

  onWorkloadEvent(event: WorkloadEvent): void {
    for (const e of this.on(event.provider, event.id)) this.refresh(e);
  }

  onWorkloadHealth(provider: string, id: string): void {
    for (const e of this.on(provider, id)) e.service.nudge();
  }

  onResync(provider: string): void {
    for (const e of this.byName.values()) if (e.ref.provider === provider) this.refresh(e);
  }

  /**
   * Offline: the provider's services become `unknown` (what drowse believed of them may be stale).
   * Online needs nothing here: the feed's resync that follows every reconnect settles them. The
   * feed that reports it keeps the provider's health.
   */
  onProviderOnline(provider: string, online: boolean, error?: Error): void {
    if (online) {
      this.log.info({ provider }, 'provider online');
      return;
    }
    this.log.warn({ provider, err: error?.message }, 'provider unreachable; retrying in the background');
    for (const e of this.byName.values()) if (e.ref.provider === provider) e.service.providerOffline(provider, error);
  }

  /** Stops every service's timers and abandons running wakes; workloads are left as they are. */
  stop(): void {
    for (const { service } of this.byName.values()) service.stop();
  }

  private build(sc: ServiceConfig, wakeBudgetMs: number, key: string): Entry {
    const ref = sc.workload;
    const provider = this.opts.provider(ref.provider, sc);
    if (!provider) throw new Error(`service "${sc.name}": provider "${ref.provider}" is not configured`);
    const upstream = new ServiceUpstream(sc, { provider, ref });
    const { readiness, ownHealth } = checksFor(sc, provider, ref, this.opts.probeTimeoutMs, upstream);
    const service = new Service({
      config: sc,
      provider,
      ref,
      upstream,
      readiness,
      ...(ownHealth ? { ownHealth } : {}),
      log: this.log,
      clock: this.opts.clock ?? systemClock,
      wakeBudgetMs,
      ...(this.opts.wakeBackoff ? { wakeBackoff: this.opts.wakeBackoff } : {}),
      ...(this.opts.offlineHoldMs === undefined ? {} : { offlineHoldMs: this.opts.offlineHoldMs }),
    });
    return { service, ref, provider, key };
  }

  private wasKept(e: Entry, added: readonly Service[], replaced: readonly { now: Service }[]): boolean {
    return !added.includes(e.service) && !replaced.some((r) => r.now === e.service);
  }

  private *on(provider: string, id: string) {
    for (const e of this.byName.values()) if (e.ref.provider === provider && e.ref.id === id) yield e;
  }

  private refresh(e: Entry): void {
    this.toRefresh.add(e);
    this.pumpRefreshes();
  }

  private pumpRefreshes(): void {
    for (const e of this.toRefresh) {
      if (this.refreshing >= REFRESH_CONCURRENCY) return;
      this.toRefresh.delete(e);
      this.refreshing++;
      e.provider.status(e.ref).then(
        (st) => e.service.observe(st.state),
        (err: unknown) => {
          const limited = this.warnings.allow(`refresh:${e.service.name}`);
          if (limited) this.log.warn({ service: e.service.name, provider: e.ref.provider, err, suppressed: limited.suppressed }, 'reading workload state failed');
        },
      ).finally(() => {
        this.refreshing--;
        this.pumpRefreshes();
      });
    }
  }
}
