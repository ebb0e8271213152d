import type Docker from 'dockerode';
import { SupervisedLoop, systemClock, type AttemptContext, type BackoffOptions, type Clock, type Logger, type LoopStatus, errorMessage } from '../../kernel/index.ts';
import { ProviderError } from '../errors.ts';
import { HealthRecord, RECONNECT_BACKOFF, type Feed, type ProviderHealth } from '../feed.ts';
import type { WorkloadObserver } from '../provider.ts';
import { toProviderError } from './errors.ts';
import { interpretDockerEvent, parseDockerEvent } from './events.ts';
import { LineSplitter } from './lines.ts';

/** Options of a {@link DockerEventFeed}. */
export interface DockerEventFeedOptions {
  /** The provider's name; events and callbacks carry it. */
  readonly provider: string;
  /** A client WITHOUT a socket idle timeout (createDockerClient without idleTimeoutMs): the stream is quiet for hours. */
  readonly docker: Docker;
  readonly log: Logger;
  /** Reconnect delays; 2 s doubling to a minute unless told. */
  readonly backoff?: BackoffOptions;
  /** A connection that lasted this long resets the backoff; 10 s unless told. */
  readonly stableMs?: number;
  /**
   * How often the engine is pinged while the stream is quiet; 30 s unless told. A remote engine
   * whose host vanished never closes the TCP stream, so silence alone proves nothing.
   */
  readonly pingIntervalMs?: number;
  readonly clock?: Clock;
}

/** How far back each subscription reaches, in seconds; see #attempt. */
const REPLAY_SECONDS = 2;
const PING_TIMEOUT_MS = 10_000;

/**
 * One Docker event stream per engine (never one per container). It reports every container
 * lifecycle change to the observer, says when the engine goes on- and offline, and asks for a
 * resync on every (re)connect. A lost stream is retried forever with backoff.
 */
export class DockerEventFeed implements Feed {
  readonly #opts: DockerEventFeedOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #loop: SupervisedLoop;
  readonly #health: HealthRecord;
  #observer: WorkloadObserver | undefined;
  #unlink: (() => void) | undefined;

