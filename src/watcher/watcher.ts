/**
 * The configuration watcher (Traefik's shape): every source sends a whole snapshot, never a diff;
 * the watcher keeps the latest per source, merges them with the file's config (the file wins) and
 * hands the merged set on, only when it differs from the last. Label discovery is such a source,
 * one per provider that discovers; a reload of the file will come through the same merge.
 */
import { servicesFromLabels, withDiscovered, type DiscoveredConfig, type DrowseConfig, type LabelledWorkload } from '../config/index.ts';
import { Backoff, errorMessage, systemClock, WarnLimiter, type Clock, type Logger } from '../kernel/index.ts';
import type { Discovery } from '../provider/index.ts';

/** One source of discovered services. */
export interface WatchedSource {
  readonly provider: string;
  readonly discovery: Discovery;
}

/** Options of {@link ConfigWatcher}. */
export interface ConfigWatcherOptions {
  /** The file's config (or the embedded default); a reload replaces it with setFile(). */
  readonly file: DrowseConfig;
  readonly sources: readonly WatchedSource[];
  /** Receives every merged set that differs from the one before. */
  readonly apply: (merged: DiscoveredConfig) => void;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Events arrive in bursts (compose up creates many containers): one listing after they settle. */
  readonly settleMs?: number;
}

/** How one source stands, for /status. */
export interface SourceStatus {
  readonly provider: string;
  /** Labelled containers in the last snapshot. */
  readonly containers: number;
  readonly listed_at?: string;
  readonly error?: string;
}

interface SourceState {
  snapshot: readonly LabelledWorkload[];
  listedAt?: number;
  error?: string;
  timer?: ReturnType<typeof setTimeout>;
  running?: Promise<void>;
  again: boolean;
  readonly backoff: Backoff;
}

/** Keeps discovered services in step with the engines. */
export class ConfigWatcher {
  readonly #opts: ConfigWatcherOptions;
  #file: DrowseConfig;
  readonly #clock: Clock;
  readonly #sources = new Map<string, SourceState>();
  readonly #warnings = new WarnLimiter();
  #last: string | undefined;
  #merged: DiscoveredConfig | undefined;
  #stopped = false;

  constructor(opts: ConfigWatcherOptions) {
    this.#opts = opts;
    this.#file = opts.file;
    this.#clock = opts.clock ?? systemClock;
    for (const s of opts.sources) this.#sources.set(s.provider, { snapshot: [], again: false, backoff: new Backoff({ initialMs: 2000, maxMs: 60_000 }) });
  }

  /** Lists every source once, waiting at most `withinMs`; a source that is down is retried in the background. */
  async start(withinMs: number): Promise<void> {
    const first = Promise.all([...this.#sources.keys()].map((p) => this.#list(p)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([first, new Promise((resolve) => (timer = setTimeout(resolve, withinMs)))]);
    clearTimeout(timer);
  }

  /** Something changed on `provider` (a container created or removed, a reconnect): list it again soon. */
  changed(provider: string): void {
    const s = this.#sources.get(provider);
    if (!s || this.#stopped) return;
    clearTimeout(s.timer);
    s.timer = setTimeout(() => void this.#list(provider), this.#opts.settleMs ?? 100);
  }

  /** A reloaded file: merged with the snapshots the sources last sent, and applied if that changed anything. */
  setFile(file: DrowseConfig): void {
    this.#file = file;
    this.#merge();
  }

  /** The last merge: unavailable and shadowed services. */
  merged(): DiscoveredConfig | undefined {
    return this.#merged;
  }

  status(): SourceStatus[] {
    return [...this.#sources.entries()].map(([provider, s]) => ({
      provider,
      containers: s.snapshot.length,
      ...(s.listedAt === undefined ? {} : { listed_at: new Date(s.listedAt).toISOString() }),
      ...(s.error === undefined ? {} : { error: s.error }),
    }));
  }

  stop(): void {
    this.#stopped = true;
    for (const s of this.#sources.values()) clearTimeout(s.timer);
  }

  /** One listing at a time per source; a change noticed meanwhile lists once more after it. */
  #list(provider: string): Promise<void> {
    const s = this.#sources.get(provider);
    if (!s) return Promise.resolve();
    if (s.running) {
      s.again = true;
      return s.running;
    }
    const source = this.#opts.sources.find((x) => x.provider === provider);
    s.running = (async () => {
      try {
        s.snapshot = source ? await source.discovery.list() : [];
        s.listedAt = this.#clock.now();
        delete s.error;
        s.backoff.reset();
        this.#merge();
        const every = source?.discovery.pollMs;
        if (every !== undefined && !this.#stopped) {
          clearTimeout(s.timer);
          s.timer = setTimeout(() => void this.#list(provider), every);
        }
      } catch (err) {
        s.error = errorMessage(err);
        const limited = this.#warnings.allow(`list:${provider}`);
        if (limited) this.#opts.log.warn({ provider, err: s.error, suppressed: limited.suppressed }, 'listing labelled containers failed; retrying');
        if (!this.#stopped) {
          clearTimeout(s.timer);
          s.timer = setTimeout(() => void this.#list(provider), s.backoff.next());
        }
      } finally {
        s.running = undefined;
        if (s.again && !this.#stopped) {
          s.again = false;
          void this.#list(provider);
        }
      }
    })();
    return s.running;
  }

  #merge(): void {
    if (this.#stopped) return;
    const all = [...this.#sources.values()].flatMap((s) => s.snapshot);
    const merged = withDiscovered(this.#file, servicesFromLabels(all));
    const key = JSON.stringify([merged.config.services, merged.unavailable, merged.shadowed]);
    if (key === this.#last) return;
    this.#last = key;
    this.#merged = merged;
    for (const u of merged.unavailable) this.#opts.log.warn({ service: u.name, provider: u.provider, container: u.container, problems: u.problems }, 'labelled container is not served: its labels have problems');
    this.#opts.apply(merged);
  }
}
