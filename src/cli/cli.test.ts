import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explicitTarget, parseControlAddress, ControlAddressError } from './target.ts';
import { renderStatus, bytes, table } from './status-table.ts';

for (const [text, want] of [
  ['/run/drowse/control.sock', { socket: '/run/drowse/control.sock' }],
  ['unix:///run/drowse/control.sock', { socket: '/run/drowse/control.sock' }],
  ['http://127.0.0.1:9090', { listen: { host: '127.0.0.1', port: 9090 } }],
  ['http://127.0.0.1:9090/', { listen: { host: '127.0.0.1', port: 9090 } }],
  ['tcp://[::1]:9090', { listen: { host: '::1', port: 9090 } }],
  ['127.0.0.1:9090', { listen: { host: '127.0.0.1', port: 9090 } }],
  ['control.sock', { socket: 'control.sock' }],
] as const) {
  test(`the control address ${text} is read as ${JSON.stringify(want)}`, () => {
    assert.deepEqual(parseControlAddress(text, undefined), want);
  });
}

test('a control address with another scheme or no port is a usage error', () => {
  assert.throws(() => parseControlAddress('ftp://x:1', undefined), ControlAddressError);
  assert.throws(() => parseControlAddress('http://127.0.0.1', undefined), ControlAddressError);
});

test('--control wins over $DROWSE_CONTROL, and $DROWSE_TOKEN goes with either; neither leaves it to the config', () => {
  const env = { DROWSE_CONTROL: 'http://127.0.0.1:1', DROWSE_TOKEN: 't0ken' };
  assert.deepEqual(explicitTarget('/tmp/c.sock', env), { socket: '/tmp/c.sock', token: 't0ken' });
  assert.deepEqual(explicitTarget(undefined, env), { listen: { host: '127.0.0.1', port: 1 }, token: 't0ken' });
  assert.equal(explicitTarget(undefined, {}), undefined);
  assert.equal(explicitTarget(undefined, { DROWSE_CONTROL: '' }), undefined, 'an empty variable is unset');
});

test('the status table shows each state with its age, sleeps in, last wake, in flight, held, CPU and memory', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const text = renderStatus({
    version: '1.2.3',
    uptime_s: 3723,
    services: [
      { name: 'web', state: 'ready', since: '2026-01-01T11:55:00Z', source: 'labels', sleeps_at: '2026-01-01T12:10:00Z', last_wake_ms: 2300, in_flight: 2, held_requests: 0, cpu_percent: 3.25, memory_bytes: 50 * 1024 * 1024 },
      { name: 'db', state: 'unknown', since: '2026-01-01T11:59:30Z', source: 'file', reason: 'provider "local" is unreachable: ECONNREFUSED', held_requests: 1, held_connections: 2 },
    ],
    loops: [{ name: 'feed "local"', state: 'backoff', failures: 3, retry_in_ms: 4000, last_error: 'ECONNREFUSED' }, { name: 'stats "local"', state: 'running' }],
    prerequisites: [{ name: 'open files', ok: false, code: 'nofile_low', severity: 'warning', message: 'the open-files limit is 1024', hint: 'raise LimitNOFILE' }, { name: 'entrypoints.http', ok: true }],
  }, now);
  const lines = text.split('\n');
  assert.equal(lines[0], 'drowse 1.2.3, up 1h2m3s');
  assert.match(text, /^web\s+labels\s+ready 5m\s+10m\s+2s\s+2\s+0\s+3\.3%\s+50MiB$/m);
  assert.match(text, /^db\s+file\s+unknown 30s\s+-\s+-\s+0\s+3\s+-\s+-$/m);
  assert.match(text, /^ {2}db: provider "local" is unreachable: ECONNREFUSED$/m);
  assert.match(text, /^feed "local"\s+backoff\s+3\s+4s\s+ECONNREFUSED$/m);
  assert.doesNotMatch(text, /stats "local"/, 'loops that run well are not listed');
  assert.match(text, /^warning: the open-files limit is 1024 \[nofile_low\]\n {2}hint: raise LimitNOFILE$/m);
});

test('columns line up and memory reads as people read it', () => {
  assert.equal(table(['A', 'BB'], [['xyz', '1'], ['q', '22']]), 'A    BB\nxyz  1\nq    22');
  assert.deepEqual([bytes(512), bytes(1536), bytes(50 * 1024 * 1024), bytes(3 * 1024 ** 3)], ['512B', '1.5KiB', '50MiB', '3.0GiB']);
});
