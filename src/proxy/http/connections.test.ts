/**
 * The connection cap over loopback (a bare http.Server behind capConnections), and the default cap
 * read from /proc/self/limits text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { sendHttp, sendRaw, waitFor } from '../../../test/helpers/fakes/index.ts';
import { capConnections, defaultMaxConnections } from './connections.ts';

const OVER_LIMIT =
  'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  'Content-Length: 46\r\n\r\n503 Service Unavailable: too many connections\n';

/** A server capped at `max` whose handler answers "ok <url>"; `sockets` are its server-side sockets, in order. */
async function capped(t: { after(fn: () => unknown): void }, max: number) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end(`ok ${req.url}`);
  });
  let refused = 0;
  const open = capConnections(server, max, () => refused++);
  const sockets: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { server, port: (server.address() as net.AddressInfo).port, requests, open, refused: () => refused, sockets };
}

function connect(port: number, opts: { allowHalfOpen?: boolean } = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: opts.allowHalfOpen ?? false }, () => resolve(s));
    s.on('error', reject);
  });
}

test('a connection over the cap is answered a bare 503 with Retry-After and closed; its request is never read', async (t) => {
  const c = await capped(t, 1);
  const first = await connect(c.port);
  t.after(() => first.destroy());
  await waitFor(() => c.open() === 1, { timeoutMs: 2000, message: 'the first connection counted' });
  const answer = await sendRaw(c.port, 'GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(answer, OVER_LIMIT);
  assert.equal(c.refused(), 1, 'onRefused called once per refused connection');
  assert.deepEqual(c.requests, [], 'the refused request never reached the handler');
  assert.equal(c.open(), 1, 'a refused connection is not counted');
  first.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => c.requests.length === 1, { timeoutMs: 2000, message: 'the established connection still served' });
  assert.deepEqual(c.requests, ['/first']);
});

test('connections under the cap are served, and a closed one frees its place', async (t) => {
  const c = await capped(t, 2);
  const a = await connect(c.port);
  const b = await connect(c.port);
  await waitFor(() => c.open() === 2, { timeoutMs: 2000, message: 'two open' });
  assert.equal(c.refused(), 0);
  a.destroy();
  b.destroy();
  await waitFor(() => c.open() === 0, { timeoutMs: 2000, message: 'both closed' });
  assert.equal((await sendHttp(c.port, { path: '/again' })).body, 'ok /again');
  assert.equal((await sendHttp(c.port, { path: '/more' })).body, 'ok /more');
  assert.equal(c.refused(), 0, 'closed connections never count against the cap');
});

test('a cap of zero refuses every connection', async (t) => {
  const c = await capped(t, 0);
  assert.equal(await sendRaw(c.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'), OVER_LIMIT);
  assert.equal(await sendRaw(c.port, ''), OVER_LIMIT);
  assert.equal(c.refused(), 2);
});

test('a refused client that reads its answer and leaves is closed at once, not after the linger', async (t) => {
  const c = await capped(t, 0);
  const started = Date.now();
  await sendRaw(c.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const server = c.sockets[0]!;
  await waitFor(() => server.destroyed, { timeoutMs: 1500, message: 'the server side closed' });
  assert.ok(Date.now() - started < 1500, `closed after ${Date.now() - started} ms`);
});

test('a refused client that never closes its side is cut after the linger of 2 s', async (t) => {
  const c = await capped(t, 0);
  // Mocked before the connection, so the cap's linger timer is the mock's; nothing below waits on a timer.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const accepted = new Promise<net.Socket>((resolve) => c.server.once('connection', resolve));
  const client = await connect(c.port, { allowHalfOpen: true });
  t.after(() => client.destroy());
  client.on('error', () => undefined);
  let got = '';
  await new Promise<void>((resolve) => client.on('data', (d) => {
    got += d.toString();
    if (got === OVER_LIMIT) resolve();
  }));
  const server = await accepted;
  assert.equal(server.destroyed, false, 'the half-open client is still waited for');
  t.mock.timers.tick(1_999);
  assert.equal(server.destroyed, false, 'not before the linger ends');
  t.mock.timers.tick(1);
  assert.equal(server.destroyed, true, 'cut when it ends');
});

test('a client that errors on a refused connection is destroyed without crashing the server', async (t) => {
  const c = await capped(t, 0);
  const client = await connect(c.port);
  client.on('error', () => undefined);
  client.resetAndDestroy();
  await waitFor(() => c.sockets[0]?.destroyed === true, { timeoutMs: 2000, message: 'the server side gone' });
  assert.equal(await sendRaw(c.port, ''), OVER_LIMIT, 'the server still answers');
});

test('the cap takes over the one connection handler; a server with more is refused with a clear error', () => {
  const server = http.createServer();
  server.on('connection', () => undefined);
  assert.throws(() => capConnections(server, 1, () => undefined), { message: 'http entrypoint: expected one connection handler on the server, found 2' });
  const bare = http.createServer();
  capConnections(bare, 1, () => undefined);
  assert.equal(bare.listeners('connection').length, 1, 'the parser listener was replaced, not added to');
});

const LIMITS_HEAD = 'Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \n';
const limits: Array<[string, string | undefined, number]> = [
  ['1,024 open files leave 448 connections', `${LIMITS_HEAD}Max open files            1024                 524288               files     \n`, 448],
  ['the soft limit is read, not the hard one', `${LIMITS_HEAD}Max open files            4096                 1024                 files     \n`, 1984],
  ['a large limit is clamped to 65,536', `${LIMITS_HEAD}Max open files            1048576              1048576              files     \n`, 65_536],
  ['an unlimited one too', `${LIMITS_HEAD}Max open files            unlimited            unlimited            files     \n`, 65_536],
  ['a tiny limit still allows 16', `${LIMITS_HEAD}Max open files            100                  100                  files     \n`, 16],
  ['just above the reserve gives what is left, halved', 'Max open files 200 200 files\n', 36],
  ['the line must start with its name', 'Soft Max open files 4096\nMax open files 1000 1000 files\n', 436],
  ['text without the line falls back to 1,000', `${LIMITS_HEAD}Max processes             63457                63457                processes \n`, 1_000],
  ['a line without a number falls back too', 'Max open files            lots\n', 1_000],
  ['an empty file falls back', '', 1_000],
];
for (const [name, text, want] of limits) {
  test(`default max_connections: ${name}`, () => assert.equal(defaultMaxConnections(text), want));
}

test('without an argument the default is read from /proc/self/limits', () => {
  const text = readFileSync('/proc/self/limits', 'utf8');
  assert.equal(defaultMaxConnections(), defaultMaxConnections(text));
  assert.notEqual(defaultMaxConnections(), 1_000, `this machine's limits: ${/Max open files.*/.exec(text)?.[0] ?? 'none'}`);
});
