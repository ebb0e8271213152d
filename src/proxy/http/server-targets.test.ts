/**
 * What the HTTP entrypoint makes of request targets and methods over loopback: CONNECT, OPTIONS *,
 * absolute-form targets, reserved paths under every method and as upgrades, duplicate Host lines,
 * and which service states start_endpoint guards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../kernel/index.ts';
import type { ServiceState } from '../../service/index.ts';
import { echoUpstream, FakeProxyService, FakeSite, sendHttp, sendRaw, waitFor } from '../../../test/helpers/fakes/index.ts';
import { HttpEntrypoint, type HttpRoute } from './server.ts';

function route(service: FakeProxyService, port: number, over: Partial<HttpRoute> = {}): HttpRoute {
  return { hosts: [`${service.name}.test`], service, target: new URL(`http://127.0.0.1:${port}`), wakeTimeoutMs: 5_000, loadingPage: true, policy: { wakeFilter: { deny: [], allow: [] } }, ...over };
}

async function entrypoint(t: { after(fn: () => unknown): void }, routes: HttpRoute[]) {
  const site = new FakeSite();
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes, site, log: silentLogger() });
  await ep.start();
  t.after(() => ep.stop(100));
  return { ep, site, port: ep.address().port };
}

const upgradeHead = (target: string, host = 'web.test', method = 'GET') => `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`;

test('CONNECT is 405 with the forwarded methods in Allow: drowse is no forward proxy', async (t) => {
  const up = await echoUpstream(t);
  const { port } = await entrypoint(t, [route(new FakeProxyService(), up.port)]);
  const answer = await sendRaw(port, 'CONNECT web.test:443 HTTP/1.1\r\nHost: web.test:443\r\n\r\n', { end: false });
  assert.equal(answer, 'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  assert.equal(up.seen.length, 0);
});

test('OPTIONS * is answered by drowse itself, with Allow, and never wakes the service', async (t) => {
  const up = await echoUpstream(t);
  const web = new FakeProxyService();
  web.state = 'asleep';
  const { port } = await entrypoint(t, [route(web, up.port)]);
  const res = await sendHttp(port, { host: 'web.test', path: '*', method: 'OPTIONS' });
  assert.deepEqual([res.status, res.headers.allow, res.headers['content-length'], res.body], [200, 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS', '0', '']);
  assert.deepEqual([web.wakes, web.acquired, up.seen.length], [0, 0, 0]);
  const get = await sendRaw(port, 'GET * HTTP/1.1\r\nHost: web.test\r\n\r\n', { end: false });
  assert.match(get, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(get, /\r\nConnection: close\r\n/i);
  assert.match(get, /"\*" is a target only for OPTIONS\n$/);
  const unknown = await sendRaw(port, 'OPTIONS * HTTP/1.1\r\nHost: nobody.test\r\nConnection: close\r\n\r\n', { end: false });
  assert.match(unknown, /^HTTP\/1\.1 404 Not Found\r\n/, 'the Host is routed first');
});

test('an absolute-form target is forwarded in origin-form; one naming another host is 400 and closes', async (t) => {
  const up = await echoUpstream(t);
  const { port } = await entrypoint(t, [route(new FakeProxyService(), up.port)]);
  const ok = await sendRaw(port, 'GET http://web.test/a/../b?c HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n', { end: false });
  assert.match(ok, /^HTTP\/1\.1 200 OK\r\n/);
  assert.equal(up.seen[0]?.url, '/a/../b?c');
  const other = await sendRaw(port, 'GET http://other.test/x HTTP/1.1\r\nHost: web.test\r\n\r\n', { end: false });
  assert.match(other, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(other, /an absolute request target must name the same host as the Host header\n$/);
  assert.equal(up.seen.length, 1);
});

test('an absolute-form target for the reserved path is drowse\'s, not the app\'s', async (t) => {
  const up = await echoUpstream(t);
  const { site, port } = await entrypoint(t, [route(new FakeProxyService(), up.port)]);
  const res = await sendRaw(port, 'GET http://web.test/x/%2e%2e/__drowse/status HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n', { end: false });
  assert.match(res, /^HTTP\/1\.1 200 OK\r\n[^]*\r\nstatus of web\r\n/);
  assert.deepEqual(site.reservedCalls, [{ method: 'GET', name: 'status' }]);
  assert.equal(up.seen.length, 0);
});

test('reserved paths are handed to the site under every method and never forwarded, even to a ready service', async (t) => {
  const up = await echoUpstream(t);
  const web = new FakeProxyService();
  const { site, port } = await entrypoint(t, [route(web, up.port)]);
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  for (const method of methods) {
    const res = await sendHttp(port, { host: 'web.test', path: '/__DROWSE/Status', method });
    assert.equal(res.status, 200, method);
  }
  assert.deepEqual(site.reservedCalls.map((c) => c.method), methods);
  assert.ok(site.reservedCalls.every((c) => c.name === 'status'));
  assert.deepEqual([up.seen.length, web.acquired, web.wakes], [0, 0, 0]);
});

test('a site that refuses a reserved path is answered: 404, 405 with Allow by route, 503 for too many streams', async (t) => {
  const { site, port } = await entrypoint(t, [route(new FakeProxyService(), 1)]);
  const json = { accept: 'application/json' };
  site.reservedOutcome = 'too_many';
  const many = await sendHttp(port, { host: 'web.test', path: '/__drowse/events', headers: json });
  assert.deepEqual([many.status, many.headers['retry-after']], [503, '5']);
  assert.equal(JSON.parse(many.body).detail, 'drowse: too many open event streams (limits.sse_per_service, limits.sse_total)');
  site.reservedOutcome = 'method_not_allowed';
  const events = await sendHttp(port, { host: 'web.test', path: '/__drowse/events', method: 'PUT', headers: json });
  assert.deepEqual([events.status, events.headers.allow, JSON.parse(events.body).detail], [405, 'GET', 'drowse: /__drowse/events does not answer PUT']);
  const status = await sendHttp(port, { host: 'web.test', path: '/__drowse/status', method: 'PATCH', headers: json });
  assert.deepEqual([status.status, status.headers.allow], [405, 'GET, HEAD']);
  site.reservedOutcome = 'not_found';
  const missing = await sendHttp(port, { host: 'web.test', path: '/__drowse/Nope', headers: json });
  assert.deepEqual([missing.status, JSON.parse(missing.body).detail], [404, 'drowse: no reserved route /__drowse/nope']);
});

test('a reserved path or "*" cannot be upgraded: 400, never forwarded or woken', async (t) => {
  const up = await echoUpstream(t);
  const web = new FakeProxyService();
  web.state = 'asleep';
  const { site, port } = await entrypoint(t, [route(web, up.port)]);
  const bare400 = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
  assert.equal(await sendRaw(port, upgradeHead('/__drowse/events'), { end: false }), bare400);
  assert.equal(await sendRaw(port, upgradeHead('/x/..%2f__drowse/status'), { end: false }), bare400);
  assert.equal(await sendRaw(port, upgradeHead('*', 'web.test', 'OPTIONS'), { end: false }), bare400);
  assert.equal(await sendRaw(port, upgradeHead('/ws', 'web.test\r\nHost: other.test'), { end: false }), bare400, 'two Host lines on an upgrade');
  assert.deepEqual([site.reservedCalls.length, web.wakes, web.acquired, up.seen.length], [0, 0, 0, 0]);
});

test('two Host lines, in any case, are 400 naming the reason', async (t) => {
  const up = await echoUpstream(t);
  const { port } = await entrypoint(t, [route(new FakeProxyService(), up.port)]);
  const answer = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: web.test\r\nHOST: other.test\r\n\r\n', { end: false });
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(answer, /request has more than one Host header\n$/);
  assert.equal((await sendHttp(port, { host: 'web.test', headers: { 'x-host': 'a', 'x-name': 'host' } })).status, 200, 'a header named like Host, or whose value is "host", is no second Host');
  assert.equal(up.seen.length, 1);
});

const guarded: Array<[ServiceState, boolean]> = [['asleep', true], ['error', true], ['stopping', true], ['waking', false]];
for (const [state, refused] of guarded) {
  test(`start_endpoint ${refused ? 'refuses' : 'lets through'} other paths while the service is ${state}`, async (t) => {
    const up = await echoUpstream(t);
    const web = new FakeProxyService();
    web.state = state;
    const { ep, port } = await entrypoint(t, [route(web, up.port, { loadingPage: false, policy: { startEndpoints: ['/login'], wakeFilter: { deny: [], allow: [] } } })]);
    if (refused) {
      const res = await sendHttp(port, { host: 'web.test', path: '/x/../api', headers: { accept: 'application/json' } });
      assert.equal(res.status, 403);
      assert.equal(JSON.parse(res.body).detail, 'service "web" is asleep; /api may not wake it (start_endpoint: /login)');
      assert.equal(await sendRaw(port, upgradeHead('/api'), { end: false }), 'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      assert.deepEqual([web.readies, web.acquired], [0, 0]);
    } else {
      const pending = sendHttp(port, { host: 'web.test', path: '/api' });
      await waitFor(() => ep.held('web') === 1, { timeoutMs: 3000, message: 'held' });
      web.becomeReady();
      assert.equal((await pending).status, 200);
    }
  });
}

test('start_endpoint: a path may wake only when every reading of it may', async (t) => {
  const up = await echoUpstream(t);
  const web = new FakeProxyService();
  web.state = 'asleep';
  const { port } = await entrypoint(t, [route(web, up.port, { loadingPage: false, policy: { startEndpoints: ['/app/*'], wakeFilter: { deny: [], allow: [] } } })]);
  const res = await sendHttp(port, { host: 'web.test', path: '/app/..%2fadmin', headers: { accept: 'application/json' } });
  assert.equal(res.status, 403);
  assert.equal(JSON.parse(res.body).detail, 'service "web" is asleep; /admin may not wake it (start_endpoint: /app/*)', 'the loose reading is the one refused');
});

test('a denied client gets no loading page and no wake; an upgrade from it is 503 and does not count as activity', async (t) => {
  const up = await echoUpstream(t);
  const web = new FakeProxyService();
  web.state = 'asleep';
  const { site, port } = await entrypoint(t, [route(web, up.port, { policy: { wakeFilter: { deny: ['bot'], allow: [] } } })]);
  const nav = { 'user-agent': 'ABot/1', accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
  assert.equal((await sendHttp(port, { host: 'web.test', headers: nav })).status, 503);
  assert.deepEqual([site.pages, web.wakes], [[], 0]);
  const upgrade = await sendRaw(port, 'GET /ws HTTP/1.1\r\nHost: web.test\r\nUser-Agent: ABot/1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', { end: false });
  assert.equal(upgrade, 'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  assert.deepEqual([web.wakes, web.readies, web.acquired], [0, 0, 0]);
  // Once awake the denied client is served, still without counting as activity, over an upgrade too.
  web.state = 'ready';
  const upgraded = await sendRaw(port, 'GET /ws HTTP/1.1\r\nHost: web.test\r\nUser-Agent: ABot/1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', { end: false });
  assert.match(upgraded, /^HTTP\/1\.1 (200|426|400)|^$/);
  assert.equal(web.acquired, 0);
});

test('a browser navigating to a waking service gets the loading page; a non-navigation is held', async (t) => {
  const up = await echoUpstream(t);
  const web = new FakeProxyService();
  web.state = 'waking';
  const { ep, site, port } = await entrypoint(t, [route(web, up.port)]);
  const page = await sendHttp(port, { host: 'web.test', headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } });
  assert.deepEqual([page.body, site.pages, web.wakes, web.acquired], ['loading web', ['web'], 1, 0]);
  const api = sendHttp(port, { host: 'web.test', path: '/api', headers: { accept: 'application/json' } });
  await waitFor(() => ep.held('web') === 1, { timeoutMs: 3000, message: 'held' });
  web.becomeReady();
  assert.equal((await api).body, 'upstream GET /api');
  assert.equal(web.acquired, 1);
});
