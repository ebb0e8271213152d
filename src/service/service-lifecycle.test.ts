/**
 * The watcher's less travelled paths: dependencies, restarts, the workload's own HEALTHCHECK,
 * shutdown, what status and the wake events say. A manual clock and a recording provider, as in
 * service.test.ts; the real engine is exercised by test/integration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe } from '../loading/index.ts';
import { getEventListeners } from 'node:events';
import type { Provider, StopOptions, WorkloadRef, WorkloadState, WorkloadStatus } from '../provider/index.ts';
import type { ServiceConfig } from '../config/index.ts';
import { createLogger, silentLogger, type Logger } from '../kernel/index.ts';
import { ManualClock, waitFor } from '../../test/helpers/fakes/index.ts';
import { Service } from './service.ts';
import { DependencyFailedError, HeldTooLongError, WakeFailedError, WakeTimeoutError } from './errors.ts';
import type { WakeEvent } from './events.ts';

/** Records every call with its arguments; `status` can be scripted. */
class RecordingProvider implements Provider {
  readonly name = 'fake';
  readonly kind = 'docker' as const;
  state: WorkloadState = 'stopped';
  healthcheck = false;
  exitCode: number | undefined;
  calls: string[] = [];
  statusCalls = 0;
  failStart: Error | undefined;
  async status(ref: WorkloadRef): Promise<WorkloadStatus> {
    assert.equal(ref.id, 'app');
    this.statusCalls++;
    return { state: this.state, ...(this.healthcheck ? { healthcheck: true } : {}), ...(this.exitCode === undefined ? {} : { exitCode: this.exitCode }) };
  }
  async start() {
    this.calls.push('start');
    if (this.failStart) throw this.failStart;
    this.state = 'running';
  }
  async stop(_ref: WorkloadRef, opts: StopOptions) {
    this.calls.push(`stop ${opts.signal} ${opts.timeoutMs}`);
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
  name: 'app', workload: { provider: 'fake', id: 'app' }, idleTimeoutMs: 60_000, wakeTimeoutMs: 10_000, stopMethod: 'stop', stopSignal: 'SIGTERM', stopTimeoutMs: 5_000,
  loadingPage: true, releaseConcurrency: 8, wakeFilter: { deny: [], allow: [] }, dependsOn: [], ...over,
});

interface SetupOptions {
  readonly readiness?: (signal: AbortSignal) => Promise<void>;
  readonly ownHealth?: (signal: AbortSignal) => Promise<void>;
  readonly name?: string;
  readonly log?: Logger;
  readonly clock?: ManualClock;
  readonly wakeBudgetMs?: number;
}

function setup(over: Partial<ServiceConfig> = {}, o: SetupOptions = {}) {
  const clock = o.clock ?? new ManualClock();
  const provider = new RecordingProvider();
  const service = new Service({
    config: config({ ...(o.name ? { name: o.name } : {}), ...over }), provider, ref: { provider: 'fake', id: 'app' },
    readiness: o.readiness ?? (async () => undefined), ...(o.ownHealth ? { ownHealth: o.ownHealth } : {}),
    log: o.log ?? silentLogger(), clock, poll: { initialMs: 1, maxMs: 1, factor: 1 },
    ...(o.wakeBudgetMs === undefined ? {} : { wakeBudgetMs: o.wakeBudgetMs }),
  });
  const events: WakeEvent[] = [];
  service.onEvent((e) => events.push(e));
  return { clock, provider, service, events };
}

const settle = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** A logger whose lines the test reads back. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', format: 'json' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  return { log, lines };
}

test('stop_method stop passes the configured signal and grace period to the provider', async () => {
  const { clock, provider, service } = setup({ idleTimeoutMs: 10, stopSignal: 'SIGINT', stopTimeoutMs: 7_000 });
  await service.whenReady();
  await clock.advance(10);
  await settle();
  assert.deepEqual(provider.calls, ['start', 'stop SIGINT 7000']);
});

test('a workload that already exited is asleep as it is: nothing is stopped', async () => {
  const { provider, service } = setup({ stopMethod: 'pause' });
  await service.whenReady();
  provider.state = 'stopped';
  service.sleep('manual');
  await settle();
  assert.equal(service.state, 'asleep');
  assert.deepEqual(provider.calls, ['start']);
});

