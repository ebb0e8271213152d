/**
 * The TCP entrypoint over loopback: a real listener and upstream on 127.0.0.1, and a service the
 * test makes ready (or not) by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createLogger, silentLogger, type Logger } from '../../kernel/index.ts';
import { waitFor, connectClient as connect } from '../../../test/helpers/fakes/index.ts';
import type { ServiceState } from '../../service/index.ts';
import { TcpEntrypoint, type TcpService } from './entrypoint.ts';

class FakeService implements TcpService {
  readonly name = 'db';
  state: ServiceState = 'ready';
  /** The workload still runs, so a refused target is the app's own answer. */
  async confirmRunning(): Promise<boolean> {
    return true;
  }
  acquired = 0;
  released = 0;
  touches = 0;
  private waiters: Array<{ resolve(): void; reject(e: unknown): void }> = [];
  acquire(): () => void {
    this.acquired++;
    return () => void this.released++;
  }
  touch(): void {
    this.touches++;
  }
  whenReady(signal: AbortSignal): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
  becomeReady(): void {
    this.state = 'ready';
    for (const w of this.waiters.splice(0)) w.resolve();
  }
  fail(): void {
    for (const w of this.waiters.splice(0)) w.reject(new Error('wake failed'));
  }
}

/** An upstream on 127.0.0.1 that answers every chunk with "echo:<chunk>". */
async function echoServer(t: { after(fn: () => void): void }) {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('data', (d) => s.write(`echo:${d.toString()}`));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections, sockets };
}

async function entrypoint(t: { after(fn: () => Promise<void>): void }, service: TcpService, targetPort: number, over: { wakeTimeoutMs?: number; maxHeld?: number; openKeepsAwake?: boolean; log?: Logger } = {}) {
  const ep = new TcpEntrypoint({
    listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: targetPort }, service,
    wakeTimeoutMs: over.wakeTimeoutMs ?? 5000, maxHeld: over.maxHeld ?? 10, openKeepsAwake: over.openKeepsAwake ?? true, log: over.log ?? silentLogger(),
  });
  await ep.start();
  t.after(() => ep.stop(100));
  return ep;
}

test('a connection to a ready service is piped both ways to the target', async (t) => {
  const up = await echoServer(t);
  const db = new FakeService();
  const ep = await entrypoint(t, db, up.port);
  const c = await connect(ep.address().port);
  c.socket.write('hello');
  await waitFor(() => c.received() === 'echo:hello', { message: 'the echo' });
  assert.equal(db.acquired, 1);
  assert.ok(db.touches >= 1, 'bytes are activity');
  c.socket.destroy();
  await waitFor(() => db.released === 1, { message: 'released when the client leaves' });
  await waitFor(() => [...up.sockets].every((s) => s.destroyed), { message: 'the upstream connection closed too' });
});

test('bytes touch the idle timer at most every 500 ms per connection', async (t) => {
  const up = await echoServer(t);
  const db = new FakeService();
  const ep = await entrypoint(t, db, up.port);
  const c = await connect(ep.address().port);
  for (let i = 0; i < 5; i++) {
    c.socket.write(`m${i}`);
    await waitFor(() => c.received().includes(`echo:m${i}`));
  }
  assert.equal(db.touches, 1, `${db.touches} touches for 10 chunks within 500 ms`);
  c.socket.destroy();
});

test('a connection to a sleeping service is held, its early bytes kept in order, until the service is ready', async (t) => {
  const up = await echoServer(t);
  const db = new FakeService();
  db.state = 'asleep';
  const ep = await entrypoint(t, db, up.port);
  const c = await connect(ep.address().port);
  c.socket.write('early');
  await waitFor(() => ep.heldCount === 1, { message: 'held' });
  assert.equal(up.connections(), 0, 'no upstream connection while asleep');
  db.becomeReady();
  await waitFor(() => c.received() === 'echo:early', { message: 'early bytes delivered' });
  assert.equal(ep.heldCount, 0);
  c.socket.destroy();
});

