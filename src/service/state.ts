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
  /** Why the service is in `error`. */
  readonly reason?: string;
}

/** Why a service is put to sleep; also the label of the stops metric. */
export type SleepReason = 'idle' | 'manual' | 'restart';

/** Inputs to the machine. */
export type ServiceEvent =
  | { readonly type: 'wake' }
  | { readonly type: 'wake_succeeded' }
  | { readonly type: 'wake_failed'; readonly reason: string }
  | { readonly type: 'sleep'; readonly reason: SleepReason }
  | { readonly type: 'stop_succeeded' }
  | { readonly type: 'stop_failed'; readonly reason: string }
  /** The provider reported the workload's state on its own (event stream, resync, someone at the CLI). */
  | { readonly type: 'observed'; readonly workload: WorkloadState };

/** Work the caller must do after a transition, in order. */
export type Effect =
  | { readonly type: 'begin_wake' }
  | { readonly type: 'begin_stop'; readonly reason: SleepReason }
  | { readonly type: 'release_waiters' }
  | { readonly type: 'fail_waiters'; readonly reason: string }
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
const to = (state: ServiceState, effects: Effect[] = [], reason?: string): Step => ({
  next: reason === undefined ? { state, wakeQueued: false } : { state, wakeQueued: false, reason },
  effects,
});
const awake = (w: WorkloadState) => w === 'running';

/** The whole lifecycle. Events that make no sense in a state (stale results, duplicates) leave it unchanged. */
export function transition(s: Snapshot, e: ServiceEvent): Step {
  switch (s.state) {
    case 'asleep':
      switch (e.type) {
        case 'wake':
          return to('waking', [{ type: 'begin_wake' }]);
        case 'observed':
          // Started outside drowse: the wake finds it running, skips the start and only probes.
          return awake(e.workload) ? to('waking', [{ type: 'begin_wake' }]) : stay(s);
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
          return to('ready', [{ type: 'release_waiters' }, { type: 'arm_idle_timer' }]);
        case 'wake_failed':
          // The idle timer is armed so a workload left running by a failed wake is still put to sleep.
          return to('error', [{ type: 'fail_waiters', reason: e.reason }, { type: 'arm_idle_timer' }], e.reason);
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
          return to('stopping', [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: e.reason }]);
        case 'observed':
          return awake(e.workload) ? stay(s) : to('asleep', [{ type: 'disarm_idle_timer' }]);
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
          return { next: { ...s, wakeQueued: true }, effects: [] };
        case 'stop_succeeded':
          return s.wakeQueued ? to('waking', [{ type: 'begin_wake' }]) : to('asleep');
        case 'stop_failed':
          // The workload may well still run; a queued wake finds that out by itself.
          return s.wakeQueued
            ? to('waking', [{ type: 'begin_wake' }])
            : to('error', [{ type: 'arm_idle_timer' }], e.reason);
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
          return to('waking', [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]);
        case 'observed':
          return awake(e.workload) ? to('waking', [{ type: 'disarm_idle_timer' }, { type: 'begin_wake' }]) : stay(s);
        case 'sleep':
          return to('stopping', [{ type: 'disarm_idle_timer' }, { type: 'begin_stop', reason: e.reason }]);
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

function unreachable(x: never): never {
  throw new Error(`service state machine: unhandled ${JSON.stringify(x)}`);
}
