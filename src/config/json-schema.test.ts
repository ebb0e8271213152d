/** `drowse schema` (configJsonSchema): what editors learn about each key, defaults and patterns included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configJsonSchema } from './index.ts';

type Schema = {
  $schema?: string; title?: string; description?: string; default?: unknown; type?: string; pattern?: string; enum?: unknown[];
  minimum?: number; maximum?: number; required?: string[]; additionalProperties?: Schema | boolean;
  properties?: Record<string, Schema>; patternProperties?: Record<string, Schema>; propertyNames?: Schema; items?: Schema; anyOf?: Schema[];
};

const schema = configJsonSchema() as Schema;
const prop = (s: Schema | undefined, ...keys: string[]): Schema => {
  let current = s;
  for (const key of keys) current = key === '*' ? (current?.additionalProperties as Schema) : current?.properties?.[key];
  assert.ok(current, `no ${keys.join('.')}`);
  return current;
};
const SERVICE = prop(schema, 'services', '*');

test('the schema is draft 2020-12, titled and described, and refuses unknown top-level keys but x- ones', () => {
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(schema.title, 'drowse configuration');
  assert.equal(schema.description, 'drowse configuration');
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.patternProperties, { '^x-': { description: 'Ignored by drowse: a place for YAML anchors to share between services.' } });
});

test('the schema describes the input: keys with defaults are not required', () => {
  assert.equal(schema.required, undefined);
  assert.equal(prop(schema, 'defaults').required, undefined);
  assert.equal(prop(schema, 'limits').required, undefined);
  assert.deepEqual(prop(SERVICE, 'docker').required, ['container']);
  assert.deepEqual(prop(SERVICE, 'http').required, ['host'], 'target or (for a guest) port; the cross-checks say which');
  assert.deepEqual(prop(SERVICE, 'proxmox').required, ['node', 'vmid']);
});

test('every default of defaults: is declared', () => {
  const d = (key: string) => prop(schema, 'defaults', key).default;
  assert.deepEqual(
    ['idle_timeout', 'wake_timeout', 'stop_method', 'stop_signal', 'stop_timeout', 'loading_page'].map(d),
    ['15m', '2m', 'stop', 'SIGTERM', '10s', true],
  );
  assert.deepEqual(prop(schema, 'defaults', 'wake_filter', 'builtin_deny').default, true);
  assert.deepEqual(prop(schema, 'defaults', 'wake_filter', 'deny').default, []);
  assert.deepEqual(prop(schema, 'defaults', 'wake_filter', 'allow').default, []);
});

test('stop_signal is described as what stop sends first, and kill as always SIGKILL', () => {
  for (const d of [prop(schema, 'defaults', 'stop_signal').description, prop(SERVICE, 'stop_signal').description]) {
    assert.match(d ?? '', /stop_method stop/);
    assert.doesNotMatch(d ?? '', /stop or kill/, 'stop_method kill never sends stop_signal');
    assert.match(d ?? '', /kill sends SIGKILL/);
  }
});

test('every default of the limits block is declared, and max_connections has none', () => {
  const l = (key: string) => prop(schema, 'limits', key).default;
  assert.deepEqual(['header_timeout', 'keep_alive_timeout', 'held_per_service', 'sse_per_service', 'sse_total', 'sse_lifetime'].map(l), ['10s', '5s', 1000, 64, 512, '10m']);
  assert.equal(l('max_connections'), undefined);
  assert.deepEqual([prop(schema, 'limits', 'sse_total').minimum, prop(schema, 'limits', 'sse_total').maximum], [1, 1_000_000]);
});

test('entrypoints, log, providers and their engines declare their defaults', () => {
  assert.equal(prop(schema, 'entrypoints', 'http').default, ':8080');
  assert.deepEqual([prop(schema, 'log', 'level').default, prop(schema, 'log', 'format').default], ['info', 'json']);
  assert.deepEqual(prop(schema, 'log', 'format').enum, ['json', 'pretty']);
  assert.deepEqual(prop(schema, 'providers', 'docker').default, { local: { socket: '/var/run/docker.sock' } });
  const engine = prop(schema, 'providers', 'docker', '*');
  assert.deepEqual(
    ['events', 'poll_interval', 'stats_interval', 'disk_usage_interval', 'labels'].map((k) => prop(engine, k).default),
    ['stream', '5s', '30s', '15m', false],
  );
  assert.deepEqual(prop(engine, 'events').enum, ['stream', 'poll']);
  assert.equal(engine.description, 'One Docker engine.');
});

test('a service declares its health, tcp defaults and patterns for names and signals', () => {
  assert.equal(SERVICE.description, 'One service: a workload that sleeps when idle, and the routes that wake it.');
  assert.equal(prop(schema, 'services').propertyNames?.pattern, '^[a-z0-9][a-z0-9_-]*$');
  assert.equal(prop(SERVICE, 'stop_signal').pattern, '^SIG[A-Z0-9+-]+$');
  assert.deepEqual(prop(SERVICE, 'stop_method').enum, ['stop', 'pause', 'kill']);
  const health = prop(SERVICE, 'health');
  assert.deepEqual([prop(health, 'http', 'path').default, prop(health, 'http', 'expect').default], ['/', '100-499']);
  assert.deepEqual(
    ['timeout', 'interval', 'retries', 'auto_restart', 'max_restarts', 'restart_delay'].map((k) => prop(health, k).default),
    ['5s', '30s', 3, false, 3, '10s'],
  );
  assert.deepEqual([prop(SERVICE, 'tcp', 'max_held').default, prop(SERVICE, 'tcp', 'open_keeps_awake').default], [256, false]);
});

test('duration descriptions state their range', () => {
  assert.match(prop(schema, 'defaults', 'idle_timeout').description ?? '', /At most 365d\.$/);
  assert.match(prop(schema, 'defaults', 'wake_timeout').description ?? '', /At most 1h\.$/);
  assert.match(prop(schema, 'limits', 'sse_lifetime').description ?? '', /At most 24h\.$/);
  assert.match(prop(schema, 'providers', 'docker', '*', 'poll_interval').description ?? '', /From 100ms to 365d\.$/);
  assert.match(prop(schema, 'providers', 'docker', '*', 'disk_usage_interval').description ?? '', /From 1s to 365d\.$/);
});

test('the schema is JSON and comes out the same each time', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(configJsonSchema())), JSON.parse(JSON.stringify(schema)));
});
