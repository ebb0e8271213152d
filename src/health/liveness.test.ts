import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, silentLogger } from '../kernel/index.ts';
import { ManualClock } from '../../test/helpers/fakes/index.ts';
import { LivenessMonitor } from './liveness.ts';

/** A monitor over a probe whose outcome the test sets, recording what it tells the service. */
function harness(opts: { retries?: number; autoRestart?: boolean; maxRestarts?: number; restartDelayMs?: number } = {}) {
  const clock = new ManualClock();
  const said: string[] = [];
  let healthy = true;
  const monitor = new LivenessMonitor({
    probe: async () => {
      if (!healthy) throw new Error('refused');
    },
    intervalMs: 1000,
    retries: opts.retries ?? 3,
    autoRestart: opts.autoRestart ?? false,
    maxRestarts: opts.maxRestarts ?? 2,
    restartDelayMs: opts.restartDelayMs ?? 500,
    target: {
      name: 'app',
      healthChanged: (ok, reason) => said.push(ok ? 'healthy' : `unhealthy: ${reason}`),
      restart: (reason) => said.push(`restart: ${reason}`),
    },
    log: silentLogger(),
    clock,
  });
  return { clock, said, monitor, setHealthy: (v: boolean) => (healthy = v) };
}

test('a service is unhealthy only after `retries` failed checks in a row, and healthy again after one success', async () => {
  const h = harness({ retries: 3 });
  h.monitor.start();
  h.setHealthy(false);
  await h.clock.advance(2000);
  assert.deepEqual(h.said, [], 'two failures are not enough');
  assert.equal(h.monitor.status().consecutive_failures, 2);
  await h.clock.advance(1000);
  assert.deepEqual(h.said, ['unhealthy: refused']);
  await h.clock.advance(3000);
  assert.deepEqual(h.said, ['unhealthy: refused'], 'said once, not on every failure');
  h.setHealthy(true);
  await h.clock.advance(1000);
  assert.deepEqual(h.said, ['unhealthy: refused', 'healthy']);
  assert.deepEqual([h.monitor.status().status, h.monitor.status().consecutive_failures], ['healthy', 0]);
});

test('a success between failures starts the count over', async () => {
  const h = harness({ retries: 2 });
  h.monitor.start();
  h.setHealthy(false);
  await h.clock.advance(1000);
  h.setHealthy(true);
  await h.clock.advance(1000);
  h.setHealthy(false);
  await h.clock.advance(1000);
  assert.deepEqual(h.said, []);
});

test('auto_restart restarts after restart_delay', async () => {
  const h = harness({ retries: 1, autoRestart: true });
  h.monitor.start();
  h.setHealthy(false);
  await h.clock.advance(1000);
  assert.deepEqual(h.said, ['unhealthy: refused']);
  await h.clock.advance(499);
  assert.equal(h.said.length, 1, 'not before the delay');
  await h.clock.advance(1);
  assert.deepEqual(h.said, ['unhealthy: refused', 'restart: 1 failed checks in a row: refused']);
  assert.equal(h.monitor.status().restarts, 1);
});

test('a check that passes during restart_delay cancels the restart', async () => {
  const h = harness({ retries: 1, autoRestart: true, restartDelayMs: 1500 });
  h.monitor.start();
  h.setHealthy(false);
  await h.clock.advance(1000);
  h.setHealthy(true);
  await h.clock.advance(1000);
  await h.clock.advance(1000);
  assert.deepEqual(h.said, ['unhealthy: refused', 'healthy']);
});

test('max_restarts in a row without a healthy check stops the restarting', async () => {
  const h = harness({ retries: 1, autoRestart: true, maxRestarts: 2 });
  h.setHealthy(false);
  for (let i = 0; i < 4; i++) {
    h.monitor.start();
    await h.clock.advance(1500);
    h.monitor.stop();
  }
  assert.equal(h.said.filter((s) => s.startsWith('restart')).length, 2);
  assert.equal(h.monitor.status().restarts_left, 0);
});

test('nothing is checked while stopped', async () => {
  const h = harness({ retries: 1 });
  h.setHealthy(false);
  h.monitor.start();
  h.monitor.stop();
  await h.clock.advance(10_000);
  assert.deepEqual(h.said, []);
  assert.equal(h.clock.pending, 0);
});

