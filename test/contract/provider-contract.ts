// The shared Provider contract: every backend (Docker, the FakeProvider, Proxmox later) passes these cases.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound, type Feed, type Provider, type WorkloadRef, type WorkloadState } from '../../src/provider/index.ts';
import { RecordingObserver, waitFor } from '../helpers/fakes/index.ts';

/** What kind of workload a contract case needs. */
export interface ContractWorkloadOptions {
  /** The workload keeps running on SIGTERM (only a kill after the grace period ends it). */
  readonly ignoresSigterm?: boolean;
}

/** What a backend gives the contract suite. */
export interface ProviderContractHarness {
  readonly provider: Provider;
  /** A ref that names no workload on this provider. */
  missingRef(): WorkloadRef;
  /**
   * Creates a stopped workload, removed when the test ends. Once started it runs until told
   * otherwise; unless it ignores SIGTERM, it exits promptly on SIGTERM and SIGINT.
   */
  workload(t: TestContext, opts?: ContractWorkloadOptions): Promise<WorkloadRef>;
  /**
   * Resolves once a started workload is up far enough to handle signals. (A process that has not
   * installed its handlers yet — as PID 1 in a container — ignores SIGTERM and SIGINT.)
   */
  ready(ref: WorkloadRef): Promise<void>;
  /**
   * The backend delivers the named signal and reports exit codes (Docker: yes, 128+signal;
   * a Proxmox guest is shut down its own way), so the signal-specific cases apply.
   */
  readonly signals: boolean;
  /**
   * The backend's feed, as its factory builds it for this provider (the case starts and stops it),
   * with a way to change a workload behind drowse's back (`docker start` by hand, a click in the
   * PVE web UI). Harnesses without both leave the feed case skipped.
   */
  readonly feed?: Feed;
  changeOutside?(ref: WorkloadRef, state: 'running' | 'stopped'): Promise<void>;
}

type Case = (h: ProviderContractHarness, t: TestContext) => Promise<void>;

/** Waits for the provider itself to report `state` (events may lag a call by a moment). */
async function expectState(h: ProviderContractHarness, ref: WorkloadRef, state: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => (await h.provider.status(ref)).state === state, { timeoutMs, message: `${ref.id} to be ${state}` });
}

