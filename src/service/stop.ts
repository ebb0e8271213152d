/**
 * Putting one workload to sleep the way the service asks: stop (signal, then kill after the grace
 * period), pause, or kill. A restart always stops: a paused process would come back in the same
 * broken state. Returns how it ended; the watcher turns that into a state machine event.
 */
import type { StopMethod } from '../config/index.ts';
import type { Provider, WorkloadRef } from '../provider/index.ts';
import { stopFailure, type Failure } from './failure.ts';
import type { SleepReason } from './state.ts';

/** What a stop needs. */
export interface StopDeps {
  readonly service: string;
  readonly provider: Provider;
  readonly ref: WorkloadRef;
  readonly method: StopMethod;
  readonly signal: string;
  readonly timeoutMs: number;
  readonly lifetime: AbortSignal;
}

/** How a stop ended. `killed`: the grace period ran out and the workload was killed (when the provider can tell). */
export type StopOutcome =
  | { readonly ok: true; readonly method: StopMethod; readonly killed?: boolean }
  | { readonly ok: false; readonly method: StopMethod; readonly failure: Failure; readonly cause: unknown }
  | { readonly ok: false; readonly abandoned: true };

/** Runs one stop to its end; never throws. */
export async function runStop(deps: StopDeps, reason: SleepReason): Promise<StopOutcome> {
  const { provider, ref } = deps;
  const method: StopMethod = reason === 'restart' ? 'stop' : deps.method;
  try {
    // Only a running workload can be paused; one that already exited is asleep as it is.
    const current = await provider.status(ref, deps.lifetime);
    if (current.state === 'running' && method === 'stop') {
      const report = await provider.stop(ref, { signal: deps.signal, timeoutMs: deps.timeoutMs });
      return report ? { ok: true, method, killed: report.killed } : { ok: true, method };
    }
    if (current.state === 'running') {
      if (method === 'pause') await provider.pause(ref);
      else await provider.kill(ref, 'SIGKILL');
    }
    return { ok: true, method };
  } catch (err) {
    if (deps.lifetime.aborted) return { ok: false, abandoned: true };
    return { ok: false, method, failure: stopFailure(deps.service, method, err), cause: err };
  }
}
