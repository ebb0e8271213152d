import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WakeEvent, WakeEventType } from '../service/index.ts';
import { Metrics, type MetricsSnapshot } from './metrics.ts';

const snapshot: MetricsSnapshot = {
  providers: [{ name: 'local', online: true }, { name: 'nas', online: false }],
  services: [
    { name: 'web', state: 'ready', inFlight: 2, held: 0, cpuPercent: 12.5, memoryBytes: 50_000_000 },
    { name: 'db', state: 'error', inFlight: 0, held: 3, backoffSeconds: 40 },
  ],
  disks: [{ provider: 'local', images: 1000, containers: 10, volumes: 100, buildCache: 0 }],
};

let id = 1;
const at = (ms: number) => new Date(Date.UTC(2026, 10, 22, 10, 0, 0, ms)).toISOString();
const ev = (type: WakeEventType, ms: number, extra: Partial<WakeEvent> = {}): WakeEvent => ({ id: id++, service: 'web', type, at: at(ms), ...extra });

test('a wake is counted once and its start, readiness and total phases are timed', async () => {
  const m = new Metrics(() => snapshot);
  for (const e of [ev('waking', 0), ev('starting', 10), ev('started', 510), ev('probing', 520), ev('ready', 2520)]) m.observe(e);
  const { body, contentType } = await m.render();
  assert.match(contentType, /^text\/plain/);
  assert.match(body, /^drowse_wakes_total\{service="web",result="ready"\} 1$/m);
  assert.match(body, /^drowse_wake_duration_seconds_sum\{service="web",phase="start"\} 0\.5$/m);
  assert.match(body, /^drowse_wake_duration_seconds_sum\{service="web",phase="readiness"\} 2$/m);
  assert.match(body, /^drowse_wake_duration_seconds_sum\{service="web",phase="total"\} 2\.52$/m);
});

test('failed wakes, stops by reason and restarts are counted', async () => {
  const m = new Metrics(() => snapshot);
  for (const e of [ev('waking', 0), ev('error', 100), ev('stopping', 200, { reason: 'idle' }), ev('restarting', 300), ev('stopping', 310, { reason: 'restart' })]) m.observe(e);
  const { body } = await m.render();
  assert.match(body, /^drowse_wakes_total\{service="web",result="error"\} 1$/m);
  assert.match(body, /^drowse_stops_total\{service="web",reason="idle"\} 1$/m);
  assert.match(body, /^drowse_stops_total\{service="web",reason="restart"\} 1$/m);
  assert.match(body, /^drowse_restarts_total\{service="web"\} 1$/m);
});

test('gauges come from the snapshot at scrape time', async () => {
  const m = new Metrics(() => snapshot);
  const { body } = await m.render();
  assert.match(body, /^drowse_provider_up\{provider="local"\} 1$/m);
  assert.match(body, /^drowse_provider_up\{provider="nas"\} 0$/m);
  assert.match(body, /^drowse_service_state\{service="db",state="error"\} 1$/m);
  assert.match(body, /^drowse_service_state\{service="db",state="ready"\} 0$/m);
  assert.match(body, /^drowse_wake_backoff_seconds\{service="db"\} 40$/m);
  assert.match(body, /^drowse_wake_backoff_seconds\{service="web"\} 0$/m);
  assert.match(body, /^drowse_in_flight\{service="web"\} 2$/m);
  assert.match(body, /^drowse_requests_held\{service="db"\} 3$/m);
  assert.match(body, /^drowse_service_cpu_percent\{service="web"\} 12\.5$/m);
  assert.match(body, /^drowse_service_memory_bytes\{service="web"\} 50000000$/m);
  assert.doesNotMatch(body, /drowse_service_memory_bytes\{service="db"\}/, 'no memory for a service that is not awake');
  assert.match(body, /^drowse_engine_disk_bytes\{provider="local",kind="images"\} 1000$/m);
});

test('event log lines the writer dropped are counted, and the counter is there at 0 before any drop', async () => {
  const m = new Metrics(() => snapshot);
  assert.match((await m.render()).body, /^drowse_event_log_dropped_total 0$/m);
  m.eventLogDropped(3);
  m.eventLogDropped(2);
  assert.match((await m.render()).body, /^drowse_event_log_dropped_total 5$/m);
});
