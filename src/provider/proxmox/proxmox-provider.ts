import { sleep, systemClock, type Clock, type Logger } from '../../kernel/index.ts';
import { isNotFound } from '../errors.ts';
import { withDeadline } from '../deadline.ts';
import type { Provider, StartProgress, StopOptions, StopReport, WorkloadRef, WorkloadState, WorkloadStatus } from '../provider.ts';
import { isTransient, PveClient, PveHttpError, type PveClientOptions } from './client.ts';
import { BUSY_LOCK, lockIn, pveError, pveText, toProviderError, type CallSite } from './errors.ts';
import { Locator } from './locate.ts';
import { LockWaiter, START_STOP_PASSES } from './locks.ts';
import { guestPath, type Current, type Op } from './op.ts';
import { PveTaskError, waitForTask } from './tasks.ts';

/** Options of a {@link ProxmoxProvider}: the client's settings plus the provider's own. */
export interface ProxmoxProviderOptions extends PveClientOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** A client built elsewhere (tests); otherwise one is built from url, token and tls. */
  readonly client?: PveClient;
  /** Deadline of a whole operation (lock waits and tasks included); a stop gets its grace period on top. 2 min unless told. */
  readonly opTimeoutMs?: number;
  /** How often a locked guest is looked at again. 1 s unless told. */
  readonly lockPollMs?: number;
  /** Pauses between task polls: from the first to the longest. 100 ms to 1 s unless told. */
  readonly taskPollMs?: { readonly initial: number; readonly max: number };
}

/** How {@link ProxmoxProvider} follows one power action through locks. */
interface ActionOptions {
  /** Wait out another task's config flock (default) or fail at once. */
  readonly waitBusy?: boolean;
  /** Locks not waited for. */
  readonly passes?: ReadonlySet<string>;
}

/**
 * The Provider for one Proxmox VE cluster's LXC guests. A ref's id is the vmid; its location is the
 * node the config names, a hint only: a guest that migrated is found through /cluster/resources.
 *
 * Pause is PVE's suspend, a CRIU checkpoint after which PVE reports the CT `stopped`; the provider
 * remembers in memory which CTs it suspended and reports those `paused`. A restart of drowse
 * forgets them: they then read as stopped, and the next wake boots them afresh (start, not resume),
 * losing the checkpointed memory — what a stop would have cost anyway.
 *
 * A locked guest (backup, migrate, snapshot) is waited for, re-checked every lockPollMs until the
 * lock clears or the operation's deadline or the caller's signal ends. Why it waits is logged at
 * info, once per lock and operation, with the provider, workload and lock as fields: the factory
 * gets only a logger from the daemon, and the wait ends in success or in the wake's own timeout
 * error either way.
 */
export class ProxmoxProvider implements Provider {
  readonly kind = 'proxmox';
  readonly name: string;
  readonly #client: PveClient;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #tokenId: string;
  readonly #opTimeoutMs: number;
  readonly #taskPoll: { readonly initial: number; readonly max: number };
  readonly #locator: Locator;
  readonly #locks: LockWaiter;
  /** Whether status/stop still takes overrule-shutdown: PVE before 8.1 refuses it, and is then asked without. */
  #overrule = true;
  /** What the last list() said, for guests the cluster cannot see now (their node offline). */
  #listed: ReadonlyMap<string, WorkloadState> = new Map();
  /** vmids this provider suspended and has not seen running since. */
  readonly #suspended = new Set<number>();

  constructor(opts: ProxmoxProviderOptions) {
    this.name = opts.name;
    this.#tokenId = opts.tokenId;
    this.#log = opts.log.child({ provider: opts.name });
    this.#clock = opts.clock ?? systemClock;
    this.#opTimeoutMs = opts.opTimeoutMs ?? 120_000;
    this.#taskPoll = opts.taskPollMs ?? { initial: 100, max: 1000 };
    this.#client = opts.client ?? new PveClient(opts);
    this.#locator = new Locator(this.#client, this.#log);
    this.#locks = new LockWaiter(this.#log, this.#clock, opts.lockPollMs ?? 1000);
  }

  /** Closes the client's kept-alive connections. */
  close(): void {
    this.#client.close();
  }

