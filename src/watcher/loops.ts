/** The watcher's listing of each discovering provider, as supervised loops for /status. */
import type { AnyLoopStatus } from '../kernel/index.ts';
import type { SourceStatus } from './watcher.ts';

/**
 * Each source's listing is a loop of its own: retried with backoff after a failure, so it is in
 * `backoff` with the last error until a listing succeeds again.
 */
export function discoveryLoops(watcher: { status(): readonly SourceStatus[] } | undefined, startedAt: Date): Array<readonly [string, AnyLoopStatus]> {
  return (watcher?.status() ?? []).map((s) => {
    const since = s.listed_at === undefined ? startedAt : new Date(s.listed_at);
    const status: AnyLoopStatus = s.error === undefined
      ? { state: 'running', since, failures: 0 }
      : { state: 'backoff', since, failures: 1, lastError: s.error };
    return [`labels "${s.provider}"`, status] as const;
  });
}
