/**
 * Reloading the config file: on SIGHUP, an edit of the file or the control API. The new config is
 * validated in full first; a bad one is logged problem by problem with its position and shown in
 * /status, and the running config keeps serving. A good one is handed to the daemon, which
 * rebuilds only what changed. Reloads never overlap: one asked for during another runs after it,
 * once, with the file as it is then.
 */
import { formatProblem, type DrowseConfig, type LoadResult } from '../config/index.ts';
import { errorMessage, FileWatcher, systemClock, type Clock, type Logger } from '../kernel/index.ts';

/** What asked for a reload. */
export type ReloadTrigger = 'signal' | 'file' | 'api';

/** The last reload, for /status. */
export interface ReloadStatus {
  readonly at: string;
  readonly trigger: ReloadTrigger;
  readonly ok: boolean;
  readonly source?: string;
  /** A bad config's problems as `FILE:LINE:COL: path: message`. */
  readonly problems?: readonly string[];
  /** Settings that changed but only take effect after a restart. */
  readonly restart_needed?: readonly string[];
}

/** Options of {@link Reloader}. */
export interface ReloaderOptions {
  /** Finds and parses the config again, as at start. */
  readonly load: () => Promise<LoadResult>;
  /** Applies a valid config; resolves with the settings that need a restart to change. */
  readonly apply: (config: DrowseConfig) => Promise<readonly string[]>;
  /** The config file to watch; none for the embedded default. */
  readonly watch?: string;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Quiet time after the last edit before reloading (200 ms). */
  readonly settleMs?: number;
}

/** Reloads on request, one at a time, and watches the file. */
export class Reloader {
  readonly #opts: ReloaderOptions;
  readonly #clock: Clock;
  #file: FileWatcher | undefined;
  #running: Promise<ReloadStatus> | undefined;
  #queued: Promise<ReloadStatus> | undefined;
  #last: ReloadStatus | undefined;

  constructor(opts: ReloaderOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  async start(): Promise<void> {
    if (this.#opts.watch === undefined) return;
    this.#file = new FileWatcher({
      path: this.#opts.watch,
      log: this.#opts.log,
      ...(this.#opts.settleMs === undefined ? {} : { settleMs: this.#opts.settleMs }),
      onChange: () => void this.reload('file'),
    });
    await this.#file.start();
  }

  stop(): void {
    this.#file?.stop();
  }

  /** The last reload's outcome. */
  status(): ReloadStatus | undefined {
    return this.#last;
  }

  /** Reloads now, or after the running reload (one more at most, however often asked). */
  reload(trigger: ReloadTrigger): Promise<ReloadStatus> {
    if (!this.#running) {
      this.#running = this.#once(trigger).finally(() => (this.#running = undefined));
      return this.#running;
    }
    this.#queued ??= this.#running.then(() => {
      this.#queued = undefined;
      return this.reload(trigger);
    });
    return this.#queued;
  }

  async #once(trigger: ReloadTrigger): Promise<ReloadStatus> {
    const at = new Date(this.#clock.now()).toISOString();
    const log = this.#opts.log;
    log.info({ trigger }, 'reloading the config');
    let status: ReloadStatus;
    try {
      const result = await this.#opts.load();
      await this.#file?.rebase();
      if (!result.ok) {
        const problems = result.problems.map(formatProblem);
        for (const p of problems) log.error({ trigger, problem: p }, 'reload refused: the config has a problem; the running config keeps serving');
        status = { at, trigger, ok: false, source: result.source, problems };
      } else {
        for (const w of result.warnings) log.warn({ warning: w }, 'config warning');
        const restart = await this.#opts.apply(result.config);
        for (const r of restart) log.warn({ setting: r }, 'changed setting takes effect after a restart');
        status = { at, trigger, ok: true, source: result.config.source, ...(restart.length > 0 ? { restart_needed: restart } : {}) };
        log.info({ trigger }, 'config reloaded');
      }
    } catch (err) {
      log.error({ err, trigger }, 'reload failed; the running config keeps serving');
      status = { at, trigger, ok: false, problems: [errorMessage(err)] };
    }
    this.#last = status;
    return status;
  }
}