test('a held connection is closed when the wake fails or takes longer than wake_timeout', async (t) => {
  const up = await echoServer(t);
  const db = new FakeService();
  db.state = 'asleep';
  const captured: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', format: 'json' }, { write: (s: string) => captured.push(JSON.parse(s) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  const ep = await entrypoint(t, db, up.port, { wakeTimeoutMs: 100, log });
  const slow = await connect(ep.address().port);
  const started = Date.now();
  await waitFor(() => slow.closed(), { timeoutMs: 3000, message: 'closed after wake_timeout' });
  assert.ok(Date.now() - started < 2000);
  assert.ok(captured.some((l) => l['msg'] === 'tcp connection closed: service not ready' && /not ready after 100ms/.test(String((l['err'] as { message?: string } | undefined)?.message))));
  const failing = await connect(ep.address().port);
  await waitFor(() => ep.heldCount === 1);
  db.fail();
  await waitFor(() => failing.closed(), { message: 'closed when the wake failed' });
  assert.equal(up.connections(), 0);
  assert.equal(ep.heldCount, 0);
  await waitFor(() => db.released === 2, { message: 'both released' });
});

test('connections past max_held are closed at once while the others stay held', async (t) => {
  const up = await echoServer(t);
  const db = new FakeService();
  db.state = 'asleep';
  const captured: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', format: 'json' }, { write: (s: string) => captured.push(JSON.parse(s) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  const ep = await entrypoint(t, db, up.port, { maxHeld: 2, log });
  const a = await connect(ep.address().port);
  const b = await connect(ep.address().port);
  await waitFor(() => ep.heldCount === 2);
  const c = await connect(ep.address().port);
  await waitFor(() => c.closed(), { message: 'the third closed' });
  assert.equal(ep.heldCount, 2);
  assert.ok(!a.closed() && !b.closed());
  const warn = captured.find((l) => l['level'] === 40);
  assert.deepEqual([warn?.['msg'], warn?.['held'], warn?.['max_held']], ['tcp connection closed: too many held connections', 2, 2]);
  db.becomeReady();
  a.socket.write('a');
  await waitFor(() => a.received() === 'echo:a');
  a.socket.destroy();
  b.socket.destroy();
});

// A held connection is paused (pauseOnConnect), so a client that leaves is noticed when the hold
// ends (wake_timeout at the latest), not at once.
test('a client that leaves while held is forgotten by wake_timeout at the latest', async (t) => {
  const up = await echoServer(t);
  const db = new FakeService();
  db.state = 'asleep';
  const ep = await entrypoint(t, db, up.port, { wakeTimeoutMs: 300 });
  const c = await connect(ep.address().port);
  await waitFor(() => ep.heldCount === 1);
  c.socket.destroy();
  await waitFor(() => ep.heldCount === 0 && db.released === 1, { timeoutMs: 2000, message: 'the hold and the activity released' });
  db.becomeReady();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(up.connections(), 0, 'nothing piped for a client that left');
});

test('with open_keeps_awake off an open connection stops counting once piped: only bytes keep the service awake', async (t) => {
  const up = await echoServer(t);
  const db = new FakeService();
  const ep = await entrypoint(t, db, up.port, { openKeepsAwake: false });
  const c = await connect(ep.address().port);
  await waitFor(() => db.released === 1, { message: 'released at once' });
  c.socket.write('x');
  await waitFor(() => c.received() === 'echo:x');
  c.socket.destroy();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(db.released, 1, 'released once, not again on close');
});

test('with open_keeps_awake an open connection counts until it closes', async (t) => {
  const up = await echoServer(t);
  const db = new FakeService();
  const ep = await entrypoint(t, db, up.port, { openKeepsAwake: true });
  const c = await connect(ep.address().port);
  c.socket.write('x');
  await waitFor(() => c.received() === 'echo:x');
  assert.equal(db.released, 0);
  c.socket.destroy();
  await waitFor(() => db.released === 1);
});

