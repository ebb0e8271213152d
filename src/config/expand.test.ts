import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandString } from './expand.ts';
import { parseConfig } from './index.ts';

const env = { HOST: 'app.lan', EMPTY: '', TOKEN: 's3cret' };

const cases: Array<[string, string, string]> = [
  ['a set variable is substituted', '${HOST}', 'app.lan'],
  ['a variable inside text is substituted', 'http://${HOST}:80', 'http://app.lan:80'],
  ['a default is used when the variable is unset', '${NOPE:-fallback}', 'fallback'],
  ['a default is used when the variable is empty', '${EMPTY:-fallback}', 'fallback'],
  ['a set variable wins over its default', '${HOST:-other}', 'app.lan'],
  ['an empty default is allowed', '${NOPE:-}', ''],
  ['a set but empty variable expands to nothing', '${EMPTY}', ''],
  ['$$ is a literal dollar', 'pa$$word', 'pa$word'],
  ['$$ before a brace is not a reference', '$${HOST}', '${HOST}'],
  ['a lone $ stays as written', 'cost $5', 'cost $5'],
  ['several references expand', '${HOST}/${TOKEN}', 'app.lan/s3cret'],
];

for (const [name, input, expected] of cases) {
  test(name, () => {
    assert.deepEqual(expandString(input, env), { ok: true, text: expected });
  });
}

const failures: Array<[string, string, string]> = [
  ['an unset variable without default is a problem', '${NOPE}', 'environment variable NOPE is not set'],
  ['an unterminated reference is a problem', '${HOST', 'malformed reference ${HOST: expected ${VAR} or ${VAR:-default}'],
  ['an unsupported operator is a problem', '${HOST:?x}', 'malformed reference ${HOST:?x}: expected ${VAR} or ${VAR:-default}'],
];

for (const [name, input, message] of failures) {
  test(name, () => {
    assert.deepEqual(expandString(input, env), { ok: false, message });
  });
}

test('expansion applies to values in the file, not to keys', () => {
  const yaml = `
services:
  \${HOST}:
    docker: { container: x }
`;
  const result = parseConfig(yaml, 'f.yaml', env);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.problems.map((p) => p.path), ['services.${HOST}']);
});

test('an expanded value is validated as if written in the file', () => {
  const yaml = `
entrypoints: { http: "\${ADDR:-127.0.0.1:9000}" }
control:
  listen: 127.0.0.1:9090
  token: \${TOKEN}
providers:
  docker:
    local:
      labels: \${DISCOVER:-false}
services:
  app:
    docker: { container: app }
    http: { host: "\${HOST}", target: "http://127.0.0.1:\${PORT:-3000}" }
    idle_timeout: \${IDLE}
`;
  const result = parseConfig(yaml, 'f.yaml', { ...env, IDLE: '5m' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual(result.config.entrypoints.http, { host: '127.0.0.1', port: 9000 });
  assert.equal(result.config.control.token, 's3cret');
  assert.equal(result.config.providers.docker[0]?.labels, false);
  assert.deepEqual(result.config.services[0]?.http, { hosts: ['app.lan'], target: 'http://127.0.0.1:3000' });
});

test('an unquoted value that expands to nothing counts as not set', () => {
  const yaml = 'control:\n  token: ${EMPTY}\ndefaults:\n  idle_timeout: ${NOPE:-}\n';
  const result = parseConfig(yaml, 'f.yaml', env);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.equal(result.config.control.token, undefined);
  assert.deepEqual(result.warnings, []);
});

test('every value taken from the environment, and the control token, is listed as a secret; defaults are not', () => {
  const yaml = [
    'control: { listen: "127.0.0.1:9090", token: file-token-123 }',
    'services:',
    '  app:',
    '    docker: { container: app }',
    '    http: { host: app.lan, target: "http://127.0.0.1:${PORT:-3000}" }',
    '    health: { http: { path: "/fail?key=${KEY}" } }',
  ].join('\n');
  const result = parseConfig(yaml, 'f.yaml', { KEY: 'k3y-from-env' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual([...(result.config.secrets ?? [])].sort(), ['file-token-123', 'k3y-from-env']);
});

test('problems never quote a value that came from the environment', () => {
  const yaml = [
    'services:',
    '  app:',
    '    docker: { container: app, provider: "${P}" }',
    '    http: { host: app.lan, target: "http://127.0.0.1:1" }',
    '    stop_signal: "${S}"',
    '    depends_on: ["${D}"]',
  ].join('\n');
  const result = parseConfig(yaml, 'f.yaml', { P: 'prov-s3cret', S: 'SIGS3CRETX', D: 'dep-s3cret' });
  assert.equal(result.ok, false);
  const text = !result.ok ? result.problems.map((p) => p.message).join('\n') : '';
  assert.equal(/s3cret/i.test(text), false, text);
  assert.match(text, /unknown docker provider "\[redacted\]"/);
  assert.match(text, /unknown service "\[redacted\]"/);
});

test('plain settings taken from the environment are not secrets: redacting "true" or "info" would garble every message', () => {
  const yaml = [
    'log: { level: "${LEVEL}" }',
    'providers:',
    '  docker:',
    '    local:',
    '      socket: /var/run/docker.sock',
    '      labels: ${LABELS}',
    'defaults: { idle_timeout: "${IDLE}", stop_signal: "${SIG}" }',
    'services:',
    '  app:',
    '    docker: { container: app }',
    '    http: { host: app.lan, target: "http://127.0.0.1:${PORT}" }',
    '    health: { http: { path: "/h?k=${KEY}" } }',
  ].join('\n');
  const result = parseConfig(yaml, 'f.yaml', { LEVEL: 'info', LABELS: 'true', IDLE: '1h30m', SIG: 'SIGTERM', PORT: '18080', KEY: 'real-secret-1' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual(result.config.secrets, ['real-secret-1']);
});
