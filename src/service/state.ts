/**
 * The service state machine: one pure function from (snapshot, event) to (snapshot, effects).
 * Timers, probes and provider calls live in service.ts, which performs the effects; keeping them
 * out of here is what lets the whole lifecycle be checked as a table (state.test.ts).
 */
import type { WorkloadState } from '../provider/index.ts';

/** The states CONTRACT §3 names; `unknown` while the service's provider cannot be reached. */
export type ServiceState = 'asleep' | 'waking' | 'ready' | 'stopping' | 'error' | 'unknown';

/** Everything the machine remembers. */
export interface Snapshot {
  readonly state: ServiceState;
  /** A wake was asked for while stopping (or while unknown): it runs as soon as the stop completes (or the provider is back). */
  readonly wakeQueued: boolean;
  /** Why the service is in `error`, in full (control API, log). */
  readonly reason?: string;
  /** The same, in words any visitor may read (loading page, /__drowse/). */
  readonly notice?: string;
  /** Wakes that failed in a row; a successful wake resets it. */
  readonly failures?: number;
  /**
   * After a failed wake, requests may not start another before this time (ms since the epoch);
   * Infinity when the workload was missing: then only news of it from the provider ends the wait.
   */
  readonly retryAt?: number;
  /** Requests and connections in flight (absent: none). While any is, the idle timer does not run. */
  readonly inFlight?: number;
  /** The idle timer ran out while a dependent was awake: the sleep happens when the last one sleeps. */
  readonly sleepDue?: true;
}

/** How long wakes are held off after failures: `initialMs` after the first, doubling up to `maxMs`. */
export interface WakeBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** 5 s after a failed wake, doubling with every failure in a row, at most 5 min (CONTRACT §6). */
export const defaultWakeBackoff: WakeBackoff = { initialMs: 5_000, maxMs: 300_000 };

/** The hold-off after `failures` failed wakes in a row. */
export function backoffMs(failures: number, b: WakeBackoff = defaultWakeBackoff): number {
  if (failures <= 0) return 0;
  return Math.min(b.maxMs, b.initialMs * 2 ** Math.min(failures - 1, 30));
}

/** Why a service is put to sleep; also the label of the stops metric. */
export type SleepReason = 'idle' | 'manual' | 'restart';

/** Inputs to the machine. */
export type ServiceEvent =
  /**
   * Someone wants the service awake, at `at` (ms since the epoch). During the backoff after a failed
   * wake only a `force`d wake (the control API, an operator) starts one.
   */
  | { readonly type: 'wake'; readonly at: number; readonly force?: boolean }
  | { readonly type: 'wake_succeeded' }
  /** `retryAt` is when requests may try again: the caller computes it from the backoff and the failures so far. */
  | { readonly type: 'wake_failed'; readonly reason: string; readonly notice: string; readonly retryAt: number }
  | { readonly type: 'sleep'; readonly reason: SleepReason }
  | { readonly type: 'stop_succeeded' }
  | { readonly type: 'stop_failed'; readonly reason: string; readonly notice: string }
  /**
   * The provider cannot be reached (its feed lost the engine): what it last said may no longer be
   * true. `reason` is the provider's error in full; `notice` the same for visitors.
   */
  | { readonly type: 'provider_offline'; readonly reason: string; readonly notice: string }
  /** The provider reported the workload's state on its own (event stream, resync, someone at the CLI). */
  | { readonly type: 'observed'; readonly workload: WorkloadState }
  /** A request or connection began to count as activity, and is in flight until `activity_ended`. */
  | { readonly type: 'activity_began' }
  | { readonly type: 'activity_ended' }
  /** A moment of activity with nothing left in flight (bytes on a TCP connection): idleness counts from now. */
  | { readonly type: 'activity' }
  /** The idle timer ran out; `dependentsAwake` says whether anything that needs the service is awake. */
  | { readonly type: 'idle_elapsed'; readonly dependentsAwake: boolean }
  /** A service that depends on this one fell asleep; a sleep put off for it may happen now. */
  | { readonly type: 'dependent_slept'; readonly dependentsAwake: boolean };

/** Work the caller must do after a transition, in order. */
export type Effect =
  | { readonly type: 'begin_wake' }
  | { readonly type: 'begin_stop'; readonly reason: SleepReason }
  | { readonly type: 'release_waiters' }
  | { readonly type: 'fail_waiters'; readonly reason: string; readonly notice: string }
  | { readonly type: 'arm_idle_timer' }
  | { readonly type: 'disarm_idle_timer' };

/** The result of one step. */
export interface Step {
  readonly next: Snapshot;
  readonly effects: readonly Effect[];
}

/** Where every service starts before the provider has been asked. */
export const initialSnapshot: Snapshot = { state: 'asleep', wakeQueued: false };

