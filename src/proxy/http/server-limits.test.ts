/**
 * The HTTP entrypoint's limits over loopback: held_per_service, the header and keep-alive
 * timeouts, max_connections, and which limits the defaults fill in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { silentLogger, type Logger } from '../../kernel/index.ts';
import { capturingLogger, echoUpstream, FakeProxyService, FakeSite, sendHttp, sendRaw, waitFor } from '../../../test/helpers/fakes/index.ts';
import { HttpEntrypoint, type HttpLimits, type HttpRoute } from './server.ts';

function route(service: FakeProxyService, port: number, over: Partial<HttpRoute> = {}): HttpRoute {
  return { hosts: [`${service.name}.test`], service, target: new URL(`http://127.0.0.1:${port}`), wakeTimeoutMs: 5_000, loadingPage: false, policy: { wakeFilter: { deny: [], allow: [] } }, ...over };
}

async function entrypoint(t: { after(fn: () => unknown): void }, routes: HttpRoute[], limits: Partial<HttpLimits>, log: Logger = silentLogger()) {
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes, site: new FakeSite(), log, limits });
  await ep.start();
  t.after(() => ep.stop(100));
  return { ep, port: ep.address().port };
}

test('held_per_service: past the limit a request is 503 at once, naming the limit; the held ones go through', async (t) => {
  const up = await echoUpstream(t);
  const web = new FakeProxyService();
  web.state = 'asleep';
  const other = new FakeProxyService('other');
  other.state = 'asleep';
  const { ep, port } = await entrypoint(t, [route(web, up.port), route(other, up.port)], { heldPerService: 1 });
  const first = sendHttp(port, { host: 'web.test', path: '/1' });
  await waitFor(() => ep.held('web') === 1, { timeoutMs: 3000, message: 'one held' });
  const second = await sendHttp(port, { host: 'web.test', path: '/2', headers: { accept: 'application/json' } });
  assert.equal(second.status, 503);
  assert.equal(second.headers['retry-after'], '5');
  assert.equal(JSON.parse(second.body).detail, 'service "web" is waking and already holds 1 requests (limits.held_per_service)');
  const upgrade = await sendRaw(port, 'GET /ws HTTP/1.1\r\nHost: web.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', { end: false });
  assert.equal(upgrade, 'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', 'an upgrade counts against the same limit');
  const elsewhere = sendHttp(port, { host: 'other.test', path: '/o' });
  await waitFor(() => ep.held('other') === 1, { timeoutMs: 3000, message: 'the limit is per service' });
  web.becomeReady();
  other.becomeReady();
  assert.equal((await first).body, 'upstream GET /1');
  assert.equal((await elsewhere).body, 'upstream GET /o');
  assert.deepEqual(up.seen.map((s) => s.url).sort(), ['/1', '/o']);
  assert.equal(ep.held('web'), 0);
});

test('a held_per_service of zero turns away every request for a service that is not ready, never one that is', async (t) => {
  const up = await echoUpstream(t);
  const web = new FakeProxyService();
  const { port } = await entrypoint(t, [route(web, up.port)], { heldPerService: 0 });
  assert.equal((await sendHttp(port, { host: 'web.test' })).status, 200);
  web.state = 'waking';
  assert.equal((await sendHttp(port, { host: 'web.test' })).status, 503);
  assert.equal(web.readies, 0, 'never held');
});

test('a client that does not finish its headers within header_timeout gets 408 and is closed, promptly', async (t) => {
  const { port } = await entrypoint(t, [], { headerTimeoutMs: 200 });
  const started = Date.now();
  const answer = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: web.test\r\n', { end: false });
  const took = Date.now() - started;
  assert.equal(answer, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  // Checked every min(1 s, header_timeout): well before Node's default 30 s interval.
  assert.ok(took >= 150 && took < 900, `answered after ${took} ms`);
});

test('headers too large are 431 and a malformed request 400, each closing the connection', async (t) => {
  const { port } = await entrypoint(t, [], {});
  const big = await sendRaw(port, `GET / HTTP/1.1\r\nHost: web.test\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, { end: false });
  assert.equal(big, 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  const bad = await sendRaw(port, 'NOT HTTP\r\n\r\n', { end: false });
  assert.equal(bad, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
});

test('an idle keep-alive connection is closed after keep_alive_timeout', async (t) => {
  const up = await echoUpstream(t);
  const { port } = await entrypoint(t, [route(new FakeProxyService(), up.port)], { keepAliveTimeoutMs: 150 });
  const s = net.connect(port, '127.0.0.1');
  t.after(() => s.destroy());
  let got = '';
  let closedAt = 0;
  s.on('data', (c) => (got += c.toString()));
  s.on('close', () => (closedAt = Date.now()));
  s.on('error', () => undefined);
  s.write('GET /k HTTP/1.1\r\nHost: web.test\r\n\r\n');
  await waitFor(() => got.includes('upstream GET /k') && got.endsWith('\r\n\r\n'), { timeoutMs: 3000, message: 'the answer' });
  assert.match(got, /^HTTP\/1\.1 200 OK\r\n/);
  const answeredAt = Date.now();
  await waitFor(() => closedAt > 0, { timeoutMs: 3000, message: 'closed when idle' });
  // Node adds a second (keepAliveTimeoutBuffer) to the timeout it sets on the socket.
  assert.ok(closedAt - answeredAt < 2_500, `closed ${closedAt - answeredAt} ms after the answer`);
});

test('max_connections: a connection past the limit is answered 503 and closed, with one warning', async (t) => {
  const up = await echoUpstream(t);
  const { log, lines } = capturingLogger();
  const { ep, port } = await entrypoint(t, [route(new FakeProxyService(), up.port)], { maxConnections: 1 }, log);
  const held = net.connect(port, '127.0.0.1');
  t.after(() => held.destroy());
  await waitFor(() => ep.connections() === 1, { timeoutMs: 3000, message: 'one open connection' });
  const refused = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: web.test\r\n\r\n');
  assert.match(refused, /^HTTP\/1\.1 503 Service Unavailable\r\nRetry-After: 5\r\n/);
  assert.match(refused, /too many connections\n$/);
  await sendRaw(port, '');
  const warns = lines.filter((l) => l['msg'] === 'connection refused: limits.max_connections reached');
  assert.equal(warns.length, 1, 'a flood writes one line');
  assert.deepEqual([warns[0]?.['max_connections'], warns[0]?.['suppressed'], warns[0]?.['level']], [1, 0, 40]);
  held.destroy();
  await waitFor(() => ep.connections() === 0, { timeoutMs: 3000, message: 'closed' });
  assert.equal((await sendHttp(port, { host: 'web.test' })).status, 200);
});

test('limits left undefined keep their defaults; connections() is 0 before start', async (t) => {
  const up = await echoUpstream(t);
  const web = new FakeProxyService();
  web.state = 'asleep';
  const ep = new HttpEntrypoint({
    host: '127.0.0.1', port: 0, routes: [route(web, up.port)], site: new FakeSite(), log: silentLogger(),
    limits: { heldPerService: undefined, maxConnections: undefined, headerTimeoutMs: undefined } as unknown as Partial<HttpLimits>,
  });
  assert.equal(ep.connections(), 0);
  await ep.start();
  t.after(() => ep.stop(100));
  const port = ep.address().port;
  const pending = [sendHttp(port, { host: 'web.test', path: '/a' }), sendHttp(port, { host: 'web.test', path: '/b' })];
  await waitFor(() => ep.held('web') === 2, { timeoutMs: 3000, message: 'both held under the default of 1,000' });
  web.becomeReady();
  assert.deepEqual((await Promise.all(pending)).map((r) => r.status), [200, 200]);
});
