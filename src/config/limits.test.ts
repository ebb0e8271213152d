/** The limits block: defaults, values resolved into DrowseConfig.limits, and the bounds of each key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

function limits(yaml: string) {
  const result = parseConfig(`limits:\n${yaml}`, 'drowse.yaml', {});
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.map(formatProblem)));
  return result.config.limits;
}

function problems(yaml: string): string[] {
  const result = parseConfig(`limits:\n${yaml}`, 'drowse.yaml', {});
  assert.equal(result.ok, false, `expected ${yaml} to be refused`);
  return result.ok ? [] : result.problems.map(formatProblem);
}

const DEFAULTS = { headerTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, heldPerService: 1000, ssePerService: 64, sseTotal: 512, sseLifetimeMs: 600_000 };

test('an empty limits block has every default and no max_connections', () => {
  assert.deepEqual(limits('  {}\n'), DEFAULTS);
  assert.deepEqual(limits('  max_connections:\n'), DEFAULTS);
});

test('every key of the limits block resolves into DrowseConfig', () => {
  assert.deepEqual(
    limits('  max_connections: 100\n  header_timeout: 3s\n  keep_alive_timeout: 1m\n  held_per_service: 7\n  sse_per_service: 8\n  sse_total: 9\n  sse_lifetime: 2h\n'),
    { maxConnections: 100, headerTimeoutMs: 3000, keepAliveTimeoutMs: 60_000, heldPerService: 7, ssePerService: 8, sseTotal: 9, sseLifetimeMs: 7_200_000 },
  );
});

test('counts go from 1 to 1000000', () => {
  for (const key of ['max_connections', 'held_per_service', 'sse_per_service', 'sse_total']) {
    assert.equal(parseConfig(`limits: { ${key}: 1 }\n`, 'drowse.yaml', {}).ok, true, key);
    assert.equal(parseConfig(`limits: { ${key}: 1000000 }\n`, 'drowse.yaml', {}).ok, true, key);
    assert.deepEqual(problems(`  ${key}: 0\n`), [`drowse.yaml:2:${key.length + 5}: limits.${key}: must be at least 1`]);
    assert.deepEqual(problems(`  ${key}: 1000001\n`), [`drowse.yaml:2:${key.length + 5}: limits.${key}: must be at most 1000000`]);
  }
});

test('a count must be a whole number', () => {
  assert.deepEqual(problems('  sse_total: 1.5\n'), ['drowse.yaml:2:14: limits.sse_total: expected a whole number']);
  assert.deepEqual(problems('  sse_total: many\n'), ['drowse.yaml:2:14: limits.sse_total: expected a whole number']);
  assert.deepEqual(problems('  sse_total: "12"\n'), ['drowse.yaml:2:14: limits.sse_total: expected a whole number']);
});

test('header and keep-alive timeouts go up to 1h; the event stream lifetime up to 24h', () => {
  assert.equal(limits('  header_timeout: 1h\n').headerTimeoutMs, 3_600_000);
  assert.equal(limits('  keep_alive_timeout: 60m\n').keepAliveTimeoutMs, 3_600_000);
  assert.equal(limits('  sse_lifetime: 24h\n').sseLifetimeMs, 86_400_000);
  assert.equal(limits('  header_timeout: 1ms\n').headerTimeoutMs, 1);
  assert.deepEqual(problems('  header_timeout: 3601s\n'), ['drowse.yaml:2:19: limits.header_timeout: must be at most 1h']);
  assert.deepEqual(problems('  keep_alive_timeout: 1h1ms\n'), ['drowse.yaml:2:23: limits.keep_alive_timeout: must be at most 1h']);
  assert.deepEqual(problems('  sse_lifetime: 1d1s\n'), ['drowse.yaml:2:17: limits.sse_lifetime: must be at most 24h']);
  assert.deepEqual(problems('  header_timeout: 0s\n'), ['drowse.yaml:2:19: limits.header_timeout: must be longer than 0']);
});

test('an unknown limits key suggests the near one', () => {
  assert.deepEqual(problems('  sse_totl: 5\n'), ['drowse.yaml:2:3: limits.sse_totl: unknown key "sse_totl" (did you mean "sse_total"?)']);
});
