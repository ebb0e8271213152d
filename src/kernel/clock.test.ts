import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMER_MS, setLongTimeout, systemClock } from './clock.ts';

/** A fake setTimeout that records each step's delay and lets the test fire it at a chosen time. */
function steps() {
  let time = 0;
  const armed: { fn: () => void; ms: number }[] = [];
  const arm = (fn: () => void, ms: number) => {
    armed.push({ fn, ms });
    return setTimeout(() => undefined, 0).unref();
  };
  const fire = () => {
    const next = armed.at(-1);
    if (!next) throw new Error('nothing armed');
    time += next.ms;
    next.fn();
  };
  return { arm, fire, armed, now: () => time };
}

test('a 30-day timer waits in steps no longer than Node allows and fires once, at 30 days', () => {
  const s = steps();
  const days30 = 30 * 24 * 3_600_000;
  let fired = 0;
  setLongTimeout(() => fired++, days30, s.arm, s.now);
  assert.ok(s.armed.every((a) => a.ms <= MAX_TIMER_MS));
  s.fire();
  assert.equal(fired, 0, 'not after the first 24.8 days');
  s.fire();
  assert.equal(fired, 1);
  assert.equal(s.now(), days30);
  assert.deepEqual(s.armed.map((a) => a.ms), [MAX_TIMER_MS, days30 - MAX_TIMER_MS]);
});

test('a short timer is one plain step', () => {
  const s = steps();
  let fired = 0;
  setLongTimeout(() => fired++, 1500, s.arm, s.now);
  assert.deepEqual(s.armed.map((a) => a.ms), [1500]);
  s.fire();
  assert.equal(fired, 1);
});

test('the system clock does not fire a timer longer than 2^31 ms early, and can cancel it', async () => {
  let fired = false;
  const handle = systemClock.setTimeout(() => (fired = true), 30 * 24 * 3_600_000);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired, false, 'Node alone would have fired it after 1 ms');
  systemClock.clearTimeout(handle);
  let short = false;
  await new Promise<void>((resolve) => systemClock.setTimeout(() => resolve(void (short = true)), 5));
  assert.equal(short, true);
});
