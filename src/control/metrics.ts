/**
 * Prometheus metrics for GET /metrics (prom-client). Counters and histograms follow the wake
 * events as they happen; gauges (provider up, in flight, held, CPU, memory, disk) are read from the
 * daemon at scrape time, so they can never drift from what /status says.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WakeEvent } from '../service/index.ts';

/** What the gauges show, read at scrape time. */
export interface MetricsSnapshot {
  readonly providers: readonly { readonly name: string; readonly online: boolean }[];
  readonly services: readonly {
    readonly name: string;
    readonly state: string;
    readonly inFlight: number;
    readonly held: number;
    /** Seconds until requests may wake it again after failed wakes; 0 when no backoff holds them. */
    readonly backoffSeconds?: number;
    readonly cpuPercent?: number;
    readonly memoryBytes?: number;
  }[];
  readonly disks: readonly { readonly provider: string; readonly images: number; readonly containers: number; readonly volumes: number; readonly buildCache: number }[];
}

const STATES = ['asleep', 'waking', 'ready', 'stopping', 'error', 'unknown'] as const;
/** Wakes take from tens of milliseconds (a paused container) to minutes (a big JVM). */
const WAKE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];

/** The drowse metrics registry. */
export class Metrics {
  private readonly registry = new Registry();
  private readonly wakes: Counter<'service' | 'result'>;
  private readonly wakeSeconds: Histogram<'service' | 'phase'>;
  private readonly stops: Counter<'service' | 'reason'>;
  private readonly restarts: Counter<'service'>;
  private readonly eventLogDrops: Counter;
  /** Per service: when the phases of the current wake began. */
  private readonly marks = new Map<string, { waking?: number; starting?: number; probing?: number }>();

  private readonly snapshot: () => MetricsSnapshot;
  /** The snapshot of the scrape in progress: taken once per render, read by every gauge. */
  private current: MetricsSnapshot = { providers: [], services: [], disks: [] };

  constructor(snapshot: () => MetricsSnapshot) {
    this.snapshot = snapshot;
    const registers = [this.registry];
    this.wakes = new Counter({ name: 'drowse_wakes_total', help: 'Wakes that ended, by result (ready or error).', labelNames: ['service', 'result'], registers });
    this.wakeSeconds = new Histogram({
      name: 'drowse_wake_duration_seconds',
      help: 'Wake duration by phase: start (provider start), readiness (until the check passed), total.',
      labelNames: ['service', 'phase'],
      buckets: WAKE_BUCKETS,
      registers,
    });
    this.stops = new Counter({ name: 'drowse_stops_total', help: 'Services put to sleep, by reason (idle, manual, restart).', labelNames: ['service', 'reason'], registers });
    this.restarts = new Counter({ name: 'drowse_restarts_total', help: 'Restarts by the liveness monitor.', labelNames: ['service'], registers });
    this.eventLogDrops = new Counter({ name: 'drowse_event_log_dropped_total', help: 'Event log lines dropped because the disk was slow, stalled or failing (writes never hold up a request).', registers });
    const read = () => this.current;
    new Gauge({
      name: 'drowse_provider_up',
      help: '1 when the provider (engine) is reachable.',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const p of read().providers) this.set({ provider: p.name }, p.online ? 1 : 0);
      },
    });
    new Gauge({
      name: 'drowse_service_state',
      help: '1 for the state the service is in.',
      labelNames: ['service', 'state'],
      registers,
      collect() {
        this.reset();
        for (const s of read().services) for (const st of STATES) this.set({ service: s.name, state: st }, s.state === st ? 1 : 0);
      },
    });
    const perService = (name: string, help: string, pick: (s: MetricsSnapshot['services'][number]) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['service'],
        registers,
        collect() {
          this.reset();
          for (const s of read().services) {
            const v = pick(s);
            if (v !== undefined) this.set({ service: s.name }, v);
          }
        },
      });
    perService('drowse_in_flight', 'Requests and connections in flight.', (s) => s.inFlight);
    perService('drowse_requests_held', 'Requests and connections held while the service wakes.', (s) => s.held);
    perService('drowse_wake_backoff_seconds', 'Seconds until requests may wake the service again after failed wakes (0: no backoff).', (s) => s.backoffSeconds ?? 0);
    perService('drowse_service_cpu_percent', 'CPU use of an awake service (100 = one CPU).', (s) => s.cpuPercent);
    perService('drowse_service_memory_bytes', 'Memory of an awake service, without inactive page cache.', (s) => s.memoryBytes);
    new Gauge({
      name: 'drowse_engine_disk_bytes',
      help: 'Disk used on a Docker engine, by kind.',
      labelNames: ['provider', 'kind'],
      registers,
      collect() {
        this.reset();
        for (const d of read().disks) {
          this.set({ provider: d.provider, kind: 'images' }, d.images);
          this.set({ provider: d.provider, kind: 'containers' }, d.containers);
          this.set({ provider: d.provider, kind: 'volumes' }, d.volumes);
          this.set({ provider: d.provider, kind: 'build_cache' }, d.buildCache);
        }
      },
    });
  }

  /** Follows one service event. */
  observe(e: WakeEvent): void {
    const at = Date.parse(e.at);
    const m = this.marks.get(e.service) ?? {};
    this.marks.set(e.service, m);
    const since = (t: number | undefined) => (t === undefined ? undefined : Math.max(0, at - t) / 1000);
    switch (e.type) {
      case 'waking':
        this.marks.set(e.service, { waking: at });
        return;
      case 'starting':
        m.starting = at;
        return;
      case 'started': {
        const s = since(m.starting);
        if (s !== undefined) this.wakeSeconds.observe({ service: e.service, phase: 'start' }, s);
        return;
      }
      case 'probing':
        m.probing = at;
        return;
      case 'ready': {
        const r = since(m.probing);
        const total = since(m.waking);
        if (r !== undefined) this.wakeSeconds.observe({ service: e.service, phase: 'readiness' }, r);
        if (total !== undefined) this.wakeSeconds.observe({ service: e.service, phase: 'total' }, total);
        if (m.waking !== undefined) this.wakes.inc({ service: e.service, result: 'ready' });
        this.marks.delete(e.service);
        return;
      }
      case 'error':
        if (m.waking !== undefined) this.wakes.inc({ service: e.service, result: 'error' });
        this.marks.delete(e.service);
        return;
      case 'stopping':
        this.stops.inc({ service: e.service, reason: e.reason ?? 'unknown' });
        return;
      case 'restarting':
        this.restarts.inc({ service: e.service });
        return;
      default:
        return;
    }
  }

  /** Counts event log lines the writer dropped. */
  eventLogDropped(lines: number): void {
    this.eventLogDrops.inc(lines);
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    this.current = this.snapshot();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
