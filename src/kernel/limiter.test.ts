import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../test/helpers/fakes/index.ts';
import { WarnLimiter } from './limiter.ts';

test('a repeated warning is written once per interval, with the count of those held back', async () => {
  const clock = new ManualClock();
  const limiter = new WarnLimiter({ intervalMs: 60_000, clock });
  assert.deepEqual(limiter.allow('web'), { suppressed: 0 });
  for (let i = 0; i < 365; i++) assert.equal(limiter.allow('web'), undefined);
  assert.deepEqual(limiter.allow('db'), { suppressed: 0 }, 'keys are limited apart');
  await clock.advance(59_999);
  assert.equal(limiter.allow('web'), undefined);
  await clock.advance(1);
  assert.deepEqual(limiter.allow('web'), { suppressed: 366 });
  limiter.reset('web');
  assert.deepEqual(limiter.allow('web'), { suppressed: 0 }, 'a reset key warns at once');
});

test('the limiter remembers a bounded number of keys', () => {
  const limiter = new WarnLimiter({ maxKeys: 3, clock: new ManualClock() });
  for (const k of ['a', 'b', 'c', 'd']) limiter.allow(k);
  assert.deepEqual(limiter.allow('a'), { suppressed: 0 }, 'the oldest key was forgotten');
  assert.equal(limiter.allow('d'), undefined);
});