test('an upstream that refuses the connection closes the client', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const ep = await entrypoint(t, new FakeService(), port);
  const c = await connect(ep.address().port);
  await waitFor(() => c.closed(), { message: 'client closed' });
});

test('an upstream that closes closes the client', async (t) => {
  const up = await echoServer(t);
  const ep = await entrypoint(t, new FakeService(), up.port);
  const c = await connect(ep.address().port);
  c.socket.write('x');
  await waitFor(() => c.received() === 'echo:x');
  for (const s of up.sockets) s.destroy();
  await waitFor(() => c.closed(), { message: 'client closed with the upstream' });
});

test('stop ends held connections at once and piped ones after the grace period', async (t) => {
  const up = await echoServer(t);
  const db = new FakeService();
  const ep = new TcpEntrypoint({ listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: up.port }, service: db, wakeTimeoutMs: 5000, maxHeld: 10, openKeepsAwake: true, log: silentLogger() });
  await ep.start();
  const port = ep.address().port;
  const piped = await connect(port);
  piped.socket.write('x');
  await waitFor(() => piped.received() === 'echo:x');
  db.state = 'asleep';
  const held = await connect(port);
  await waitFor(() => ep.heldCount === 1);
  const started = Date.now();
  const stopping = ep.stop(200);
  await waitFor(() => held.closed(), { timeoutMs: 1000, message: 'the held connection ended at once' });
  assert.equal(piped.closed(), false, 'the piped one gets its grace period');
  await stopping;
  assert.ok(Date.now() - started >= 150, 'stop waited for the grace period');
  await waitFor(() => piped.closed(), { message: 'cut after the grace period' });
  await ep.stop();
  assert.throws(() => ep.address(), /tcp entrypoint of "db": not listening/);
});

test('a listen address in use is refused at start', async (t) => {
  const up = await echoServer(t);
  const first = await entrypoint(t, new FakeService(), up.port);
  const second = new TcpEntrypoint({ listen: { host: '127.0.0.1', port: first.address().port }, target: { host: '127.0.0.1', port: up.port }, service: new FakeService(), wakeTimeoutMs: 5000, maxHeld: 10, openKeepsAwake: true, log: silentLogger() });
  await assert.rejects(second.start(), { name: 'ListenError', code: 'EADDRINUSE', message: new RegExp(`^services\\.db\\.tcp\\.listen 127\\.0\\.0\\.1:${first.address().port} is already in use`) });
});

test('a client that sends and half-closes still gets the whole answer', async (t) => {
  const up = await echoServer(t);
  const ep = await entrypoint(t, new FakeService(), up.port);
  const c = await connect(ep.address().port);
  c.socket.end('last words');
  await waitFor(() => c.received() === 'echo:last words', { message: 'the answer after the half-close' });
});

test('bytes in either direction are activity: a client that only sends, an upstream that only speaks', async (t) => {
  const sink = net.createServer((s) => s.resume());
  const greeter = net.createServer((s) => s.end('220 hello\r\n'));
  for (const s of [sink, greeter]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    sink.close();
    greeter.close();
  });
  const quiet = new FakeService();
  const toSink = await entrypoint(t, quiet, (sink.address() as net.AddressInfo).port);
  const c = await connect(toSink.address().port);
  c.socket.write('x');
  await waitFor(() => quiet.touches === 1, { message: 'client bytes touched' });
  c.socket.destroy();
  const talkative = new FakeService();
  const toGreeter = await entrypoint(t, talkative, (greeter.address() as net.AddressInfo).port);
  const g = await connect(toGreeter.address().port);
  await waitFor(() => g.received() === '220 hello\r\n' && talkative.touches === 1, { message: 'upstream bytes touched' });
  g.socket.destroy();
});

test('connections to a ready service are never counted against max_held', async (t) => {
  const up = await echoServer(t);
  const ep = await entrypoint(t, new FakeService(), up.port, { maxHeld: 0 });
  const c = await connect(ep.address().port);
  c.socket.write('x');
  await waitFor(() => c.received() === 'echo:x');
  c.socket.destroy();
});
