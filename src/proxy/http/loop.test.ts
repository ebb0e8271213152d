import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopMarks } from './loop.ts';

test('a mark is live from issue until spent, and never again', () => {
  const marks = new LoopMarks();
  const mark = marks.issue();
  assert.ok(marks.has(mark));
  marks.spend(mark);
  assert.equal(marks.has(mark), false);
  assert.equal(marks.size, 0);
});

test('every forwarded request gets a different mark', () => {
  const marks = new LoopMarks();
  const issued = new Set(Array.from({ length: 100 }, () => marks.issue()));
  assert.equal(issued.size, 100);
});

test('values that were never issued, lists and absent headers are not marks', () => {
  const marks = new LoopMarks();
  const mark = marks.issue();
  assert.equal(marks.has('x'), false);
  assert.equal(marks.has([mark]), false);
  assert.equal(marks.has(undefined), false);
});

test('live marks are bounded: past the bound the oldest goes first', () => {
  const marks = new LoopMarks(2);
  const [a, b, c] = [marks.issue(), marks.issue(), marks.issue()];
  assert.equal(marks.size, 2);
  assert.equal(marks.has(a), false);
  assert.ok(marks.has(b) && marks.has(c));
});
