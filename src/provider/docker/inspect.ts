import { constants } from 'node:os';
import type { ContainerInspectInfo } from 'dockerode';
import type { WorkloadStatus } from '../provider.ts';

/**
 * Maps `docker inspect` to a WorkloadStatus. `restarting` counts as stopped: Docker reports
 * Running=true while it waits out a restart delay, but nothing is serving, and a `start` event
 * follows when it comes back. created/exited/dead/removing are all stopped.
 */
export function statusFromInspect(info: ContainerInspectInfo): WorkloadStatus {
  const s = info.State;
  const hc = hasHealthcheck(info) ? { healthcheck: true } : {};
  switch (s.Status) {
    case 'paused':
      return { state: 'paused', ...hc };
    case 'running': {
      const health = healthOf(info);
      return health === undefined ? { state: 'running', ...hc } : { state: 'running', health, ...hc };
    }
    case 'created':
      // Never ran: its ExitCode 0 is not a result.
      return { state: 'stopped', ...hc };
    default:
      return { state: 'stopped', exitCode: s.ExitCode, ...hc };
  }
}

/** True when the container's config (its image or its run options) defines an enabled HEALTHCHECK. */
function hasHealthcheck(info: ContainerInspectInfo): boolean {
  const test = info.Config.Healthcheck?.Test;
  return !!test && test.length > 0 && test[0] !== 'NONE';
}

/** The HEALTHCHECK verdict, only when the container defines an enabled one. */
function healthOf(info: ContainerInspectInfo): WorkloadStatus['health'] {
  if (!hasHealthcheck(info)) return undefined;
  const status = info.State.Health?.Status;
  return status === 'starting' || status === 'healthy' || status === 'unhealthy' ? status : undefined;
}

/**
 * True when `inspect` found the container the ref names. Docker resolves a name it does not know
 * as an ID prefix, so a missing container "db" could answer as container db41f…; that is not ours.
 */
export function isNamed(info: ContainerInspectInfo, id: string): boolean {
  return info.Name === `/${id}` || info.Name === id || info.Id === id;
}

/** Names Docker could read as an ID prefix (hex only); only these need the ID-prefix guard. */
export function couldBeIdPrefix(id: string): boolean {
  return /^[0-9a-f]{1,64}$/.test(id);
}

/** The signal number for SIGTERM, TERM or 15; undefined for a name the OS does not know. */
export function signalNumber(signal: string): number | undefined {
  const s = signal.trim().toUpperCase();
  if (/^\d+$/.test(s)) return Number(s);
  const name = (s.startsWith('SIG') ? s : `SIG${s}`) as keyof typeof constants.signals;
  return constants.signals[name];
}

/** True when two spellings name the same signal (SIGTERM, TERM, 15). */
export function sameSignal(a: string, b: string): boolean {
  const na = signalNumber(a);
  const nb = signalNumber(b);
  return na !== undefined && nb !== undefined ? na === nb : a.trim().toUpperCase() === b.trim().toUpperCase();
}

/** Whether the engine's API takes `signal` on stop (added in API 1.42, Docker 23). */
export function stopTakesSignal(apiVersion: string): boolean {
  const [major = 0, minor = 0] = apiVersion.split('.').map((n) => Number.parseInt(n, 10));
  return major > 1 || (major === 1 && minor >= 42);
}
