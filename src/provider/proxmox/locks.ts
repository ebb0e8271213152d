/**
 * Waiting out a guest's lock (backup, migrate, snapshot...): PVE refuses power actions while one
 * is set, so the operation looks again every pollMs until it clears or the operation's deadline
 * or the caller's signal ends.
 */
import { sleep, type Clock, type Logger } from '../../kernel/index.ts';
import type { Current, Op } from './op.ts';

const NONE: ReadonlySet<string> = new Set();

/**
 * The locks PVE's start and stop let pass (check_lock skips 'mounted', a CT whose volumes `pct
 * mount` left mounted): the operations that only start or stop do not wait for it.
 */
export const START_STOP_PASSES: ReadonlySet<string> = new Set(['mounted']);

export class LockWaiter {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #pollMs: number;

  constructor(log: Logger, clock: Clock, pollMs: number) {
    this.#log = log;
    this.#clock = clock;
    this.#pollMs = pollMs;
  }

  /** Reads the guest's status until it has no lock but those in `passes`; `read` is one status/current. */
  async unlocked(op: Op, read: () => Promise<Current>, passes: ReadonlySet<string> = NONE): Promise<Current> {
    for (;;) {
      const cur = await read();
      if (cur.lock === undefined || passes.has(cur.lock)) return cur;
      await this.wait(op, cur.lock);
    }
  }

  /**
   * One pause for a lock. Why it waits is logged at info, once per lock and operation, and told to
   * the caller's progress (the wake's events say "busy: backup").
   */
  async wait(op: Op, lock: string): Promise<void> {
    if (op.lockLogged !== lock) {
      op.lockLogged = lock;
      this.#log.info({ workload: op.site.ref, op: op.site.op, lock }, 'guest is locked: waiting for the lock to clear');
      op.progress?.({ busy: lock });
    }
    await sleep(this.#clock, this.#pollMs, op.signal);
    op.signal.throwIfAborted();
  }
}
