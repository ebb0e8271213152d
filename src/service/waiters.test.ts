import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Waiters } from './waiters.ts';

test('every waiter is released at once, and the set is empty after', async () => {
  const w = new Waiters();
  const all = [w.wait(), w.wait(), w.wait()];
  assert.equal(w.size, 3);
  w.release();
  await Promise.all(all);
  assert.equal(w.size, 0);
});

test('every waiter gets the failure', async () => {
  const w = new Waiters();
  const all = [w.wait(), w.wait()];
  const err = new Error('boom');
  w.fail(err);
  for (const p of all) await assert.rejects(p, (e) => e === err);
  assert.equal(w.size, 0);
});

test('a waiter that gives up leaves with its reason and the others keep waiting', async () => {
  const w = new Waiters();
  const ac = new AbortController();
  const leaving = w.wait(ac.signal);
  const staying = w.wait();
  ac.abort(new Error('client left'));
  await assert.rejects(leaving, /client left/);
  assert.equal(w.size, 1);
  w.release();
  await staying;
  await assert.rejects(w.wait(AbortSignal.abort(new Error('already gone'))), /already gone/);
  assert.equal(w.size, 0, 'an aborted signal adds no waiter');
});
