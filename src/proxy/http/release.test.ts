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

/** A gate on a clock the test moves. */
function clocked(initial: number) {
  let t = 0;
  const gate = new ReleaseGate(initial, () => undefined, () => t);
  return { gate, at: (ms: number) => void (t = ms) };
}

test('an answer much later than the fastest (a SYN the app dropped, retried a second later) halves the window', async () => {
  const { gate, at } = clocked(4);
  const first = await Promise.all(Array.from({ length: 4 }, () => gate.enter(open())));
  at(10);
  first[0]!();
  assert.equal(gate.load.window, 5, 'a fast answer: slow start');
  at(1_010);
  first[1]!();
  assert.equal(gate.load.window, 4, 'a late one: half of 5, never below the initial window');
});

test('a late answer is one that took 4 times the fastest and at least 250 ms', async () => {
  const { gate, at } = clocked(8);
  const sent = await Promise.all(Array.from({ length: 3 }, () => gate.enter(open())));
  at(100);
  sent[0]!();
  at(249);
  sent[1]!();
  assert.equal(gate.load.window, 10, '249 ms is under the floor: still growing');
  const more = await Promise.all(Array.from({ length: 2 }, () => gate.enter(open())));
  at(399);
  sent[2]!();
  assert.equal(gate.load.window, 11, '399 ms is under 4 × 100 ms');
  at(400 + 400);
  more[0]!();
  assert.equal(gate.load.window, 8, 'sent at 249, answered at 800: 551 ms ≥ 400 ms; halved to 5, floored at the initial 8');
});

test('the window is cut once per round: late answers to requests sent before the cut do not cut it again', async () => {
  const { gate, at } = clocked(16);
  const burst = await Promise.all(Array.from({ length: 16 }, () => gate.enter(open())));
  at(5);
  burst[0]!();
  for (let i = 0; i < 31; i++) (await gate.enter(open()))();
  assert.equal(gate.load.window, 48, 'fast answers grew it: 17 + 31');
  at(2_000);
  for (const leave of burst.slice(1, 8)) leave();
  assert.equal(gate.load.window, 24, 'seven late answers from one burst: one cut, 48 → 24');
  const after = await gate.enter(open());
  at(4_000);
  after();
  assert.equal(gate.load.window, 16, 'a late answer to a request sent after the cut cuts again (24 → 12, floored at 16)');
});

test('after a cut the window grows by one per window of answers, not one per answer', async () => {
  const { gate, at } = clocked(4);
  const sent = await Promise.all(Array.from({ length: 4 }, () => gate.enter(open())));
  at(10);
  sent[0]!();
  for (let i = 0; i < 11; i++) (await gate.enter(open()))();
  assert.equal(gate.load.window, 16);
  at(2_000);
  sent[1]!();
  assert.equal(gate.load.window, 8);
  for (let i = 0; i < 7; i++) (await gate.enter(open()))();
  assert.equal(gate.load.window, 8, 'seven answers: not yet a window of them');
  (await gate.enter(open()))();
  assert.equal(gate.load.window, 9, 'the eighth: one more');
});
