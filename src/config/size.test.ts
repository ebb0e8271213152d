import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize, tryParseSize } from './size.ts';

test('sizes read decimal and binary units, case ignored', () => {
  const cases: Array<[string, number]> = [
    ['512B', 512],
    ['1KB', 1000],
    ['10MB', 10_000_000],
    ['1GB', 1e9],
    ['1KiB', 1024],
    ['2MiB', 2 * 1024 * 1024],
    ['1gib', 1024 ** 3],
    ['10 mb', 10_000_000],
  ];
  for (const [text, bytes] of cases) assert.equal(parseSize(text), bytes, text);
});

test('a bare number, a fraction or an unknown unit is not a size', () => {
  for (const text of ['10', '1.5MB', '10TB', 'MB', '', '-1MB']) assert.equal(tryParseSize(text), undefined, text);
  assert.throws(() => parseSize('10'), /expected a size like/);
});
