import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../kernel/index.ts';
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
