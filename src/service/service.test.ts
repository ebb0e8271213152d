/**
 * The watcher's timing and single-flight rules, with a manual clock and a scripted provider so that
 * failures (a start that hangs, a stop that fails) can be injected. The real engine is exercised by
 * test/integration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Provider, WorkloadRef, WorkloadState, WorkloadStatus } from '../provider/index.ts';
import type { ServiceConfig } from '../config/index.ts';
import { silentLogger } from '../kernel/index.ts';
import { ManualClock } from '../../test/helpers/fakes/index.ts';
import { Service } from './service.ts';
import type { WakeEvent } from './events.ts';

/** A provider that records calls; `gate` lets a test hold a start open, `failStop` injects a stop failure. */
class ScriptedProvider implements Provider {
  readonly name = 'fake';
  readonly kind = 'docker' as const;
  state: WorkloadState = 'stopped';
  calls: string[] = [];
  gate: Promise<void> = Promise.resolve();
  stopGate: Promise<void> = Promise.resolve();
  failStop = false;
  async status(): Promise<WorkloadStatus> {
    return { state: this.state };
  }
  async start(_ref: WorkloadRef) {
    this.calls.push('start');
    await this.gate;
    this.state = 'running';
  }
  async stop() {
    this.calls.push('stop');
    await this.stopGate;
    if (this.failStop) throw new Error('engine said no');
    this.state = 'stopped';
  }
  async pause() {
    this.calls.push('pause');
    this.state = 'paused';
  }
  async unpause() {
    this.calls.push('unpause');
    this.state = 'running';
  }
  async kill(_ref: WorkloadRef, signal: string) {
    this.calls.push(`kill ${signal}`);
    this.state = 'stopped';
  }
}

const config = (over: Partial<ServiceConfig> = {}): ServiceConfig => ({
  name: 'app',
  idleTimeoutMs: 60_000,
  wakeTimeoutMs: 10_000,
  stopMethod: 'stop',
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 5_000,
  loadingPage: true,
  wakeFilter: { deny: [], allow: [] },
  dependsOn: [],
  ...over,
});

function setup(over: Partial<ServiceConfig> = {}, readiness = async () => undefined) {
  const clock = new ManualClock();
  const provider = new ScriptedProvider();
  const service = new Service({ config: config(over), provider, ref: { provider: 'fake', id: 'app' }, readiness, log: silentLogger(), clock, poll: { initialMs: 1, maxMs: 1, factor: 1 } });
  const events: WakeEvent[] = [];
  service.onEvent((e) => events.push(e));
  return { clock, provider, service, events };
}

const settle = () => new Promise((r) => setImmediate(r));

test('many concurrent waiters cause exactly one start', async () => {
  const { provider, service } = setup();
  let open!: () => void;
  provider.gate = new Promise((r) => (open = r));
  const waiters = Array.from({ length: 30 }, () => service.whenReady());
  await settle();
  open();
  await Promise.all(waiters);
  assert.deepEqual(provider.calls, ['start']);
  assert.equal(service.state, 'ready');
});

test('a waiter that gives up does not cancel the wake', async () => {
  const { provider, service } = setup();
  let open!: () => void;
  provider.gate = new Promise((r) => (open = r));
  const ac = new AbortController();
  const gaveUp = service.whenReady(ac.signal);
  ac.abort(new Error('client left'));
  await assert.rejects(gaveUp, /client left/);
  open();
  await service.whenReady();
  assert.equal(service.state, 'ready');
});

test('the idle timer runs only while nothing is in flight and restarts when the last request ends', async () => {
  const { clock, provider, service } = setup({ idleTimeoutMs: 1000 });
  await service.whenReady();
  const release = service.acquire();
  await clock.advance(5000);
  assert.equal(service.state, 'ready', 'an in-flight request keeps it awake');
  release();
  await clock.advance(999);
  assert.equal(service.state, 'ready', 'the timer counts from the end of the last request');
  await clock.advance(1);
  await settle();
  assert.equal(service.state, 'asleep');
  assert.deepEqual(provider.calls, ['start', 'stop']);
});