  async status(ref: WorkloadRef, signal?: AbortSignal): Promise<WorkloadStatus> {
    try {
      return await this.#op('status', ref, this.#opTimeoutMs, signal, (op) => this.#locator.onNode(op, ref, async (node) => {
        const cur = await this.#current(op, node);
        return { state: this.#stateOf(op.vmid, cur.running) };
      }));
    } catch (err) {
      if (isNotFound(err)) return { state: 'missing' };
      throw err;
    }
  }

  /** Starts a stopped CT (resumes one this provider suspended); a running one is left alone. */
  async start(ref: WorkloadRef, signal?: AbortSignal, progress?: StartProgress): Promise<void> {
    await this.#op('start', ref, this.#opTimeoutMs, signal, (op) => this.#locator.onNode(op, ref, async (node) => {
      const cur = await this.#unlocked(op, node, START_STOP_PASSES);
      if (cur.running) return void this.#suspended.delete(op.vmid);
      try {
        await (this.#suspended.has(op.vmid) ? this.#resume(op, node) : this.#action(op, node, 'start', undefined, { passes: START_STOP_PASSES }));
      } catch (err) {
        if (!/already running/i.test(pveText(err) ?? '')) throw err;
      }
      this.#suspended.delete(op.vmid);
      await this.#confirm(op, node, true);
    }), progress);
  }

  /**
   * Graceful stop: PVE's shutdown (the CT's init gets its poweroff signal; PVE cannot send a chosen
   * one) with the grace period as its timeout and no forced stop, so the provider can tell whether
   * it had to kill: when the shutdown task fails and the CT still runs, a hard stop follows and the
   * report says killed.
   */
  async stop(ref: WorkloadRef, opts: StopOptions): Promise<StopReport> {
    const graceMs = Math.max(0, opts.timeoutMs);
    return this.#op('stop', ref, graceMs + this.#opTimeoutMs, undefined, (op) => this.#locator.onNode(op, ref, async (node) => {
      const cur = await this.#unlocked(op, node, START_STOP_PASSES);
      this.#suspended.delete(op.vmid);
      if (!cur.running) return { killed: false };
      try {
        // Not waited for: a shutdown behind another task's config flock (the hard stop overrules that
        // task), nor one PVE refuses for a lock its stop lets pass (mounted).
        await this.#action(op, node, 'shutdown', { timeout: shutdownSeconds(graceMs), forceStop: false }, { waitBusy: false, passes: START_STOP_PASSES });
        return { killed: false };
      } catch (err) {
        // It went down meanwhile (PVE refuses the POST then), the task ran out its timeout, or a lock refused it.
        if (/not running/i.test(pveText(err) ?? '')) return { killed: false };
        if (!(err instanceof PveTaskError) && lockIn(err) === undefined) throw err;
        if (!(await this.#current(op, node)).running) return { killed: false };
        this.#log.debug({ workload: ref.id, why: pveText(err) }, 'shutdown did not end the guest: stopping it');
      }
      await this.#hardStop(op, node);
      return { killed: true };
    }));
  }

  /** A hard stop (PVE cannot deliver a signal: any signal pulls the plug); a stopped CT is fine. */
  async kill(ref: WorkloadRef, _signal: string): Promise<void> {
    await this.#op('kill', ref, this.#opTimeoutMs, undefined, (op) => this.#locator.onNode(op, ref, async (node) => {
      const cur = await this.#unlocked(op, node, START_STOP_PASSES);
      this.#suspended.delete(op.vmid);
      if (cur.running) await this.#hardStop(op, node);
    }));
  }

  /** PVE's suspend (a CRIU checkpoint); pausing a CT this provider already suspended succeeds. */
  async pause(ref: WorkloadRef): Promise<void> {
    await this.#op('pause', ref, this.#opTimeoutMs, undefined, (op) => this.#locator.onNode(op, ref, async (node) => {
      const cur = await this.#unlocked(op, node);
      if (!cur.running) {
        if (this.#suspended.has(op.vmid)) return;
        throw pveError(op.site, 'conflict', 'the guest is not running');
      }
      await this.#action(op, node, 'suspend');
      this.#suspended.add(op.vmid);
    }));
  }

  /** PVE's resume of a CT this provider suspended; a running one is left alone. */
  async unpause(ref: WorkloadRef, signal?: AbortSignal): Promise<void> {
    await this.#op('unpause', ref, this.#opTimeoutMs, signal, (op) => this.#locator.onNode(op, ref, async (node) => {
      const cur = await this.#unlocked(op, node);
      if (cur.running) return void this.#suspended.delete(op.vmid);
      if (!this.#suspended.has(op.vmid)) throw pveError(op.site, 'conflict', 'the guest is stopped, not suspended by drowse');
      await this.#resume(op, node);
      this.#suspended.delete(op.vmid);
      await this.#confirm(op, node, true);
    }));
  }

  /**
   * Every LXC guest of the cluster by vmid, from one /cluster/resources read; refreshes the node
   * cache. A guest on an offline node reads 'unknown' there: it keeps the state the last list gave
   * it (so the poll feed reports no change, rather than a running guest gone to sleep), and one
   * never seen before is left out until its node answers again.
   */
  async list(signal?: AbortSignal): Promise<ReadonlyMap<string, WorkloadState>> {
    const site: CallSite = { provider: this.name, op: 'list', tokenId: this.#tokenId };
    return this.#run(site, this.#opTimeoutMs, signal, async (s) => {
      const states = new Map<string, WorkloadState>();
      for (const [vmid, r] of await this.#locator.resources(s)) {
        const id = String(vmid);
        const known = r.status === 'running' || r.status === 'stopped' ? this.#stateOf(vmid, r.status === 'running') : this.#listed.get(id);
        if (known !== undefined) states.set(id, known);
      }
      this.#listed = states;
      return states;
    });
  }

  /**
   * The CT's IPv4: on the named interface only (an address elsewhere is not the one asked for), or
   * without a name the first one on an interface other than lo. Undefined while none has one yet.
   */
  async address(ref: WorkloadRef, opts: { readonly interface?: string }, signal?: AbortSignal): Promise<string | undefined> {
    return this.#op('address', ref, this.#opTimeoutMs, signal, (op) => this.#locator.onNode(op, ref, async (node) => {
      const list = await this.#client.get<unknown>(`${guestPath(node, op.vmid)}/interfaces`, undefined, op.signal);
      const interfaces = Array.isArray(list) ? (list as { name?: unknown; inet?: unknown }[]) : [];
      const candidates = interfaces.filter((i) => (opts.interface === undefined ? i.name !== 'lo' : i.name === opts.interface));
      for (const i of candidates) {
        const ip = typeof i.inet === 'string' ? i.inet.trim().split('/')[0] : undefined;
        if (ip) return ip;
      }
      return undefined;
    }));
  }

  /** `paused` when PVE says stopped and this provider suspended it; seeing it run forgets the suspend. */
  #stateOf(vmid: number, running: boolean): WorkloadState {
    if (running) {
      this.#suspended.delete(vmid);
      return 'running';
    }
    return this.#suspended.has(vmid) ? 'paused' : 'stopped';
  }

  /** Runs one operation on a ref: the vmid parsed, the deadline and signal joined, failures mapped. */
  async #op<T>(name: string, ref: WorkloadRef, timeoutMs: number, signal: AbortSignal | undefined, fn: (op: Op) => Promise<T>, progress?: StartProgress): Promise<T> {
    const site: CallSite = { provider: this.name, op: name, ref: ref.id, tokenId: this.#tokenId };
    if (ref.provider !== this.name) throw pveError(site, 'failed', `the ref belongs to provider "${ref.provider}"`);
    const vmid = /^[1-9]\d*$/.test(ref.id) ? Number(ref.id) : NaN;
    if (!Number.isSafeInteger(vmid)) throw pveError(site, 'not_found', 'not a vmid (a positive integer)');
    return this.#run(site, timeoutMs, signal, (s) => fn({ site, vmid, signal: s, ...(progress ? { progress } : {}) }));
  }

  #run<T>(site: CallSite, timeoutMs: number, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(timeoutMs, signal, fn, (err, facts) => {
      const error = toProviderError(err, site, facts);
      this.#log.debug({ op: site.op, workload: site.ref, err: error }, 'proxmox call failed');
      return error;
    });
  }

  async #current(op: Op, node: string): Promise<Current> {
    const cur = await this.#client.get<{ status?: unknown; lock?: unknown } | null>(`${guestPath(node, op.vmid)}/status/current`, undefined, op.signal);
    const lock = typeof cur?.lock === 'string' && cur.lock !== '' ? cur.lock : undefined;
    this.#locator.seen(op.vmid, node);
    return { running: cur?.status === 'running', lock };
  }

  /** status/current once the guest has no lock. */
  #unlocked(op: Op, node: string, passes?: ReadonlySet<string>): Promise<Current> {
    return this.#locks.unlocked(op, () => this.#current(op, node), passes);
  }

  /**
   * POSTs a power action and follows its task; a lock (on the POST or in the task) is waited out and
   * the action retried — and so is a config flock another task holds, unless `waitBusy` is false.
   * A lock in `passes` is not waited for: PVE lets the action pass it, or the caller has a way round.
   */
  async #action(op: Op, node: string, action: string, params?: Record<string, number | boolean>, opts: ActionOptions = {}): Promise<void> {
    for (;;) {
      try {
        const upid = await this.#client.post<unknown>(`${guestPath(node, op.vmid)}/status/${action}`, params, op.signal);
        if (typeof upid !== 'string') throw new PveTaskError(String(upid), `${action} answered no task id`);
        await waitForTask(this.#client, upid, op.signal, { node, clock: this.#clock, initialIntervalMs: this.#taskPoll.initial, maxIntervalMs: this.#taskPoll.max });
        return;
      } catch (err) {
        const lock = lockIn(err);
        if (lock === undefined || (lock === BUSY_LOCK && opts.waitBusy === false) || opts.passes?.has(lock)) throw err;
        await this.#locks.wait(op, lock);
        await this.#unlocked(op, node, opts.passes);
      }
    }
  }

  /**
   * PVE's resume of a CT this provider suspended. When the checkpoint cannot be restored (lxc-checkpoint
   * -r failed: the dump is gone, the node rebooted), the CT is started afresh instead: its memory is
   * lost, as a stop would have lost it, but the wake succeeds. Said at warn, since state was lost.
   */
  async #resume(op: Op, node: string): Promise<void> {
    try {
      await this.#action(op, node, 'resume');
    } catch (err) {
      if (!(err instanceof PveTaskError) || !/lxc-checkpoint/i.test(err.exitstatus)) throw err;
      this.#log.warn({ workload: op.site.ref, exitstatus: err.exitstatus }, 'the checkpoint of the suspended guest cannot be restored: starting it afresh, its memory is lost');
      this.#suspended.delete(op.vmid);
      await this.#action(op, node, 'start');
    }
  }

  /**
   * status/stop with overrule-shutdown: a shutdown task holds the guest's config flock for its whole
   * length, and a plain stop would wait behind it and fail on the flock; overrule-shutdown (PVE ≥ 8.1)
   * ends that shutdown first. A PVE that refuses the parameter is asked without it from then on, and
   * its stop waits out the flock like a lock.
   */
  async #hardStop(op: Op, node: string): Promise<void> {
    const overrule = this.#overrule;
    try {
      await this.#action(op, node, 'stop', overrule ? { 'overrule-shutdown': true } : undefined, { passes: START_STOP_PASSES });
    } catch (err) {
      if (overrule && err instanceof PveHttpError && err.status === 400 && 'overrule-shutdown' in err.errors) {
        this.#overrule = false;
        this.#log.info({ workload: op.site.ref }, 'PVE does not know overrule-shutdown (before 8.1): stopping without it');
        return this.#hardStop(op, node);
      }
      if (!/not running/i.test(pveText(err) ?? '')) throw err;
    }
  }

  /**
   * After a task said OK: status/current agrees, or the operation fails saying what PVE reports. A
   * read that fails transiently is asked again: the action is done, only its confirmation is late.
   */
  async #confirm(op: Op, node: string, running: boolean): Promise<void> {
    for (let i = 0; ; i++) {
      const cur = await this.#current(op, node).catch((err: unknown) => {
        if (op.signal.aborted || !isTransient(err)) throw err;
        return undefined;
      });
      if (cur?.running === running) return;
      if (cur && i >= 20) throw pveError(op.site, 'failed', `the task ended OK but PVE reports the guest ${cur.running ? 'running' : 'stopped'}`);
      await sleep(this.#clock, 100, op.signal);
      op.signal.throwIfAborted();
    }
  }
}

/** The shutdown's timeout in whole seconds: at least 1, since PVE reads timeout=0 as no time at all to shut down. */
function shutdownSeconds(graceMs: number): number {
  return Math.max(1, Math.ceil(graceMs / 1000));
}
