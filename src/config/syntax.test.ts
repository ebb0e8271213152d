import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const problems = (text: string) => {
  const r = parseConfig(text, 'drowse.yaml', { A: 'a', C: 'c' });
  return r.ok ? [] : r.problems.map(formatProblem);
};

test('a first syntax error is reported even when the parser words it as "in YAML stream"', () => {
  assert.deepEqual(problems('a: 1\n]\n'), ['drowse.yaml:2:1: Unexpected flow-seq-end token in YAML stream: "]"']);
});

test('the echoes of a first syntax error are dropped: one problem, where to fix it', () => {
  assert.deepEqual(problems('a: 1\n]\nb: [\n'), ['drowse.yaml:2:1: Unexpected flow-seq-end token in YAML stream: "]"']);
});

test('the quoting hint is given only for an unquoted ${...} inside { } or [ ] on the line of the error', () => {
  assert.deepEqual(problems('services:\n  app: { docker: { container: ${C} } }\n'), ['drowse.yaml:2:32: Unexpected flow-map-start at node end (put values that use ${...} inside { } or [ ] in quotes)']);
  assert.deepEqual(problems('note: "{${A}"\nservices:\n  x: [a\n'), ['drowse.yaml:4:1: Flow sequence in block collection must be sufficiently indented and end with a ]'], 'another line\'s ${...} earns no hint');
  assert.deepEqual(problems('a: {b: 1\nc: 2\n'), ['drowse.yaml:2:1: Flow map in block collection must be sufficiently indented and end with a }']);
});

test('no quoting hint for a ${...} already in quotes, or a $ that starts no reference; a [ ] earns it like { }', () => {
  const error = (at: number, token: string) => `drowse.yaml:2:${at}: Unexpected flow-map-end token in YAML stream: "${token}"`;
  assert.deepEqual(problems('services:\n  app: { docker: { container: "${C}" } } }\n'), [error(42, '}')]);
  assert.deepEqual(problems("services:\n  app: { docker: { container: '${C}' } } }\n"), [error(42, '}')]);
  assert.deepEqual(problems('services:\n  app: { docker: { container: $C } } }\n'), [error(38, '}')]);
  assert.deepEqual(problems('services:\n  app: [ ${C} ] ]\n'), ['drowse.yaml:2:11: Missing , or : between flow sequence items (put values that use ${...} inside { } or [ ] in quotes)']);
});
