/**
 * Runs the prerequisites, logs each failure once with its code and hint, keeps the last result of
 * each for /status, and re-checks those that can recover in the background until they pass.
 */
import { SupervisedLoop, sleep, systemClock, errorMessage, type Clock, type Logger, type LoopStatus } from '../kernel/index.ts';
import type { Finding, Prerequisite, PrerequisiteResult } from './prerequisite.ts';

/** Options of {@link Prerequisites}. */
export interface PrerequisitesOptions {
  readonly checks: readonly Prerequisite[];
  readonly log: Logger;
  readonly clock?: Clock;
  /** How often failed checks that can recover are run again; 30 s unless told. */
  readonly recheckMs?: number;
}

/** The prerequisite checks of a running drowse. */
export class Prerequisites {
  readonly #opts: PrerequisitesOptions;
  readonly #clock: Clock;
  readonly #results = new Map<string, PrerequisiteResult>();
  readonly #loop: SupervisedLoop;

  constructor(opts: PrerequisitesOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    const every = opts.recheckMs ?? 30_000;
    this.#loop = new SupervisedLoop({
      name: 'prerequisites',
      run: async ({ signal, healthy }) => {
        for (;;) {
          healthy();
          await sleep(this.#clock, every, signal);
          signal.throwIfAborted();
          const failed = opts.checks.filter((c) => c.recovers && this.#results.get(c.name)?.ok === false);
          await this.run((c) => failed.includes(c), signal);
        }
      },
      backoff: { initialMs: every, maxMs: every * 4 },
      log: opts.log,
      clock: this.#clock,
    });
  }

  /** Runs the checks `which` selects (all unless told), at once, and records each result. */
  async run(which: (c: Prerequisite) => boolean = () => true, signal: AbortSignal = new AbortController().signal): Promise<PrerequisiteResult[]> {
    const chosen = this.#opts.checks.filter(which);
    return Promise.all(chosen.map(async (c) => {
      let finding: Finding | undefined;
      try {
        finding = await c.check(signal);
      } catch (err) {
        // A check that breaks is itself a finding: it must never take the start down.
        finding = { code: 'check_failed', severity: 'warning', message: `${c.name}: the check itself failed: ${errorMessage(err)}`, hint: 'report this as a drowse bug' };
      }
      return this.#record(c, finding);
    }));
  }

  /** Re-checks failed checks that can recover, in the background, until stop(). */
  startRechecks(): void {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** The recheck loop, for the supervisor. */
  loopStatus(): LoopStatus {
    return this.#loop.status();
  }

  /** Every check's last result, in the order of the checks. */
  status(): PrerequisiteResult[] {
    return this.#opts.checks.flatMap((c) => this.#results.get(c.name) ?? []);
  }

  #record(c: Prerequisite, finding: Finding | undefined): PrerequisiteResult {
    const before = this.#results.get(c.name);
    const at = new Date(this.#clock.now()).toISOString();
    const result: PrerequisiteResult = finding
      ? { name: c.name, ok: false, code: finding.code, severity: finding.severity, message: finding.message, hint: finding.hint, checked_at: at }
      : { name: c.name, ok: true, checked_at: at };
    this.#results.set(c.name, result);
    const log = this.#opts.log;
    if (finding && (before?.ok !== false || before.code !== finding.code)) {
      const fields = { check: c.name, code: finding.code, hint: finding.hint, ...(c.recovers ? { retry: 'drowse checks again in the background' } : {}) };
      if (finding.severity === 'warning') log.warn(fields, `prerequisite: ${finding.message}`);
      else log.error(fields, `prerequisite failed: ${finding.message}`);
    } else if (!finding && before?.ok === false) {
      log.info({ check: c.name, code: before.code }, 'prerequisite passes now');
    }
    return result;
  }
}
