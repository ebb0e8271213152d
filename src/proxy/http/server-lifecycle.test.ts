/**
 * The HTTP entrypoint's parser toward clients, its loop warning, and what stop() leaves behind,
 * over loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { silentLogger, type Logger } from '../../kernel/index.ts';
import { capturingLogger, echoUpstream, FakeProxyService, FakeSite, sendHttp, sendRaw, waitFor } from '../../../test/helpers/fakes/index.ts';
import { HttpEntrypoint, type HttpRoute } from './server.ts';

function route(service: FakeProxyService, port: number): HttpRoute {
  return { hosts: [`${service.name}.test`], service, target: new URL(`http://127.0.0.1:${port}`), wakeTimeoutMs: 5_000, loadingPage: false, policy: { wakeFilter: { deny: [], allow: [] } } };
}

async function entrypoint(t: { after(fn: () => unknown): void }, routes: HttpRoute[], log: Logger = silentLogger()) {
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes, site: new FakeSite(), log });
  await ep.start();
  t.after(() => ep.stop(100));
  return { ep, port: ep.address().port };
}

// What the lenient parser (kept for upstream answers) would let through toward the app.
const smuggling: Array<[string, string]> = [
  ['bare LF line endings', 'GET / HTTP/1.1\nHost: web.test\n\n'],
  ['Content-Length beside Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: web.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['a control character in a header value', 'GET / HTTP/1.1\r\nHost: web.test\r\nX: a\x01b\r\n\r\n'],
  ['an obsolete folded header line', 'GET / HTTP/1.1\r\nHost: web.test\r\nX: a\r\n  b\r\n\r\n'],
];
for (const [what, request] of smuggling) {
  test(`a client request with ${what} is 400 and never forwarded: clients get the strict parser`, async (t) => {
    const up = await echoUpstream(t);
    const { port } = await entrypoint(t, [route(new FakeProxyService(), up.port)]);
    assert.equal(await sendRaw(port, request, { end: false }), 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    assert.equal(up.seen.length, 0);
  });
}

test('a proxy loop is logged once a minute however often it happens', async (t) => {
  const { log, lines } = capturingLogger();
  const web = new FakeProxyService();
  const r = route(web, 1);
  const { port } = await entrypoint(t, [r], log);
  (r as { target: URL }).target = new URL(`http://127.0.0.1:${port}`);
  for (let i = 0; i < 3; i++) assert.equal((await sendHttp(port, { host: 'web.test' })).status, 508);
  const loops = lines.filter((l) => l['msg'] === 'proxy loop: the target leads back to drowse');
  assert.equal(loops.length, 1);
  assert.deepEqual([loops[0]?.['service'], loops[0]?.['target'], loops[0]?.['suppressed']], ['web', `http://127.0.0.1:${port}`, 0]);
});

test('stop closes the idle keep-alive connections to upstreams, and a second stop is a no-op', async (t) => {
  const up = await echoUpstream(t);
  const upstreamSockets: net.Socket[] = [];
  up.server.on('connection', (s: net.Socket) => upstreamSockets.push(s));
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes: [route(new FakeProxyService(), up.port)], site: new FakeSite(), log: silentLogger() });
  await ep.start();
  assert.equal((await sendHttp(ep.address().port, { host: 'web.test', headers: { connection: 'keep-alive' } })).status, 200);
  assert.equal(upstreamSockets.length, 1);
  await ep.stop(1_000);
  await waitFor(() => upstreamSockets[0]!.destroyed, { timeoutMs: 2000, message: 'the upstream connection closed' });
  await ep.stop();
  assert.throws(() => ep.address(), { message: 'http entrypoint: not listening' });
});
