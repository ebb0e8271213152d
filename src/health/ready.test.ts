import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { GiveUpError, waitUntilReady, type PollOptions } from './ready.ts';
import { ProbeError, type Probe } from './probe.ts';

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(() => assert.fail('expected a rejection'), (e: unknown) => e as Error);
}

/** A probe that fails `failures` times, then passes; it records when it was called. */
function flaky(failures: number): Probe & { calls: number[] } {
  const calls: number[] = [];
  const probe = async () => {
    calls.push(performance.now());
    if (calls.length <= failures) throw new ProbeError(`not yet (${calls.length})`);
  };
  return Object.assign(probe, { calls });
}

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('resolves at the first probe that passes, polling again after each failure', async () => {
  const probe = flaky(3);
  await waitUntilReady(probe, new AbortController().signal, { initialMs: 1, maxMs: 5, factor: 2 });
  assert.equal(probe.calls.length, 4);
});

test('the poll slows down by its factor and never beyond maxMs', async () => {
  // 5, 10, 20, 40, 80 ms: about 6 tries in 300 ms. Not growing would be ~60; jumping to maxMs at once, 2.
  const growing = flaky(Infinity);
  const stop = AbortSignal.timeout(300);
  await assert.rejects(waitUntilReady(growing, stop, { initialMs: 5, maxMs: 10_000, factor: 2 }));
  assert.ok(growing.calls.length >= 4 && growing.calls.length <= 10, `${growing.calls.length} tries`);
  // Capped at 5 ms from the start: many tries.
  const capped = flaky(Infinity);
  await assert.rejects(waitUntilReady(capped, AbortSignal.timeout(300), { initialMs: 5, maxMs: 5, factor: 10 }));
  assert.ok(capped.calls.length >= 15, `${capped.calls.length} tries`);
});