const cases: [name: string, run: Case][] = [
  ['status of a missing workload is missing', async (h) => {
    assert.deepEqual(await h.provider.status(h.missingRef()), { state: 'missing' });
  }],

  ['a created workload that never ran is stopped', async (h, t) => {
    const ref = await h.workload(t);
    assert.equal((await h.provider.status(ref)).state, 'stopped');
  }],

  ['start runs a stopped workload, and starting a running one succeeds', async (h, t) => {
    const ref = await h.workload(t);
    await h.provider.start(ref);
    assert.equal((await h.provider.status(ref)).state, 'running', 'running once start resolves');
    await h.provider.start(ref);
    assert.equal((await h.provider.status(ref)).state, 'running');
  }],

  ['pause and unpause move between paused and running, each idempotent', async (h, t) => {
    const ref = await h.workload(t);
    await h.provider.start(ref);
    await h.provider.pause(ref);
    assert.equal((await h.provider.status(ref)).state, 'paused');
    await h.provider.pause(ref);
    await h.provider.unpause(ref);
    assert.equal((await h.provider.status(ref)).state, 'running');
    await h.provider.unpause(ref);
    assert.equal((await h.provider.status(ref)).state, 'running');
  }],

  ['stop with SIGTERM ends a workload that honours it well within the grace period', async (h, t) => {
    const ref = await h.workload(t);
    await h.provider.start(ref);
    await h.ready(ref);
    const started = Date.now();
    const report = await h.provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 10_000 });
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started}ms`);
    assert.deepEqual(report, { killed: false }, 'it exited on the signal: nothing had to be killed');
    const status = await h.provider.status(ref);
    assert.equal(status.state, 'stopped');
    if (h.signals) assert.equal(status.exitCode, 143, 'exited on SIGTERM (128+15)');
  }],

  ['stop kills a workload that ignores SIGTERM once the grace period is over', async (h, t) => {
    const ref = await h.workload(t, { ignoresSigterm: true });
    await h.provider.start(ref);
    const started = Date.now();
    const report = await h.provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 1500 });
    const elapsed = Date.now() - started;
    assert.deepEqual(report, { killed: true }, 'the stop says it had to kill');
    assert.ok(elapsed >= 1000, `waited out the grace period (took ${elapsed}ms)`);
    assert.ok(elapsed < 15_000, `then killed it (took ${elapsed}ms)`);
    const status = await h.provider.status(ref);
    assert.equal(status.state, 'stopped');
    if (h.signals) assert.equal(status.exitCode, 137, 'killed (128+9)');
  }],

  ['stop delivers the signal it is given, not only the default one (a backend without signals still stops)', async (h, t) => {
    const ref = await h.workload(t);
    await h.provider.start(ref);
    await h.ready(ref);
    await h.provider.stop(ref, { signal: 'SIGINT', timeoutMs: 10_000 });
    // A Proxmox guest is shut down its own way: whatever signal is named, the stop must still end it.
    if (h.signals) assert.deepEqual(await h.provider.status(ref), { state: 'stopped', exitCode: 130 });
    else assert.equal((await h.provider.status(ref)).state, 'stopped');
  }],

  ['stopping a stopped workload succeeds', async (h, t) => {
    const ref = await h.workload(t);
    await h.provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 1000 });
    await h.provider.start(ref);
    await h.ready(ref);
    await h.provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 5000 });
    await h.provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 5000 });
    assert.equal((await h.provider.status(ref)).state, 'stopped');
  }],

  ['stop ends a paused workload', async (h, t) => {
    const ref = await h.workload(t);
    await h.provider.start(ref);
    await h.ready(ref);
    await h.provider.pause(ref);
    const started = Date.now();
    await h.provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 5000 });
    assert.ok(Date.now() - started < 4000, `the signal reached it (took ${Date.now() - started}ms)`);
    assert.equal((await h.provider.status(ref)).state, 'stopped');
  }],

  ['kill stops a running workload and its exit code is reported', async (h, t) => {
    const ref = await h.workload(t);
    await h.provider.start(ref);
    await h.provider.kill(ref, 'SIGKILL');
    await expectState(h, ref, 'stopped');
    if (h.signals) assert.equal((await h.provider.status(ref)).exitCode, 137);
    await h.provider.kill(ref, 'SIGKILL'); // nothing left to kill: still fine
  }],

  ['list, where the backend offers it, names each workload with its state and leaves out missing ones', async (h, t) => {
    const list = h.provider.list?.bind(h.provider);
    if (!list) return t.skip('this backend does not list');
    const ref = await h.workload(t);
    assert.equal((await list()).get(ref.id), 'stopped');
    await h.provider.start(ref);
    assert.equal((await list()).get(ref.id), 'running');
    await h.provider.pause(ref);
    assert.equal((await list()).get(ref.id), 'paused');
    assert.equal((await list()).has(h.missingRef().id), false);
  }],

  ['a change made outside drowse is delivered through the backend\'s feed', async (h, t) => {
    const { feed } = h;
    const change = h.changeOutside?.bind(h);
    if (!feed || !change) return t.skip('this harness cannot change a workload outside drowse');
    const ref = await h.workload(t);
    const observer = new RecordingObserver();
    feed.start(observer);
    t.after(() => feed.stop());
    await waitFor(() => observer.resyncs > 0, { message: 'the feed to connect' });
    const seen = (state: WorkloadState) => observer.events(ref.id).some((e) => e.provider === h.provider.name && e.state === state);
    await change(ref, 'running');
    await waitFor(() => seen('running'), { timeoutMs: 15_000, message: `an event saying ${ref.id} runs` });
    await change(ref, 'stopped');
    await waitFor(() => seen('stopped'), { timeoutMs: 15_000, message: `an event saying ${ref.id} stopped` });
  }],

  ['acting on a missing workload fails as not found', async (h) => {
    const ref = h.missingRef();
    for (const [op, call] of [
      ['start', () => h.provider.start(ref)],
      ['stop', () => h.provider.stop(ref, { signal: 'SIGTERM', timeoutMs: 1000 })],
      ['pause', () => h.provider.pause(ref)],
      ['kill', () => h.provider.kill(ref, 'SIGKILL')],
    ] as const) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(isNotFound(err), `${op}: expected a not-found error, got ${String(err)}`);
        assert.match((err as Error).message, new RegExp(`^${h.provider.kind} provider "${h.provider.name}": ${op} "${ref.id}": `));
        return true;
      });
    }
  }],
];

/**
 * Registers the contract suite. `setup` builds the harness for one test, or returns undefined
 * after skipping the test itself (no backend available outside CI).
 */
export function providerContract(suite: string, setup: (t: TestContext) => Promise<ProviderContractHarness | undefined>): void {
  describe(suite, () => {
    for (const [name, run] of cases) {
      it(name, async (t) => {
        const h = await setup(t);
        if (h) await run(h, t);
      });
    }
  });
}