test('a restart ends the process with a stop even when stop_method is pause, then wakes it again', async () => {
  const { provider, service, events } = setup({ stopMethod: 'pause' });
  await service.whenReady();
  service.restart('3 failed checks in a row: refused');
  await settle();
  assert.equal(service.state, 'ready');
  assert.deepEqual(provider.calls, ['start', 'stop SIGTERM 5000', 'start']);
  const restarting = events.find((e) => e.type === 'restarting');
  assert.deepEqual([(restarting && describe(restarting)), restarting?.error], ['Restarting app', '3 failed checks in a row: refused']);
  assert.equal(events.find((e) => e.type === 'stopping')?.reason, 'restart');
});

test('a restart is ignored unless the service is ready', async () => {
  const { provider, service, events } = setup();
  service.restart('late');
  await settle();
  assert.deepEqual([service.state, provider.calls, events.length], ['asleep', [], 0]);
});

test('a workload that does not exist fails the wake with a reason that says so', async () => {
  const { provider, service } = setup();
  provider.state = 'missing';
  const err = await service.whenReady().then(() => assert.fail('woke'), (e: unknown) => e as WakeFailedError);
  assert.ok(err instanceof WakeFailedError);
  assert.equal(err.reason, 'wake failed: docker workload "app" does not exist');
  assert.equal(service.status().reason, err.reason);
  assert.deepEqual(provider.calls, []);
});

test('a start the engine refuses fails the wake with the engine\'s words', async () => {
  const { provider, service, events } = setup();
  provider.failStart = new Error('port is already allocated');
  await assert.rejects(service.whenReady(), { message: 'service "app": wake failed: port is already allocated' });
  const error = events.at(-1);
  assert.deepEqual([error?.type, (error && describe(error)), error?.error, error?.detail], ['error', 'Could not wake app', 'app could not start: starting it failed', 'wake failed: port is already allocated']);
});

test('a workload removed while waking ends the wake at once', async () => {
  const { provider, service } = setup({}, { readiness: async () => Promise.reject(new Error('refused')) });
  const status = provider.status.bind(provider);
  provider.status = async (ref) => (provider.calls.includes('start') ? { state: 'missing' } : status(ref));
  await assert.rejects(service.whenReady(), /wake failed: app was removed while waking/);
});

test('a workload that exits without an exit code says only that it exited', async () => {
  const { provider, service } = setup({}, { readiness: async () => Promise.reject(new Error('refused')) });
  const status = provider.status.bind(provider);
  provider.status = async (ref) => (provider.calls.includes('start') ? { state: 'stopped' } : status(ref));
  await assert.rejects(service.whenReady(), { message: 'service "app": wake failed: app exited while waking' });
});

test('while the probe fails the workload is asked at most every 250 ms whether it still runs', async () => {
  const clock = new ManualClock();
  let tries = 0;
  const { provider, service } = setup({}, { clock, readiness: async () => {
    tries++;
    if (tries > 6) return;
    await clock.advance(125);
    throw new Error('refused');
  } });
  await service.whenReady();
  // One status read for the wake itself; failures at 125, 250, ... 750 ms ask at 125, 375 and 625.
  assert.equal(provider.statusCalls - 1, 3);
});

test('with a HEALTHCHECK of its own (and no probe named) the workload is trusted to say when it is ready', async () => {
  const checked: string[] = [];
  const { provider, service, events } = setup({}, {
    readiness: async () => void checked.push('probe'),
    ownHealth: async () => void checked.push('healthcheck'),
  });
  provider.healthcheck = true;
  await service.whenReady();
  assert.deepEqual(checked, ['healthcheck']);
  assert.equal(service.status().check, 'healthcheck');
  assert.equal(events.filter((e) => e.type === 'probing').map(describe)[0], 'Waiting for the container to report healthy');
});

