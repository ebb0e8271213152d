/** The shape of the YAML tree (structure.ts): duplicate keys, keys that are not names, nesting depth. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCounter, parseDocument } from 'yaml';
import { formatProblem, parseConfig } from './index.ts';
import { structureProblems } from './structure.ts';

/** The problems structure.ts finds, printed, for text the YAML parser accepted. */
function shape(text: string): string[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, merge: true });
  assert.deepEqual(doc.errors, []);
  return structureProblems(doc, lines, 'drowse.yaml').map(formatProblem);
}

/** `x-a:` followed by `depth` nested flow lists: the top map is level 1, the outer list level 2. */
const nested = (depth: number) => `x-a: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;

test('an empty document or a lone scalar has no structure problems', () => {
  assert.deepEqual(shape(''), []);
  assert.deepEqual(shape('hello\n'), []);
  assert.deepEqual(shape('a: 1\nb: [1, {c: 2}]\n'), []);
});

test('nesting of exactly 64 levels is accepted; 65 is refused at the first node too deep', () => {
  assert.deepEqual(shape(nested(63)), []);
  assert.deepEqual(shape(nested(64)), ['drowse.yaml:1:69: the config nests deeper than 64 levels']);
  assert.equal(parseConfig(nested(63), 'drowse.yaml', {}).ok, true);
});

test('a document too deep in several places is reported once', () => {
  assert.deepEqual(shape(`${nested(70)}x-b: ${'['.repeat(70)}${']'.repeat(70)}\n`), ['drowse.yaml:1:69: the config nests deeper than 64 levels']);
});

test('maps count as levels as lists do', () => {
  const deepMaps = `x-a: ${'{a: '.repeat(64)}1${'}'.repeat(64)}\n`;
  assert.deepEqual(shape(deepMaps), ['drowse.yaml:1:258: the config nests deeper than 64 levels']);
  assert.deepEqual(shape(`x-a: ${'{a: '.repeat(63)}1${'}'.repeat(63)}\n`), []);
});

test('a duplicate key is reported at the second one with its dotted path and the first line', () => {
  assert.deepEqual(shape('a: 1\nb: 2\na: 3\n'), ['drowse.yaml:3:1: a: duplicate key "a" (first at line 1)']);
  assert.deepEqual(shape('s:\n  x:\n    k: 1\n    k: 2\n'), ['drowse.yaml:4:5: s.x.k: duplicate key "k" (first at line 3)']);
});

test('a duplicate key inside a list entry has the index in its path', () => {
  assert.deepEqual(shape('l:\n  - a: 1\n  - b: 1\n    b: 2\n'), ['drowse.yaml:4:5: l.1.b: duplicate key "b" (first at line 3)']);
});

test('keys that read alike are duplicates: 1 and "1", true and "true"', () => {
  assert.deepEqual(shape('m:\n  1: a\n  "1": b\n'), ['drowse.yaml:3:3: m.1: duplicate key "1" (first at line 2)']);
  assert.deepEqual(shape('m: { true: a, "true": b }\n'), ['drowse.yaml:1:15: m.true: duplicate key "true" (first at line 1)']);
});

test('a key used three times is reported twice, each against the first', () => {
  assert.deepEqual(shape('a: 1\na: 2\na: 3\n'), ['drowse.yaml:2:1: a: duplicate key "a" (first at line 1)', 'drowse.yaml:3:1: a: duplicate key "a" (first at line 1)']);
});

test('the same key in different maps is not a duplicate', () => {
  assert.deepEqual(shape('a: { k: 1 }\nb: { k: 1 }\nl: [{ k: 1 }, { k: 2 }]\n'), []);
});

test('merge keys may repeat, as the YAML library itself allows', () => {
  assert.deepEqual(shape('x-a: &a { p: 1 }\nx-b: &b { q: 1 }\nc:\n  <<: *a\n  <<: *b\n'), []);
});

test('a service may merge two shared blocks with two merge keys', () => {
  const result = parseConfig('x-a: &a { stop_method: kill }\nx-b: &b { loading_page: false }\nservices:\n  app:\n    <<: *a\n    <<: *b\n    docker: { container: app }\n', 'drowse.yaml', {});
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual([result.config.services[0]?.stopMethod, result.config.services[0]?.loadingPage], ['kill', false]);
});

test('a duplicate key inside a merged map literal is named by the merge key', () => {
  assert.deepEqual(shape('c:\n  <<: { p: 1, p: 2 }\n'), ['drowse.yaml:2:15: c.<<.p: duplicate key "p" (first at line 2)']);
});

test('a key that is a list or a map is refused at the key, and the rest of the map is still checked', () => {
  assert.deepEqual(shape('? [a, b]\n: 1\n'), ['drowse.yaml:1:3: a key must be a name, not a list or map']);
  assert.deepEqual(shape('s:\n  ? { a: 1 }\n  : 1\n  k: 1\n  k: 2\n'), [
    'drowse.yaml:2:5: s: a key must be a name, not a list or map',
    'drowse.yaml:5:3: s.k: duplicate key "k" (first at line 4)',
  ]);
});

test('problems come out in file order across maps and lists', () => {
  assert.deepEqual(shape('a: { k: 1, k: 2 }\nb:\n  - { j: 1, j: 2 }\nc: { i: 1, i: 2 }\n'), [
    'drowse.yaml:1:12: a.k: duplicate key "k" (first at line 1)',
    'drowse.yaml:3:13: b.0.j: duplicate key "j" (first at line 3)',
    'drowse.yaml:4:12: c.i: duplicate key "i" (first at line 4)',
  ]);
});

test('values below a duplicate key are checked too', () => {
  assert.deepEqual(shape('a: 1\na: { k: 1, k: 2 }\n'), ['drowse.yaml:2:1: a: duplicate key "a" (first at line 1)', 'drowse.yaml:2:12: a.k: duplicate key "k" (first at line 2)']);
});

test('a config with a duplicate key is refused before validation, with only that problem', () => {
  const result = parseConfig('log: { level: info }\nlog: { level: nope }\nbogus: 1\n', 'drowse.yaml', {});
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.problems.map(formatProblem), ['drowse.yaml:2:1: log: duplicate key "log" (first at line 1)']);
});
