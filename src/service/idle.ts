/**
 * A service's idle timer: counts `timeoutMs` from the last activity and says when it ran out.
 * Whether that ends in a sleep (nothing in flight, no dependent awake) is the state machine's call.
 */
import type { Clock } from '../kernel/index.ts';

/** Options of an {@link IdleTimer}. */
export interface IdleTimerOptions {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly onIdle: () => void;
}

/** One service's idle timer. */
export class IdleTimer {
  private readonly opts: IdleTimerOptions;
  private handle: unknown;
  private deadline: number | undefined;

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
      this.opts.onIdle();
    }, timeoutMs);
  }

  /** Stops counting. */
  disarm(): void {
    if (this.handle !== undefined) this.opts.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.deadline = undefined;
  }

  /** Counting. */
  get active(): boolean {
    return this.handle !== undefined;
  }

  /** When it runs out, while counting. */
  get sleepsAt(): number | undefined {
    return this.deadline;
  }
}