test('without a HEALTHCHECK the probe decides, and says so', async () => {
  const checked: string[] = [];
  const { service, events } = setup({}, {
    readiness: async () => void checked.push('probe'),
    ownHealth: async () => void checked.push('healthcheck'),
  });
  assert.equal(service.status().check, undefined, 'no check chosen before the first wake');
  await service.whenReady();
  assert.deepEqual(checked, ['probe']);
  assert.equal(service.status().check, 'probe');
  assert.equal(events.filter((e) => e.type === 'probing').map(describe)[0], 'Waiting for the app to answer');
});

test('a paused workload is unpaused, and the events say so', async () => {
  const { provider, service, events } = setup();
  provider.state = 'paused';
  await service.whenReady();
  assert.deepEqual(provider.calls, ['unpause']);
  assert.deepEqual(events.filter((e) => e.type === 'starting' || e.type === 'started').map((e) => describe(e)), ['Unpausing app', 'app is running']);
});

test('every step of a wake and a sleep has a message a visitor can read', async () => {
  const { clock, service, events } = setup({ idleTimeoutMs: 10 });
  await service.whenReady();
  await clock.advance(10);
  await settle();
  assert.deepEqual(events.map((e) => `${e.type}: ${describe(e)}`), [
    'waking: Waking app', 'starting: Starting app', 'started: app is running', 'probing: Waiting for the app to answer',
    'ready: app is ready', 'stopping: Putting app to sleep (stop)', 'asleep: app is asleep',
  ]);
  assert.equal(events.find((e) => e.type === 'stopping')?.reason, 'idle');
  assert.ok(events.every((e) => !('error' in e) && !('dependency' in e)), 'no empty fields');
  assert.ok(events.filter((e) => e.type !== 'stopping').every((e) => !('reason' in e)));
});

test('a failed stop says it could not put the service to sleep', async () => {
  const { provider, service, events } = setup();
  await service.whenReady();
  provider.stop = async () => Promise.reject(new Error('engine said no'));
  service.sleep('manual');
  await settle();
  const error = events.at(-1);
  assert.deepEqual([error?.type, (error && describe(error)), error?.error, error?.detail], ['error', 'Could not put app to sleep', 'app could not be put to sleep', 'stop failed: engine said no']);
});

test('a wake timeout names the whole budget, dependencies included', async () => {
  const { clock, service } = setup({ wakeTimeoutMs: 500 }, { wakeBudgetMs: 2_000, readiness: async () => Promise.reject('refused') });
  const rejected = assert.rejects(service.whenReady(), { message: 'service "app": wake timed out after 2s' });
  await settle();
  await clock.advance(1_999);
  assert.equal(service.state, 'waking', 'the budget, not wake_timeout, is the deadline');
  await clock.advance(1);
  await rejected;
});

test('the wake deadline timer is cleared once the wake is over', async () => {
  const { clock, service } = setup({ idleTimeoutMs: 60_000 });
  await service.whenReady();
  assert.equal(clock.pending, 1, 'only the idle timer is left');
});

test('dependencies wake first, each named in the events; the service starts once all are ready', async () => {
  const order: string[] = [];
  const db = setup({}, { name: 'db' });
  const cache = setup({}, { name: 'cache' });
  const app = setup({ dependsOn: ['db', 'cache'] });
  db.service.onEvent((e) => e.type === 'ready' && order.push('db ready'));
  cache.service.onEvent((e) => e.type === 'ready' && order.push('cache ready'));
  app.service.onEvent((e) => e.type === 'starting' && order.push('app starting'));
  app.service.link([db.service, cache.service], []);
  db.service.link([], [app.service]);
  cache.service.link([], [app.service]);
  await app.service.whenReady();
  assert.deepEqual(order.slice(-1), ['app starting']);
  assert.deepEqual(order.slice(0, 2).sort(), ['cache ready', 'db ready']);
  const deps = app.events.filter((e) => e.dependency !== undefined).map((e) => `${e.type} ${e.dependency}: ${describe(e)}`);
  assert.deepEqual(deps.sort(), ['dependency_ready cache: cache is ready', 'dependency_ready db: db is ready', 'dependency_waking cache: Waking cache', 'dependency_waking db: Waking db']);
  assert.deepEqual(app.service.status().depends_on, ['db', 'cache']);
});

