import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { listening, ListenError } from './listen.ts';

async function holder(t: { after(fn: () => void): void }): Promise<number> {
  const server = net.createServer();
  server.listen({ host: '127.0.0.1', port: 0 });
  await listening(server);
  t.after(() => void server.close());
  return (server.address() as net.AddressInfo).port;
}

test('a port in use rejects with a ListenError naming the config key, the address and what to do', async (t) => {
  const port = await holder(t);
  const server = net.createServer();
  server.listen({ host: '127.0.0.1', port });
  const err = await listening(server, { key: 'services.db.tcp.listen', host: '127.0.0.1', port }).catch((e: unknown) => e);
  assert.ok(err instanceof ListenError);
  assert.equal(err.message, `services.db.tcp.listen 127.0.0.1:${port} is already in use: stop what listens there or set services.db.tcp.listen to a free address`);
  assert.equal(err.code, 'EADDRINUSE');
  assert.equal((err.cause as NodeJS.ErrnoException).code, 'EADDRINUSE');
});

test('an IPv6 or every-interface address is written as the config writes it', () => {
  const cause = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', syscall: 'listen' });
  assert.match(new ListenError({ key: 'entrypoints.http', host: '::1', port: 8080 }, cause).message, /^entrypoints\.http \[::1\]:8080 is already in use/);
  assert.match(new ListenError({ key: 'entrypoints.http', host: '', port: 8080 }, cause).message, /^entrypoints\.http :8080 is already in use/);
});

test('without a site the system error is passed on as it is', async (t) => {
  const port = await holder(t);
  const server = net.createServer();
  server.listen({ host: '127.0.0.1', port });
  const err = await listening(server).catch((e: unknown) => e);
  assert.ok(!(err instanceof ListenError));
  assert.equal((err as NodeJS.ErrnoException).code, 'EADDRINUSE');
});
