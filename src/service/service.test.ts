/**
 * The watcher's timing and single-flight rules, with a manual clock and a scripted provider so that
 * failures (a start that hangs, a stop that fails) can be injected. The real engine is exercised by
 * test/integration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe } from '../loading/index.ts';
import type { Provider, StartProgress, WorkloadRef, WorkloadState, WorkloadStatus } from '../provider/index.ts';
import type { ServiceConfig } from '../config/index.ts';
import { createLogger, silentLogger } from '../kernel/index.ts';
import { ManualClock } from '../../test/helpers/fakes/index.ts';
import { Service } from './service.ts';
import type { WakeFailedError } from './errors.ts';
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
  /** What the next stop reports: whether the grace period ran out and the workload was killed. */
  killed = false;
  async status(): Promise<WorkloadStatus> {
    return { state: this.state };
  }
  /** What the start says it waits on before it can go ahead (a lock), each told to the caller. */
  busy: string[] = [];
  async start(_ref: WorkloadRef, _signal?: AbortSignal, progress?: StartProgress) {
    this.calls.push('start');
    for (const busy of this.busy) progress?.({ busy });
    await this.gate;
    this.state = 'running';
  }
  async stop() {
    this.calls.push('stop');
    await this.stopGate;
    if (this.failStop) throw new Error('engine said no');
    this.state = 'stopped';
    return { killed: this.killed };
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
  workload: { provider: 'fake', id: WORKLOAD },
  idleTimeoutMs: 60_000,
  wakeTimeoutMs: 10_000,
  stopMethod: 'stop',
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 5_000,
  loadingPage: true,
  releaseConcurrency: 8,
  wakeFilter: { deny: [], allow: [] },
  dependsOn: [],
  ...over,
});

/** The workload's id differs from the service's name, so tests can tell which one a text shows. */
const WORKLOAD = 'app-ctr-7f3';

function setup(over: Partial<ServiceConfig> = {}, readiness = async () => undefined) {
  const clock = new ManualClock();
  const provider = new ScriptedProvider();
  const service = new Service({
    config: config(over),
    provider,
    ref: { provider: 'fake', id: WORKLOAD },
    readiness,
    log: silentLogger(),
    clock,
    poll: { initialMs: 1, maxMs: 1, factor: 1 },
    wakeBackoff: { initialMs: 5_000, maxMs: 20_000 },
  });
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
  assert.match(events.at(-1)?.detail ?? '', /stop failed: engine said no/);
  assert.equal(events.at(-1)?.error, 'app could not be put to sleep', 'the public text names no engine error');
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
  await assert.rejects(service.whenReady(), (err: WakeFailedError) => {
    assert.match(err.message, /service "app": wake failed: app-ctr-7f3 exited with exit code 3 while waking/);
    assert.equal(err.notice, 'app could not start: it exited with exit code 3 while waking');
    return true;
  });
  assert.equal(service.state, 'error');
});

/** A service whose workload exits at every start, so every wake fails at once. */
function crashing() {
  const env = setup({ wakeTimeoutMs: 60_000 }, async () => {
    if (env.provider.state !== 'running') throw new Error('probe http://127.0.0.1:1/healthz?key=s3cret: ECONNREFUSED');
  });
  env.provider.status = async () => ({ state: 'stopped', exitCode: 3 });
  env.provider.start = async () => {
    env.provider.calls.push('start');
  };
  return env;
}

const starts = (p: ScriptedProvider) => p.calls.filter((c) => c === 'start').length;

test('after a failed wake, requests are answered at once with the notice and no new start until the backoff ends', async () => {
  const { clock, provider, service } = crashing();
  await assert.rejects(service.whenReady());
  assert.equal(starts(provider), 1);
  const failedAt = clock.now();
  for (let i = 0; i < 20; i++) {
    await assert.rejects(service.whenReady(), (err: WakeFailedError) => {
      assert.equal(err.retryAt, failedAt + 5_000);
      assert.equal(err.retryAfterSeconds(clock.now()), 5);
      assert.equal(err.notice, 'app could not start: it exited with exit code 3 while waking');
      return true;
    });
    service.wake();
  }
  await settle();
  assert.equal(starts(provider), 1, '20 requests in the backoff started nothing');
  assert.equal(service.status().retry_at, new Date(failedAt + 5_000).toISOString());
  assert.equal(service.status().wake_failures, 1);
  assert.equal(service.publicStatus().retry_at, new Date(failedAt + 5_000).toISOString());

  await clock.advance(5_000);
  await assert.rejects(service.whenReady());
  assert.equal(starts(provider), 2, 'the first request after the backoff tries again');
  assert.equal(service.status().retry_at, new Date(clock.now() + 10_000).toISOString(), 'the second failure doubles the backoff');
  await clock.advance(10_000);
  await assert.rejects(service.whenReady());
  await clock.advance(20_000);
  await assert.rejects(service.whenReady());
  assert.equal(service.status().retry_at, new Date(clock.now() + 20_000).toISOString(), 'never more than the maximum');
});