test('a dependency that cannot wake fails the service, naming the dependency and why', async () => {
  const db = setup({}, { name: 'db' });
  db.provider.state = 'missing';
  const app = setup({ dependsOn: ['db'] });
  app.service.link([db.service], []);
  db.service.link([], [app.service]);
  const err = await app.service.whenReady().then(() => assert.fail('woke'), (e: unknown) => e as WakeFailedError);
  assert.equal(err.reason, 'wake failed: dependency "db" failed: wake failed: docker workload "app" does not exist');
  assert.deepEqual(app.provider.calls, [], 'the service itself is not started');
});

test('a dependency stays awake while a service that needs it is awake, and sleeps when the last one does', async () => {
  const clock = new ManualClock();
  const db = setup({ idleTimeoutMs: 100 }, { name: 'db', clock });
  const app = setup({ idleTimeoutMs: 1_000, dependsOn: ['db'] }, { clock });
  app.service.link([db.service], []);
  db.service.link([], [app.service]);
  await app.service.whenReady();
  await clock.advance(500);
  assert.equal(db.service.state, 'ready', 'db is idle but app still needs it');
  assert.deepEqual(db.service.status().sleep_waits_for, ['app']);
  await clock.advance(500);
  await settle();
  assert.equal(app.service.state, 'asleep');
  await settle();
  assert.equal(db.service.state, 'asleep', 'the last dependent asleep lets db sleep at once');
  assert.equal(db.service.status().sleep_waits_for, undefined);
});

test('status tells the target, the entrypoints, the wakes and how long the last one took', async () => {
  const clock = new ManualClock();
  const { service } = setup({ http: { hosts: ['app.lan', 'www.app.lan'], target: 'http://127.0.0.1:8080' } }, {
    clock,
    readiness: () => clock.advance(250),
  });
  const before = service.status();
  assert.deepEqual(before, {
    name: 'app', state: 'asleep', since: new Date(clock.now()).toISOString(), provider: 'fake', workload: 'app',
    target: 'http://127.0.0.1:8080', entrypoints: { http: ['app.lan', 'www.app.lan'] }, in_flight: 0, bytes_in: 0, bytes_out: 0, wakes: 0,
  });
  await service.whenReady();
  const after = service.status();
  assert.equal(after.wakes, 1);
  assert.equal(after.last_wake_ms, 250);
  assert.equal(after.since, new Date(clock.now()).toISOString(), 'since moves with each state change');
  const release = service.acquire();
  assert.equal(service.status().last_activity, new Date(clock.now()).toISOString());
  release();
});

test('status of a tcp service shows its target and listen address as host:port', () => {
  const { service } = setup({ tcp: { listen: { host: '', port: 5432 }, target: { host: '::1', port: 15432 }, maxHeld: 10, openKeepsAwake: true } });
  const s = service.status();
  assert.equal(s.target, '[::1]:15432');
  assert.deepEqual(s.entrypoints, { tcp: ':5432' });
});

test('status shows liveness only for a service with health configured', async () => {
  const health = { timeoutMs: 100, intervalMs: 1000, retries: 1, autoRestart: true, maxRestarts: 2, restartDelayMs: 0 };
  assert.equal(setup().service.status().health, undefined);
  const { service } = setup({ health });
  await service.whenReady();
  assert.deepEqual(service.status().health, { status: 'unknown', consecutive_failures: 0, restarts: 0, restarts_left: 2 });
});

test('liveness runs while ready: an unhealthy service is reported, restarted, and reported healthy again', async () => {
  let healthy = true;
  const { clock, provider, service, events } = setup(
    { health: { timeoutMs: 100, intervalMs: 1000, retries: 1, autoRestart: true, maxRestarts: 2, restartDelayMs: 0 } },
    { readiness: async () => { if (!healthy) throw new Error('refused'); } },
  );
  await service.whenReady();
  healthy = false;
  await clock.advance(1000);
  await settle();
  assert.deepEqual(events.filter((e) => e.type === 'unhealthy').map((e) => [describe(e), e.error]), [['app is unhealthy', 'refused']]);
  healthy = true;
  await clock.advance(0);
  await waitFor(() => service.state === 'ready' && provider.calls.length === 3, { timeoutMs: 2000, message: 'restarted and ready' });
  assert.deepEqual(provider.calls, ['start', 'stop SIGTERM 5000', 'start']);
  await clock.advance(1000);
  await settle();
  assert.deepEqual(events.filter((e) => e.type === 'healthy').map((e) => describe(e)), ['app is healthy again']);
});

