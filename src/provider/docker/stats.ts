/**
 * Resource use of awake services and of the engine's disk, read on intervals. CPU % and memory are
 * computed the way the docker CLI computes them: CPU from the delta between two samples the engine
 * takes, memory as usage minus inactive page cache (a container's file cache is reclaimable, and
 * counting it would make every file server look like it leaks).
 */
import type Docker from 'dockerode';
import { SupervisedLoop, errorMessage, sleep, systemClock, type AttemptContext, type Clock, type Logger } from '../../kernel/index.ts';
import type { BackendStats, DiskUsage, MonitorStatus, OffMonitorStatus, WorkloadStats } from '../backend.ts';
import { RECONNECT_BACKOFF } from '../feed.ts';

/** The parts of a /containers/{id}/stats answer used here (cgroup v1 and v2 shapes). */
export interface RawStats {
  readonly cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  readonly precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  readonly memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

/** CPU use in percent of one CPU (200 = two CPUs busy), as `docker stats` shows it. */
export function cpuPercent(s: RawStats): number {
  const cpu = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const system = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
  if (cpu <= 0 || system <= 0) return 0;
  return Math.round((cpu / system) * cpus * 100 * 100) / 100;
}

/** Memory in use without the inactive page cache: cgroup v1 total_inactive_file, v2 inactive_file. */
export function memoryUsed(s: RawStats): number {
  const usage = s.memory_stats?.usage ?? 0;
  const st = s.memory_stats?.stats ?? {};
  const cache = st['total_inactive_file'] ?? st['inactive_file'] ?? 0;
  return cache < usage ? usage - cache : usage;
}

/** Sums /system/df into the four numbers people ask about. */
export function diskUsageOf(df: {
  LayersSize?: number;
  Containers?: { SizeRw?: number }[] | null;
  Volumes?: { UsageData?: { Size?: number } | null }[] | null;
  BuildCache?: { Size?: number }[] | null;
}, at: Date): DiskUsage {
  const sum = <T>(xs: readonly T[] | null | undefined, f: (x: T) => number | undefined) => (xs ?? []).reduce((n, x) => n + Math.max(0, f(x) ?? 0), 0);
  return {
    images_bytes: Math.max(0, df.LayersSize ?? 0),
    containers_bytes: sum(df.Containers, (c) => c.SizeRw),
    volumes_bytes: sum(df.Volumes, (v) => v.UsageData?.Size),
    build_cache_bytes: sum(df.BuildCache, (b) => b.Size),
    at: at.toISOString(),
  };
}

/** The monitors, as /status names them. */
type MonitorName = 'stats' | 'disk_usage';

/** What a tick tells the loop: go on, or this monitor is off for good. */
type Tick = 'off' | undefined;

/**
 * Whether the engine refused the call itself (403), as a socket proxy does for an endpoint it does
 * not allow: asking again cannot help, unlike a timeout or a 500.
 */
export function isDenied(err: unknown): boolean {
  return (err as { statusCode?: unknown } | null)?.statusCode === 403;
}

/** Options of a {@link DockerStats}. */
export interface DockerStatsOptions {
  readonly provider: string;
  readonly docker: Docker;
  /** The containers (ref ids) of services that are awake right now. */
  readonly awake: () => readonly string[];
  readonly statsIntervalMs: number;
  readonly diskUsageIntervalMs: number;
  /** Stats calls in flight at once; each takes about a second (the engine samples twice). 4 unless told. */
  readonly concurrency?: number;
  readonly log: Logger;
  readonly clock?: Clock;
}

/** Reads stats of awake containers and the engine's disk usage, each on its own interval and backoff. */
export class DockerStats implements BackendStats {
  readonly #opts: DockerStatsOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #stats = new Map<string, WorkloadStats>();
  #disk: DiskUsage | undefined;
  readonly #statsLoop: SupervisedLoop;
  readonly #diskLoop: SupervisedLoop;
  readonly #off = new Map<MonitorName, OffMonitorStatus>();

