/**
 * SIGTERM and SIGINT for a long-running process: the first starts an orderly stop bounded in time,
 * a second one exits at once. Kept apart from main.ts so the rules are in one place and testable
 * with a fake process.
 */
import type { Logger } from './log.ts';

/** Exit code of a process ended by a second signal: 128 + the signal's number, as a shell reports it. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
/** Exit code when the orderly stop failed or overran its bound. */
export const EXIT_SHUTDOWN_FAILED = 1;

export type ShutdownSignal = keyof typeof SIGNAL_EXIT_CODES;

/** The parts of `process` shutdown uses, so a test can hand it a fake. */
export interface SignalTarget {
  on(signal: ShutdownSignal, listener: () => void): unknown;
  exit(code: number): never | void;
}

/** What to do on the first signal, and how long it may take. */
export interface ShutdownOptions {
  readonly log: Logger;
  /** The orderly stop: stop accepting, let requests finish within the bound, tell systemd. */
  readonly stop: (signal: ShutdownSignal) => Promise<void>;
  /**
   * When the stop has not finished after this long, the process exits with 1 anyway. The stop
   * itself cuts requests at shutdown_timeout; this is the net under that for a part that hangs.
   */
  readonly deadlineMs: number;
  readonly target?: SignalTarget;
}

/**
 * Installs the handlers. First SIGTERM/SIGINT: `stop`, then exit 0 (1 if it failed or overran
 * `deadlineMs`). Second signal while stopping: exit at once with 130 (SIGINT) or 143 (SIGTERM),
 * for the operator who does not want to wait.
 */
export function exitOnSignals(opts: ShutdownOptions): void {
  const target = opts.target ?? process;
  let stopping = false;
  const onSignal = (signal: ShutdownSignal) => {
    if (stopping) {
      opts.log.warn({ signal }, 'second signal: exiting now, without waiting for requests');
      target.exit(SIGNAL_EXIT_CODES[signal]);
      return;
    }
    stopping = true;
    opts.log.info({ signal, deadline_ms: opts.deadlineMs }, 'shutting down');
    const overrun = setTimeout(() => {
      opts.log.error({ signal, deadline_ms: opts.deadlineMs }, 'shutdown did not finish in time: exiting anyway');
      target.exit(EXIT_SHUTDOWN_FAILED);
    }, opts.deadlineMs);
    overrun.unref();
    opts.stop(signal).then(
      () => {
        clearTimeout(overrun);
        target.exit(0);
      },
      (err: unknown) => {
        clearTimeout(overrun);
        opts.log.error({ err }, 'shutdown failed');
        target.exit(EXIT_SHUTDOWN_FAILED);
      },
    );
  };
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as ShutdownSignal[]) target.on(signal, () => onSignal(signal));
}
