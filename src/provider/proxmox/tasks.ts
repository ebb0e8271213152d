/**
 * Following a PVE task. Every power action answers at once with a UPID; the work (and its failure:
 * "CT 101 already running", "CT is locked (backup)") shows only in the task's exitstatus.
 */
import { sleep, systemClock, type Clock } from '../../kernel/index.ts';
import { isTransient, type PveClient } from './client.ts';

/** A task ended with an exitstatus other than OK or WARNINGS. */
export class PveTaskError extends Error {
  override readonly name = 'PveTaskError';
  readonly upid: string;
  /** PVE's own words: the exitstatus text. */
  readonly exitstatus: string;

  constructor(upid: string, exitstatus: string) {
    super(`task ${taskType(upid) ?? 'task'} failed: ${exitstatus}`);
    this.upid = upid;
    this.exitstatus = exitstatus;
  }
}

/** The node a UPID ran on: `UPID:{node}:{pid}:{pstart}:{starttime}:{type}:{id}:{user}:`. */
export function upidNode(upid: string): string | undefined {
  const parts = upid.split(':');
  return parts[0] === 'UPID' && parts[1] ? parts[1] : undefined;
}

/** The task type of a UPID (vzstart, vzshutdown, ...). */
export function taskType(upid: string): string | undefined {
  const parts = upid.split(':');
  return parts[0] === 'UPID' && parts[5] ? parts[5] : undefined;
}

/** "OK" and "WARNINGS: n" are success; anything else is the error text. */
export function taskSucceeded(exitstatus: string): boolean {
  return exitstatus === 'OK' || /^WARNINGS: ?\d+$/.test(exitstatus);
}

/** Options of {@link waitForTask}. */
export interface WaitTaskOptions {
  /** The node to ask when the UPID cannot be parsed (it names its own node otherwise). */
  readonly node?: string;
  readonly clock?: Clock;
  /** First pause between polls; grows by half each time up to maxIntervalMs. */
  readonly initialIntervalMs?: number;
  readonly maxIntervalMs?: number;
}

interface TaskStatus {
  readonly status?: unknown;
  readonly exitstatus?: unknown;
}

/**
 * Polls the task's status until it is stopped: resolves on OK/WARNINGS, throws PveTaskError
 * otherwise. Short pauses first (a start is often done in a fraction of a second), growing to a
 * second. A poll that fails transiently (see isTransient) is asked again after the same pause:
 * the task goes on in PVE whatever one answer on the way said. The caller's signal ends the wait.
 */
export async function waitForTask(client: PveClient, upid: string, signal: AbortSignal, opts: WaitTaskOptions = {}): Promise<void> {
  const node = upidNode(upid) ?? opts.node;
  if (node === undefined) throw new PveTaskError(upid, `not a UPID: "${upid}"`);
  const clock = opts.clock ?? systemClock;
  const max = opts.maxIntervalMs ?? 1000;
  let interval = opts.initialIntervalMs ?? 100;
  const path = `/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}/status`;
  for (;;) {
    const task = await client.get<TaskStatus | null>(path, undefined, signal).catch((err: unknown) => {
      if (signal.aborted || !isTransient(err)) throw err;
      return undefined;
    });
    if (task?.status === 'stopped') {
      const exit = typeof task.exitstatus === 'string' ? task.exitstatus.trim() : '';
      // A stopped task always has an exitstatus; without one there is nothing to call a failure.
      if (exit === '' || taskSucceeded(exit)) return;
      throw new PveTaskError(upid, exit);
    }
    await sleep(clock, interval, signal);
    signal.throwIfAborted();
    interval = Math.min(max, Math.round(interval * 1.5));
  }
}
