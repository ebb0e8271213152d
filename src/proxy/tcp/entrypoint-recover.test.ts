/**
 * The TCP entrypoint when its target refuses (a workload that died under a ready service), and its
 * max_connections bound. Over loopback; the refusing port was freed a moment before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { silentLogger, type Logger } from '../../kernel/index.ts';
import { capturingLogger, closedPort, FakeProxyService, waitFor, connectClient as connect } from '../../../test/helpers/fakes/index.ts';
import { TcpEntrypoint } from './entrypoint.ts';

async function entrypoint(t: { after(fn: () => unknown): void }, service: FakeProxyService, targetPort: number, over: { maxConnections?: number; wakeTimeoutMs?: number; log?: Logger } = {}) {
  const ep = new TcpEntrypoint({
    listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: targetPort }, service,
    wakeTimeoutMs: over.wakeTimeoutMs ?? 5_000, maxHeld: 10, openKeepsAwake: true, log: over.log ?? silentLogger(),
    ...(over.maxConnections === undefined ? {} : { maxConnections: over.maxConnections }),
  });
  await ep.start();
  t.after(() => ep.stop(100));
  return ep;
}

/** An echo server on `port` ("echo:<chunk>"). */
async function echoOn(t: { after(fn: () => unknown): void }, port = 0) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => s.write(`echo:${d.toString()}`));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, sockets };
}

test('a refused connect to a workload that no longer runs holds the client through the new wake and connects again; early bytes arrive', async (t) => {
  const dead = await closedPort();
  const db = new FakeProxyService('db');
  db.running = false;
  db.onConfirm = () => (db.state = 'asleep');
  const ep = await entrypoint(t, db, dead);
  const c = await connect(ep.address().port);
  c.socket.write('early');
  await waitFor(() => ep.heldCount === 1, { timeoutMs: 3000, message: 'held after the refusal' });
  assert.equal(db.confirms, 1);
  assert.equal(c.closed(), false);
  await echoOn(t, dead);
  db.becomeReady();
  await waitFor(() => c.received() === 'echo:early', { timeoutMs: 3000, message: 'the early bytes piped after the reconnect' });
  assert.equal(ep.heldCount, 0);
  c.socket.write('later');
  await waitFor(() => c.received() === 'echo:earlyecho:later', { timeoutMs: 3000, message: 'piped both ways' });
  c.socket.destroy();
  await waitFor(() => db.released === 1, { timeoutMs: 3000, message: 'released once' });
  assert.equal(db.acquired, 1);
});

test('a refused connect to a workload that still runs closes the client without a hold, with a log line', async (t) => {
  const dead = await closedPort();
  const db = new FakeProxyService('db');
  const { log, lines } = capturingLogger();
  const ep = await entrypoint(t, db, dead, { log });
  const c = await connect(ep.address().port);
  await waitFor(() => c.closed(), { timeoutMs: 3000, message: 'closed' });
  assert.deepEqual([db.confirms, db.readies], [1, 0]);
  const line = lines.find((l) => l['msg'] === 'tcp connection closed: target refused');
  assert.ok(line, 'the refusal is logged');
  assert.equal(line['level'], 30);
  assert.equal(ep.heldCount, 0);
});

test('a connect refused again after the new wake closes the client: it is retried once', async (t) => {
  const dead = await closedPort();
  const db = new FakeProxyService('db');
  db.running = false;
  const ep = await entrypoint(t, db, dead);
  const c = await connect(ep.address().port);
  await waitFor(() => c.closed(), { timeoutMs: 3000, message: 'closed after the second refusal' });
  assert.deepEqual([db.confirms, db.readies], [1, 1]);
});

test('a client held after a refusal is closed when the new wake outlasts wake_timeout', async (t) => {
  const dead = await closedPort();
  const db = new FakeProxyService('db');
  db.running = false;
  db.onConfirm = () => (db.state = 'waking');
  const ep = await entrypoint(t, db, dead, { wakeTimeoutMs: 150 });
  const c = await connect(ep.address().port);
  await waitFor(() => c.closed(), { timeoutMs: 3000, message: 'closed after wake_timeout' });
  assert.equal(db.confirms, 1);
});

