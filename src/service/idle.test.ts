import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../test/helpers/fakes/index.ts';
import { IdleTimer } from './idle.ts';

function harness() {
  const clock = new ManualClock();
  let may = true;
  let slept = 0;
  const idle = new IdleTimer({ clock, timeoutMs: 1000, canSleep: () => may, onIdle: () => slept++ });
  return { clock, idle, slept: () => slept, setMay: (v: boolean) => (may = v) };
}

test('the idle timer fires timeoutMs after it was last armed', async () => {
  const h = harness();
  h.idle.arm();
  await h.clock.advance(600);
  h.idle.arm();
  await h.clock.advance(600);
  assert.equal(h.slept(), 0, 're-arming starts the count over');
  assert.equal(h.idle.sleepsAt, h.clock.now() + 400);
  await h.clock.advance(400);
  assert.equal(h.slept(), 1);
  assert.equal(h.idle.active, false);
});

test('when the service may not sleep yet the timer becomes due, and release() sleeps once it may', async () => {
  const h = harness();
  h.setMay(false);
  h.idle.arm();
  await h.clock.advance(1000);
  assert.deepEqual([h.slept(), h.idle.isDue, h.idle.active], [0, true, true]);
  assert.equal(h.idle.release(), false, 'still may not');
  h.setMay(true);
  assert.equal(h.idle.release(), true);
  assert.equal(h.slept(), 1);
  assert.equal(h.idle.release(), false, 'only once');
});

test('disarming forgets a due sleep', async () => {
  const h = harness();
  h.setMay(false);
  h.idle.arm();
  await h.clock.advance(1000);
  h.idle.disarm();
  h.setMay(true);
  assert.equal(h.idle.release(), false);
  assert.equal(h.clock.pending, 0);
});
