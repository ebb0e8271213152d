/**
 * A Provider that keeps its workloads in memory: what daemon-level tests run against instead of
 * Docker. It passes the same contract suite as the Docker provider (fake-provider.test.ts), so a
 * test that passes against it asks nothing of a backend that a real one would not do.
 */
import { constants } from 'node:os';
import { ProviderError, type Provider, type ProviderErrorReason, type StopOptions, type StopReport, type WorkloadRef, type WorkloadState, type WorkloadStatus } from '../../src/provider/index.ts';
import { FakeFeed } from './fake-feed.ts';

/** How one fake workload behaves. */
export interface FakeWorkloadOptions {
  /** Keeps running on SIGTERM: a stop waits out its grace period, then kills it. */
  readonly ignoresSigterm?: boolean;
  /** How long start takes, in ms (real time). */
  readonly startDelayMs?: number;
  /** start fails with this. */
  readonly failStart?: Error;
}

interface Workload {
  state: WorkloadState;
  exitCode?: number;
  readonly opts: FakeWorkloadOptions;
}

/** The in-memory backend. `calls` records every action (not status reads) as `op:id`, in order. */
export class FakeProvider implements Provider {
  readonly kind = 'fake';
  readonly name: string;
  readonly calls: string[] = [];
  /** The feed drowse watches this backend through; tests drive it by hand. */
  readonly feed: FakeFeed;
  readonly #workloads = new Map<string, Workload>();
  readonly #reads = new Map<string, number>();
  readonly #addresses = new Map<string, string>();

  constructor(name = 'local') {
    this.name = name;
    this.feed = new FakeFeed(this);
  }

  /** Creates a stopped workload (as `docker create` would) and returns its ref. */
  add(id: string, opts: FakeWorkloadOptions = {}): WorkloadRef {
    this.#workloads.set(id, { state: 'stopped', opts });
    return { provider: this.name, id };
  }

  remove(id: string): void {
    this.#workloads.delete(id);
  }

  /** The world changing behind drowse's back (someone ran `docker start`): no call is recorded, no event sent. */
  set(id: string, state: WorkloadState, exitCode?: number): void {
    const w = this.#workloads.get(id);
    if (!w) throw new Error(`fake: no workload "${id}"`);
    w.state = state;
    if (exitCode === undefined) delete w.exitCode;
    else w.exitCode = exitCode;
  }

  /** The state right now, without counting a read. */
  stateOf(id: string): WorkloadState {
    return this.#workloads.get(id)?.state ?? 'missing';
  }

  /** How often status() read this workload. */
  reads(id: string): number {
    return this.#reads.get(id) ?? 0;
  }

  /** The actions of one kind, e.g. starts() → ['db', 'app']. */
  starts(): string[] {
    return this.calls.filter((c) => c.startsWith('start:')).map((c) => c.slice('start:'.length));
  }

  async status(ref: WorkloadRef): Promise<WorkloadStatus> {
    this.#check('status', ref);
    this.#reads.set(ref.id, this.reads(ref.id) + 1);
    const w = this.#workloads.get(ref.id);
    if (!w) return { state: 'missing' };
    return { state: w.state, ...(w.state === 'stopped' && w.exitCode !== undefined ? { exitCode: w.exitCode } : {}) };
  }

  async list(): Promise<ReadonlyMap<string, WorkloadState>> {
    return new Map([...this.#workloads].map(([id, w]) => [id, w.state]));
  }

  async start(ref: WorkloadRef): Promise<void> {
    const w = this.#act('start', ref);
    if (w.opts.failStart) throw w.opts.failStart;
    if (w.opts.startDelayMs) await new Promise((r) => setTimeout(r, w.opts.startDelayMs));
    if (w.state === 'stopped') {
      w.state = 'running';
      delete w.exitCode;
    }
  }

  async stop(ref: WorkloadRef, opts: StopOptions): Promise<StopReport> {
    const w = this.#act('stop', ref);
    if (w.state === 'stopped') return { killed: false };
    if (w.opts.ignoresSigterm && opts.signal === 'SIGTERM') {
      await new Promise((r) => setTimeout(r, opts.timeoutMs));
      this.#exit(w, 'SIGKILL');
      return { killed: true };
    }
    this.#exit(w, opts.signal);
    return { killed: false };
  }

  async pause(ref: WorkloadRef): Promise<void> {
    const w = this.#act('pause', ref);
    if (w.state === 'stopped') throw this.#error('pause', ref, 'conflict', 'the workload is not running');
    w.state = 'paused';
  }

  async unpause(ref: WorkloadRef): Promise<void> {
    const w = this.#act('unpause', ref);
    if (w.state === 'stopped') throw this.#error('unpause', ref, 'conflict', 'the workload is not running');
    w.state = 'running';
  }

  async kill(ref: WorkloadRef, signal: string): Promise<void> {
    const w = this.#act('kill', ref);
    if (w.state === 'stopped') return;
    if (w.opts.ignoresSigterm && signal === 'SIGTERM') return;
    this.#exit(w, signal);
  }

  /** The address a running workload reports (as a Proxmox guest's interfaces would); undefined: none yet. */
  setAddress(id: string, host: string | undefined): void {
    if (host === undefined) this.#addresses.delete(id);
    else this.#addresses.set(id, host);
  }

  async address(ref: WorkloadRef): Promise<string | undefined> {
    this.#check('address', ref);
    this.calls.push(`address:${ref.id}`);
    const w = this.#workloads.get(ref.id);
    if (!w) throw this.#error('address', ref, 'not_found', 'no such workload');
    return w.state === 'running' ? this.#addresses.get(ref.id) : undefined;
  }

  /** Records the call and finds the workload, or fails as the contract says a missing one fails. */
  #act(op: string, ref: WorkloadRef): Workload {
    this.#check(op, ref);
    this.calls.push(`${op}:${ref.id}`);
    const w = this.#workloads.get(ref.id);
    if (!w) throw this.#error(op, ref, 'not_found', 'no such workload');
    return w;
  }

  #check(op: string, ref: WorkloadRef): void {
    if (ref.provider !== this.name) throw this.#error(op, ref, 'failed', `the ref belongs to provider "${ref.provider}"`);
  }

  /** A process ended by a signal exits with 128 + its number, as in a container. */
  #exit(w: Workload, signal: string): void {
    w.state = 'stopped';
    w.exitCode = 128 + (constants.signals[signal as keyof typeof constants.signals] ?? constants.signals.SIGKILL);
  }

  #error(op: string, ref: WorkloadRef, reason: ProviderErrorReason, detail: string): ProviderError {
    return new ProviderError({ kind: this.kind, provider: this.name, op, ref: ref.id, reason, detail });
  }
}
