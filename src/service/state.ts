/**
 * The service state machine: one pure function from (snapshot, event) to (snapshot, effects).
 * Timers, probes and provider calls live in service.ts, which performs the effects; keeping them
 * out of here is what lets the whole lifecycle be checked as a table (state.test.ts).
 */
import type { WorkloadState } from '../provider/index.ts';

/** The states CONTRACT §3 names. */
export type ServiceState = 'asleep' | 'waking' | 'ready' | 'stopping' | 'error';

/** Everything the machine remembers. */
export interface Snapshot {
  readonly state: ServiceState;
  /** A wake was asked for while stopping: it runs as soon as the stop completes. */
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
  /** The provider reported the workload's state on its own (event stream, resync, someone at the CLI). */
  | { readonly type: 'observed'; readonly workload: WorkloadState };

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
/** A new state; the failure count and the backoff carry over until a wake succeeds. */
const to = (from: Snapshot, state: ServiceState, effects: Effect[] = [], why?: { reason: string; notice?: string }): Step => ({
  next: {
    state,
    wakeQueued: false,
    ...(why === undefined ? {} : { reason: why.reason, ...(why.notice === undefined ? {} : { notice: why.notice }) }),
    ...(from.failures === undefined ? {} : { failures: from.failures }),
    ...(from.retryAt === undefined ? {} : { retryAt: from.retryAt }),
  },
  effects,
});
/** True when a request's wake must wait out the backoff of earlier failures. */
const heldOff = (s: Snapshot, e: { at: number; force?: boolean }) => !e.force && s.retryAt !== undefined && e.at < s.retryAt;
const awake = (w: WorkloadState) => w === 'running';

/** The whole lifecycle. Events that make no sense in a state (stale results, duplicates) leave it unchanged. */
export function transition(from: Snapshot, e: ServiceEvent): Step {
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
          return to({ state: 'ready', wakeQueued: false }, 'ready', [{ type: 'release_waiters' }, { type: 'arm_idle_timer' }]);
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