test('liveness stops checking when the service leaves ready', async () => {
  let probes = 0;
  const { clock, service } = setup(
    { health: { timeoutMs: 100, intervalMs: 1000, retries: 1, autoRestart: false, maxRestarts: 0, restartDelayMs: 0 } },
    { readiness: async () => void probes++ },
  );
  await service.whenReady();
  service.sleep('manual');
  await settle();
  const after = probes;
  await clock.advance(10_000);
  assert.equal(probes, after, 'no checks while asleep');
  assert.equal(clock.pending, 0);
});

test('a nudge makes a waiting readiness poll look again at once', async () => {
  const clock = new ManualClock();
  let ready = false;
  const provider = new RecordingProvider();
  const service = new Service({
    config: config(), provider, ref: { provider: 'fake', id: 'app' }, log: silentLogger(), clock,
    readiness: async () => { if (!ready) throw new Error('starting'); },
    poll: { initialMs: 60_000, maxMs: 60_000, factor: 1 },
  });
  const woke = service.whenReady();
  await settle();
  ready = true;
  service.nudge();
  await woke;
  assert.equal(service.state, 'ready');
});

test('touch restarts the idle countdown of an awake service', async () => {
  const { clock, service } = setup({ idleTimeoutMs: 1000 });
  await service.whenReady();
  await clock.advance(900);
  service.touch();
  await clock.advance(900);
  assert.equal(service.state, 'ready');
  assert.equal(service.status().last_activity, new Date(clock.now() - 900).toISOString());
  await clock.advance(100);
  await settle();
  assert.equal(service.state, 'asleep');
});

test('touch on a sleeping service does not arm the idle timer', () => {
  const { clock, service } = setup({ idleTimeoutMs: 1000 });
  service.touch();
  assert.equal(clock.pending, 0);
  assert.equal(service.status().sleeps_at, undefined);
});

test('a waiter whose signal aborted already is refused without waking anything', async () => {
  const { provider, service } = setup();
  await assert.rejects(service.whenReady(AbortSignal.abort(new Error('client left'))), /client left/);
  await settle();
  assert.deepEqual([service.state, provider.calls], ['asleep', []]);
});

test('a waiter that was served leaves no listener on its signal', async () => {
  const { service } = setup();
  const ac = new AbortController();
  await service.whenReady(ac.signal);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  const failing = setup();
  failing.provider.state = 'missing';
  const ac2 = new AbortController();
  await assert.rejects(failing.service.whenReady(ac2.signal));
  assert.equal(getEventListeners(ac2.signal, 'abort').length, 0);
});

test('stop abandons the wake and tells waiting clients drowse is shutting down', async () => {
  const { provider, service, events } = setup();
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  provider.start = async () => {
    provider.calls.push('start');
    await gate;
    provider.state = 'running';
  };
  const waiting = service.whenReady();
  await settle();
  service.stop();
  await assert.rejects(waiting, { message: 'service "app": drowse is shutting down' });
  open();
  await settle();
  const seen = events.length;
  service.wake();
  service.sleep('manual');
  await settle();
  assert.equal(events.length, seen, 'nothing happens after stop');
  assert.equal(service.state, 'waking', 'the abandoned wake leaves no verdict');
  assert.ok(!events.some((e) => e.type === 'ready' || e.type === 'error'));
});

test('a listener that throws does not keep the others from hearing the event', async () => {
  const captured = capturedLog();
  const { service, events } = setup({}, { log: captured.log });
  service.onEvent(() => {
    throw new Error('listener bug');
  });
  const later: string[] = [];
  service.onEvent((e) => later.push(e.type));
  await service.whenReady();
  assert.deepEqual(later, events.map((e) => e.type));
  assert.ok(captured.lines.some((l) => l['msg'] === 'wake event listener failed' && l['level'] === 50));
});

