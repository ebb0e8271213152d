/** What parse.ts does between YAML and the schema: empty values, x- keys, YAML warnings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const run = (text: string) => parseConfig(text, 'drowse.yaml', {});
const problems = (text: string) => {
  const r = run(text);
  assert.equal(r.ok, false);
  return r.ok ? [] : r.problems.map(formatProblem);
};

test('a YAML warning is passed on with its position', () => {
  const r = run('x-a: !foo bar\n');
  assert.ok(r.ok);
  assert.deepEqual(r.warnings, ['drowse.yaml:1:6: Unresolved tag: !foo']);
});

test('an empty named entry keeps its name so validation can say what it lacks', () => {
  assert.deepEqual(problems('services:\n  a:\n'), ['drowse.yaml:2:3: services.a: a service needs a workload: docker { container } or proxmox { node, vmid }']);
});

test('an empty fixed key means not set, at any depth', () => {
  const r = run('log:\n  level: ~\nservices:\n  a:\n    docker: { container: a }\n    health:\n      exec: [x]\n      timeout:\n');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  assert.equal(r.config.log.level, 'info');
  assert.equal(r.config.services[0]?.health?.timeoutMs, 5000);
});

test('an empty list entry is not dropped: it is a value that is missing', () => {
  assert.deepEqual(problems('services:\n  a: { docker: { container: a }, health: { exec: [x, ~] } }\n'), ['drowse.yaml:2:54: services.a.health.exec.1: expected a string, got nothing']);
});

test('x- keys are ignored only at the top level', () => {
  assert.ok(run('x-anything: { whatever: [1, 2] }\nx-: 1\n').ok);
  assert.deepEqual(problems('log: { x-a: 1 }\n'), ['drowse.yaml:1:8: log.x-a: unknown key "x-a"']);
  assert.deepEqual(problems('xa: 1\n'), ['drowse.yaml:1:1: xa: unknown key "xa"']);
});

test('a __proto__ key stays a key, and is refused as unknown', () => {
  assert.deepEqual(problems('log: { __proto__: { level: debug } }\n'), ['drowse.yaml:1:8: log.__proto__: unknown key "__proto__"']);
});

test('a scalar document that is not null is not called empty', () => {
  assert.deepEqual(problems('0\n'), ['drowse.yaml:1:1: expected a map of settings (key: value) at the top level']);
  assert.deepEqual(problems('""\n'), ['drowse.yaml:1:1: expected a map of settings (key: value) at the top level']);
  assert.deepEqual(problems('~\n'), ['drowse.yaml:1:1: the config file is empty; see config/drowse.example.yaml']);
});

test('a commented file whose document is null has only comments; with a map it is a config', () => {
  assert.deepEqual(problems('# note\n~\n'), ['drowse.yaml:1:1: the config file has only comments, no settings; see config/drowse.example.yaml']);
  assert.ok(run('# note\n{}\n').ok);
});
