/** How resolve() fills DrowseConfig from what the file leaves out or writes in short forms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_WAKE_DENY, formatProblem, parseConfig } from './index.ts';

function config(yaml: string) {
  const result = parseConfig(yaml, 'drowse.yaml', {});
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.map(formatProblem)));
  return { ...result.config, warnings: result.warnings };
}
const BUILTIN = BUILTIN_WAKE_DENY.map((d) => d.toLowerCase());

test('a start_endpoint written as one path is a list of that path', () => {
  const c = config('services:\n  a: { docker: { container: a }, start_endpoint: /wake/now }\n');
  assert.deepEqual(c.services[0]?.startEndpoints, ['/wake/now']);
});

test('an empty token counts as no token: no warning, nothing in control', () => {
  const c = config('control: { token: "" }\n');
  assert.deepEqual(c.control, {});
  assert.deepEqual(c.warnings, []);
  assert.equal(c.secrets, undefined);
});

test('a workload without a provider gets the first provider in file order, not in name order', () => {
  const c = config('providers:\n  docker:\n    zeta: {}\n    alpha: {}\nservices:\n  a: { docker: { container: web } }\n  b: { docker: { container: web, provider: alpha } }\n');
  assert.deepEqual(c.services.map((s) => s.workload), [{ provider: 'zeta', id: 'web' }, { provider: 'alpha', id: 'web' }]);
});

test('a provider with a url has no socket, and keeps labels and network as written', () => {
  const c = config('providers:\n  docker:\n    nas: { url: "tcp://nas:2376", labels: true, network: web }\n');
  assert.equal(c.providers.docker[0]?.socket, undefined);
  assert.equal(c.providers.docker[0]?.url, 'tcp://nas:2376');
  assert.equal(c.providers.docker[0]?.tls, undefined);
  assert.equal(c.providers.docker[0]?.labels, true);
  assert.equal(c.providers.docker[0]?.network, 'web');
  assert.deepEqual(c.warnings, []);
});

test('wake_filter: a service that sets only deny keeps the built-in list and the default allow', () => {
  const c = config('defaults:\n  wake_filter: { deny: [Default-Bot], allow: [Friend] }\nservices:\n  a: { docker: { container: a }, wake_filter: { deny: [Own-Bot] } }\n');
  assert.deepEqual(c.services[0]?.wakeFilter, { deny: [...BUILTIN, 'own-bot'], allow: ['friend'] });
});

test('wake_filter: a service that sets only allow keeps the default deny', () => {
  const c = config('defaults:\n  wake_filter: { builtin_deny: false, deny: [Default-Bot] }\nservices:\n  a: { docker: { container: a }, wake_filter: { allow: [X, x] } }\n');
  assert.deepEqual(c.services[0]?.wakeFilter, { deny: ['default-bot'], allow: ['x'] });
});

test('wake_filter: a service may turn the built-in list off and keep the default deny', () => {
  const c = config('defaults:\n  wake_filter: { deny: [Default-Bot] }\nservices:\n  a: { docker: { container: a }, wake_filter: { builtin_deny: false } }\n');
  assert.deepEqual(c.services[0]?.wakeFilter, { deny: ['default-bot'], allow: [] });
});

test('wake_filter: an empty service filter is the default one', () => {
  const c = config('defaults:\n  wake_filter: { builtin_deny: false, deny: [A], allow: [B] }\nservices:\n  a: { docker: { container: a }, wake_filter: {} }\n  b: { docker: { container: b } }\n');
  assert.deepEqual(c.services.map((s) => s.wakeFilter), [{ deny: ['a'], allow: ['b'] }, { deny: ['a'], allow: ['b'] }]);
});

test('a service with a tcp route and an http route gets both', () => {
  const c = config('services:\n  a:\n    docker: { container: a }\n    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    tcp: { listen: "127.0.0.1:2222", target: "127.0.0.1:22" }\n');
  assert.deepEqual(c.services[0]?.http, { hosts: ['a.lan'], target: 'http://127.0.0.1:1' });
  assert.deepEqual(c.services[0]?.tcp, { listen: { host: '127.0.0.1', port: 2222 }, target: { host: '127.0.0.1', port: 22 }, maxHeld: 256, openKeepsAwake: false });
});

test('a service with neither route has neither key', () => {
  const s = config('services:\n  a: { docker: { container: a } }\n').services[0];
  assert.equal(s && 'http' in s, false);
  assert.equal(s && 'tcp' in s, false);
  assert.equal(s && 'health' in s, false);
  assert.equal(s && 'startEndpoints' in s, false);
});

test('an expect list with spaces resolves to ranges', () => {
  const c = config('services:\n  a:\n    docker: { container: a }\n    http: { host: a.lan, target: "http://127.0.0.1:1" }\n    health: { http: { expect: " 200 - 204 , 301 " } }\n');
  assert.deepEqual(c.services[0]?.health?.probe, { kind: 'http', path: '/', expect: [[200, 204], [301, 301]] });
});