  constructor(opts: DockerEventFeedOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ provider: opts.provider, monitor: 'docker-events' });
    this.#clock = opts.clock ?? systemClock;
    this.#health = new HealthRecord(this.#clock);
    this.#loop = new SupervisedLoop({
      name: `docker events "${opts.provider}"`,
      run: (ctx) => this.#attempt(ctx),
      onAttemptEnd: (err) => this.#setOnline(false, err),
      backoff: opts.backoff ?? RECONNECT_BACKOFF,
      stableMs: opts.stableMs ?? 10_000,
      log: this.#log,
      clock: this.#clock,
    });
  }

  /** Starts streaming in the background; resolves at once (an engine that is down is retried, not an error). */
  async start(observer: WorkloadObserver, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.#observer = observer;
    if (signal) {
      const onAbort = (): void => void this.stop();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#unlink = () => signal.removeEventListener('abort', onAbort);
    }
    this.#loop.start();
  }

  /** Closes the stream and stops retrying. Idempotent; does not report the engine offline. */
  async stop(): Promise<void> {
    this.#unlink?.();
    this.#unlink = undefined;
    await this.#loop.stop();
    this.#health.forget(); // a later start reports online afresh
  }

  /** running (connected or connecting) / backoff / stopped, with the last error, for /status. */
  state(): LoopStatus {
    return this.#loop.status();
  }

  /** Whether the engine is reachable: online once subscribed, offline from the first failure on. */
  health(): ProviderHealth {
    return this.#health.get();
  }

  /** One connection: subscribe, then resync, then relay events until the stream ends. */
  async #attempt({ signal, healthy }: AttemptContext): Promise<void> {
    // The engine flushes the response headers before it subscribes, so an event in between would
    // be lost. Reaching a little into the past closes that gap; replayed events arrive in order and
    // the resync re-reads current state, so they cannot leave a wrong state behind.
    const since = Math.floor(Date.now() / 1000) - REPLAY_SECONDS;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.#opts.docker.getEvents({ filters: { type: ['container'] }, since, abortSignal: signal });
    } catch (err) {
      throw toProviderError(err, { provider: this.#opts.provider, op: 'events' });
    }
    const destroy = (err?: Error): void => {
      // dockerode hands back the http.IncomingMessage, typed as the narrower NodeJS.ReadableStream.
      (stream as NodeJS.ReadableStream & { destroy(err?: Error): void }).destroy(err);
    };
    const onAbort = (): void => destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    const stopWatchdog = this.#watchdog(signal, destroy);
    try {
      healthy();
      this.#log.info({}, 'docker event stream connected');
      this.#setOnline(true);
      this.#notify('onResync', () => this.#observer?.onResync(this.#opts.provider));
      const lines = new LineSplitter();
      for await (const chunk of stream) {
        for (const line of lines.push(chunk)) this.#handle(line);
      }
      const rest = lines.flush();
      if (rest !== undefined) this.#handle(rest);
      throw this.#error('unreachable', 'stream ended (engine restarting or shutting down)');
    } catch (err) {
      throw toProviderError(err, { provider: this.#opts.provider, op: 'events' });
    } finally {
      signal.removeEventListener('abort', onAbort);
      stopWatchdog();
      destroy();
    }
  }

  #handle(line: string): void {
    const msg = parseDockerEvent(line);
    if (!msg) {
      this.#log.warn({ line: line.slice(0, 200) }, 'unparseable docker event skipped');
      return;
    }
    const meaning = interpretDockerEvent(this.#opts.provider, msg, () => this.#clock.now());
    if (meaning.kind === 'event') {
      this.#log.debug({ container: meaning.event.id, action: meaning.event.action, state: meaning.event.state }, 'docker event');
      this.#notify('onWorkloadEvent', () => this.#observer?.onWorkloadEvent(meaning.event));
    } else if (meaning.kind === 'health') {
      this.#log.debug({ container: meaning.id, health: meaning.health }, 'docker health_status');
      this.#notify('onWorkloadHealth', () => this.#observer?.onWorkloadHealth?.(this.#opts.provider, meaning.id));
    } else if (meaning.kind === 'resync') {
      this.#notify('onResync', () => this.#observer?.onResync(this.#opts.provider));
    }
  }

  /** Pings the engine every pingIntervalMs; a failed ping tears the stream down so the loop reconnects. */
  #watchdog(signal: AbortSignal, destroy: (err: Error) => void): () => void {
    const interval = this.#opts.pingIntervalMs ?? 30_000;
    // @types/dockerode omits ping()'s options, but dockerode passes abortSignal through.
    const docker = this.#opts.docker as unknown as { ping(opts: { abortSignal: AbortSignal }): Promise<unknown> };
    let handle: unknown;
    let stopped = false;
    const tick = (): void => {
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(PING_TIMEOUT_MS)]);
      docker.ping({ abortSignal: deadline }).then(
        () => { if (!stopped) handle = this.#clock.setTimeout(tick, interval); },
        (err: unknown) => {
          if (stopped) return;
          const reason = errorMessage(err);
          destroy(this.#error('unreachable', `engine stopped answering pings: ${reason}`, err));
        },
      );
    };
    handle = this.#clock.setTimeout(tick, interval);
    return () => {
      stopped = true;
      this.#clock.clearTimeout(handle);
    };
  }

  #error(reason: 'unreachable', detail: string, cause?: unknown): ProviderError {
    return new ProviderError({ kind: 'docker', provider: this.#opts.provider, op: 'events', reason, detail, cause });
  }

  #setOnline(online: boolean, error?: Error): void {
    if (!this.#health.report(online, error)) return;
    if (online) this.#notify('onProviderOnline', () => this.#observer?.onProviderOnline(this.#opts.provider, true));
    else this.#notify('onProviderOnline', () => this.#observer?.onProviderOnline(this.#opts.provider, false, error));
  }

  /** Calls the observer; its failure is logged, never allowed to break the stream. */
  #notify(callback: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err, callback }, 'workload observer failed');
    }
  }
}
