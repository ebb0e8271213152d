import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReleaseGate } from './release.ts';

const open = () => new AbortController().signal;

test('the first requests go at once, up to the initial window; the rest wait in order', async () => {
  const gate = new ReleaseGate(2);
  const order: number[] = [];
  const leaves = await Promise.all([gate.enter(open()), gate.enter(open())]);
  const waiting = [3, 4, 5].map((n) => gate.enter(open()).then((leave) => (order.push(n), leave)));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(gate.load, { active: 2, waiting: 3, window: 2 });
  leaves[0]?.();
  const [third, fourth] = await Promise.all([waiting[0], waiting[1]]);
  assert.deepEqual(order, [3, 4], 'one answer frees its place and grows the window by one: two go');
  assert.deepEqual(gate.load, { active: 3, waiting: 1, window: 3 });
  third?.();
  fourth?.();
  await waiting[2];
  assert.deepEqual(order, [3, 4, 5]);
});

test('each answer grows the window by one, so it doubles per round trip', async () => {
  const gate = new ReleaseGate(4);
  const round = await Promise.all(Array.from({ length: 4 }, () => gate.enter(open())));
  for (const leave of round) leave();
  assert.equal(gate.load.window, 8);
});

test('a request that ended unanswered frees its place without growing the window', async () => {
  const gate = new ReleaseGate(1);
  const leave = await gate.enter(open());
  const next = gate.enter(open());
  leave(false);
  await next;
  assert.deepEqual(gate.load, { active: 1, waiting: 0, window: 1 });
});

test('leaving twice counts once', async () => {
  const gate = new ReleaseGate(1);
  const leave = await gate.enter(open());
  leave();
  leave();
  assert.deepEqual(gate.load, { active: 0, waiting: 0, window: 2 });
});

test('a waiting request whose signal ends leaves the queue with the reason; the gate says when it is empty', async () => {
  let drained = 0;
  const gate = new ReleaseGate(1, () => drained++);
  const first = await gate.enter(open());
  const ac = new AbortController();
  const waiting = gate.enter(ac.signal);
  ac.abort(new Error('client went away'));
  await assert.rejects(waiting, /client went away/);
  assert.deepEqual(gate.load, { active: 1, waiting: 0, window: 1 });
  assert.equal(drained, 0, 'one still active');
  first();
  assert.equal(drained, 1);
  assert.throws(() => gate.enter(ac.signal), /client went away/, 'an ended signal does not enter');
});
