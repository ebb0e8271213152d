/**
 * A TCP entrypoint binds only where it is told, and a half-close by the target leaves the other
 * direction open. Loopback only; both found untested by mutation testing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { silentLogger } from '../../kernel/index.ts';
import { FakeProxyService, waitFor } from '../../../test/helpers/fakes/index.ts';
import { TcpEntrypoint } from './entrypoint.ts';

interface After { after(fn: () => unknown): void }

/** A target on 127.0.0.1 whose connections the test sees; `onConnection` decides what each does. */
async function target(t: After, onConnection: (s: net.Socket) => void = () => undefined) {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, sockets };
}

async function entrypoint(t: After, service: FakeProxyService, targetPort: number, wakeTimeoutMs = 5_000) {
  const ep = new TcpEntrypoint({
    listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: targetPort }, service,
    wakeTimeoutMs, maxHeld: 10, openKeepsAwake: true, log: silentLogger(),
  });
  await ep.start();
  t.after(() => ep.stop(100));
  return ep;
}

/** A client that keeps its own side open when the other one ends it. */
async function client(port: number) {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const state = { received: '', ended: false, closed: false };
  socket.on('data', (d) => (state.received += d.toString()));
  socket.on('end', () => (state.ended = true));
  socket.on('close', () => (state.closed = true));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, state };
}

test('the listener binds only the host it is given, and says where it listens', { timeout: 10_000 }, async (t) => {
  const up = await target(t);
  const service = new FakeProxyService('db');
  const ep = new TcpEntrypoint({
    listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: up.port }, service,
    wakeTimeoutMs: 1_000, maxHeld: 1, openKeepsAwake: true, log: silentLogger(),
  });
  assert.throws(() => ep.address(), /tcp entrypoint of "db": not listening/);
  await ep.start();
  t.after(() => ep.stop(100));
  assert.equal(ep.address().host, '127.0.0.1');
});

test('a target that half-closes still receives what the client sends afterwards', { timeout: 10_000 }, async (t) => {
  let got = '';
  const gotAll = new Promise<void>((resolve) => {
    void target(t, (s) => {
      s.end('banner');
      s.on('data', (d) => (got += d.toString()));
      s.on('end', () => resolve());
    }).then((up) => (upPort.resolve(up.port)));
  });
  const upPort = Promise.withResolvers<number>();
  const service = new FakeProxyService('db');
  const ep = await entrypoint(t, service, await upPort.promise);
  const c = await client(ep.address().port);
  await waitFor(() => c.state.ended, { timeoutMs: 5_000 });
  assert.equal(c.state.received, 'banner');
  c.socket.end('late words');
  await gotAll;
  assert.equal(got, 'late words');
});
