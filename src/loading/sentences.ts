/**
 * The sentence a person reads for each wake event: on the loading page (SSE `message`) and, later,
 * in the event log. Built here, where events are shown, from the event's typed facts; it names the
 * service and its dependencies only, never a container, target or probe.
 */
import type { WakeEvent } from '../service/index.ts';

/** The event in words. */
export function describe(e: WakeEvent): string {
  const s = e.service;
  switch (e.type) {
    case 'waking':
      return `Waking ${s}`;
    case 'dependency_waking':
      return `Waking ${e.dependency ?? 'a dependency'}`;
    case 'dependency_ready':
      return `${e.dependency ?? 'A dependency'} is ready`;
    case 'starting':
      if (e.busy !== undefined) return `${s} is busy (${e.busy}); it starts once that is done`;
      return e.unpause ? `Unpausing ${s}` : `Starting ${s}`;
    case 'started':
      return `${s} is running`;
    case 'probing':
      return e.check === 'healthcheck' ? 'Waiting for the container to report healthy' : 'Waiting for the app to answer';
    case 'ready':
      return `${s} is ready`;
    case 'stopping':
      return e.method === undefined ? `Putting ${s} to sleep` : `Putting ${s} to sleep (${e.method})`;
    case 'asleep':
      return `${s} is asleep`;
    case 'error':
      if (e.failed === 'provider') return `${s} cannot be reached right now`;
      return e.failed === 'stop' ? `Could not put ${s} to sleep` : `Could not wake ${s}`;
    case 'unhealthy':
      return `${s} is unhealthy`;
    case 'healthy':
      return `${s} is healthy again`;
    case 'restarting':
      return `Restarting ${s}`;
    default: {
      const never: never = e.type;
      return String(never);
    }
  }
}
