import type { WorkloadEvent, WorkloadState } from '../provider.ts';

/** The fields drowse reads from one line of Docker's /events stream. */
export interface DockerEventMessage {
  readonly Type?: string;
  /** e.g. "start", "die", "health_status: healthy", "exec_start: sh -c ...". */
  readonly Action?: string;
  /** Pre-1.22 spelling of Action, still sent alongside it. */
  readonly status?: string;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Readonly<Record<string, string>> };
  readonly time?: number;
  readonly timeNano?: number;
}

/** What one Docker event means for drowse. */
export type DockerEventMeaning =
  | { readonly kind: 'event'; readonly event: WorkloadEvent }
  /** Names changed (rename): every workload's state must be re-read. */
  | { readonly kind: 'resync' }
  /** A HEALTHCHECK verdict: not a state change, but a reason to look again now. */
  | { readonly kind: 'health'; readonly id: string; readonly health: string }
  | { readonly kind: 'ignore' };

/**
 * The state a container is in after each lifecycle action. Deliberately absent, so ignored:
 * - kill: a signal was sent; the process may ignore it. die/stop follow if it exits.
 * - oom: the kernel killed a process; die follows if it was the main one.
 * - health_status: a verdict, not a lifecycle change; it can race a die and would revive a
 *   stopped container as "running". The health module reads it through Provider.status().
 * - exec_*, attach, detach, resize, top, update, commit, copy, export, archive-path, extract-to-dir.
 * create counts as stopped so a service waiting on a missing container learns it now exists.
 */
const STATE_AFTER: Readonly<Record<string, WorkloadState>> = {
  create: 'stopped',
  start: 'running',
  restart: 'running',
  unpause: 'running',
  pause: 'paused',
  die: 'stopped',
  stop: 'stopped',
  destroy: 'missing',
};

/** Parses one line; undefined when it is not a JSON object. */
export function parseDockerEvent(line: string): DockerEventMessage | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as DockerEventMessage) : undefined;
  } catch {
    return undefined;
  }
}

/** Maps one Docker event to a WorkloadEvent (id = container name), a resync, or nothing. */
export function interpretDockerEvent(provider: string, msg: DockerEventMessage, now: () => number = Date.now): DockerEventMeaning {
  if (msg.Type !== undefined && msg.Type !== 'container') return { kind: 'ignore' };
  const action = (msg.Action ?? msg.status ?? '').split(':')[0]!.trim();
  if (action === 'rename') return { kind: 'resync' };
  const state = STATE_AFTER[action];
  const name = msg.Actor?.Attributes?.['name']?.replace(/^\//, '');
  if (action === 'health_status' && name) {
    const health = (msg.Action ?? msg.status ?? '').split(':')[1]?.trim() ?? '';
    return { kind: 'health', id: name, health };
  }
  if (state === undefined || !name) return { kind: 'ignore' };
  const exitCode = action === 'die' ? parseExitCode(msg.Actor?.Attributes?.['exitCode']) : undefined;
  const event: WorkloadEvent = {
    provider,
    id: name,
    state,
    action,
    at: eventTime(msg, now),
    ...(exitCode === undefined ? {} : { exitCode }),
  };
  return { kind: 'event', event };
}

function parseExitCode(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^-?\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** timeNano (beyond 2^53, but millisecond precision survives the double) else time in seconds. */
function eventTime(msg: DockerEventMessage, now: () => number): Date {
  if (typeof msg.timeNano === 'number' && msg.timeNano > 0) return new Date(Math.floor(msg.timeNano / 1e6));
  if (typeof msg.time === 'number' && msg.time > 0) return new Date(msg.time * 1000);
  return new Date(now());
}
