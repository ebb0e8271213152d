/**
 * The per-service watcher: feeds events to the pure state machine and performs its effects —
 * the single-flight wake, the stop, the idle timer and the waiting clients.
 */
import type { Provider, WorkloadRef, WorkloadState } from '../provider/index.ts';
import { formatHostPort, type ServiceConfig } from '../config/index.ts';
import { LivenessMonitor, type Probe, type PollOptions } from '../health/index.ts';
import { formatDuration, systemClock, type Clock, type Logger } from '../kernel/index.ts';
import { transition, initialSnapshot, backoffMs, defaultWakeBackoff, type Effect, type ServiceEvent, type ServiceState, type SleepReason, type Snapshot, type WakeBackoff } from './state.ts';
import { WakeFailedError } from './errors.ts';
import { refusalCode, refusalNotice, refusalOf, type Refusal } from './failure.ts';
import { IdleTimer } from './idle.ts';
import { Waiters } from './waiters.ts';
import { runWake, type CheckKind, type WakeStep } from './wake.ts';
import { runStop } from './stop.ts';
import { ServiceEvents } from './events.ts';
import type { WakeEventFields, WakeEventListener, WakeEventType } from './events.ts';
import type { LastStop, PublicServiceStatus, ServiceStatus } from './status.ts';
import { ServiceUpstream } from './upstream.ts';

export type { PublicServiceStatus, ServiceStatus } from './status.ts';

/** What a Service needs; passed in so tests can use a manual clock or a provider that fails. */
export interface ServiceOptions {
  readonly config: ServiceConfig;
  readonly provider: Provider;
  readonly ref: WorkloadRef;
  /** Readiness while waking (and liveness while awake): resolves when the app answers. */
  readonly readiness: Probe;
  /** Where its traffic goes; the readiness probe reads the same one. Default: the config's targets. */
  readonly upstream?: ServiceUpstream;
  /**
   * The workload's own health check (a Docker HEALTHCHECK), used instead of `readiness` when the
   * workload defines one; given only when no probe is configured, so a configured probe always wins.
   */
  readonly ownHealth?: Probe;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly poll?: PollOptions;
  /** The whole wake's deadline: the service's wake_timeout plus its dependencies'. Default wake_timeout. */
  readonly wakeBudgetMs?: number;
  /** How long requests are held off after failed wakes; default 5 s doubling to 5 min. */
  readonly wakeBackoff?: WakeBackoff;
  /** How long a request is held while the service is `unknown` (its provider offline) before a 503; 5 s unless told. */
  readonly offlineHoldMs?: number;
}

/** How long a request waits for an offline provider to come back before it is answered 503. */
export const DEFAULT_OFFLINE_HOLD_MS = 5_000;

/** Another service this one needs, or one that needs this one; Service satisfies both sides. */
export interface Dependency {
  readonly name: string;
  readonly state: ServiceState;
  whenReady(signal?: AbortSignal): Promise<void>;
  /** Told when a service that depends on it fell asleep, so a sleep it put off can happen now. */
  dependentSlept(): void;
}

/** One service's lifecycle. Wakes are owned here, never by a request, so a client that leaves cannot cancel one. */
export class Service {
  readonly name: string;
  readonly config: ServiceConfig;
  /** Where its traffic goes: the proxy and the TCP listener read the target here at each request. */
  readonly upstream: ServiceUpstream;
  private readonly opts: ServiceOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private snap: Snapshot = initialSnapshot;
  private since: number;
  private lastActivity: number | undefined;
  private readonly idle: IdleTimer;
  private readonly waiters = new Waiters();
  private readonly events: ServiceEvents;
  private wakes = 0;
  /** Bytes from clients and to them, over every entrypoint, since this service was built. */
  private bytesIn = 0;
  private bytesOut = 0;
  private lastWakeMs: number | undefined;
  private lastStop: LastStop | undefined;
  private dependencies: readonly Dependency[] = [];
  private dependents: readonly Dependency[] = [];
  /** The check chosen at the last wake; liveness reuses it. */
  private checkKind: CheckKind | undefined;
  private readonly liveness: LivenessMonitor | undefined;
  /** Ends the readiness poll's current pause early when the workload reports news. */
  private readonly nudges = new EventTarget();
  /** Aborted by stop(): a daemon shutting down abandons its wakes and leaves workloads as they are. */
  private readonly lifetime = new AbortController();
  /** The provider question of confirmRunning() in flight, shared by every refused request. */
  private confirming: Promise<boolean> | undefined;
  /** The provider went offline by refusing drowse (its token, or its settings), not by not answering: nothing is gained by holding requests. */
  private offlineRefusal: Refusal | undefined;
  /** The last failure's kind and the error behind it: waiters get them as their error's code and cause. */
  private lastFailure: { code: string; cause: unknown } | undefined;

