/** Secrets (parse.ts, expand.ts): what the environment gave is listed and kept out of problems and warnings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const SVC = 'services:\n  app:\n    docker: { container: app }\n';

test('a config with no ${VAR} and no token lists no secrets at all', () => {
  const result = parseConfig(`${SVC}    http: { host: app.lan, target: "http://127.0.0.1:1" }\n`, 'f.yaml', { HOME: '/root' });
  assert.ok(result.ok);
  assert.equal('secrets' in result.config, false);
});

test('a default used because a variable is unset is not a secret', () => {
  const result = parseConfig(`${SVC}    http: { host: app.lan, target: "http://127.0.0.1:\${PORT:-3000}" }\n`, 'f.yaml', {});
  assert.ok(result.ok);
  assert.equal(result.config.services[0]?.http?.target, 'http://127.0.0.1:3000');
  assert.equal(result.config.secrets, undefined);
});

test('a token written in the file is the only secret', () => {
  const result = parseConfig('control: { listen: "127.0.0.1:9090", token: written-in-file }\n', 'f.yaml', {});
  assert.ok(result.ok);
  assert.deepEqual(result.config.secrets, ['written-in-file']);
});

test('each value from the environment is listed once, wherever it is used', () => {
  const yaml = `${SVC}    http: { host: app.lan, target: "http://\${H}:\${P}" }\n    health: { exec: [check, "\${H}", "\${P}"] }\n`;
  const result = parseConfig(yaml, 'f.yaml', { H: 'host-from-env', P: '4321' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual([...(result.config.secrets ?? [])].sort(), ['host-from-env'], 'a port number is a plain setting, not a secret');
});

test('a token from the environment is listed once', () => {
  const result = parseConfig('control: { listen: "127.0.0.1:9090", token: "${T}" }\n', 'f.yaml', { T: 'token-from-env' });
  assert.ok(result.ok);
  assert.deepEqual(result.config.secrets, ['token-from-env']);
});

test('a warning that quotes an expanded value shows it redacted', () => {
  const result = parseConfig('control: { token: "${T}" }\n', 'f.yaml', { T: 'token-from-env' });
  assert.ok(result.ok);
  assert.deepEqual(result.warnings, ['f.yaml:1:19: control.token: token is only used with control.listen; ignored']);
  assert.equal(result.warnings.join('\n').includes('token-from-env'), false);
});

test('a problem that quotes a value from the environment is redacted, wherever it is found', () => {
  const yaml = 'services:\n  a: { docker: { container: a }, depends_on: "${D}" }\n';
  const result = parseConfig(yaml, 'f.yaml', { D: 'secret-dependency' });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.problems.map(formatProblem), ['f.yaml:2:46: services.a.depends_on: unknown service "[redacted]"']);
});

test('a variable that is not set is named, and nothing is listed as secret for it', () => {
  const result = parseConfig('control: { listen: "127.0.0.1:9090", token: "${NOPE}" }\n', 'f.yaml', {});
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.problems.map(formatProblem), ['f.yaml:1:45: control.token: environment variable NOPE is not set']);
});