test('a refused connection is asked again at the first interval, without backing off; other failures back off', async () => {
  const refusedProbe = Object.assign(async () => {
    refusedProbe.calls.push(performance.now());
    throw new ProbeError('tcp 127.0.0.1:1: connection refused', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
  }, { calls: [] as number[] });
  await assert.rejects(waitUntilReady(refusedProbe, AbortSignal.timeout(300), { initialMs: 10, maxMs: 10_000, factor: 4 }));
  // Backing off by 4 from 10 ms gives 10, 40, 160: about 4 tries. Not backing off: about 30.
  assert.ok(refusedProbe.calls.length >= 12, `${refusedProbe.calls.length} tries`);
  const slow = flaky(Infinity);
  await assert.rejects(waitUntilReady(slow, AbortSignal.timeout(300), { initialMs: 10, maxMs: 10_000, factor: 4 }));
  assert.ok(slow.calls.length <= 6, `${slow.calls.length} tries`);
});

test('the default poll starts at tens of milliseconds and backs off', async () => {
  const probe = flaky(Infinity);
  await assert.rejects(waitUntilReady(probe, AbortSignal.timeout(400)));
  assert.ok(probe.calls.length >= 2 && probe.calls.length <= 9, `${probe.calls.length} tries`);
});

test('an aborted wait rejects with the abort reason, carrying the last probe failure as a hidden cause', async () => {
  const abort = new AbortController();
  const deadline = new Error('wake timed out after 50ms');
  setTimeout(() => abort.abort(deadline), 50);
  const err = await waitUntilReady(flaky(Infinity), abort.signal, { initialMs: 5, maxMs: 5, factor: 1 }).then(() => undefined, (e: unknown) => e);
  assert.equal(err, deadline);
  assert.ok(deadline.cause instanceof ProbeError);
  assert.match((deadline.cause as Error).message, /^not yet/);
  assert.equal(Object.prototype.propertyIsEnumerable.call(deadline, 'cause'), false, 'the cause does not show in JSON or logs of the reason');
});

test('a reason that has a cause of its own keeps it', async () => {
  const abort = new AbortController();
  const reason = new Error('shutting down', { cause: 'SIGTERM' });
  setTimeout(() => abort.abort(reason), 30);
  await assert.rejects(waitUntilReady(flaky(Infinity), abort.signal, { initialMs: 5, maxMs: 5, factor: 1 }), (e) => e === reason);
  assert.equal(reason.cause, 'SIGTERM');
});

test('a reason that is not an Error is passed through as it is', async () => {
  const abort = new AbortController();
  setTimeout(() => abort.abort('deadline'), 30);
  await assert.rejects(waitUntilReady(flaky(Infinity), abort.signal, { initialMs: 5, maxMs: 5, factor: 1 }), (e) => e === 'deadline');
});

test('a wait aborted before it starts rejects without probing and without inventing a cause', async () => {
  const abort = new AbortController();
  const reason = new Error('gone');
  abort.abort(reason);
  const probe = flaky(0);
  await assert.rejects(waitUntilReady(probe, abort.signal), (e) => e === reason);
  assert.equal(probe.calls.length, 0);
  assert.equal(Object.hasOwn(reason, 'cause'), false);
});

test('a deadline passed during a probe ends the wait at once, not after the next pause', async () => {
  const abort = new AbortController();
  const probe: Probe = async () => {
    abort.abort(new Error('deadline'));
    throw new ProbeError('refused');
  };
  const started = performance.now();
  await assert.rejects(waitUntilReady(probe, abort.signal, { initialMs: 10_000, maxMs: 10_000, factor: 1 }), /deadline/);
  assert.ok(performance.now() - started < 1000);
});

test('a deadline during the pause between probes ends the wait at once', async () => {
  const abort = new AbortController();
  setTimeout(() => abort.abort(new Error('deadline')), 30);
  const started = performance.now();
  await assert.rejects(waitUntilReady(flaky(Infinity), abort.signal, { initialMs: 10_000, maxMs: 10_000, factor: 1 }), /deadline/);
  assert.ok(performance.now() - started < 1000);
});

test('a nudge ends the pause early: news (a health event) is checked at once', async () => {
  const nudges = new EventTarget();
  const probe = flaky(1);
  const slow: PollOptions = { initialMs: 10_000, maxMs: 10_000, factor: 1 };
  const before = timeouts();
  setTimeout(() => nudges.dispatchEvent(new Event('nudge')), 30);
  const started = performance.now();
  await waitUntilReady(probe, new AbortController().signal, slow, nudges);
  assert.ok(performance.now() - started < 1000, 'woken by the nudge, not the 10 s pause');
  assert.equal(timeouts(), before, 'the pause timer is cleared, not left to fire later');
});

test('a finished wait leaves no listener on the signal or the nudges', async () => {
  const signal = new AbortController().signal;
  const nudges = new EventTarget();
  await waitUntilReady(flaky(12), signal, { initialMs: 1, maxMs: 1, factor: 1 }, nudges);
  assert.equal(getEventListeners(signal, 'abort').length, 0);
  assert.equal(getEventListeners(nudges, 'nudge').length, 0);
});

test('a GiveUpError stops the wait at once: waiting longer cannot help', async () => {
  let calls = 0;
  const probe: Probe = async () => {
    calls++;
    throw new GiveUpError('the container exited with code 3');
  };
  const err = await rejection(waitUntilReady(probe, new AbortController().signal, { initialMs: 1, maxMs: 1, factor: 1 }));
  assert.equal(calls, 1);
  assert.equal(err.name, 'GiveUpError');
  assert.equal(err.message, 'the container exited with code 3');
});

test('a refused connection is asked again after refusedMs when given, sooner than the first interval', async () => {
  const calls: number[] = [];
  const refusing = async () => {
    calls.push(performance.now());
    throw new ProbeError('tcp 127.0.0.1:1: connection refused', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
  };
  await assert.rejects(waitUntilReady(refusing, AbortSignal.timeout(300), { initialMs: 100, maxMs: 10_000, factor: 4, refusedMs: 5 }));
  // 100 ms apart (initialMs) would be at most 4 tries; 5 ms apart is dozens even on a busy machine.
  assert.ok(calls.length >= 15, `${calls.length} tries`);
  calls.length = 0;
  await assert.rejects(waitUntilReady(refusing, AbortSignal.timeout(300)));
  // The default's first interval is 25 ms: at most 12 tries in 300 ms unless refusals are asked sooner.
  assert.ok(calls.length >= 15, `the default poll: ${calls.length} tries`);
});
