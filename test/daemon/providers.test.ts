// Provider health in /status and metrics, and the daemon's injected clock, over a FakeProvider.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { BACKENDS, type BackendStats } from '../../src/provider/index.ts';
import { ManualClock, request, startDrowse, waitFor } from '../helpers/index.ts';
import { fakeBackend, FakeProvider } from '../contract/index.ts';
import { fakeDrowse, upstream } from './harness.ts';

type ProviderStatus = { name: string; kind: string; online: boolean; since: string; last_error?: string; events: { state: string; lastError?: string }; monitors?: unknown };

/** GET on the control socket, as `drowse status` asks. */
function control(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const oneService = (target: string) => `services:\n  app:\n    docker: { container: app }\n    http: { host: app.test, target: "${target}" }\n`;

describe('daemon over a fake backend: providers', { timeout: 20_000 }, () => {
  it('an offline feed shows in /status and metrics, and its last error is kept once it is back', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, oneService(app.target), { workloads: { app: {} } });
    const status = async () => {
      const res = await control(drowse.controlSocket, '/status');
      assert.equal(res.status, 200);
      return (JSON.parse(res.body) as { providers: ProviderStatus[] }).providers;
    };
    const [online] = await status();
    assert.deepEqual([online?.name, online?.kind, online?.online, online?.events.state], ['local', 'fake', true, 'running']);
    assert.equal(online?.last_error, undefined);
    assert.equal(online?.monitors, undefined, 'a backend without stats shows no monitors');

    fake.feed.disconnect(new Error('fake: engine gone'));
    const [offline] = await status();
    assert.equal(offline?.online, false);
    assert.equal(offline?.last_error, 'fake: engine gone');
    assert.deepEqual([offline?.events.state, offline?.events.lastError], ['backoff', 'fake: engine gone']);
    assert.ok(Date.parse(offline!.since) >= Date.parse(online!.since));
    const metrics = await control(drowse.controlSocket, '/metrics');
    assert.match(metrics.body, /^drowse_provider_up\{provider="local"\} 0$/m);

    fake.feed.connect();
    const [back] = await status();
    assert.equal(back?.online, true);
    assert.equal(back?.last_error, 'fake: engine gone', 'the reason stays visible after recovery');
    assert.match((await control(drowse.controlSocket, '/metrics')).body, /^drowse_provider_up\{provider="local"\} 1$/m);
  });

  it('a provider whose feed never connected is offline from the start', async (t) => {
    const app = await upstream(t, 'app');
    const fake = new FakeProvider('local');
    fake.feed.connectOnStart = false;
    const { drowse } = await fakeDrowse(t, oneService(app.target), { providers: [fake], workloads: { app: {} } });
    const [p] = (drowse.daemon.status() as { providers: ProviderStatus[] }).providers;
    assert.equal(p?.online, false);
    assert.equal(fake.reads('app'), 0, 'no resync before a connect');
  });

  it('the injected clock drives the idle timer: a woken service sleeps once idle_timeout passes on it', async (t) => {
    const app = await upstream(t, 'app');
    const clock = new ManualClock(Date.now());
    const { drowse, fake } = await fakeDrowse(t, `${oneService(app.target)}    idle_timeout: 10m\n`, { clock, workloads: { app: {} } });
    const res = await request({ port: drowse.port, host: 'app.test', path: '/' });
    assert.equal(res.status, 200);
    await clock.advance(9 * 60_000);
    assert.equal(drowse.daemon.service('app')?.state, 'ready');
    assert.deepEqual(fake.calls, ['start:app']);
    await clock.advance(60_000);
    await waitFor(() => drowse.daemon.service('app')?.state === 'asleep', { message: 'app asleep after 10 minutes on the clock' });
    assert.deepEqual(fake.calls, ['start:app', 'stop:app']);
    assert.equal((drowse.daemon.status() as { uptime_s: number }).uptime_s, 600, 'uptime is read on the same clock');
  });

  it('a backend\'s stats show for a ready service in /status and metrics, and the factory learns which workloads are awake', async (t) => {
    const app = await upstream(t, 'app');
    const fake = new FakeProvider('local');
    fake.add('app');
    const stats: BackendStats = {
      start: () => {},
      stop: async () => {},
      statsOf: (id) => (id === 'app' ? { cpu_percent: 12.5, memory_bytes: 4096, at: '2026-01-01T00:00:00.000Z' } : undefined),
      diskUsage: () => ({ images_bytes: 1, containers_bytes: 2, volumes_bytes: 3, build_cache_bytes: 4, at: '2026-01-01T00:00:00.000Z' }),
      state: () => ({ stats: { state: 'running', since: new Date(0) } }),
    };
    const factory = fakeBackend([fake], { local: stats });
    let awake: (() => readonly string[]) | undefined;
    const drowse = await startDrowse(t, `providers:\n  docker:\n    local: {}\n${oneService(app.target)}`, {
      backends: { ...BACKENDS, fake: (settings, deps) => ((awake = deps.awake), factory(settings, deps)) },
      providers: { fake: [{ name: 'local' }] },
    });
    type Status = { providers: (ProviderStatus & { disk_usage?: { volumes_bytes: number } })[]; services: { name: string; cpu_percent?: number; memory_bytes?: number }[] };
    const before = JSON.parse(JSON.stringify(drowse.daemon.status())) as Status;
    assert.equal(before.services[0]?.cpu_percent, undefined, 'no stats while asleep');
    assert.deepEqual(awake?.(), []);
    assert.equal(before.providers[0]?.disk_usage?.volumes_bytes, 3);
    assert.deepEqual(before.providers[0]?.monitors, { stats: { state: 'running', since: new Date(0).toISOString() } });
    await drowse.daemon.wake('app');
    const after = JSON.parse(JSON.stringify(drowse.daemon.status())) as Status;
    assert.deepEqual([after.services[0]?.cpu_percent, after.services[0]?.memory_bytes], [12.5, 4096]);
    assert.deepEqual(awake?.(), ['app']);
    assert.match((await control(drowse.controlSocket, '/metrics')).body, /^drowse_service_memory_bytes\{service="app"\} 4096$/m);
  });
  it('every backend is closed once, after its feed stopped, when the daemon stops', async (t) => {
    const app = await upstream(t, 'app');
    const fake = new FakeProvider('local');
    fake.add('app');
    const factory = fakeBackend([fake]);
    const order: string[] = [];
    const drowse = await startDrowse(t, `providers:\n  docker:\n    local: {}\n${oneService(app.target)}`, {
      backends: {
        ...BACKENDS,
        fake: (settings, deps) => {
          const b = factory(settings, deps);
          const feed = { ...b.feed, start: b.feed.start.bind(b.feed), state: b.feed.state.bind(b.feed), health: b.feed.health.bind(b.feed), stop: async () => (order.push('feed stopped'), b.feed.stop()) };
          return { ...b, feed, close: () => void order.push('closed') };
        },
      },
      providers: { fake: [{ name: 'local' }] },
    });
    await drowse.stop();
    assert.deepEqual(order, ['feed stopped', 'closed']);
  });
});
