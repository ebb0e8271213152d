import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const problems = (text: string) => {
  const r = parseConfig(text, 'drowse.yaml', {});
  return r.ok ? [] : r.problems.map(formatProblem);
};

test('a problem inside an alias points at the anchored value it came from', () => {
  assert.deepEqual(problems('base: &b { container: 5 }\nservices:\n  app:\n    docker: *b\n'), [
    'drowse.yaml:1:1: base: unknown key "base"',
    'drowse.yaml:1:23: services.app.docker.container: expected a string, got 5',
  ]);
});

test('a problem in a list points at the entry itself', () => {
  assert.deepEqual(problems('services:\n  app:\n    docker: { container: app }\n    http: { host: [a.lan, ""], target: "http://127.0.0.1:1" }\n'), [
    'drowse.yaml:4:27: services.app.http.host.1: expected a host name like app.lan or *.app.lan',
  ]);
});

test('an empty value is reported where its key is, since that is where the user must write', () => {
  assert.deepEqual(problems('services:\n  app:\n    docker:\n'), ['drowse.yaml:2:3: services.app: a service needs a workload: docker { container } or proxmox { node, vmid }']);
});
