/**
 * A feed for backends that can only be asked, not listened to: Docker's `events: poll` mode (for
 * engines behind proxies that cut long-lived streams) and HTTP APIs such as Proxmox's. Every
 * interval one list() reads every workload's state; a workload whose state changed is reported
 * like an event, and the first list after any failure asks for a full resync. Failures back off
 * like a stream's reconnects do.
 */
import { SupervisedLoop, sleep, systemClock, type AttemptContext, type BackoffOptions, type Clock, type Logger, type LoopStatus } from '../kernel/index.ts';
import { HealthRecord, RECONNECT_BACKOFF, type Feed, type ProviderHealth } from './feed.ts';
import type { WorkloadObserver, WorkloadState } from './provider.ts';

/** Options of a {@link PollFeed}. */
export interface PollFeedOptions {
  /** The provider's name; events and callbacks carry it. */
  readonly provider: string;
  /** The backend's kind, to name the loop in logs (`docker poll "local"`). */
  readonly kind: string;
  /** Every workload the backend knows, by id; a failure should be a ProviderError. */
  list(signal: AbortSignal): Promise<ReadonlyMap<string, WorkloadState>>;
  /**
   * The pause between lists. A function is asked again while the feed waits (at least every
   * {@link RECHECK_MS}), so a shorter interval — Proxmox while a service wakes — applies at once.
   */
  readonly intervalMs: number | (() => number);
  readonly log: Logger;
  readonly backoff?: BackoffOptions;
  readonly clock?: Clock;
}

/** How often a changing interval is read again while the feed waits. */
const RECHECK_MS = 250;

/** Lists workloads on an interval instead of streaming events. */
export class PollFeed implements Feed {
  readonly #opts: PollFeedOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #loop: SupervisedLoop;
  readonly #health: HealthRecord;
  #observer: WorkloadObserver | undefined;

  constructor(opts: PollFeedOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ provider: opts.provider, monitor: `${opts.kind}-poll` });
    this.#clock = opts.clock ?? systemClock;
    this.#health = new HealthRecord(this.#clock);
    this.#loop = new SupervisedLoop({
      name: `${opts.kind} poll "${opts.provider}"`,
      run: (ctx) => this.#attempt(ctx),
      onAttemptEnd: (err) => this.#setOnline(false, err),
      backoff: opts.backoff ?? RECONNECT_BACKOFF,
      stableMs: this.#interval() * 2,
      log: this.#log,
      clock: this.#clock,
    });
  }

  start(observer: WorkloadObserver): void {
    this.#observer = observer;
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    this.#health.forget();
  }

  state(): LoopStatus {
    return this.#loop.status();
  }

  health(): ProviderHealth {
    return this.#health.get();
  }

  /** Polls until a list fails; the loop then backs off and the next attempt starts with a resync. */
  async #attempt({ signal, healthy }: AttemptContext): Promise<void> {
    let known: ReadonlyMap<string, WorkloadState> | undefined;
    for (;;) {
      const now = await this.#opts.list(signal);
      if (!known) {
        healthy();
        this.#setOnline(true);
        this.#observer?.onResync(this.#opts.provider);
      } else {
        for (const [id, state] of now) if (known.get(id) !== state) this.#report(id, state);
        for (const id of known.keys()) if (!now.has(id)) this.#report(id, 'missing');
      }
      known = now;
      await this.#pause(signal);
      signal.throwIfAborted();
    }
  }

  #interval(): number {
    const { intervalMs } = this.#opts;
    return typeof intervalMs === 'number' ? intervalMs : intervalMs();
  }

  /** Waits out the interval; a function interval is read again as the wait goes on. */
  async #pause(signal: AbortSignal): Promise<void> {
    if (typeof this.#opts.intervalMs === 'number') return sleep(this.#clock, this.#opts.intervalMs, signal);
    const from = this.#clock.now();
    for (;;) {
      const left = from + this.#interval() - this.#clock.now();
      if (left <= 0 || signal.aborted) return;
      await sleep(this.#clock, Math.min(left, RECHECK_MS), signal);
    }
  }

  #report(id: string, state: WorkloadState): void {
    this.#log.debug({ workload: id, state }, 'workload changed (poll)');
    this.#observer?.onWorkloadEvent({ provider: this.#opts.provider, id, state, action: 'poll', at: new Date(this.#clock.now()) });
  }

  #setOnline(online: boolean, error?: Error): void {
    if (!this.#health.report(online, error)) return;
    this.#observer?.onProviderOnline(this.#opts.provider, online, online ? undefined : error);
  }
}
