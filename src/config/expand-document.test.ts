/** Expansion over the whole document (expand.ts): lists, nested maps, and what an unquoted result means. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const SVC = 'services:\n  app:\n    docker: { container: app }\n';
function config(yaml: string, env: NodeJS.ProcessEnv) {
  const result = parseConfig(yaml, 'f.yaml', env);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.map(formatProblem)));
  return result.config;
}
function problems(yaml: string, env: NodeJS.ProcessEnv): string[] {
  const result = parseConfig(yaml, 'f.yaml', env);
  assert.equal(result.ok, false);
  return result.ok ? [] : result.problems.map(formatProblem);
}

test('values inside lists and lists of maps are expanded, with the index in a problem path', () => {
  const c = config(`${SVC}    health: { exec: [check, "\${ARG}"] }\n    http: { host: ["\${H}", b.lan], target: "http://127.0.0.1:1" }\n`, { ARG: '--quick', H: 'a.lan' });
  assert.deepEqual(c.services[0]?.health?.probe, { kind: 'exec', command: ['check', '--quick'] });
  assert.deepEqual(c.services[0]?.http?.hosts, ['a.lan', 'b.lan']);
  assert.deepEqual(problems(`${SVC}    health: { exec: [check, "\${NOPE}"] }\n`, {}), ['f.yaml:4:29: services.app.health.exec.1: environment variable NOPE is not set']);
});

test('$$ in a value is one dollar', () => {
  const c = config(`${SVC}    health: { exec: [echo, "a$$b"] }\n`, {});
  assert.deepEqual(c.services[0]?.health?.probe, { kind: 'exec', command: ['echo', 'a$b'] });
});

test('an unquoted expansion to true, True or TRUE is the boolean; anything longer stays a string', () => {
  for (const word of ['true', 'True', 'TRUE']) {
    assert.equal(config(`${SVC}    loading_page: \${B}\n`, { B: word }).services[0]?.loadingPage, true, word);
  }
  for (const word of ['false', 'False', 'FALSE']) {
    assert.equal(config(`defaults:\n  loading_page: true\n${SVC}    loading_page: \${B}\n`, { B: word }).services[0]?.loadingPage, false, word);
  }
  assert.deepEqual(problems(`${SVC}    loading_page: \${B}\n`, { B: 'truely' }), ['f.yaml:4:19: services.app.loading_page: expected true or false']);
  assert.deepEqual(problems(`${SVC}    loading_page: \${B}\n`, { B: 'untrue' }), ['f.yaml:4:19: services.app.loading_page: expected true or false']);
  assert.deepEqual(problems(`${SVC}    loading_page: \${B}\n`, { B: 'falsey' }), ['f.yaml:4:19: services.app.loading_page: expected true or false']);
  assert.deepEqual(problems(`${SVC}    loading_page: \${B}\n`, { B: 'nofalse' }), ['f.yaml:4:19: services.app.loading_page: expected true or false']);
});

test('a quoted expansion to true stays the string the user quoted', () => {
  // The message itself is redacted here: "true" came from the environment.
  const printed = problems(`${SVC}    loading_page: "\${B}"\n`, { B: 'true' });
  assert.equal(printed.length, 1);
  assert.match(printed[0] ?? '', /^f\.yaml:4:19: services\.app\.loading_page: expected /);
});

test('an unquoted expansion to ~ or null counts as not set', () => {
  for (const word of ['~', 'null', 'Null', 'NULL']) {
    assert.equal(config(`defaults:\n  loading_page: \${B}\n`, { B: word }).services.length, 0, word);
    assert.equal(config(`${SVC}    idle_timeout: \${B}\n`, { B: word }).services[0]?.idleTimeoutMs, 900_000, word);
  }
});

test('a value inside a flow map is expanded', () => {
  const c = config(`${SVC}    http: { host: a.lan, target: "http://127.0.0.1:\${P}" }\n`, { P: '8081' });
  assert.equal(c.services[0]?.http?.target, 'http://127.0.0.1:8081');
});
