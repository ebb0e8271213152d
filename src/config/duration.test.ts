import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs, parseDuration, tryParseDuration } from './duration.ts';

const valid: Array<[string, number]> = [
  ['500ms', 500],
  ['30s', 30_000],
  ['15m', 900_000],
  ['2h', 7_200_000],
  ['1h30m', 5_400_000],
  ['1m30s500ms', 90_500],
  ['1.5s', 1500],
  ['7d', 604_800_000],
  ['30d', 2_592_000_000],
  ['1.5h', 5_400_000],
  ['0.4ms', 0],
  ['0s', 0],
];

for (const [text, ms] of valid) {
  test(`duration "${text}" is ${ms} ms`, () => {
    assert.equal(parseDuration(text), ms);
  });
}

const invalid = ['', '30', '0', 's', '30 s', '30S', '1h 30m', '-5s', '5x', '5sec', 'abc', '1.s', '.5s', 'm5'];

for (const text of invalid) {
  test(`duration "${text}" is rejected`, () => {
    assert.equal(tryParseDuration(text), undefined);
    assert.throws(() => parseDuration(text), /expected a duration like 30s or 15m/);
  });
}

test('a duration whose digits overflow is not a number of milliseconds', () => {
  const text = `${'9'.repeat(400)}h`;
  assert.equal(durationMs(text), Number.POSITIVE_INFINITY);
  assert.equal(tryParseDuration(text), undefined);
  assert.ok(Number.isNaN(durationMs('soon')));
});
