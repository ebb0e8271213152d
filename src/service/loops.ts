/** Liveness monitors, one per awake service with `health`, as supervised loops for /status. */
import type { AnyLoopStatus } from '../kernel/index.ts';
import type { Service } from './service.ts';

/** A monitor runs only while its service is ready; failed checks in a row make it degraded. */
export function livenessLoops(services: readonly Service[]): Array<readonly [string, AnyLoopStatus]> {
  return services.flatMap((s) => {
    if (s.state !== 'ready' || !s.config.health) return [];
    const h = s.status().health;
    if (!h) return [];
    const status: AnyLoopStatus = {
      state: h.consecutive_failures > 0 ? 'degraded' : 'running',
      since: new Date(h.last_check ?? s.status().since),
      failures: h.consecutive_failures,
      ...(h.last_error === undefined ? {} : { lastError: h.last_error }),
    };
    return [[`liveness "${s.name}"`, status] as const];
  });
}