  constructor(opts: DockerStatsOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ provider: opts.provider, monitor: 'docker-stats' });
    this.#clock = opts.clock ?? systemClock;
    const loop = (name: string, everyMs: number, tick: (signal: AbortSignal) => Promise<Tick>) =>
      new SupervisedLoop({
        name: `docker ${name} "${opts.provider}"`,
        run: (ctx) => this.#every(ctx, everyMs, tick),
        backoff: RECONNECT_BACKOFF,
        stableMs: everyMs,
        log: this.#log,
        clock: this.#clock,
      });
    this.#statsLoop = loop('stats', opts.statsIntervalMs, (s) => this.#readStats(s));
    this.#diskLoop = loop('disk usage', opts.diskUsageIntervalMs, (s) => this.#readDisk(s));
  }

  start(): void {
    // A restart asks again: whoever switched a monitor off by denying it may have allowed it since.
    this.#off.clear();
    this.#statsLoop.start();
    this.#diskLoop.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.#statsLoop.stop(), this.#diskLoop.stop()]);
  }

  /** The last stats of a container, while its service is awake. */
  statsOf(id: string): WorkloadStats | undefined {
    return this.#stats.get(id);
  }

  diskUsage(): DiskUsage | undefined {
    return this.#disk;
  }

  state(): { stats: MonitorStatus; disk_usage: MonitorStatus } {
    return { stats: this.#off.get('stats') ?? this.#statsLoop.status(), disk_usage: this.#off.get('disk_usage') ?? this.#diskLoop.status() };
  }

  /**
   * Runs `tick` now and then every `everyMs`; a failing tick ends the attempt so the loop backs off.
   * A tick that switched its monitor off parks the loop until it is stopped: resolving would
   * count as an ending and start it again.
   */
  async #every({ signal, healthy }: AttemptContext, everyMs: number, tick: (signal: AbortSignal) => Promise<Tick>): Promise<void> {
    for (;;) {
      if ((await tick(signal)) === 'off') {
        healthy();
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        signal.throwIfAborted();
      }
      healthy();
      await sleep(this.#clock, everyMs, signal);
      signal.throwIfAborted();
    }
  }

  /** Switches a monitor off with one warning that says which endpoint was refused and what to do. */
  #switchOff(monitor: MonitorName, endpoint: string, err: unknown): 'off' {
    const what = monitor === 'stats' ? 'stats' : 'disk usage';
    const reason = `the engine answered 403 to ${endpoint} (a socket proxy denying it?): ${what} off until drowse restarts`;
    this.#off.set(monitor, { state: 'off', reason, since: new Date(this.#clock.now()) });
    this.#log.warn(
      { endpoint, status: 403, error: errorMessage(err) },
      `${what} off: the engine (or a socket proxy in front of it) denies ${endpoint}; drowse serves on without it (allow it and restart drowse to turn ${what} back on)`,
    );
    return 'off';
  }

  async #readStats(signal: AbortSignal): Promise<Tick> {
    let denied = false;
    const awake = [...new Set(this.#opts.awake())];
    for (const id of this.#stats.keys()) if (!awake.includes(id)) this.#stats.delete(id);
    const queue = [...awake];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && !denied; id = queue.shift()) {
        try {
          // @types/dockerode types stats() loosely; with stream: false the engine answers one JSON document.
          const container = this.#opts.docker.getContainer(id) as unknown as { stats(opts: { stream: false; abortSignal: AbortSignal }): Promise<RawStats> };
          const raw = await container.stats({ stream: false, abortSignal: signal });
          if (denied || !this.#opts.awake().includes(id)) continue;
          this.#stats.set(id, {
            cpu_percent: cpuPercent(raw),
            memory_bytes: memoryUsed(raw),
            ...(raw.memory_stats?.limit ? { memory_limit_bytes: raw.memory_stats.limit } : {}),
            at: new Date(this.#clock.now()).toISOString(),
          });
        } catch (err) {
          if (signal.aborted) return;
          if (isDenied(err)) {
            if (!denied) this.#switchOff('stats', 'GET /containers/{id}/stats', err);
            denied = true;
            this.#stats.clear();
            return;
          }
          // One container that went away mid-read is not the engine failing.
          this.#log.debug({ container: id, err }, 'stats read failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#opts.concurrency ?? 4, queue.length) }, worker));
    return denied ? 'off' : undefined;
  }

  async #readDisk(signal: AbortSignal): Promise<Tick> {
    // @types/dockerode omits df()'s options, but dockerode passes abortSignal through.
    const docker = this.#opts.docker as unknown as { df(opts: { abortSignal: AbortSignal }): Promise<Parameters<typeof diskUsageOf>[0]> };
    try {
      this.#disk = diskUsageOf(await docker.df({ abortSignal: signal }), new Date(this.#clock.now()));
      return undefined;
    } catch (err) {
      if (!isDenied(err) || signal.aborted) throw err;
      this.#disk = undefined;
      return this.#switchOff('disk_usage', 'GET /system/df', err);
    }
  }
}
