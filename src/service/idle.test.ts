import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../test/helpers/fakes/index.ts';
import { IdleTimer } from './idle.ts';

function harness() {
  const clock = new ManualClock();
  let slept = 0;
  const idle = new IdleTimer({ clock, timeoutMs: 1000, onIdle: () => slept++ });
  return { clock, idle, slept: () => slept };
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

test('disarming stops the count and leaves no timer behind', async () => {
  const h = harness();
  h.idle.arm();
  h.idle.disarm();
  await h.clock.advance(2000);
  assert.equal(h.slept(), 0);
  assert.equal(h.idle.sleepsAt, undefined);
  assert.equal(h.clock.pending, 0);
});
