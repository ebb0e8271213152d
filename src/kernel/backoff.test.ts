import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, SupervisedLoop, sleep, type AttemptContext } from './backoff.ts';
import { silentLogger } from './log.ts';
import { ManualClock, settle } from '../../test/helpers/fakes/index.ts';

test('backoff doubles from initialMs up to maxMs and resets', () => {
  const b = new Backoff({ initialMs: 1000, maxMs: 5000, jitter: 0 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [1000, 2000, 4000, 5000, 5000]);
  assert.equal(b.attempts, 5);
  b.reset();
  assert.equal(b.next(), 1000);
});

test('backoff jitter only ever shortens a delay, by at most the jitter fraction', () => {
  const low = new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5, random: () => 0.999999 });
  const high = new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5, random: () => 0 });
  assert.equal(low.next(), 500);
  assert.equal(high.next(), 1000);
});

test('sleep resolves early when its signal aborts', async () => {
  const clock = new ManualClock();
  const abort = new AbortController();
  let done = false;
  const p = sleep(clock, 60_000, abort.signal).then(() => { done = true; });
  await settle();
  assert.equal(done, false);
  abort.abort();
  await p;
  assert.equal(clock.pending, 0, 'the timer is cleared');
});

/** A loop whose attempts the test ends by hand. */
function scriptedLoop(clock: ManualClock, stableMs = 10_000) {
  const attempts: { ctx: AttemptContext; fail: (err: Error) => void }[] = [];
  const ends: { message: string; delayMs: number }[] = [];
  const loop = new SupervisedLoop({
    name: 'test',
    log: silentLogger(),
    clock,
    stableMs,
    backoff: { initialMs: 1000, maxMs: 8000, jitter: 0 },
    run: (ctx) => new Promise<void>((_resolve, reject) => {
      attempts.push({ ctx, fail: reject });
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    }),
    onAttemptEnd: (err, delayMs) => ends.push({ message: err.message, delayMs }),
  });
  return { loop, attempts, ends };
}

test('a failing attempt is retried after a growing delay, and the loop reports backoff meanwhile', async () => {
  const clock = new ManualClock();
  const { loop, attempts, ends } = scriptedLoop(clock);
  loop.start();
  await settle();
  assert.equal(attempts.length, 1);
  assert.equal(loop.status().state, 'running');

  attempts[0]!.fail(new Error('connect ECONNREFUSED'));
  await settle();
  assert.equal(loop.status().state, 'backoff');
  assert.equal(loop.status().lastError, 'connect ECONNREFUSED');
  assert.equal(loop.status().failures, 1);
  assert.equal(loop.status().retryAt?.getTime(), clock.now() + 1000, 'the backoff says when it ends');
  await clock.advance(999);
  assert.equal(attempts.length, 1, 'still waiting');
  await clock.advance(1);
  assert.equal(attempts.length, 2);
  assert.equal(loop.status().state, 'degraded', 'trying again, not yet healthy');
  assert.equal(loop.status().retryAt, undefined);
  attempts[1]!.ctx.healthy();
  assert.equal(loop.status().state, 'running');
  assert.equal(loop.status().failures, 0, 'a healthy attempt ends the run of failures');
  assert.equal(loop.status().lastError, 'connect ECONNREFUSED', 'the last error stays visible after recovery');

  attempts[1]!.fail(new Error('again'));
  await settle();
  assert.deepEqual(ends.map((e) => e.delayMs), [1000, 2000]);
  assert.equal(loop.status().failures, 1);
  await loop.stop();
  assert.equal(loop.status().state, 'stopped');
});

test('an attempt that stayed healthy for stableMs resets the backoff; a brief one does not', async () => {
  const clock = new ManualClock();
  const { loop, attempts, ends } = scriptedLoop(clock, 5000);
  loop.start();
  await settle();
  attempts[0]!.fail(new Error('down'));
  await clock.advance(1000);
  attempts[1]!.ctx.healthy();
  attempts[1]!.fail(new Error('dropped at once'));
  await clock.advance(2000);
  attempts[2]!.ctx.healthy();
  await clock.advance(5000);
  attempts[2]!.fail(new Error('dropped after a while'));
  await settle();
  assert.deepEqual(ends.map((e) => e.delayMs), [1000, 2000, 1000]);
  await loop.stop();
});

test('stop is idempotent and ends a pending delay at once', async () => {
  const clock = new ManualClock();
  const { loop, attempts } = scriptedLoop(clock);
  loop.start();
  loop.start();
  await settle();
  assert.equal(attempts.length, 1, 'a second start does not launch a second loop');
  attempts[0]!.fail(new Error('down'));
  await settle();
  await Promise.all([loop.stop(), loop.stop()]);
  await loop.stop();
  assert.equal(loop.status().state, 'stopped');
  assert.equal(clock.pending, 0);
});

test('an attempt that fails at once or simply resolves is retried too', async () => {
  const clock = new ManualClock();
  let calls = 0;
  const loop = new SupervisedLoop({
    name: 'flaky',
    log: silentLogger(),
    clock,
    backoff: { initialMs: 10, maxMs: 10, jitter: 0 },
    run: async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
    },
  });
  loop.start();
  await clock.advance(10);
  await clock.advance(10);
  assert.equal(calls, 3);
  assert.equal(loop.status().lastError, 'flaky: ended');
  assert.deepEqual([loop.status().state, loop.status().failures], ['backoff', 3], 'consecutive failures are counted: an attempt that resolves ended too');
  await loop.stop();
});