const stay = (s: Snapshot): Step => ({ next: s, effects: [] });
/** A new state; the failure count, the backoff and what is in flight carry over (the first two until a wake succeeds). */
const to = (from: Snapshot, state: ServiceState, effects: Effect[] = [], why?: { reason: string; notice?: string }): Step => ({
  next: {
    state,
    wakeQueued: false,
    ...(why === undefined ? {} : { reason: why.reason, ...(why.notice === undefined ? {} : { notice: why.notice }) }),
    ...(from.failures === undefined ? {} : { failures: from.failures }),
    ...(from.retryAt === undefined ? {} : { retryAt: from.retryAt }),
    ...(from.inFlight ? { inFlight: from.inFlight } : {}),
  },
  effects,
});
/** The idle timer runs only in these states. */
const idles = (s: Snapshot) => s.state === 'ready' || s.state === 'error';
const withInFlight = (s: Snapshot, n: number): Snapshot => {
  const { inFlight: _old, sleepDue: _due, ...rest } = s;
  return n > 0 ? { ...rest, inFlight: n } : rest;
};
const withoutDue = (s: Snapshot): Snapshot => {
  const { sleepDue: _due, ...rest } = s;
  return rest;
};
/** True when a request's wake must wait out the backoff of earlier failures. */
const heldOff = (s: Snapshot, e: { at: number; force?: boolean }) => !e.force && s.retryAt !== undefined && e.at < s.retryAt;
const awake = (w: WorkloadState) => w === 'running';

/**
 * The whole lifecycle. Events that make no sense in a state (stale results, duplicates) leave it
 * unchanged. The idle timer is armed only with nothing in flight, and arming or disarming it
 * forgets a put-off sleep.
 */
export function transition(from: Snapshot, e: ServiceEvent): Step {
  const step = lifecycle(from, e);
  const busy = (step.next.inFlight ?? 0) > 0;
  const effects = busy ? step.effects.filter((f) => f.type !== 'arm_idle_timer') : step.effects;
  const timerTouched = effects.some((f) => f.type === 'arm_idle_timer' || f.type === 'disarm_idle_timer');
  const next = timerTouched && step.next.sleepDue ? withoutDue(step.next) : step.next;
  return next === step.next && effects === step.effects ? step : { next, effects };
}

/** Activity and idleness: the same in every state, they decide when the idle timer runs and when it may end in a sleep. */
function activity(s: Snapshot, e: Extract<ServiceEvent, { type: 'activity_began' | 'activity_ended' | 'activity' | 'idle_elapsed' | 'dependent_slept' }>): Step {
  const inFlight = s.inFlight ?? 0;
  switch (e.type) {
    case 'activity_began':
      return { next: withInFlight(s, inFlight + 1), effects: inFlight === 0 ? [{ type: 'disarm_idle_timer' }] : [] };
    case 'activity_ended': {
      const left = Math.max(0, inFlight - 1);
      return { next: withInFlight(s, left), effects: left === 0 && inFlight > 0 && idles(s) ? [{ type: 'arm_idle_timer' }] : [] };
    }
    case 'activity':
      return inFlight === 0 && idles(s) ? { next: s, effects: [{ type: 'arm_idle_timer' }] } : stay(s);
    case 'idle_elapsed':
      if (inFlight > 0 || !idles(s)) return stay(s);
      // Something that needs this service is awake: sleep when the last of them sleeps.
      return e.dependentsAwake ? { next: { ...s, sleepDue: true }, effects: [] } : lifecycle(s, { type: 'sleep', reason: 'idle' });
    case 'dependent_slept':
      return s.sleepDue && !e.dependentsAwake ? lifecycle(withoutDue(s), { type: 'sleep', reason: 'idle' }) : stay(s);
    default:
      return unreachable(e);
  }
}

