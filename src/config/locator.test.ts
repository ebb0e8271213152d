// The locator on its own: each finding's path walked through a parsed YAML document to a line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCounter, parseDocument } from 'yaml';
import { createLocator, type Finding } from './positions.ts';

function locator(text: string) {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  return createLocator(doc, lines, 'f.yaml');
}
const at = (text: string, path: Finding['path'], where?: 'key' | 'value') => {
  const p = locator(text).problem({ path, message: 'm', ...(where ? { at: where } : {}) });
  return `${p.line}:${p.col}`;
};

const cases: [name: string, text: string, path: Finding['path'], where: 'key' | 'value' | undefined, expected: string][] = [
  ['a value is found at the value', 'a:\n  b: 5\n', ['a', 'b'], undefined, '2:6'],
  ['at: key points at the key', 'a:\n  b: 5\n', ['a', 'b'], 'key', '2:3'],
  ['at: value is the default', 'a:\n  b: 5\n', ['a', 'b'], 'value', '2:6'],
  ['an empty value (nothing written) points at its key', 'a:\n  b:\n', ['a', 'b'], undefined, '2:3'],
  ['an explicit null is written there: it points at the null', 'a:\n  b: null\n', ['a', 'b'], undefined, '2:6'],
  ['a ~ is written too', 'a:\n  b: ~\n', ['a', 'b'], undefined, '2:6'],
  ['a missing key points at the parent that lacks it', 'a:\n  b: 5\n', ['a', 'c'], undefined, '1:1'],
  ['a missing key below a present one points at the deepest present key', 'a:\n  b:\n    c: 1\n', ['a', 'b', 'x', 'y'], undefined, '2:3'],
  ['a list entry is found by its index', 'a: [x, y, z]\n', ['a', 2], undefined, '1:11'],
  ['a list entry past the end points at the list\'s key', 'a:\n  - x\n', ['a', 5], undefined, '1:1'],
  ['a map inside a list is walked into', 'a:\n  - { b: 1 }\n  - { b: 2 }\n', ['a', 1, 'b'], undefined, '3:10'],
  ['a path through a scalar stops at it', 'a: 5\n', ['a', 'b'], undefined, '1:1'],
  ['an alias is resolved to its anchor', 'x: &x { b: 7 }\na: *x\n', ['a', 'b'], undefined, '1:12'],
  ['the first of two equal keys is the one meant', 'a: 1\na: 2\n', ['a'], undefined, '1:4'],
  ['a numeric key is found by its text', '8080: x\n', ['8080'], undefined, '1:7'],
  ['an empty path is the document', 'a: 1\n', [], undefined, '1:1'],
  ['an empty document is line 1, column 1', '', ['a'], undefined, '1:1'],
];

for (const [name, text, path, where, expected] of cases) {
  test(`locator: ${name}`, () => {
    assert.equal(at(text, path, where), expected);
  });
}

test('a problem carries its file, its dotted path and its message; a warning is the formatted line', () => {
  const l = locator('a:\n  - b: 1\n');
  assert.deepEqual(l.problem({ path: ['a', 0, 'b'], message: 'too small' }), { file: 'f.yaml', line: 2, col: 8, path: 'a.0.b', message: 'too small' });
  assert.equal(l.warning({ path: ['a', 0, 'b'], message: 'too small', at: 'key' }), 'f.yaml:2:5: a.0.b: too small');
});

test('keys are looked up in the map they are in, however often it is asked', () => {
  const l = locator('a:\n  b: 1\n  c: 2\nd:\n  b: 3\n');
  assert.equal(l.problem({ path: ['a', 'c'], message: 'm' }).line, 3);
  assert.equal(l.problem({ path: ['a', 'b'], message: 'm' }).line, 2);
  assert.equal(l.problem({ path: ['d', 'b'], message: 'm' }).line, 5, 'a second map has its own keys');
  assert.equal(l.problem({ path: ['a', 'c'], message: 'm' }).line, 3, 'asked again');
});

test('a map with a key that is itself a map or list skips it, and finds the plain keys', () => {
  assert.equal(at('? [x, y]\n: 1\nb: 2\n', ['b']), '3:4');
  assert.equal(at('? [x, y]\n: 1\nb: 2\n', ['x,y']), '1:1', 'a list key is never matched by its text');
});