/** A logger at debug level whose lines the test reads back as objects. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', format: 'json' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  return { log, lines, said: () => lines.map((l) => `${l['level']} ${l['msg']}`) };
}

/** A monitor like {@link harness}'s, over a probe the test settles by hand, logging to a captured log. */
function manual(opts: { retries?: number; autoRestart?: boolean; maxRestarts?: number } = {}) {
  const clock = new ManualClock();
  const said: string[] = [];
  const captured = capturedLog();
  let settle: ((err?: Error) => void) | undefined;
  const monitor = new LivenessMonitor({
    probe: (signal) => new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
      signal.addEventListener('abort', () => said.push('probe aborted'));
    }),
    intervalMs: 1000,
    retries: opts.retries ?? 1,
    autoRestart: opts.autoRestart ?? false,
    maxRestarts: opts.maxRestarts ?? 1,
    restartDelayMs: 500,
    target: {
      name: 'app',
      healthChanged: (ok, reason) => said.push(ok ? 'healthy' : `unhealthy: ${reason}`),
      restart: (reason) => said.push(`restart: ${reason}`),
    },
    log: captured.log,
    clock,
  });
  const settleProbe = async (err?: Error) => {
    settle?.(err);
    await clock.advance(0);
  };
  return { clock, said, monitor, settleProbe, captured };
}

test('status starts unknown with no check, no error and the whole restart budget left', () => {
  assert.deepEqual(harness({ autoRestart: true, maxRestarts: 2 }).monitor.status(), { status: 'unknown', consecutive_failures: 0, restarts: 0, restarts_left: 2 });
  assert.deepEqual(harness({ autoRestart: false }).monitor.status(), { status: 'unknown', consecutive_failures: 0, restarts: 0 }, 'no restart budget without auto_restart');
});

test('status tells when the last check ran and why it failed, and forgets the error after a success', async () => {
  const h = harness({ retries: 2 });
  h.monitor.start();
  h.setHealthy(false);
  await h.clock.advance(1000);
  const failed = h.monitor.status();
  assert.equal(failed.last_check, new Date(h.clock.now()).toISOString());
  assert.equal(failed.last_error, 'refused');
  h.setHealthy(true);
  await h.clock.advance(1000);
  assert.deepEqual(h.monitor.status(), { status: 'healthy', last_check: new Date(h.clock.now()).toISOString(), consecutive_failures: 0, restarts: 0 });
});

test('a probe that throws something other than an Error is reported by its text', async () => {
  const clock = new ManualClock();
  const said: string[] = [];
  const monitor = new LivenessMonitor({
    probe: () => Promise.reject('socket hang up' as unknown as Error), intervalMs: 1000, retries: 1, autoRestart: false, maxRestarts: 0, restartDelayMs: 0,
    target: { name: 'app', healthChanged: (_ok, reason) => said.push(String(reason)), restart: () => undefined }, log: silentLogger(), clock,
  });
  monitor.start();
  await clock.advance(1000);
  assert.deepEqual(said, ['socket hang up']);
});

test('starting a monitor that runs already changes nothing: one timer, the failure count kept', async () => {
  const h = harness({ retries: 3 });
  h.monitor.start();
  h.setHealthy(false);
  await h.clock.advance(1000);
  h.monitor.start();
  assert.equal(h.clock.pending, 1, 'no second check loop');
  assert.equal(h.monitor.status().consecutive_failures, 1);
});

test('stopping a monitor that never started is harmless, and a stop clears every timer and the verdict', async () => {
  const h = harness({ retries: 1, autoRestart: true });
  h.monitor.stop();
  h.monitor.start();
  h.setHealthy(false);
  await h.clock.advance(1000);
  assert.equal(h.monitor.status().status, 'unhealthy');
  assert.equal(h.clock.pending, 2, 'the next check and the restart are waiting');
  h.monitor.stop();
  assert.equal(h.clock.pending, 0, 'stop leaves no timer behind');
  assert.equal(h.monitor.status().status, 'unknown');
  await h.clock.advance(10_000);
  assert.deepEqual(h.said, ['unhealthy: refused'], 'no restart after the stop');
});