  constructor(opts: ServiceOptions) {
    this.opts = opts;
    this.config = opts.config;
    this.name = opts.config.name;
    this.upstream = opts.upstream ?? new ServiceUpstream(opts.config, { provider: opts.provider, ref: opts.ref });
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log.child({ service: this.name });
    this.events = new ServiceEvents({ service: this.name, clock: this.clock, log: this.log });
    this.since = this.clock.now();
    // Whether the service may sleep when the timer runs out is the state machine's call.
    this.idle = new IdleTimer({
      clock: this.clock,
      timeoutMs: opts.config.idleTimeoutMs,
      onIdle: () => this.dispatch({ type: 'idle_elapsed', dependentsAwake: this.dependentsAwake() }),
    });
    const h = opts.config.health;
    this.liveness = h && new LivenessMonitor({
      probe: (signal) => this.probe(signal),
      intervalMs: h.intervalMs,
      retries: h.retries,
      autoRestart: h.autoRestart,
      maxRestarts: h.maxRestarts,
      restartDelayMs: h.restartDelayMs,
      target: {
        name: this.name,
        healthChanged: (healthy, reason) => this.emit(healthy ? 'healthy' : 'unhealthy', { ...(reason === undefined ? {} : { error: reason }) }),
        restart: (reason) => this.restart(reason),
      },
      log: opts.log,
      clock: this.clock,
    });
  }

  /** The workload's own health verdict changed: a readiness poll in progress looks again now. */
  nudge(): void {
    this.nudges.dispatchEvent(new Event('nudge'));
  }

  /** Restarts the workload (stop, then a fresh wake) because liveness found it unhealthy. */
  restart(reason: string): void {
    if (this.snap.state !== 'ready') return;
    this.emit('restarting', { error: reason });
    this.sleep('restart');
    this.wake();
  }

  /** The current state. */
  get state(): ServiceState {
    return this.snap.state;
  }

  /** Sets the services this one needs and those that need it; called once, before any traffic. */
  link(dependencies: readonly Dependency[], dependents: readonly Dependency[]): void {
    this.dependencies = dependencies;
    this.dependents = dependents;
  }

  dependentSlept(): void {
    const putOff = this.snap.sleepDue === true;
    this.dispatch({ type: 'dependent_slept', dependentsAwake: this.dependentsAwake() });
    if (putOff && this.snap.state === 'stopping') this.log.info({ phase: 'idle' }, 'last dependent asleep; slept now');
  }

  /**
   * Asks for the service to be awake; a no-op when it is or is getting there, and during the backoff
   * after a failed wake unless `force` (an operator's explicit wake).
   */
  wake(opts: { force?: boolean } = {}): void {
    this.dispatch({ type: 'wake', at: this.clock.now(), ...(opts.force ? { force: true } : {}) });
  }

  /**
   * When requests may wake the service again, while a backoff holds them off; Infinity while its
   * workload is missing; else undefined.
   */
  get retryAt(): number | undefined {
    const at = this.snap.retryAt;
    return at !== undefined && at > this.clock.now() && this.snap.state !== 'ready' && this.snap.state !== 'waking' ? at : undefined;
  }