for (const [method, call] of [['stop', 'stop'], ['pause', 'pause'], ['kill', 'kill SIGKILL']] as const) {
  test(`stop method ${method} puts the workload to sleep with ${call}`, async () => {
    const { clock, provider, service } = setup({ idleTimeoutMs: 10, stopMethod: method });
    await service.whenReady();
    await clock.advance(10);
    await settle();
    assert.equal(service.state, 'asleep');
    assert.equal(provider.calls.at(-1), call);
  });
}

test('a paused service is woken by unpausing, not starting', async () => {
  const { clock, provider, service } = setup({ idleTimeoutMs: 10, stopMethod: 'pause' });
  await service.whenReady();
  await clock.advance(10);
  await settle();
  await service.whenReady();
  assert.deepEqual(provider.calls, ['start', 'pause', 'unpause']);
});

test('a request arriving while stopping waits and wakes the service again after the stop', async () => {
  const { clock, provider, service } = setup({ idleTimeoutMs: 10 });
  await service.whenReady();
  let finishStop!: () => void;
  provider.stopGate = new Promise((r) => (finishStop = r));
  await clock.advance(10);
  assert.equal(service.state, 'stopping');
  finishStop();
  const held = service.whenReady();
  await held;
  assert.deepEqual(provider.calls, ['start', 'stop', 'start']);
  assert.equal(service.state, 'ready');
});

test('a wake that never gets ready fails after wake_timeout with the last check in the reason', async () => {
  const { clock, service } = setup({ wakeTimeoutMs: 500 }, async () => {
    throw new Error('tcp 127.0.0.1:1: ECONNREFUSED');
  });
  const rejected = assert.rejects(service.whenReady(), /service "app": wake timed out after 500ms \(last check: tcp 127.0.0.1:1: ECONNREFUSED\)/);
  await settle();
  await clock.advance(500);
  await rejected;
  assert.equal(service.state, 'error');
});

test('a failed stop is an error, and the next request wakes the service again', async () => {
  const { clock, provider, service, events } = setup({ idleTimeoutMs: 10 });
  await service.whenReady();
  provider.failStop = true;
  await clock.advance(10);
  await settle();
  assert.equal(service.state, 'error');
  assert.match(events.at(-1)?.error ?? '', /stop failed: engine said no/);
  await service.whenReady();
  assert.equal(service.state, 'ready');
});

test('wake events carry increasing ids and name each step', async () => {
  const { service, events } = setup();
  await service.whenReady();
  assert.deepEqual(events.map((e) => e.type), ['waking', 'starting', 'started', 'probing', 'ready']);
  assert.deepEqual(events.map((e) => e.id), [1, 2, 3, 4, 5]);
  assert.ok(events.every((e) => e.service === 'app' && !Number.isNaN(Date.parse(e.at))));
});

test('a container started by hand is probed and becomes ready without a start call', async () => {
  const { provider, service } = setup();
  provider.state = 'running';
  service.observe('running');
  await service.whenReady();
  assert.deepEqual(provider.calls, []);
});

test('status reports in-flight requests and when the service will sleep', async () => {
  const { clock, service } = setup({ idleTimeoutMs: 1000 });
  await service.whenReady();
  assert.equal(service.status().sleeps_at, new Date(clock.now() + 1000).toISOString());
  const release = service.acquire();
  assert.equal(service.status().in_flight, 1);
  assert.equal(service.status().sleeps_at, undefined);
  release();
  release();
  assert.equal(service.status().in_flight, 0, 'a double release counts once');
});

test('a workload that exits while waking fails the wake at once with its exit code', async () => {
  const { provider, service } = setup({ wakeTimeoutMs: 60_000 }, async () => {
    throw new Error('tcp 127.0.0.1:1: ECONNREFUSED');
  });
  const status = provider.status.bind(provider);
  provider.status = async () => (provider.calls.includes('start') ? { state: 'stopped', exitCode: 3 } : status());
  await assert.rejects(service.whenReady(), /service "app": wake failed: app exited with exit code 3 while waking/);
  assert.equal(service.state, 'error');
});