test('a check still running when the monitor stops is abandoned: its result counts for nothing', async () => {
  const h = manual({ retries: 1 });
  h.monitor.start();
  await h.clock.advance(1000);
  h.monitor.stop();
  assert.deepEqual(h.said, ['probe aborted']);
  await h.settleProbe(new Error('too late'));
  assert.deepEqual(h.said, ['probe aborted'], 'no verdict from an abandoned check');
  assert.deepEqual([h.monitor.status().consecutive_failures, h.monitor.status().last_check], [0, undefined]);
  assert.equal(h.clock.pending, 0, 'and no next check scheduled');
});

test('the next check waits for the one in progress: checks never overlap', async () => {
  const h = manual({ retries: 5 });
  h.monitor.start();
  await h.clock.advance(1000);
  await h.clock.advance(5000);
  assert.equal(h.clock.pending, 0, 'nothing scheduled while a check runs');
  await h.settleProbe(new Error('slow'));
  assert.equal(h.clock.pending, 1, 'the next check is scheduled when this one ends');
});

test('a restart only happens while the service is still unhealthy and the monitor runs', async () => {
  const h = harness({ retries: 1, autoRestart: true, restartDelayMs: 500 });
  h.monitor.start();
  h.setHealthy(false);
  await h.clock.advance(1000);
  h.monitor.stop();
  h.monitor.start();
  await h.clock.advance(500);
  assert.deepEqual(h.said, ['unhealthy: refused'], 'the restart planned before the stop does not happen');
});

test('each verdict change is logged once, with the failure count and the reason; failed checks at debug', async () => {
  const h = manual({ retries: 2, autoRestart: true, maxRestarts: 1 });
  h.monitor.start();
  const round = async (err?: Error) => {
    await h.clock.advance(1000);
    await h.settleProbe(err);
  };
  await round(new Error('refused'));
  await round(new Error('refused'));
  await h.clock.advance(500);
  assert.deepEqual(h.said, ['unhealthy: refused', 'restart: 2 failed checks in a row: refused']);
  await round(new Error('refused'));
  const warn = h.captured.lines.find((l) => l['msg'] === 'service unhealthy');
  assert.deepEqual([warn?.['level'], warn?.['failures'], warn?.['reason'], warn?.['service'], warn?.['monitor']], [40, 2, 'refused', 'app', 'liveness']);
  const debug = h.captured.lines.filter((l) => l['msg'] === 'liveness check failed');
  assert.deepEqual(debug.map((l) => [l['level'], l['failures'], l['reason']]), [[20, 1, 'refused'], [20, 2, 'refused'], [20, 3, 'refused']]);
  await round();
  assert.deepEqual(h.captured.said().filter((s) => !s.includes('liveness check failed')), ['40 service unhealthy', '30 service healthy again']);
});

test('when max_restarts is used up it says so, once, at error level', async () => {
  const h = manual({ retries: 1, autoRestart: true, maxRestarts: 0 });
  h.monitor.start();
  await h.clock.advance(1000);
  await h.settleProbe(new Error('refused'));
  const line = h.captured.lines.find((l) => l['level'] === 50);
  assert.deepEqual([line?.['msg'], line?.['restarts']], ['service unhealthy, max_restarts reached: not restarting it again', 0]);
  assert.ok(!h.said.some((s) => s.startsWith('restart')));
});

test('a service that flaps waits the whole restart_delay from the last time it went unhealthy', async () => {
  const h = harness({ retries: 1, autoRestart: true, restartDelayMs: 2500 });
  h.monitor.start();
  h.setHealthy(false);
  await h.clock.advance(1000); // unhealthy at 1000: restart planned for 3500
  h.setHealthy(true);
  await h.clock.advance(1000); // healthy at 2000
  h.setHealthy(false);
  await h.clock.advance(1000); // unhealthy again at 3000: restart now due at 5500
  await h.clock.advance(1000);
  assert.ok(!h.said.some((s) => s.startsWith('restart')), `no restart at 3500 from the first plan: ${h.said.join(' | ')}`);
  await h.clock.advance(1500);
  assert.equal(h.said.filter((s) => s.startsWith('restart')).length, 1);
});
