import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';
import { closest } from './suggest.ts';

const problems = (text: string) => {
  const r = parseConfig(text, 'drowse.yaml', {});
  return r.ok ? [] : r.problems.map(formatProblem);
};

test('a key known in one place is unknown in another', () => {
  assert.deepEqual(problems('defaults:\n  proxmox: 1\n'), ['drowse.yaml:2:3: defaults.proxmox: unknown key "proxmox"']);
  assert.deepEqual(problems('defaults:\n  event_log: 1\n'), ['drowse.yaml:2:3: defaults.event_log: unknown key "event_log"']);
  assert.deepEqual(problems('services:\n  app:\n    docker: { container: app }\n    event_log: 1\n'), ['drowse.yaml:4:5: services.app.event_log: unknown key "event_log"']);
});

test('a value of the wrong type says what was expected and what was found, in YAML words', () => {
  assert.deepEqual(problems('services:\n  app:\n    docker: { container: 5 }\n'), ['drowse.yaml:3:26: services.app.docker.container: expected a string, got 5']);
  assert.deepEqual(problems('services:\n  app:\n    docker: [1]\n'), ['drowse.yaml:3:13: services.app.docker: expected a map, got a list']);
  assert.deepEqual(problems('services:\n  app:\n    docker: text\n'), ['drowse.yaml:3:13: services.app.docker: expected a map, got "text"']);
});

test('a misspelt key is matched to the nearest known one within two edits, case ignored', () => {
  const known = ['idle_timeout', 'wake_timeout', 'depends_on', 'http', 'tcp'];
  assert.equal(closest('idle_timout', known), 'idle_timeout');
  assert.equal(closest('IDLE_TIMEOUT', known), 'idle_timeout');
  assert.equal(closest('wake_timeotu', known), 'wake_timeout');
  assert.equal(closest('htp', known), 'http');
  assert.equal(closest('tpc', known), 'tcp');
  assert.equal(closest('depends', known), undefined, 'three edits away is too far');
  assert.equal(closest('colour', known), undefined);
  assert.equal(closest('tcpx', ['tcp', 'tcpxy']), 'tcp', 'the first of equally near words wins');
  assert.equal(closest('abc', []), undefined);
});
