/**
 * The one place that knows every long-running loop of a running drowse: each engine's feed, its
 * stats monitors, the label watcher, liveness monitors, and whatever comes later (the event log
 * writer). Loops keep running on their own (SupervisedLoop restarts a failed attempt with backoff);
 * the supervisor reads each one's state at request time, so loops that come and go with services
 * or providers are never cached, and /status shows them all in one shape.
 */
import { systemClock, type Clock } from './clock.ts';
import type { LoopStatus } from './backoff.ts';

/** A loop switched off for good (an endpoint the engine refuses), with why. */
export interface OffLoopStatus {
  readonly state: 'off';
  readonly reason: string;
  readonly since: Date;
}

/** What a source reports of one loop. */
export type AnyLoopStatus = LoopStatus | OffLoopStatus;

/** One loop as /status shows it. */
export interface LoopView {
  readonly name: string;
  readonly state: LoopStatus['state'];
  readonly since: string;
  /** Attempts that failed in a row. */
  readonly failures: number;
  readonly last_error?: string;
  /** While in backoff: how long until the next attempt. */
  readonly retry_in_ms?: number;
  /** Why a loop is stopped for good. */
  readonly reason?: string;
}

/** Names and states of some loops, read when asked. */
export type LoopSource = () => Iterable<readonly [string, AnyLoopStatus]>;

/** Every loop's state, from the sources registered with it. */
export class Supervisor {
  readonly #clock: Clock;
  readonly #sources = new Set<LoopSource>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Registers one loop by name; returns the unregister. */
  watch(name: string, status: () => AnyLoopStatus): () => void {
    return this.watchAll(() => [[name, status()]]);
  }

  /** Registers a source of loops that may change (one per awake service, say); returns the unregister. */
  watchAll(source: LoopSource): () => void {
    this.#sources.add(source);
    return () => this.#sources.delete(source);
  }

  /** Every loop now, in registration order. A source that throws is shown as one degraded loop, never breaks /status. */
  status(): LoopView[] {
    const out: LoopView[] = [];
    for (const source of this.#sources) {
      try {
        for (const [name, s] of source()) out.push(this.#view(name, s));
      } catch (err) {
        out.push({ name: 'supervisor', state: 'degraded', since: new Date(this.#clock.now()).toISOString(), failures: 1, last_error: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  }

  /** Loops that are not well: degraded or in backoff. */
  unwell(): LoopView[] {
    return this.status().filter((l) => l.state === 'degraded' || l.state === 'backoff');
  }

  #view(name: string, s: AnyLoopStatus): LoopView {
    if (s.state === 'off') return { name, state: 'stopped', since: s.since.toISOString(), failures: 0, reason: s.reason };
    const left = s.state === 'backoff' && s.retryAt ? Math.max(0, s.retryAt.getTime() - this.#clock.now()) : undefined;
    return {
      name,
      state: s.state,
      since: s.since.toISOString(),
      failures: s.failures ?? 0,
      ...(s.lastError === undefined ? {} : { last_error: s.lastError }),
      ...(left === undefined ? {} : { retry_in_ms: left }),
    };
  }
}
