import { ConfigLock } from './lock.ts';
import type { Timers } from './timers.ts';

/** One network interface as /lxc/{vmid}/interfaces lists it. */
export interface GuestInterface {
  readonly name: string;
  readonly inet?: string;
  readonly inet6?: string;
  readonly hwaddr?: string;
}

type Hook = () => void | Promise<void>;

/** Options of {@link PveDouble.addGuest}. Everything but vmid has a default. */
export interface AddGuestOptions {
  readonly vmid: number;
  /** Default: the double's first node. */
  readonly node?: string;
  readonly name?: string;
  /** Only lxc guests have endpoints; a qemu guest only shows up in /cluster/resources. */
  readonly type?: 'lxc' | 'qemu';
  /** Default 'stopped'. */
  readonly status?: 'running' | 'stopped';
  /** How long the vzstart (and vzresume) task runs; 50 ms unless told. */
  readonly startMs?: number;
  /** How long a nice shutdown (and a suspend) takes; 50 ms unless told. */
  readonly shutdownMs?: number;
  /** How long a hard stop takes; 10 ms unless told. */
  readonly stopMs?: number;
  /** A nice shutdown never completes: only forceStop after the timeout, or status/stop, ends it. */
  readonly ignoresShutdown?: boolean;
  /** What /interfaces answers while running; default lo 127.0.0.1/8 and eth0 127.0.0.2/8 (loopback only: the network rule). */
  readonly interfaces?: readonly GuestInterface[];
  /** Interfaces other than lo have no inet for this long after start, like DHCP not answered yet. */
  readonly addressDelayMs?: number;
  /** Called as the guest comes up (awaited before it reports running), e.g. to open a local listener. */
  readonly onStart?: Hook;
  /** Called as the guest goes down (awaited before it reports stopped). */
  readonly onStop?: Hook;
  /** The start task fails with this text and the guest stays stopped. */
  readonly exitstatusOnStart?: string;
  /** The start task ends "WARNINGS: n" (still a success) after logging n warnings. */
  readonly startWarnings?: number;
  /** A config lock the guest starts with, e.g. 'backup'. */
  readonly lock?: string;
}

/** What a guest needs from its double. */
export interface GuestHost {
  readonly timers: Timers;
  hasNode(node: string): boolean;
}

const DEFAULT_INTERFACES = (vmid: number): GuestInterface[] => {
  const tail = (vmid % 0x1000000).toString(16).padStart(6, '0').match(/../g)!.join(':');
  return [
    { name: 'lo', hwaddr: '00:00:00:00:00:00', inet: '127.0.0.1/8', inet6: '::1/128' },
    { name: 'eth0', hwaddr: `bc:24:11:${tail}`, inet: '127.0.0.2/8' },
  ];
};

/**
 * One guest of the double and the test's handle on it. Its behaviour fields may be changed while
 * the test runs; status changes made here (setRunning, setStopped, migrate, lock) happen "outside
 * drowse", as if an admin did them.
 */
export class PveGuest {
  readonly vmid: number;
  readonly type: 'lxc' | 'qemu';
  name: string;
  startMs: number;
  shutdownMs: number;
  stopMs: number;
  ignoresShutdown: boolean;
  interfaces: readonly GuestInterface[];
  addressDelayMs: number;
  onStart: Hook | undefined;
  onStop: Hook | undefined;
  exitstatusOnStart: string | undefined;
  startWarnings: number;
  /** Power-action tasks created for this guest, by kind. */
  starts = 0;
  stops = 0;
  shutdowns = 0;
  suspends = 0;
  resumes = 0;
  /** @internal the config flock the double's workers take. */
  readonly configLock: ConfigLock;

  private currentStatus: 'running' | 'stopped';
  private currentNode: string;
  private currentLock: string | undefined;
  private wasSuspended = false;
  private startedAt = 0;
  private pid = 0;
  private downWaiters: (() => void)[] = [];
  private readonly host: GuestHost;