  /**
   * The provider cannot be reached: the service becomes `unknown` (unless a wake or stop is under
   * way) until the resync after the reconnect says what the workload is doing.
   */
  providerOffline(provider: string, error?: Error): void {
    const why = error?.message ?? 'no answer';
    // A provider that refuses drowse's token is reachable, and will refuse again: requests are answered at once.
    const refusal = refusalOf(error);
    const unusable = refusal === 'denied' ? 'refused drowse' : refusal === 'config' ? 'cannot be used as configured' : 'is unreachable';
    this.dispatch({
      type: 'provider_offline',
      reason: `provider "${provider}" ${unusable}: ${why}`,
      notice: refusal ? refusalNotice(this.name, refusal) : `${this.name} cannot be reached right now`,
    });
    this.offlineRefusal = this.snap.state === 'unknown' ? refusal : undefined;
  }

  /** Puts the service to sleep now (control API) or because it idled. */
  sleep(reason: SleepReason): void {
    this.dispatch({ type: 'sleep', reason });
  }

  /** The provider saw the workload change on its own (event stream, resync). */
  observe(workload: WorkloadState): void {
    this.dispatch({ type: 'observed', workload });
  }

  /**
   * Counts one unit of activity (a request, a connection) until the returned release is called.
   * While anything is in flight the idle timer does not run; it restarts when the last one ends.
   */
  acquire(): () => void {
    this.lastActivity = this.clock.now();
    this.dispatch({ type: 'activity_began' });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.lastActivity = this.clock.now();
      this.dispatch({ type: 'activity_ended' });
    };
  }

  /** Adds bytes a request or connection moved (from the client, to the client), for /status. */
  countBytes(inBytes: number, outBytes: number): void {
    this.bytesIn += inBytes;
    this.bytesOut += outBytes;
  }

  /**
   * Counts a moment of activity (bytes moved on a TCP connection): the idle timer starts over from
   * now. Unlike acquire() nothing stays in flight, so a connection that goes silent lets the
   * service sleep.
   */
  touch(): void {
    this.lastActivity = this.clock.now();
    this.dispatch({ type: 'activity' });
  }

  /**
   * Resolves when ready (waking the service if needed); rejects when the wake fails or `signal`
   * aborts, and at once during the backoff after a failed wake, unless `force`.
   */
  whenReady(signal?: AbortSignal, opts: { force?: boolean } = {}): Promise<void> {
    if (this.snap.state === 'ready') return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    const retryAt = opts.force ? undefined : this.retryAt;
    if (retryAt !== undefined) return Promise.reject(this.failedError(retryAt));
    if (this.snap.state === 'unknown') return this.holdWhileUnknown(signal, opts);
    const waiting = this.waiters.wait(signal);
    this.wake(opts);
    return waiting;
  }

  /**
   * While the provider is offline a request waits a short while for it to come back (an engine
   * restart takes seconds), then gets the provider's error rather than the whole wake_timeout.
   */
  private holdWhileUnknown(signal: AbortSignal | undefined, opts: { force?: boolean }): Promise<void> {
    const bound = new AbortController();
    const timer = this.clock.setTimeout(() => bound.abort(this.unreachableError()), this.offlineRefusal ? 0 : (this.opts.offlineHoldMs ?? DEFAULT_OFFLINE_HOLD_MS));
    const waiting = this.waiters.wait(signal ? AbortSignal.any([signal, bound.signal]) : bound.signal);
    this.wake(opts);
    return waiting.finally(() => this.clock.clearTimeout(timer));
  }

  private unreachableError(): WakeFailedError {
    const { reason, notice } = this.snap;
    return new WakeFailedError(this.name, reason ?? 'its provider is unreachable', { ...(notice === undefined ? {} : { notice }), code: this.offlineRefusal ? refusalCode(this.offlineRefusal) : 'provider_unreachable' });
  }

  /** The error a waiter gets for the last failure; the notice is what public answers show. */
  private failedError(retryAt?: number): WakeFailedError {
    const { reason, notice } = this.snap;
    return new WakeFailedError(this.name, reason ?? 'wake failed', {
      ...(notice === undefined ? {} : { notice }),
      ...(retryAt === undefined ? {} : { retryAt }),
      ...(this.lastFailure ? { code: this.lastFailure.code, cause: this.lastFailure.cause } : {}),
    });
  }

  /** The service as anyone may see it. */
  publicStatus(): PublicServiceStatus {
    const retryAt = this.retryAt;
    return {
      name: this.name,
      state: this.snap.state,
      since: new Date(this.since).toISOString(),
      ...(this.snap.state === 'error' && this.snap.notice !== undefined ? { notice: this.snap.notice } : {}),
      ...(retryAt === undefined || !Number.isFinite(retryAt) ? {} : { retry_at: new Date(retryAt).toISOString() }),
      ...(this.lastWakeMs === undefined ? {} : { last_wake_ms: this.lastWakeMs }),
    };
  }

  /**
   * Asks the provider whether the workload still runs, because its upstream refused a connection
   * while the service was ready. When it does not, the service takes the news as if from an event
   * (ready → asleep), so the next request wakes it. Concurrent callers share one question.
   */
  confirmRunning(): Promise<boolean> {
    this.confirming ??= this.opts.provider.status(this.opts.ref, this.lifetime.signal).then(
      (st) => {
        if (st.state !== 'running') this.observe(st.state);
        return st.state === 'running';
      },
      // An engine that cannot answer is no evidence either way: the refusal stands as the answer.
      () => true,
    ).finally(() => {
      this.confirming = undefined;
    });
    return this.confirming;
  }

  /** Subscribes to this service's wake events; returns the unsubscribe. */
  onEvent(listener: WakeEventListener): () => void {
    return this.events.on(listener);
  }

  /** The service as /status shows it. */
  status(): ServiceStatus {
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    return {
      name: this.name,
      state: this.snap.state,
      since: new Date(this.since).toISOString(),
      ...(this.snap.reason === undefined ? {} : { reason: this.snap.reason }),
      ...(this.snap.notice === undefined ? {} : { notice: this.snap.notice }),
      ...(this.snap.failures === undefined ? {} : { wake_failures: this.snap.failures }),
      ...(this.retryAt === undefined ? {} : Number.isFinite(this.retryAt) ? { retry_at: iso(this.retryAt) } : { retry_at: 'when the workload exists' }),
      provider: this.opts.ref.provider,
      workload: this.opts.ref.id,
      ...(this.upstream.describe() === undefined ? {} : { target: this.upstream.describe() }),
      ...(this.config.dependsOn.length > 0 ? { depends_on: this.config.dependsOn } : {}),
      ...(this.snap.sleepDue ? { sleep_waits_for: this.dependents.filter((d) => d.state !== 'asleep').map((d) => d.name) } : {}),
      entrypoints: {
        ...(this.config.http ? { http: this.config.http.hosts } : {}),
        ...(this.config.tcp ? { tcp: formatHostPort(this.config.tcp.listen) } : {}),
      },
      in_flight: this.snap.inFlight ?? 0,
      bytes_in: this.bytesIn,
      bytes_out: this.bytesOut,
      ...(this.lastActivity === undefined ? {} : { last_activity: iso(this.lastActivity) }),
      ...(this.idle.sleepsAt === undefined ? {} : { sleeps_at: iso(this.idle.sleepsAt) }),
      wakes: this.wakes,
      ...(this.lastWakeMs === undefined ? {} : { last_wake_ms: this.lastWakeMs }),
      ...(this.lastStop === undefined ? {} : { last_stop: this.lastStop }),
      ...(this.checkKind === undefined ? {} : { check: this.checkKind }),
      ...(this.liveness ? { health: this.liveness.status() } : {}),
    };
  }

  /** Stops timers and abandons a running wake; workloads are left as they are. Idempotent. */
  stop(why = 'drowse is shutting down'): void {
    this.lifetime.abort();
    this.liveness?.stop();
    this.disarmIdle();
    this.waiters.fail(new WakeFailedError(this.name, why, { code: 'shutting_down', notice: `${this.name} could not be woken: ${why}` }));
  }

  private dispatch(event: ServiceEvent): void {
    if (this.lifetime.signal.aborted) return;
    const from = this.snap.state;
    const { next, effects } = transition(this.snap, event);
    this.snap = next;
    if (next.state !== 'unknown') this.offlineRefusal = undefined;
    if (next.state !== from) {
      this.since = this.clock.now();
      this.log.info({ from, to: next.state, event: event.type, ...(next.reason ? { reason: next.reason } : {}) }, 'service state changed');
      this.emitStateEvent(next, from, effects);
      if (next.state === 'asleep') for (const d of this.dependencies) d.dependentSlept();
      if (next.state === 'ready') this.liveness?.start();
      else this.liveness?.stop();
    }
    for (const effect of effects) this.perform(effect);
  }

  private perform(effect: Effect): void {
    switch (effect.type) {
      case 'begin_wake':
        this.upstream.forget();
        void this.wakeOnce();
        return;
      case 'begin_stop':
        void this.stopOnce(effect.reason);
        return;
      case 'release_waiters':
        this.waiters.release();
        return;
      case 'fail_waiters':
        this.waiters.fail(this.failedError(this.snap.retryAt));
        return;
      case 'arm_idle_timer':
        this.armIdle();
        return;
      case 'disarm_idle_timer':
        this.disarmIdle();
        return;
      default: {
        const never: never = effect;
        throw new Error(`service "${this.name}": unknown effect ${JSON.stringify(never)}`);
      }
    }
  }

  private async wakeOnce(): Promise<void> {
    const outcome = await runWake({
      service: this.name,
      provider: this.opts.provider,
      ref: this.opts.ref,
      clock: this.clock,
      dependencies: this.dependencies,
      readiness: this.opts.readiness,
      ...(this.opts.ownHealth ? { ownHealth: this.opts.ownHealth } : {}),
      ...(this.opts.poll ? { poll: this.opts.poll } : {}),
      nudges: this.nudges,
      budgetMs: this.opts.wakeBudgetMs ?? this.config.wakeTimeoutMs,
      lifetime: this.lifetime.signal,
      step: (step) => this.onWakeStep(step),
    });
    if (outcome.ok) {
      this.wakes++;
      this.lastWakeMs = outcome.durationMs;
      this.dispatch({ type: 'wake_succeeded' });
      return;
    }
    if ('abandoned' in outcome) return;
    const { failure, cause } = outcome;
    this.lastFailure = { code: failure.code, cause };
    // A missing workload is not looked for again until the provider reports it: no inspect per request.
    const retryAt = outcome.missing ? Infinity : this.clock.now() + backoffMs((this.snap.failures ?? 0) + 1, this.opts.wakeBackoff ?? defaultWakeBackoff);
    // Failures drowse understands are one line with their reason; only a surprise gets a stack.
    const why = outcome.expected ? { reason: failure.detail } : { reason: failure.detail, err: cause };
    this.log.warn({ phase: 'wake', ...why, ...(Number.isFinite(retryAt) ? { retry_at: new Date(retryAt).toISOString() } : { retry: 'when the workload exists' }) }, 'wake failed');
    this.dispatch({ type: 'wake_failed', reason: failure.detail, notice: failure.notice, retryAt });
  }

  private onWakeStep(step: WakeStep): void {
    switch (step.type) {
      case 'dependency_waking':
        return this.emit('dependency_waking', { dependency: step.dependency });
      case 'dependency_ready':
        return this.emit('dependency_ready', { dependency: step.dependency });
      case 'starting':
        return this.emit('starting', step.unpause ? { unpause: true } : {});
      case 'busy':
        // The backend's word goes on the public page: one plain word, or none.
        return this.emit('starting', { busy: /^[a-z][a-z0-9_-]{0,31}$/i.test(step.busy) ? step.busy : 'another task' });
      case 'started':
        return this.emit('started');
      case 'probing':
        this.checkKind = step.check;
        return this.emit('probing', { check: step.check });
    }
  }

  /** The check chosen at the last wake; liveness reuses it. */
  private get probe(): Probe {
    return this.checkKind === 'healthcheck' && this.opts.ownHealth ? this.opts.ownHealth : this.opts.readiness;
  }

  private dependentsAwake(): boolean {
    return this.dependents.some((d) => d.state !== 'asleep');
  }

  private async stopOnce(reason: SleepReason): Promise<void> {
    const started = this.clock.now();
    const outcome = await runStop({
      service: this.name,
      provider: this.opts.provider,
      ref: this.opts.ref,
      method: this.config.stopMethod,
      signal: this.config.stopSignal,
      timeoutMs: this.config.stopTimeoutMs,
      lifetime: this.lifetime.signal,
    }, reason);
    if (outcome.ok) {
      const tookMs = Math.round(this.clock.now() - started);
      this.lastStop = { at: new Date(this.clock.now()).toISOString(), method: outcome.method, took_ms: tookMs, ...(outcome.killed === undefined ? {} : { killed: outcome.killed }) };
      // Worth a warn: every sleep of this app costs the whole stop_timeout, and requests wait it out.
      if (outcome.killed) {
        this.log.warn({ phase: 'stop', took_ms: tookMs, stop_timeout_ms: this.config.stopTimeoutMs, signal: this.config.stopSignal }, `stop had to kill: ${this.name} did not exit within stop_timeout (${formatDuration(this.config.stopTimeoutMs)}) of ${this.config.stopSignal}`);
      }
      this.log.info({ phase: 'stop', method: outcome.method, reason, took_ms: tookMs }, 'service put to sleep');
      this.dispatch({ type: 'stop_succeeded' });
      return;
    }
    if ('abandoned' in outcome) return;
    this.log.warn({ phase: 'stop', method: outcome.method, err: outcome.cause }, 'stop failed');
    this.lastFailure = { code: outcome.failure.code, cause: outcome.cause };
    this.dispatch({ type: 'stop_failed', reason: outcome.failure.detail, notice: outcome.failure.notice });
  }

  /** The machine arms the idle timer only in ready/error with nothing in flight. */
  private armIdle(): void {
    this.idle.arm();
  }

  private disarmIdle(): void {
    this.idle.disarm();
  }

  private emitStateEvent(s: Snapshot, from: ServiceState, effects: readonly Effect[]): void {
    const stop = effects.find((e) => e.type === 'begin_stop');
    switch (s.state) {
      case 'waking':
        return this.emit('waking');
      case 'ready':
        return this.emit('ready');
      case 'stopping':
        return this.emit('stopping', { method: this.config.stopMethod, ...(stop?.type === 'begin_stop' ? { reason: stop.reason } : {}) });
      case 'asleep':
        return this.emit('asleep');
      case 'unknown':
        return this.emit('error', { failed: 'provider', ...(s.notice === undefined ? {} : { error: s.notice }), ...(s.reason === undefined ? {} : { detail: s.reason }) });
      case 'error':
        return this.emit('error', {
          ...(from === 'stopping' ? { failed: 'stop' as const } : {}),
          ...(s.notice === undefined ? {} : { error: s.notice }),
          ...(s.reason === undefined ? {} : { detail: s.reason }),
        });
    }
  }

  /** Emits a typed event; the sentence a person reads is built where the event is shown (loading/). */
  private emit(type: WakeEventType, fields: WakeEventFields = {}): void {
    const retryAt = type === 'error' && Number.isFinite(this.retryAt) ? this.retryAt : undefined;
    this.events.emit(type, { ...fields, ...(retryAt === undefined ? {} : { retry_at: new Date(retryAt).toISOString() }) });
  }
}
