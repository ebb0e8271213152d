/**
 * The poll mode of the collector (`events: poll`): for engines behind proxies that cut long-lived
 * streams. Every poll_interval one list call reads every container's state; a container whose
 * state changed is reported like an event, and the first list after any failure asks for a full
 * resync. Failures back off like the stream does.
 */
import type Docker from 'dockerode';
import { SupervisedLoop, sleep, systemClock, type AttemptContext, type Clock, type Logger, type LoopStatus } from '../kernel/index.ts';
import type { WorkloadObserver, WorkloadState } from '../provider/index.ts';
import { toProviderError } from '../provider/docker/index.ts';
import { RECONNECT_BACKOFF } from './docker-event-collector.ts';

/** Options of a {@link DockerPollCollector}. */
export interface DockerPollCollectorOptions {
  readonly provider: string;
  readonly docker: Docker;
  readonly observer: WorkloadObserver;
  readonly log: Logger;
  readonly intervalMs: number;
  readonly clock?: Clock;
}

/** Lists containers on an interval instead of streaming events. */
export class DockerPollCollector {
  readonly #opts: DockerPollCollectorOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #loop: SupervisedLoop;
  #online: boolean | undefined;

  constructor(opts: DockerPollCollectorOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ provider: opts.provider, monitor: 'docker-poll' });
    this.#clock = opts.clock ?? systemClock;
    this.#loop = new SupervisedLoop({
      name: `docker poll "${opts.provider}"`,
      run: (ctx) => this.#attempt(ctx),
      onAttemptEnd: (err) => this.#setOnline(false, err),
      backoff: RECONNECT_BACKOFF,
      stableMs: opts.intervalMs * 2,
      log: this.#log,
      clock: this.#clock,
    });
  }

  async start(): Promise<void> {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    this.#online = undefined;
  }

  state(): LoopStatus {
    return this.#loop.status();
  }

  /** Polls until a list fails; the loop then backs off and the next attempt starts with a resync. */
  async #attempt({ signal, healthy }: AttemptContext): Promise<void> {
    let known: Map<string, WorkloadState> | undefined;
    for (;;) {
      let now: Map<string, WorkloadState>;
      try {
        now = await this.#list(signal);
      } catch (err) {
        throw toProviderError(err, { provider: this.#opts.provider, op: 'list' });
      }
      if (!known) {
        healthy();
        this.#setOnline(true);
        this.#opts.observer.onResync(this.#opts.provider);
      } else {
        for (const [name, state] of now) if (known.get(name) !== state) this.#report(name, state);
        for (const name of known.keys()) if (!now.has(name)) this.#report(name, 'missing');
      }
      known = now;
      await sleep(this.#clock, this.#opts.intervalMs, signal);
      signal.throwIfAborted();
    }
  }

  async #list(signal: AbortSignal): Promise<Map<string, WorkloadState>> {
    const list = await this.#opts.docker.listContainers({ all: true, abortSignal: signal } as Docker.ContainerListOptions);
    const states = new Map<string, WorkloadState>();
    for (const c of list) {
      const state: WorkloadState = c.State === 'running' ? 'running' : c.State === 'paused' ? 'paused' : 'stopped';
      for (const n of c.Names ?? []) states.set(n.replace(/^\//, ''), state);
    }
    return states;
  }

  #report(id: string, state: WorkloadState): void {
    this.#log.debug({ container: id, state }, 'container changed (poll)');
    this.#opts.observer.onWorkloadEvent({ provider: this.#opts.provider, id, state, action: 'poll', at: new Date(this.#clock.now()) });
  }

  #setOnline(online: boolean, error?: Error): void {
    if (this.#online === online) return;
    this.#online = online;
    this.#opts.observer.onProviderOnline(this.#opts.provider, online, online ? undefined : error);
  }
}