test('unsubscribing stops the events', async () => {
  const { service } = setup();
  const got: string[] = [];
  const off = service.onEvent((e) => got.push(e.type));
  off();
  await service.whenReady();
  assert.deepEqual(got, []);
});

test('state changes are logged once each, with the event that caused them and the reason of an error', async () => {
  const captured = capturedLog();
  const { provider, service } = setup({}, { log: captured.log });
  provider.state = 'missing';
  await assert.rejects(service.whenReady());
  const changes = captured.lines.filter((l) => l['msg'] === 'service state changed').map((l) => [l['from'], l['to'], l['event'], l['reason'], l['service']]);
  assert.deepEqual(changes, [
    ['asleep', 'waking', 'wake', undefined, 'app'],
    ['waking', 'error', 'wake_failed', 'wake failed: docker workload "app" does not exist', 'app'],
  ]);
  assert.ok(captured.lines.some((l) => l['msg'] === 'wake failed' && l['level'] === 40 && l['phase'] === 'wake'));
});

test('errors carry what a caller needs: the service, the reason, the dependency', () => {
  const failed = new WakeFailedError('web', 'wake failed: boom', { cause: 'x' });
  assert.deepEqual([failed.name, failed.message, failed.service, failed.reason, failed.cause], ['WakeFailedError', 'service "web": wake failed: boom', 'web', 'wake failed: boom', 'x']);
  const timeout = new WakeTimeoutError('30s');
  assert.deepEqual([timeout.name, timeout.message], ['WakeTimeoutError', 'wake timed out after 30s']);
  const held = new HeldTooLongError('web', '5s');
  assert.deepEqual([held.name, held.message, held.service], ['HeldTooLongError', 'service "web": not ready after 5s', 'web']);
  const dep = new DependencyFailedError('db', failed);
  assert.deepEqual([dep.name, dep.message, dep.dependency, dep.cause], ['DependencyFailedError', 'dependency "db" failed: wake failed: boom', 'db', failed]);
  assert.equal(new DependencyFailedError('db', new Error('plain')).message, 'dependency "db" failed: plain');
  assert.equal(new DependencyFailedError('db', 'text').message, 'dependency "db" failed: text');
});

test('observing the workload is enough: started by hand it becomes ready without a start, stopped by hand asleep without a stop', async () => {
  const { provider, service } = setup();
  provider.state = 'running';
  service.observe('running');
  assert.equal(service.state, 'waking');
  await waitFor(() => service.state === 'ready');
  provider.state = 'stopped';
  service.observe('stopped');
  assert.equal(service.state, 'asleep');
  assert.deepEqual(provider.calls, []);
});

test('asking a ready service for readiness answers at once and wakes nothing', async () => {
  const { provider, service, events } = setup();
  await service.whenReady();
  const seen = events.length;
  await service.whenReady();
  assert.equal(events.length, seen);
  assert.deepEqual(provider.calls, ['start']);
});

test('many wake requests make one state change, logged and announced once', async () => {
  const { service, events } = setup();
  for (let i = 0; i < 5; i++) service.wake();
  await service.whenReady();
  assert.equal(events.filter((e) => e.type === 'waking').length, 1);
  assert.equal(events.filter((e) => e.type === 'ready').length, 1);
});

test('a stopped service ignores everything: no wake, no timers left', async () => {
  const { clock, provider, service } = setup({ idleTimeoutMs: 1000 });
  await service.whenReady();
  assert.equal(clock.pending, 1);
  service.stop();
  assert.equal(clock.pending, 0, 'the idle timer is disarmed');
  const asleep = setup();
  asleep.service.stop();
  asleep.service.wake();
  await settle();
  assert.deepEqual([asleep.service.state, asleep.provider.calls], ['asleep', []]);
  assert.deepEqual(provider.calls, ['start']);
});

