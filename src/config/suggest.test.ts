/** Did-you-mean (suggest.ts): the nearest known name within a number of typos. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest } from './suggest.ts';

/** The edit distance closest() sees between a and b: the least budget at which b is suggested. */
function distance(a: string, b: string): number {
  for (let d = 0; d <= 20; d++) if (closest(a, [b], d) === b) return d;
  return Infinity;
}

test('each insert, delete or substitution is one edit', () => {
  assert.equal(distance('abc', 'abc'), 0);
  assert.equal(distance('abc', 'abcd'), 1);
  assert.equal(distance('abcd', 'abc'), 1);
  assert.equal(distance('abc', 'axc'), 1);
  assert.equal(distance('kitten', 'sitting'), 3);
  assert.equal(distance('', 'abc'), 3);
  assert.equal(distance('abc', ''), 3);
  assert.equal(distance('flaw', 'lawn'), 2);
  assert.equal(distance('sunday', 'saturday'), 3);
});

test('two neighbours swapped are one typo, not two', () => {
  assert.equal(distance('ab', 'ba'), 1);
  assert.equal(distance('abc', 'acb'), 1);
  assert.equal(distance('abc', 'bac'), 1);
  assert.equal(distance('abcd', 'badc'), 2);
  assert.equal(distance('servcie', 'service'), 1);
  // Not neighbours: a swap across a letter is two substitutions.
  assert.equal(distance('abc', 'cba'), 2);
  // A swapped pair is not edited again (optimal string alignment).
  assert.equal(distance('ca', 'abc'), 3);
});

test('case is ignored when comparing, and the known spelling is returned', () => {
  assert.equal(closest('SERVICES', ['services']), 'services');
  assert.equal(closest('sigterm', ['SIGTERM'], 0), 'SIGTERM');
});

test('within two edits by default; three is too far', () => {
  assert.equal(closest('abxx', ['abcd']), 'abcd');
  assert.equal(closest('axxx', ['abcd']), undefined);
  assert.equal(closest('axxx', ['abcd'], 3), 'abcd');
});

test('the nearest known word wins, and the first of equally near ones', () => {
  assert.equal(closest('servics', ['serve', 'services', 'service']), 'services');
  assert.equal(closest('cat', ['bat', 'rat']), 'bat');
  assert.equal(closest('cat', ['rat', 'bat']), 'rat');
  assert.equal(closest('cat', ['cats', 'cut', 'ca']), 'cats');
});

test('nothing known, nothing suggested', () => {
  assert.equal(closest('anything', []), undefined);
  assert.equal(closest('', ['a', 'bb', 'ccc'], 0), undefined);
  assert.equal(closest('', ['ccc', 'a']), 'a');
});
