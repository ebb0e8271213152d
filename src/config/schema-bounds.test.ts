/** Each duration key's range (schema.ts): exactly at a bound passes, one millisecond past fails. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const SVC = 'services:\n  a:\n    docker: { container: a }\n';

/** Where each duration key lives, as YAML with VALUE in its place, and its dotted path. */
const keys: Array<{ path: string; yaml: string; min?: string; below?: string; max: string; above: string }> = [
  { path: 'defaults.idle_timeout', yaml: 'defaults:\n  idle_timeout: VALUE\n', max: '365d', above: '365d1ms' },
  { path: 'defaults.wake_timeout', yaml: 'defaults:\n  wake_timeout: VALUE\n', max: '1h', above: '3600001ms' },
  { path: 'defaults.stop_timeout', yaml: 'defaults:\n  stop_timeout: VALUE\n', max: '1h', above: '1h1ms' },
  { path: 'services.a.idle_timeout', yaml: `${SVC}    idle_timeout: VALUE\n`, max: '365d', above: '366d' },
  { path: 'services.a.wake_timeout', yaml: `${SVC}    wake_timeout: VALUE\n`, max: '1h', above: '61m' },
  { path: 'services.a.stop_timeout', yaml: `${SVC}    stop_timeout: VALUE\n`, max: '1h', above: '1h1ms' },
  { path: 'services.a.health.timeout', yaml: `${SVC}    wake_timeout: 1h\n    health: { exec: [x], timeout: VALUE }\n`, max: '1h', above: '1h1ms' },
  { path: 'services.a.health.interval', yaml: `${SVC}    health: { exec: [x], interval: VALUE }\n`, max: '365d', above: '365d1ms' },
  { path: 'services.a.health.restart_delay', yaml: `${SVC}    health: { exec: [x], restart_delay: VALUE }\n`, max: '365d', above: '365d1ms' },
  { path: 'providers.docker.p.poll_interval', yaml: 'providers:\n  docker:\n    p: { poll_interval: VALUE }\n', min: '100ms', below: '99ms', max: '365d', above: '365d1ms' },
  { path: 'providers.docker.p.stats_interval', yaml: 'providers:\n  docker:\n    p: { stats_interval: VALUE }\n', min: '100ms', below: '99ms', max: '365d', above: '365d1ms' },
  { path: 'providers.docker.p.disk_usage_interval', yaml: 'providers:\n  docker:\n    p: { disk_usage_interval: VALUE }\n', min: '1s', below: '999ms', max: '365d', above: '365d1ms' },
];

/** The messages of the problems at path, or [] when the config is valid. */
function at(yaml: string, path: string): string[] {
  const result = parseConfig(yaml, 'drowse.yaml', {});
  return result.ok ? [] : result.problems.filter((p) => p.path === path).map((p) => p.message);
}

for (const key of keys) {
  test(`${key.path} takes up to ${key.max}${key.min ? ` and at least ${key.min}` : ''}`, () => {
    const put = (value: string) => key.yaml.replace('VALUE', value);
    // At the path only: a health.timeout of 1h passes the schema, and the wake_timeout check then speaks elsewhere.
    assert.deepEqual(at(put(key.max), key.path), [], `${key.max} should pass`);
    assert.deepEqual(at(put(key.above), key.path), [`must be at most ${key.max}`]);
    if (key.min !== undefined && key.below !== undefined) {
      assert.equal(parseConfig(put(key.min), 'drowse.yaml', {}).ok, true, `${key.min} should pass`);
      assert.equal(parseConfig(put(key.max), 'drowse.yaml', {}).ok, true, `${key.max} should pass`);
      assert.deepEqual(at(put(key.below), key.path), [`must be at least ${key.min}`]);
    } else {
      assert.deepEqual(at(put('1ms'), key.path), [], '1ms should pass');
    }
    assert.deepEqual(at(put('0ms'), key.path), ['must be longer than 0']);
    assert.deepEqual(at(put('5'), key.path), ['expected a duration like 30s or 15m']);
    assert.deepEqual(at(put('[1s]'), key.path), ['expected a duration like 30s or 15m']);
  });
}

test('a duration written with a fraction or several parts adds up', () => {
  const result = parseConfig(`${SVC}    idle_timeout: 1.25s\n    stop_timeout: 1m1s1ms\n`, 'drowse.yaml', {});
  assert.ok(result.ok);
  assert.deepEqual([result.config.services[0]?.idleTimeoutMs, result.config.services[0]?.stopTimeoutMs], [1250, 61_001]);
});

test('a malformed duration gets only the format message, not a range message too', () => {
  const result = parseConfig('defaults:\n  idle_timeout: 5 minutes\n', 'drowse.yaml', {});
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.problems.map(formatProblem), ['drowse.yaml:2:17: defaults.idle_timeout: expected a duration like 30s or 15m']);
});
