/**
 * One wake of one service, as a unit: dependencies first, then start (or unpause) the workload,
 * then readiness, all within the wake budget, ending early when the workload exits. It reports its
 * steps and returns how it ended; the watcher (service.ts) turns that into a state machine event.
 * Every read of the workload's state during a wake goes through one function here.
 */
import { defaultPoll, waitUntilReady, type PollOptions, type Probe } from '../health/index.ts';
import { formatDuration, type Clock } from '../kernel/index.ts';
import { isNotFound, type Provider, type WorkloadRef, type WorkloadStatus } from '../provider/index.ts';
import { DependencyFailedError, WakeTimeoutError } from './errors.ts';
import { wakeFailure, WorkloadExitedError, WorkloadMissingError, type Failure } from './failure.ts';

/** Which check decided readiness: the configured or default probe, or the workload's own HEALTHCHECK. */
export type CheckKind = 'probe' | 'healthcheck';

/** Another service this one needs. */
export interface WakeDependency {
  readonly name: string;
  whenReady(signal?: AbortSignal): Promise<void>;
}

/** A step of a wake, as it happens. */
export type WakeStep =
  | { readonly type: 'dependency_waking' | 'dependency_ready'; readonly dependency: string }
  | { readonly type: 'starting'; readonly unpause: boolean }
  /** The start waits: the workload is busy with another task (a guest locked by a backup). */
  | { readonly type: 'busy'; readonly busy: string }
  | { readonly type: 'started' }
  | { readonly type: 'probing'; readonly check: CheckKind };

/** What a wake needs. */
export interface WakeDeps {
  readonly service: string;
  readonly provider: Provider;
  readonly ref: WorkloadRef;
  readonly clock: Clock;
  readonly dependencies: readonly WakeDependency[];
  readonly readiness: Probe;
  /** The workload's own health check, preferred when the workload defines one. */
  readonly ownHealth?: Probe;
  readonly poll?: PollOptions;
  /** Ends the readiness poll's current pause early when the workload reports news. */
  readonly nudges?: EventTarget;
  /** The whole wake's deadline: wake_timeout plus the dependencies'. */
  readonly budgetMs: number;
  /** Aborted when drowse shuts down: the wake is abandoned, the workload left as it is. */
  readonly lifetime: AbortSignal;
  readonly step: (step: WakeStep) => void;
}

/** How a wake ended. */
export type WakeOutcome =
  | { readonly ok: true; readonly check: CheckKind; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly failure: Failure;
      readonly cause: unknown;
      /** The workload does not exist: nothing is gained by looking again before the provider reports it. */
      readonly missing: boolean;
      /** A failure with a known cause, whose stack says nothing its reason does not. */
      readonly expected: boolean;
    }
  /** drowse is shutting down. */
  | { readonly ok: false; readonly abandoned: true };

/** Runs one wake to its end; never throws. */
export async function runWake(deps: WakeDeps): Promise<WakeOutcome> {
  const { provider, ref, clock } = deps;
  const startedAt = clock.now();
  const deadline = new AbortController();
  const budget = formatDuration(deps.budgetMs);
  const timer = clock.setTimeout(() => deadline.abort(new WakeTimeoutError(budget)), deps.budgetMs);
  const signal = AbortSignal.any([deadline.signal, deps.lifetime]);
  const read = (s: AbortSignal): Promise<WorkloadStatus> => provider.status(ref, s);
  try {
    await wakeDependencies(deps, signal);
    const current = await read(signal);
    if (current.state === 'missing') throw new WorkloadMissingError(`${provider.kind} workload "${ref.id}" does not exist`);
    if (current.state !== 'running') {
      deps.step({ type: 'starting', unpause: current.state === 'paused' });
      if (current.state === 'paused') await provider.unpause(ref, signal);
      else await provider.start(ref, signal, ({ busy }) => deps.step({ type: 'busy', busy }));
      deps.step({ type: 'started' });
    }
    signal.throwIfAborted();
    // A workload with its own HEALTHCHECK is trusted to know when it is ready, unless health names a probe.
    const check: CheckKind = deps.ownHealth !== undefined && current.healthcheck === true ? 'healthcheck' : 'probe';
    deps.step({ type: 'probing', check });
    const probe = check === 'healthcheck' && deps.ownHealth ? deps.ownHealth : deps.readiness;
    await waitUntilReady(failFast(probe, read, ref, clock), signal, deps.poll ?? defaultPoll, deps.nudges);
    return { ok: true, check, durationMs: clock.now() - startedAt };
  } catch (err) {
    if (deps.lifetime.aborted) return { ok: false, abandoned: true };
    const failure = deadline.signal.aborted ? wakeFailure(deps.service, err, { budget, ...lastCheck(err) }) : wakeFailure(deps.service, err);
    return { ok: false, failure, cause: err, missing: isMissing(err), expected: isExpected(err) };
  } finally {
    clock.clearTimeout(timer);
  }
}

/** Wakes every dependency (in parallel; each wakes its own first) and waits until all are ready. */
async function wakeDependencies(deps: WakeDeps, signal: AbortSignal): Promise<void> {
  await Promise.all(
    deps.dependencies.map(async (d) => {
      deps.step({ type: 'dependency_waking', dependency: d.name });
      try {
        await d.whenReady(signal);
      } catch (err) {
        if (signal.aborted) throw err;
        throw new DependencyFailedError(d.name, err);
      }
      deps.step({ type: 'dependency_ready', dependency: d.name });
    }),
  );
}

/**
 * Wraps the readiness probe so that a workload that exits while waking ends the wake at once
 * instead of after wake_timeout. The provider is asked only after a failed probe, and at most
 * every 250 ms, so a fast poll does not turn into a stream of inspects.
 */
function failFast(readiness: Probe, read: (s: AbortSignal) => Promise<WorkloadStatus>, ref: WorkloadRef, clock: Clock): Probe {
  let checkedAt = -Infinity;
  return async (signal) => {
    try {
      await readiness(signal);
    } catch (err) {
      if (clock.now() - checkedAt < 250) throw err;
      checkedAt = clock.now();
      const st = await read(signal);
      if (st.state !== 'running') {
        throw new WorkloadExitedError(ref.id, st.state === 'missing' ? { removed: true } : st.exitCode === undefined ? {} : { exitCode: st.exitCode }, { cause: err });
      }
      throw err;
    }
  };
}

/** True when the wake failed because the workload does not exist (or was removed while waking). */
function isMissing(err: unknown): boolean {
  return err instanceof WorkloadMissingError || (err instanceof WorkloadExitedError && err.removed) || isNotFound(err);
}

function isExpected(err: unknown): boolean {
  return err instanceof WorkloadMissingError || err instanceof WorkloadExitedError || err instanceof DependencyFailedError || err instanceof WakeTimeoutError || isNotFound(err);
}

/** A timeout says what the last readiness check saw, so "timed out" is never the whole story. */
function lastCheck(caught: unknown): { lastCheck?: string } {
  const last = caught instanceof Error ? caught.cause : undefined;
  return last instanceof Error ? { lastCheck: last.message } : {};
}