test('a provider that cannot answer closes the client', async (t) => {
  const dead = await closedPort();
  const db = new FakeProxyService('db');
  db.onConfirm = () => {
    throw new Error('engine unreachable');
  };
  const ep = await entrypoint(t, db, dead);
  const c = await connect(ep.address().port);
  await waitFor(() => c.closed(), { timeoutMs: 3000, message: 'closed' });
});

test('a target that resets after connecting closes the client without asking the provider', async (t) => {
  const server = net.createServer((s) => s.resetAndDestroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const db = new FakeProxyService('db');
  const ep = await entrypoint(t, db, (server.address() as net.AddressInfo).port);
  const c = await connect(ep.address().port);
  c.socket.write('x');
  await waitFor(() => c.closed(), { timeoutMs: 3000, message: 'closed' });
  assert.equal(db.confirms, 0);
});

test('max_connections: a connection past the limit is closed at once with one warning; a closed one frees its place', async (t) => {
  const up = await echoOn(t);
  const db = new FakeProxyService('db');
  const { log, lines } = capturingLogger();
  const ep = await entrypoint(t, db, up.port, { maxConnections: 1, log });
  const first = await connect(ep.address().port);
  first.socket.write('a');
  await waitFor(() => first.received() === 'echo:a', { timeoutMs: 3000, message: 'the first piped' });
  const second = await connect(ep.address().port);
  const third = await connect(ep.address().port);
  await waitFor(() => second.closed() && third.closed(), { timeoutMs: 3000, message: 'the others closed' });
  assert.equal(second.received(), '');
  assert.equal(db.acquired, 1, 'a refused connection is no activity');
  const warns = lines.filter((l) => l['msg'] === 'tcp connection closed: limits.max_connections reached');
  assert.equal(warns.length, 1, 'a flood writes one line');
  assert.deepEqual([warns[0]?.['max_connections'], warns[0]?.['suppressed'], warns[0]?.['level']], [1, 0, 40]);
  assert.equal(up.sockets.size, 1, 'no upstream connection for refused clients');
  first.socket.destroy();
  await waitFor(() => db.released === 1, { timeoutMs: 3000, message: 'the first closed' });
  const fourth = await connect(ep.address().port);
  fourth.socket.write('d');
  await waitFor(() => fourth.received() === 'echo:d', { timeoutMs: 3000, message: 'a new connection accepted' });
  fourth.socket.destroy();
});

test('max_connections counts held connections too', async (t) => {
  const up = await echoOn(t);
  const db = new FakeProxyService('db');
  db.state = 'asleep';
  const ep = await entrypoint(t, db, up.port, { maxConnections: 1 });
  const held = await connect(ep.address().port);
  await waitFor(() => ep.heldCount === 1, { timeoutMs: 3000, message: 'held' });
  const over = await connect(ep.address().port);
  await waitFor(() => over.closed(), { timeoutMs: 3000, message: 'closed at once' });
  assert.equal(ep.heldCount, 1);
  held.socket.destroy();
});

test('stop ends a client held after a refusal at once, like any held connection', async (t) => {
  const dead = await closedPort();
  const db = new FakeProxyService('db');
  db.running = false;
  db.onConfirm = () => (db.state = 'waking');
  const ep = await entrypoint(t, db, dead);
  const c = await connect(ep.address().port);
  await waitFor(() => db.waiting === 1, { timeoutMs: 3000, message: 'held after the refusal' });
  const started = Date.now();
  await ep.stop(5_000);
  assert.ok(Date.now() - started < 1_000, `stop took ${Date.now() - started} ms`);
  await waitFor(() => c.closed(), { timeoutMs: 1000, message: 'the held client ended' });
});
