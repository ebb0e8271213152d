/**
 * Keeping drowse's picture true, against the real engine: poll mode notices containers changed by
 * hand, stats appear for awake services, disk usage for the engine.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { request, startDrowse, requireDocker, ensureTestImage, runContainer, freePort, waitFor, dockerCli, controlText } from '../helpers/index.ts';

let image: string;
before(async () => {
  image = await ensureTestImage();
});

type Status = {
  providers: Array<{ name: string; online: boolean; events: { state: string }; monitors: { stats: { state: string } }; disk_usage?: { images_bytes: number } }>;
  services: Array<{ name: string; state: string; cpu_percent?: number; memory_bytes?: number }>;
};

test('in poll mode a container started and stopped by hand is noticed', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port) }, start: false });
  const drowse = await startDrowse(t, `providers:\n  docker:\n    local: { events: poll, poll_interval: 300ms }\nservices:\n  web:\n    docker: { container: ${name} }\n    http: { host: web.test, target: "http://127.0.0.1:${port}" }\n`);
  const state = () => drowse.daemon.service('web')?.state;
  await waitFor(() => (drowse.daemon.status() as Status).providers[0]?.online, { message: 'the poller online' });

  await dockerCli(['start', name]);
  await waitFor(() => state() === 'ready', { timeoutMs: 15_000, message: 'ready after a manual start' });
  await dockerCli(['stop', '-t', '1', name]);
  await waitFor(() => state() === 'asleep', { timeoutMs: 15_000, message: 'asleep after a manual stop' });
});

test('CPU and memory appear for an awake service, and disk usage for the engine, in status and metrics', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port) }, start: false });
  const drowse = await startDrowse(t, `providers:\n  docker:\n    local: { stats_interval: 500ms, disk_usage_interval: 1s }\nservices:\n  web:\n    docker: { container: ${name} }\n    http: { host: web.test, target: "http://127.0.0.1:${port}" }\n`);
  const status = () => drowse.daemon.status() as Status;

  assert.equal((await request({ port: drowse.port, host: 'web.test' })).status, 200);

  const web = await waitFor(() => status().services.find((s) => s.memory_bytes !== undefined), { timeoutMs: 15_000, message: 'stats for web' });
  assert.ok(web.memory_bytes! > 1_000_000, `a node app uses more than 1 MB (${web.memory_bytes})`);
  // A node app answering requests uses CPU; a collector that reports 0 (or nothing) fails here.
  // Load: bursts of 20 requests between reads, bounded by waitFor's 15 s.
  const busy = await waitFor(async () => {
    await Promise.all(Array.from({ length: 20 }, () => request({ port: drowse.port, host: 'web.test', path: '/load' })));
    const cpu = status().services.find((s) => s.name === 'web')?.cpu_percent;
    return cpu !== undefined && cpu > 0 ? cpu : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100, message: 'CPU use above 0 under load' });
  assert.ok(busy < 100 * os.cpus().length, `at most every core (${busy})`);
  const disk = await waitFor(() => status().providers[0]?.disk_usage, { timeoutMs: 15_000, message: 'disk usage' });
  assert.ok(disk.images_bytes > 0, 'the test image takes space');

  const metrics = await controlText(drowse.controlSocket, '/metrics');
  assert.match(metrics, /^drowse_provider_up\{provider="local"\} 1$/m);
  assert.match(metrics, /^drowse_wakes_total\{service="web",result="ready"\} 1$/m);
  assert.match(metrics, /^drowse_service_memory_bytes\{service="web"\} [1-9]\d*$/m);
  assert.match(metrics, /^drowse_service_cpu_percent\{service="web"\} [\d.]+$/m);
  assert.match(metrics, /^drowse_engine_disk_bytes\{provider="local",kind="images"\} [1-9]\d*$/m);

  drowse.daemon.service('web')?.sleep('manual');
  await waitFor(() => drowse.daemon.service('web')?.state === 'asleep', { message: 'asleep' });
  assert.equal(status().services[0]?.memory_bytes, undefined, 'no stats for a sleeping service');
});
