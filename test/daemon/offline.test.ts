// An engine that goes offline puts its services in an honest state: `unknown` with the provider's
// error, requests held a short while and then answered 503 with the reason, and the resync after
// the reconnect settling them again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { controlRequest } from '../../src/control/index.ts';
import { ProviderError } from '../../src/provider/index.ts';
import { request, waitFor } from '../helpers/index.ts';
import { fakeDrowse, upstream } from './harness.ts';

const yaml = (target: string) => `services:\n  app:\n    docker: { container: app }\n    http: { host: app.test, target: "${target}" }\n`;
type Svc = { name: string; state: string; reason?: string; notice?: string };

async function service(socket: string): Promise<Svc> {
  const s = (await controlRequest({ socket }, 'GET', '/status')) as { services: Svc[] };
  const app = s.services.find((x) => x.name === 'app');
  assert.ok(app, 'app in /status');
  return app;
}

describe('daemon over a fake backend: an offline engine', { timeout: 20_000 }, () => {
  it('a ready service whose engine goes offline is unknown with the provider\'s error, not ready', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, yaml(app.target), { workloads: { app: {} }, offlineHoldMs: 300 });
    assert.equal((await request({ port: drowse.port, host: 'app.test', path: '/' })).status, 200);
    assert.equal((await service(drowse.controlSocket)).state, 'ready');

    fake.feed.disconnect(new Error('connect ECONNREFUSED /var/run/docker.sock'));
    const s = await service(drowse.controlSocket);
    assert.equal(s.state, 'unknown');
    assert.match(s.reason ?? '', /provider "local" is unreachable: connect ECONNREFUSED/);
  });

  it('a request while unknown is held for the short bound, then answered 503 with the reason, engine words kept out', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, yaml(app.target), { workloads: { app: {} }, offlineHoldMs: 300 });
    fake.feed.disconnect(new Error('connect ECONNREFUSED /var/run/docker.sock'));
    const started = Date.now();
    const res = await request({ port: drowse.port, host: 'app.test', path: '/api', headers: { accept: 'application/json' } });
    const took = Date.now() - started;
    assert.equal(res.status, 503);
    assert.ok(took >= 250 && took < 3000, `held about the bound, not wake_timeout (${took} ms)`);
    assert.ok(res.headers['retry-after'], 'Retry-After is set');
    const body = res.json<{ code: string; detail: string }>();
    assert.deepEqual([body.code, body.detail], ['provider_unreachable', 'app cannot be reached right now']);
    assert.equal(res.body.includes('ECONNREFUSED'), false, 'the engine error stays with the operator');
    assert.deepEqual(fake.starts(), [], 'nothing was started on an engine that cannot be reached');
  });

  it('a provider that refuses drowse\'s credentials answers at once with a notice that names no provider or token', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, yaml(app.target), { workloads: { app: {} }, offlineHoldMs: 20_000 });
    fake.feed.disconnect(new ProviderError({ kind: 'fake', provider: 'local', op: 'list', reason: 'denied', statusCode: 401, detail: 'authentication failed for token drowse@pve!proxy: invalid token value!' }));
    const started = Date.now();
    const res = await request({ port: drowse.port, host: 'app.test', path: '/api', headers: { accept: 'application/json' } });
    assert.ok(Date.now() - started < 10_000, `not held for the 20 s bound (${Date.now() - started} ms)`);
    const body = res.json<{ code: string; detail: string }>();
    assert.deepEqual([res.status, body.code, body.detail], [503, 'provider_denied', "app cannot be started: its provider refused drowse's credentials"]);
    assert.equal(res.body.includes('drowse@pve'), false, 'the token id stays with the operator');
    const s = await service(drowse.controlSocket);
    assert.match(s.reason ?? '', /provider "local" refused drowse: .*authentication failed for token drowse@pve!proxy/);
    fake.feed.connect();
    await waitFor(async () => (await service(drowse.controlSocket)).state !== 'unknown', { timeoutMs: 3000, message: 'settled after the reconnect' });
    assert.equal((await request({ port: drowse.port, host: 'app.test', path: '/' })).status, 200, 'held again as usual once the provider takes drowse back');
  });

  it('a provider drowse cannot trust (its certificate) answers at once too, naming no setting', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, yaml(app.target), { workloads: { app: {} }, offlineHoldMs: 20_000 });
    fake.feed.disconnect(new ProviderError({ kind: 'fake', provider: 'local', op: 'list', reason: 'config', detail: 'TLS: self-signed certificate in certificate chain (set providers.proxmox.pve.ca)' }));
    const res = await request({ port: drowse.port, host: 'app.test', path: '/api', headers: { accept: 'application/json' } });
    const body = res.json<{ code: string; detail: string }>();
    assert.deepEqual([res.status, body.code, body.detail], [503, 'provider_misconfigured', "app cannot be started: drowse's settings for its provider need fixing"]);
    assert.match((await service(drowse.controlSocket)).reason ?? '', /provider "local" cannot be used as configured: .*self-signed certificate/);
  });

  it('a request held while unknown goes through when the engine comes back within the bound', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, yaml(app.target), { workloads: { app: {} }, offlineHoldMs: 3000 });
    fake.feed.disconnect(new Error('engine restarting'));
    const pending = request({ port: drowse.port, host: 'app.test', path: '/held', headers: { accept: 'application/json' } });
    await waitFor(() => drowse.daemon.service('app')?.status().in_flight === 1, { timeoutMs: 2000, message: 'the request held' });
    fake.feed.connect();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.match(res.body, /hello from app \/held/);
    assert.equal((await service(drowse.controlSocket)).state, 'ready');
  });

  it('the resync after the reconnect settles each service: running is ready again, stopped is asleep', async (t) => {
    const app = await upstream(t, 'app');
    const { drowse, fake } = await fakeDrowse(t, `${yaml(app.target)}  other:\n    docker: { container: other }\n    http: { host: other.test, target: "${app.target}" }\n`, { workloads: { app: {}, other: {} }, offlineHoldMs: 300 });
    assert.equal((await request({ port: drowse.port, host: 'app.test', path: '/' })).status, 200);
    fake.feed.disconnect(new Error('engine restarting'));
    await waitFor(async () => (await service(drowse.controlSocket)).state === 'unknown', { timeoutMs: 2000, message: 'unknown' });
    fake.feed.connect();
    await waitFor(async () => (await service(drowse.controlSocket)).state === 'ready', { timeoutMs: 3000, message: 'ready after the resync' });
    await waitFor(() => drowse.daemon.service('other')?.state === 'asleep', { timeoutMs: 3000, message: 'the stopped one settles asleep' });
    assert.equal((await service(drowse.controlSocket)).reason, undefined, 'the provider\'s error is gone with the state');
  });
});