  constructor(opts: AddGuestOptions & { readonly node: string }, host: GuestHost) {
    this.host = host;
    this.vmid = opts.vmid;
    this.type = opts.type ?? 'lxc';
    this.name = opts.name ?? `ct${opts.vmid}`;
    this.startMs = opts.startMs ?? 50;
    this.shutdownMs = opts.shutdownMs ?? 50;
    this.stopMs = opts.stopMs ?? 10;
    this.ignoresShutdown = opts.ignoresShutdown ?? false;
    this.interfaces = opts.interfaces ?? DEFAULT_INTERFACES(opts.vmid);
    this.addressDelayMs = opts.addressDelayMs ?? 0;
    this.onStart = opts.onStart;
    this.onStop = opts.onStop;
    this.exitstatusOnStart = opts.exitstatusOnStart;
    this.startWarnings = opts.startWarnings ?? 0;
    this.currentLock = opts.lock;
    this.currentNode = opts.node;
    this.currentStatus = 'stopped';
    this.configLock = new ConfigLock(opts.vmid);
    if (opts.status === 'running') this.markRunning();
  }

  get status(): 'running' | 'stopped' {
    return this.currentStatus;
  }

  get node(): string {
    return this.currentNode;
  }

  /** The config lock (backup, migrate, snapshot...): actions fail while it is set. */
  get lock(): string | undefined {
    return this.currentLock;
  }

  set lock(kind: string | undefined) {
    this.currentLock = kind;
  }

  /** Whether the CT was suspended (CRIU checkpoint) and not booted since. */
  get suspended(): boolean {
    return this.wasSuspended;
  }

  /** Seconds since it came up; 0 while stopped. */
  get uptime(): number {
    return this.currentStatus === 'running' ? Math.floor((Date.now() - this.startedAt) / 1000) : 0;
  }

  /** @internal the pid of the CT's init while it runs. */
  get initPid(): number {
    return this.pid;
  }

  /** @internal milliseconds since it came up. */
  get runningForMs(): number {
    return Date.now() - this.startedAt;
  }

  /** Sets `lock` for `ms`, then clears it (unless something else set another lock meanwhile). */
  lockFor(ms: number, kind = 'backup'): void {
    this.currentLock = kind;
    this.host.timers.later(ms, () => {
      if (this.currentLock === kind) this.currentLock = undefined;
    });
  }

  /**
   * Moves the guest to `node`: from then on the old node answers "does not exist" for it. With
   * `ms`, it is first locked 'migrate' on the old node that long, as a real migration is.
   */
  migrate(node: string, opts: { readonly ms?: number } = {}): Promise<void> {
    if (!this.host.hasNode(node)) throw new Error(`no such cluster node '${node}'`);
    if (!opts.ms) {
      this.currentNode = node;
      return Promise.resolve();
    }
    this.currentLock = 'migrate';
    return this.host.timers.sleep(opts.ms).then(() => {
      this.currentNode = node;
      if (this.currentLock === 'migrate') this.currentLock = undefined;
    });
  }

  /** The CRIU checkpoint of a suspended CT is gone (dump dir cleaned, node rebooted): a resume now fails in lxc-checkpoint. */
  loseCheckpoint(): void {
    this.wasSuspended = false;
  }

  /** Starts it outside drowse (onStart is called). */
  async setRunning(): Promise<void> {
    if (this.currentStatus === 'running') return;
    await this.bootUp();
  }

  /** Stops it outside drowse (onStop is called). */
  async setStopped(): Promise<void> {
    if (this.currentStatus === 'stopped') return;
    await this.goDown(false);
  }

  /** @internal the guest boots (fresh, or from a checkpoint): onStart, then running. */
  async bootUp(): Promise<void> {
    await this.onStart?.();
    this.markRunning();
  }

  /** @internal the guest goes down: onStop, then stopped (remembering a suspend). */
  async goDown(suspended: boolean): Promise<void> {
    await this.onStop?.();
    this.currentStatus = 'stopped';
    this.wasSuspended = suspended;
    this.pid = 0;
    const waiters = this.downWaiters;
    this.downWaiters = [];
    for (const w of waiters) w();
  }

  /** @internal resolves when the guest is next reported stopped. */
  whenDown(): Promise<void> {
    if (this.currentStatus === 'stopped') return Promise.resolve();
    return new Promise((resolve) => this.downWaiters.push(resolve));
  }

  private markRunning(): void {
    this.currentStatus = 'running';
    this.wasSuspended = false;
    this.startedAt = Date.now();
    this.pid = 10_000 + Math.floor(Math.random() * 50_000);
  }
}
