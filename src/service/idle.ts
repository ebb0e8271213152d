/**
 * A service's idle timer: counts `timeoutMs` from the last activity. When it runs out while the
 * service may not sleep yet (something that depends on it is awake), it stays *due* until told
 * the sleep can happen.
 */
import type { Clock } from '../kernel/index.ts';

/** Options of an {@link IdleTimer}. */
export interface IdleTimerOptions {
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** May the service sleep now? When not, the timer becomes due instead of firing. */
  readonly canSleep: () => boolean;
  readonly onIdle: () => void;
}

/** One service's idle timer. */
export class IdleTimer {
  private readonly opts: IdleTimerOptions;
  private handle: unknown;
  private deadline: number | undefined;
  private due = false;

  constructor(opts: IdleTimerOptions) {
    this.opts = opts;
  }

  /** Starts counting afresh from now. */
  arm(): void {
    this.disarm();
    const { clock, timeoutMs } = this.opts;
    this.deadline = clock.now() + timeoutMs;
    this.handle = clock.setTimeout(() => {
      this.handle = undefined;
      this.deadline = undefined;
      if (this.opts.canSleep()) this.opts.onIdle();
      else this.due = true;
    }, timeoutMs);
  }

  /** Stops counting and forgets a due sleep (there was activity, or the service left ready). */
  disarm(): void {
    if (this.handle !== undefined) this.opts.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.deadline = undefined;
    this.due = false;
  }

  /** Counting, or due. */
  get active(): boolean {
    return this.handle !== undefined || this.due;
  }

  /** Ran out, waiting for canSleep(). */
  get isDue(): boolean {
    return this.due;
  }

  /** When it runs out, while counting. */
  get sleepsAt(): number | undefined {
    return this.deadline;
  }

  /** Fires a due sleep when it may happen now; true when it did. */
  release(): boolean {
    if (!this.due || !this.opts.canSleep()) return false;
    this.due = false;
    this.opts.onIdle();
    return true;
  }
}