test('an operator\'s forced wake goes through the backoff, and a successful wake ends it', async () => {
  const { provider, service } = crashing();
  await assert.rejects(service.whenReady());
  await assert.rejects(service.whenReady(), /exit code 3/);
  assert.equal(starts(provider), 1);
  provider.start = async () => {
    provider.calls.push('start');
    provider.state = 'running';
  };
  provider.status = async () => ({ state: provider.state });
  await service.whenReady(undefined, { force: true });
  assert.equal(starts(provider), 2);
  assert.equal(service.state, 'ready');
  assert.equal(service.status().wake_failures, undefined, 'the failures are forgotten');
  assert.equal(service.status().retry_at, undefined);
});

test('what anyone may see of a failed wake names the service only: no workload, probe, target or engine error', async () => {
  const { service, events } = crashing();
  await assert.rejects(service.whenReady());
  const pub = JSON.stringify([service.publicStatus(), events.filter((e) => e.type !== 'error'), events.map((e) => [describe(e), e.error])]);
  for (const secret of [WORKLOAD, 's3cret', 'healthz', '127.0.0.1', 'fake']) assert.equal(pub.includes(secret), false, `${secret} in ${pub}`);
  assert.deepEqual(Object.keys(service.publicStatus()).sort(), ['name', 'notice', 'retry_at', 'since', 'state']);
  const error = events.find((e) => e.type === 'error');
  assert.equal(error?.error, 'app could not start: it exited with exit code 3 while waking');
  assert.match(error?.detail ?? '', /app-ctr-7f3 exited with exit code 3/, 'the operator still gets the detail');
  assert.match(error?.retry_at ?? '', /^\d{4}-/);
  assert.match(service.status().reason ?? '', /app-ctr-7f3/);
});

test('a wake that times out tells the public how long it waited and the operator what the last check saw', async () => {
  const { clock, service } = setup({ wakeTimeoutMs: 1_000 }, async () => {
    throw new Error('probe failed', { cause: new Error('http http://127.0.0.1:9/health?token=s3cret: status 500') });
  });
  const rejected = assert.rejects(service.whenReady(), (err: WakeFailedError) => {
    assert.equal(err.notice, 'app did not become ready within 1s');
    return true;
  });
  await settle();
  await clock.advance(1_000);
  await rejected;
  assert.match(service.status().reason ?? '', /wake timed out after 1s/);
  assert.equal(service.publicStatus().notice, 'app did not become ready within 1s');
});

test('an idle timeout of 30 days keeps the service awake instead of overflowing into an immediate stop', async () => {
  const provider = new ScriptedProvider();
  const service = new Service({ config: config({ idleTimeoutMs: 30 * 24 * 3_600_000 }), provider, ref: { provider: 'fake', id: WORKLOAD }, readiness: async () => undefined, log: silentLogger() });
  await service.whenReady();
  service.acquire()();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(service.state, 'ready');
  assert.deepEqual(provider.calls, ['start'], 'no stop');
  assert.ok(Date.parse(service.status().sleeps_at ?? '') - Date.now() > 29 * 24 * 3_600_000);
  service.stop();
});

test('a stop that had to kill is logged once at warn and shown as last_stop in the status, not the public one', async () => {
  const clock = new ManualClock();
  const provider = new ScriptedProvider();
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'info', format: 'json' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  const service = new Service({ config: config({ idleTimeoutMs: 10 }), provider, ref: { provider: 'fake', id: WORKLOAD }, readiness: async () => undefined, log, clock, poll: { initialMs: 1, maxMs: 1, factor: 1 } });
  await service.whenReady();
  provider.killed = true;
  let finishStop!: () => void;
  provider.stopGate = new Promise((r) => (finishStop = r));
  await clock.advance(10);
  await clock.advance(5_000);
  finishStop();
  await settle();
  assert.equal(service.state, 'asleep');

  const warns = lines.filter((l) => l.level === 40);
  assert.equal(warns.length, 1, JSON.stringify(warns));
  assert.equal(warns[0]?.service, 'app');
  assert.equal(warns[0]?.msg, 'stop had to kill: app did not exit within stop_timeout (5s) of SIGTERM');
  assert.deepEqual(service.status().last_stop, { at: new Date(clock.now()).toISOString(), method: 'stop', took_ms: 5_000, killed: true });
  assert.equal('last_stop' in service.publicStatus(), false, 'how a stop ended is for the operator');

  provider.killed = false;
  provider.stopGate = Promise.resolve();
  await service.whenReady();
  await clock.advance(10);
  await settle();
  assert.equal(service.status().last_stop?.killed, false);
  assert.equal(lines.filter((l) => l.level === 40).length, 1, 'a stop that did not kill says nothing at warn');
});

test('a start that waits on a busy workload says so in the wake events, in one plain word', async () => {
  const { provider, service, events } = setup();
  provider.busy = ['backup', 'locked by <script>'];
  await service.whenReady();
  const starting = events.filter((e) => e.type === 'starting');
  assert.deepEqual(starting.map((e) => e.busy), [undefined, 'backup', 'another task'], 'a word that is not one plain word is not shown');
});
