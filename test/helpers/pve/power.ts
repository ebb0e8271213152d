import { PveApiError, paramError } from './errors.ts';
import type { PveGuest } from './guest.ts';
import type { ParamValue } from './params.ts';
import type { TaskContext, TaskOutcome, TaskRegistry } from './tasks.ts';
import type { Timers } from './timers.ts';

export type PowerAction = 'start' | 'shutdown' | 'stop' | 'suspend' | 'resume';

/** Where wrong-state errors surface: PVE's handlers refuse in the POST itself, before forking the worker. */
export type WrongStateIn = 'post' | 'task';

export interface PowerSettings {
  readonly wrongStateIn: WrongStateIn;
  /** The POST fails `500 CT 101 is locked (backup)` rather than the task (some PVE versions). */
  readonly lockedPostFails: boolean;
  /** How long a worker waits for the guest's config flock; PVE waits 10 s. */
  readonly configLockTimeoutMs: number;
  /** status/stop knows overrule-shutdown (PVE ≥ 8.1). */
  readonly overruleShutdown: boolean;
}

export interface PowerEnv {
  readonly timers: Timers;
  readonly tasks: TaskRegistry;
  readonly settings: PowerSettings;
}

const TASK_TYPE: Readonly<Record<PowerAction, string>> = {
  start: 'vzstart', shutdown: 'vzshutdown', stop: 'vzstop', suspend: 'vzsuspend', resume: 'vzresume',
};

/** The check_running test each PVE handler makes before it forks its worker. */
function wrongState(action: PowerAction, guest: PveGuest): string | undefined {
  const running = guest.status === 'running';
  if ((action === 'start' || action === 'resume') && running) return `CT ${guest.vmid} already running`;
  if ((action === 'shutdown' || action === 'stop' || action === 'suspend') && !running) return `CT ${guest.vmid} not running`;
  return undefined;
}

/**
 * Runs a power POST the way pve-container's LXC/Status.pm does: refuse what the handler refuses,
 * else fork a worker task and answer its UPID at once; the work happens in the task.
 */
export function powerAction(env: PowerEnv, guest: PveGuest, action: PowerAction, params: Readonly<Record<string, ParamValue>>, user: string): string {
  // A token is never root@pam, so skiplock is always refused, as PVE refuses it.
  if (params.skiplock === true) throw paramError({ skiplock: 'Only root may use this option.' });
  const refused = wrongState(action, guest);
  if (refused && env.settings.wrongStateIn === 'post') throw new PveApiError(500, refused);
  if (env.settings.lockedPostFails && guest.lock && action !== 'resume') throw new PveApiError(500, `CT ${guest.vmid} is locked (${guest.lock})`);
  countAction(guest, action);
  const task = env.tasks.start(guest.node, TASK_TYPE[action], String(guest.vmid), user, async (ctx) => {
    const late = wrongState(action, guest);
    if (late) throw new Error(late);
    return WORK[action](env, guest, ctx, params);
  });
  return task.upid;
}

function countAction(guest: PveGuest, action: PowerAction): void {
  if (action === 'start') guest.starts++;
  else if (action === 'shutdown') guest.shutdowns++;
  else if (action === 'stop') guest.stops++;
  else if (action === 'suspend') guest.suspends++;
  else guest.resumes++;
}

type Work = (env: PowerEnv, guest: PveGuest, ctx: TaskContext, params: Readonly<Record<string, ParamValue>>) => Promise<TaskOutcome>;

async function withConfigLock<T>(env: PowerEnv, guest: PveGuest, fn: () => Promise<T>): Promise<T> {
  const release = await guest.configLock.acquire(env.settings.configLockTimeoutMs, (ms) => env.timers.sleep(ms));
  try {
    return await fn();
  } finally {
    release();
  }
}

/** PVE's check_lock; start and stop let a 'mounted' lock pass. */
function checkLock(guest: PveGuest, allowMounted: boolean): void {
  const lock = guest.lock;
  if (lock && !(allowMounted && lock === 'mounted')) throw new Error(`CT is locked (${lock})`);
}

const WORK: Readonly<Record<PowerAction, Work>> = {
  start: (env, guest, ctx) => withConfigLock(env, guest, async () => {
    checkLock(guest, true);
    await env.timers.sleep(guest.startMs, ctx.signal);
    if (guest.exitstatusOnStart !== undefined) throw new Error(guest.exitstatusOnStart);
    if (guest.status === 'running') throw new Error(`CT ${guest.vmid} already running`);
    await guest.bootUp();
    for (let i = 1; i <= guest.startWarnings; i++) ctx.log(`WARN: test warning ${i} while starting CT ${guest.vmid}`);
    return { warnings: guest.startWarnings };
  }),

  stop: async (env, guest, ctx, params) => {
    if (params['overrule-shutdown'] === true) {
      const shutdowns = env.tasks.running('vzshutdown', String(guest.vmid));
      for (const t of shutdowns) t.abort();
      await Promise.all(shutdowns.map((t) => t.done));
      if (shutdowns.length > 0) ctx.log(`overruled vzshutdown tasks: ${shutdowns.map((t) => t.upid).join(', ')}`);
    }
    await withConfigLock(env, guest, async () => {
      checkLock(guest, true);
      if (guest.status !== 'running') return;
      await env.timers.sleep(guest.stopMs, ctx.signal);
      await guest.goDown(false);
    });
  },

  shutdown: (env, guest, ctx, params) => withConfigLock(env, guest, async () => {
    checkLock(guest, false);
    if (guest.status !== 'running') return;
    const timeout = typeof params.timeout === 'number' ? params.timeout : 60;
    const limitMs = timeout * 1000;
    const down = guest.whenDown();
    if (!guest.ignoresShutdown && guest.shutdownMs <= limitMs) {
      await Promise.race([env.timers.sleep(guest.shutdownMs, ctx.signal), down]);
      if (guest.status === 'running') await guest.goDown(false);
      return;
    }
    await Promise.race([env.timers.sleep(limitMs, ctx.signal), down]);
    if (guest.status !== 'running') return;
    if (params.forceStop === true) {
      ctx.log(`container did not shut down within ${timeout}s, killing it`);
      await guest.goDown(false);
      return;
    }
    throw new Error(`command 'lxc-stop -n ${guest.vmid} --nokill --timeout ${timeout}' failed: exit code 1`);
  }),

  suspend: (env, guest, ctx) => withConfigLock(env, guest, async () => {
    checkLock(guest, false);
    await env.timers.sleep(guest.shutdownMs, ctx.signal);
    if (guest.status !== 'running') throw new Error(`CT ${guest.vmid} not running`);
    await guest.goDown(true);
  }),

  // PVE's resume takes neither the config flock nor checks the lock: only lxc-checkpoint's own failure.
  resume: async (env, guest, ctx) => {
    if (!guest.suspended) throw new Error(`command 'lxc-checkpoint -n ${guest.vmid} -r --foreground -D /var/lib/vz/dump' failed: exit code 1`);
    await env.timers.sleep(guest.startMs, ctx.signal);
    await guest.bootUp();
  },
};
