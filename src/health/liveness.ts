/**
 * The liveness monitor: while a service is awake its probe runs every `interval`. After `retries`
 * failures in a row the service is unhealthy; one success makes it healthy again. With auto_restart
 * an unhealthy service is restarted after `restart_delay`, at most `max_restarts` times in a row
 * without a healthy check in between — a crash loop is not retried forever.
 */
import { systemClock, type Clock, type Logger } from '../kernel/index.ts';
import type { Probe } from './probe.ts';

/** What the monitor tells and asks of the service it watches (the service watcher implements it). */
export interface Monitored {
  readonly name: string;
  /** The verdict changed. */
  healthChanged(healthy: boolean, reason?: string): void;
  /** Restart the workload; called after restart_delay, only while the monitor runs. */
  restart(reason: string): void;
}

/** Options of a {@link LivenessMonitor}. */
export interface LivenessOptions {
  readonly probe: Probe;
  readonly intervalMs: number;
  readonly retries: number;
  readonly autoRestart: boolean;
  readonly maxRestarts: number;
  readonly restartDelayMs: number;
  readonly target: Monitored;
  readonly log: Logger;
  readonly clock?: Clock;
}

/** What status shows of the monitor. */
export interface LivenessStatus {
  readonly status: 'unknown' | 'healthy' | 'unhealthy';
  readonly last_check?: string;
  readonly last_error?: string;
  readonly consecutive_failures: number;
  readonly restarts: number;
  readonly restarts_left?: number;
}

/** Watches one service while it is awake. */
export class LivenessMonitor {
  private readonly opts: LivenessOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private running: AbortController | undefined;
  private timer: unknown;
  private restartTimer: unknown;
  /** Went unhealthy and has not been seen healthy since, across restarts: the next success says so. */
  private owesHealthy = false;
  private verdict: LivenessStatus['status'] = 'unknown';
  private failures = 0;
  private restarts = 0;
  private lastCheck: number | undefined;
  private lastError: string | undefined;

  constructor(opts: LivenessOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log.child({ service: opts.target.name, monitor: 'liveness' });
  }

  /** Starts checking (the service became ready). The first check waits one interval: readiness just passed. */
  start(): void {
    if (this.running) return;
    this.running = new AbortController();
    this.failures = 0;
    this.schedule(this.opts.intervalMs);
  }

  /** Stops checking (the service left ready); a check in progress is abandoned. Idempotent. */
  stop(): void {
    this.running?.abort();
    this.running = undefined;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.restartTimer);
    this.timer = undefined;
    this.restartTimer = undefined;
    this.verdict = 'unknown';
  }

  status(): LivenessStatus {
    return {
      status: this.verdict,
      ...(this.lastCheck === undefined ? {} : { last_check: new Date(this.lastCheck).toISOString() }),
      ...(this.lastError === undefined ? {} : { last_error: this.lastError }),
      consecutive_failures: this.failures,
      restarts: this.restarts,
      ...(this.opts.autoRestart ? { restarts_left: Math.max(0, this.opts.maxRestarts - this.restarts) } : {}),
    };
  }

  private schedule(ms: number): void {
    const run = this.running;
    if (!run) return;
    this.timer = this.clock.setTimeout(() => void this.check(run), ms);
  }

  private async check(run: AbortController): Promise<void> {
    let error: unknown;
    try {
      await this.opts.probe(run.signal);
    } catch (err) {
      error = err;
    }
    if (run.signal.aborted || this.running !== run) return;
    this.lastCheck = this.clock.now();
    if (error === undefined) this.passed();
    else this.failed(error instanceof Error ? error.message : String(error));
    if (this.running === run) this.schedule(this.opts.intervalMs);
  }

  private passed(): void {
    this.failures = 0;
    this.lastError = undefined;
    this.restarts = 0;
    this.verdict = 'healthy';
    if (this.owesHealthy) {
      this.owesHealthy = false;
      this.log.info({}, 'service healthy again');
      this.opts.target.healthChanged(true);
    }
  }

  private failed(reason: string): void {
    this.failures++;
    this.lastError = reason;
    this.log.debug({ failures: this.failures, reason }, 'liveness check failed');
    if (this.failures < this.opts.retries || this.verdict === 'unhealthy') return;
    this.verdict = 'unhealthy';
    this.owesHealthy = true;
    this.log.warn({ failures: this.failures, reason }, 'service unhealthy');
    this.opts.target.healthChanged(false, reason);
    if (!this.opts.autoRestart) return;
    if (this.restarts >= this.opts.maxRestarts) {
      this.log.error({ restarts: this.restarts }, 'service unhealthy, max_restarts reached: not restarting it again');
      return;
    }
    const run = this.running;
    this.clock.clearTimeout(this.restartTimer);
    // Checks go on meanwhile: one that passes before the delay is up cancels the restart.
    this.restartTimer = this.clock.setTimeout(() => {
      if (!run || this.running !== run || this.verdict !== 'unhealthy') return;
      this.restarts++;
      this.opts.target.restart(`${this.failures} failed checks in a row: ${reason}`);
    }, this.opts.restartDelayMs);
  }
}