test('the idle timer does not run while a wake is in progress, and does after a failed one', async () => {
  const { provider, service } = setup({ idleTimeoutMs: 1000 }, { readiness: async () => Promise.reject(new Error('refused')) });
  provider.state = 'running';
  const release = service.acquire();
  service.wake();
  release();
  assert.equal(service.state, 'waking');
  assert.equal(service.status().sleeps_at, undefined, 'no countdown while waking');
  const failed = setup({ idleTimeoutMs: 1000 });
  failed.provider.state = 'missing';
  await assert.rejects(failed.service.whenReady());
  assert.equal(failed.service.status().sleeps_at, new Date(failed.clock.now() + 1000).toISOString(), 'an error sleeps after idle_timeout');
  service.stop();
});

test('a wake deadline that passes during the start ends the wake before any probing', async () => {
  const { clock, provider, service, events } = setup({ wakeTimeoutMs: 1000 });
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  provider.start = async () => {
    provider.calls.push('start');
    await gate;
    provider.state = 'running';
  };
  const waiting = assert.rejects(service.whenReady(), { message: 'service "app": wake timed out after 1s' });
  await settle();
  await clock.advance(1000);
  open();
  await waiting;
  assert.ok(!events.some((e) => e.type === 'probing'), events.map((e) => e.type).join(' '));
});

test('the HEALTHCHECK is used only when there is an own-health check to use', async () => {
  const { provider, service } = setup();
  provider.healthcheck = true;
  await service.whenReady();
  assert.equal(service.status().check, 'probe');
});

test('a dependency still waking when the wake deadline passes fails the service with the timeout, not as a dependency failure', async () => {
  const clock = new ManualClock();
  const db = setup({}, { name: 'db', clock, readiness: async () => Promise.reject(new Error('starting')) });
  const app = setup({ wakeTimeoutMs: 500 }, { clock });
  app.service.link([db.service], []);
  db.service.link([], [app.service]);
  const waiting = assert.rejects(app.service.whenReady(), { message: 'service "app": wake timed out after 500ms' });
  await settle();
  await clock.advance(500);
  await waiting;
  db.service.stop();
});

test('sleep_waits_for lists only the dependents that are awake', async () => {
  const clock = new ManualClock();
  const db = setup({ idleTimeoutMs: 100 }, { name: 'db', clock });
  const app = setup({ idleTimeoutMs: 10_000, dependsOn: ['db'] }, { name: 'app', clock });
  const cron = setup({ dependsOn: ['db'] }, { name: 'cron', clock });
  app.service.link([db.service], []);
  cron.service.link([db.service], []);
  db.service.link([], [app.service, cron.service]);
  await app.service.whenReady();
  await clock.advance(100);
  assert.deepEqual(db.service.status().sleep_waits_for, ['app']);
});

test('the last dependent falling asleep lets a due dependency sleep, and the log says so', async () => {
  const clock = new ManualClock();
  const captured = capturedLog();
  const db = setup({ idleTimeoutMs: 100 }, { name: 'db', clock, log: captured.log });
  const app = setup({ dependsOn: ['db'] }, { clock });
  app.service.link([db.service], []);
  db.service.link([], [app.service]);
  await app.service.whenReady();
  await clock.advance(100);
  app.service.sleep('manual');
  await waitFor(() => db.service.state === 'asleep');
  assert.ok(captured.lines.some((l) => l['msg'] === 'last dependent asleep; slept now' && l['phase'] === 'idle' && l['level'] === 30));
});

test('stops are logged with the method and why; a failed stop at warn', async () => {
  const captured = capturedLog();
  const { provider, service } = setup({ stopMethod: 'kill' }, { log: captured.log });
  await service.whenReady();
  service.sleep('manual');
  await waitFor(() => service.state === 'asleep');
  const put = captured.lines.find((l) => l['msg'] === 'service put to sleep');
  assert.deepEqual([put?.['level'], put?.['phase'], put?.['method'], put?.['reason']], [30, 'stop', 'kill', 'manual']);
  await service.whenReady();
  provider.kill = async () => Promise.reject(new Error('engine said no'));
  service.sleep('idle');
  await waitFor(() => service.state === 'error');
  const failed = captured.lines.find((l) => l['msg'] === 'stop failed');
  assert.deepEqual([failed?.['level'], failed?.['phase'], failed?.['method']], [40, 'stop', 'kill']);
  assert.equal(service.status().reason, 'kill failed: engine said no');
});
