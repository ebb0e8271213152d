/**
 * Repeated warnings are rate-limited per key: a dead upstream or an engine that keeps refusing must
 * not write a line per request. The first warning of a key is let through, then at most one per
 * interval, carrying how many were held back since.
 */
import { systemClock, type Clock } from './clock.ts';

/** Decides whether a warning under a key may be written now. */
export class WarnLimiter {
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly seen = new Map<string, { at: number; suppressed: number }>();
  /** Keys are forgotten beyond this many, so a flood of distinct keys cannot grow the map. */
  private readonly maxKeys: number;

  constructor(opts: { intervalMs?: number; clock?: Clock; maxKeys?: number } = {}) {
    this.intervalMs = opts.intervalMs ?? 60_000;
    this.clock = opts.clock ?? systemClock;
    this.maxKeys = opts.maxKeys ?? 1_000;
  }

  /** Undefined when the warning should be dropped; else how many under this key were dropped before it. */
  allow(key: string): { suppressed: number } | undefined {
    const now = this.clock.now();
    const entry = this.seen.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return undefined;
    }
    if (!entry && this.seen.size >= this.maxKeys) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, { at: now, suppressed: 0 });
    return { suppressed: entry?.suppressed ?? 0 };
  }

  /** Forgets a key, so its next warning is written at once (the condition ended and came back). */
  reset(key: string): void {
    this.seen.delete(key);
  }
}