function lifecycle(from: Snapshot, e: ServiceEvent): Step {
  if (e.type === 'activity_began' || e.type === 'activity_ended' || e.type === 'activity' || e.type === 'idle_elapsed' || e.type === 'dependent_slept') return activity(from, e);
  if (e.type === 'provider_offline') return offline(from, e);
  // A workload found missing is not looked for again (retryAt: Infinity) until its provider reports it exists.
  const s = e.type === 'observed' && from.retryAt === Infinity && e.workload !== 'missing' ? withoutRetry(from) : from;
  switch (s.state) {
    case 'asleep':
      switch (e.type) {
        case 'wake':
          return heldOff(s, e) ? stay(s) : to(s, 'waking', [{ type: 'begin_wake' }]);
        case 'observed':
          // Started outside drowse: the wake finds it running, skips the start and only probes.
          return awake(e.workload) ? to(s, 'waking', [{ type: 'begin_wake' }]) : stay(s);
        case 'wake_succeeded':
        case 'wake_failed':
        case 'sleep':
        case 'stop_succeeded':
        case 'stop_failed':
          return stay(s);
        default:
          return unreachable(e);
      }

    case 'waking':
      switch (e.type) {
        case 'wake_succeeded':
          return to(withInFlight({ state: 'ready', wakeQueued: false }, s.inFlight ?? 0), 'ready', [{ type: 'release_waiters' }, { type: 'arm_idle_timer' }]);
        case 'wake_failed':
          // The idle timer is armed so a workload left running by a failed wake is still put to sleep.
          return to(
            { ...s, failures: (s.failures ?? 0) + 1, retryAt: e.retryAt },
            'error',
            [{ type: 'fail_waiters', reason: e.reason, notice: e.notice }, { type: 'arm_idle_timer' }],
            { reason: e.reason, notice: e.notice },
          );
        case 'wake':
        case 'sleep':
        case 'observed':
        case 'stop_succeeded':
        case 'stop_failed':
          // Single flight: a wake in progress is never restarted or cancelled from outside.
          return stay(s);
        default:
          return unreachable(e);
      }

    case 'ready':
      switch (e.type) {
        case 'sleep':
          return to(s, 'stopping', [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: e.reason }]);
        case 'observed':
          return awake(e.workload) ? stay(s) : to(s, 'asleep', [{ type: 'disarm_idle_timer' }]);
        case 'wake':
        case 'wake_succeeded':
        case 'wake_failed':
        case 'stop_succeeded':
        case 'stop_failed':
          return stay(s);
        default:
          return unreachable(e);
      }

    case 'stopping':
      switch (e.type) {
        case 'wake':
          return heldOff(s, e) ? stay(s) : { next: { ...s, wakeQueued: true }, effects: [] };
        case 'stop_succeeded':
          return s.wakeQueued ? to(s, 'waking', [{ type: 'begin_wake' }]) : to(s, 'asleep');
        case 'stop_failed':
          // The workload may well still run; a queued wake finds that out by itself.
          return s.wakeQueued
            ? to(s, 'waking', [{ type: 'begin_wake' }])
            : to(s, 'error', [{ type: 'arm_idle_timer' }], { reason: e.reason, notice: e.notice });
        // Events caused by our own stop arrive before the stop call returns; the call's result decides.
        case 'observed':
        case 'sleep':
        case 'wake_succeeded':
        case 'wake_failed':
          return stay(s);
        default:
          return unreachable(e);
      }

    case 'error':
      switch (e.type) {
        case 'wake':
          return heldOff(s, e) ? stay(s) : to(s, 'waking', [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]);
        case 'observed':
          return awake(e.workload) ? to(s, 'waking', [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]) : stay(s);
        case 'sleep':
          return to(s, 'stopping', [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: e.reason }]);
        case 'wake_succeeded':
        case 'wake_failed':
        case 'stop_succeeded':
        case 'stop_failed':
          return stay(s);
        default:
          return unreachable(e);
      }

    case 'unknown':
      switch (e.type) {
        case 'wake':
          // Nothing can be started on an engine that cannot be reached: the wake waits for its return.
          return heldOff(s, e) ? stay(s) : { next: { ...s, wakeQueued: true }, effects: [] };
        case 'observed':
          // The resync after a reconnect settles it: a running workload is probed before it counts as ready.
          if (awake(e.workload) || s.wakeQueued) return to(s, 'waking', [{ type: 'begin_wake' }]);
          return to(s, 'asleep');
        case 'sleep':
        case 'wake_succeeded':
        case 'wake_failed':
        case 'stop_succeeded':
        case 'stop_failed':
          return stay(s);
        default:
          return unreachable(e);
      }

    default:
      return unreachable(s.state);
  }
}

/**
 * The provider went offline. What drowse believed of a settled service (asleep, ready, error) may
 * no longer hold, so it becomes `unknown`. A wake or stop in progress is left to finish: its own
 * provider calls fail or succeed and say what happened.
 */
function offline(s: Snapshot, e: Extract<ServiceEvent, { type: 'provider_offline' }>): Step {
  switch (s.state) {
    case 'asleep':
    case 'ready':
    case 'error':
      return to(s, 'unknown', [{ type: 'disarm_idle_timer' }], { reason: e.reason, notice: e.notice });
    case 'waking':
    case 'stopping':
    case 'unknown':
      return stay(s);
    default:
      return unreachable(s.state);
  }
}

function withoutRetry(s: Snapshot): Snapshot {
  const { retryAt: _gone, ...rest } = s;
  return rest;
}

function unreachable(x: never): never {
  throw new Error(`service state machine: unhandled ${JSON.stringify(x)}`);
}
