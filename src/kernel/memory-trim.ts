/**
 * Gives memory back to the system once drowse goes quiet after work that grew it: start-up with
 * many services, a reload, a wave of requests. V8 keeps the pages such a burst filled after their
 * garbage is gone, and its own memory reducer, which would release them, judges an idle drowse's
 * allocation rate "high" and keeps waiting (seen with --trace-memory-reducer). With 1,000 services
 * that left 125 MB resident around 21 MB of live heap. A last-resort major GC compacts the heap and
 * releases the emptied pages (125 → 100 MB there).
 *
 * Such a GC stops the event loop for tens of milliseconds, so it runs only after a whole interval
 * in which the loop was nearly idle, and only when the process has grown since the last one.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from './log.ts';

/** V8's gc() with options (its gc extension): a synchronous major GC that may release memory. */
type GcWithOptions = (opts: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export const TRIM_INTERVAL_MS = 5_000;
/** Growth since the last trim that makes one worth its pause: the noise of an idle heap is smaller. */
export const TRIM_MIN_GROWTH_BYTES = 8 * 1024 * 1024;
/** The share of the interval the loop may have been busy for it still to count as quiet. */
export const TRIM_MAX_UTILIZATION = 0.02;

export interface MemoryTrimOptions {
  /** Runs the GC; from {@link lastResortCollector} unless a test injects one. */
  readonly collect: () => void;
  readonly log: Logger;
  readonly intervalMs?: number;
  readonly minGrowthBytes?: number;
  readonly maxUtilization?: number;
  /** Resident memory now, in bytes. */
  readonly rss?: () => number;
  /** How busy the event loop was since the previous call (0–1). */
  readonly utilization?: () => number;
}

/**
 * A last-resort GC function, or undefined where V8 refuses one. Node has no API for it: the flag
 * that exposes gc() applies to contexts created after it is set, so a fresh context lends its
 * gc(), and the flag is cleared again so that nothing else gains it.
 */
export function lastResortCollector(): (() => void) | undefined {
  try {
    let gc = (globalThis as { gc?: GcWithOptions }).gc;
    if (gc === undefined) {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as GcWithOptions | undefined;
      v8.setFlagsFromString('--no-expose-gc');
    }
    if (typeof gc !== 'function') return undefined;
    const run = gc;
    return () => run({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } catch {
    return undefined;
  }
}

function loopUtilization(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return u;
  };
}

export class MemoryTrim {
  readonly #collect: () => void;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #minGrowth: number;
  readonly #maxUtilization: number;
  readonly #rss: () => number;
  readonly #utilization: () => number;
  /** The lowest RSS since the last trim (0 before the first: the first quiet interval trims once). */
  #floor = 0;
  #timer: NodeJS.Timeout | undefined;
  #trims = 0;
  #failed = false;

  constructor(opts: MemoryTrimOptions) {
    this.#collect = opts.collect;
    this.#log = opts.log;
    this.#intervalMs = opts.intervalMs ?? TRIM_INTERVAL_MS;
    this.#minGrowth = opts.minGrowthBytes ?? TRIM_MIN_GROWTH_BYTES;
    this.#maxUtilization = opts.maxUtilization ?? TRIM_MAX_UTILIZATION;
    this.#rss = opts.rss ?? (() => process.memoryUsage.rss());
    this.#utilization = opts.utilization ?? loopUtilization();
  }

  /** How many trims have run. */
  get trims(): number {
    return this.#trims;
  }

  start(): void {
    if (this.#timer) return;
    // Unref'd: the check must never keep a stopping process alive.
    this.#timer = setInterval(() => this.check(), this.#intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One interval's decision: trims when the loop was quiet and RSS has grown; true when it did. */
  check(): boolean {
    if (this.#failed) return false;
    const busy = this.#utilization();
    const rss = this.#rss();
    if (busy > this.#maxUtilization || rss - this.#floor < this.#minGrowth) {
      this.#floor = this.#floor === 0 ? 0 : Math.min(this.#floor, rss);
      return false;
    }
    const t0 = performance.now();
    try {
      this.#collect();
    } catch (err) {
      this.#log.warn({ err }, 'memory trim failed; it is not tried again');
      this.#failed = true;
      this.stop();
      return false;
    }
    this.#trims++;
    const after = this.#rss();
    this.#floor = after;
    // The utilization reading must not count the GC's own pause against the next interval.
    this.#utilization();
    this.#log.debug({ rssMB: Math.round(rss / 2 ** 20), afterMB: Math.round(after / 2 ** 20), ms: Math.round(performance.now() - t0) }, 'memory trimmed while idle');
    return true;
  }
}
