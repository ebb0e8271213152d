import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../kernel/index.ts';
import { ControlServer, type ControlBackend } from './server.ts';
import { probeHealth } from './health-probe.ts';

const log = createLogger({ level: 'silent', format: 'json' }, process.stderr);
const backend: ControlBackend = {
  status: () => ({}),
  wake: () => Promise.resolve({}),
  sleep: () => ({}),
  hasService: () => false,
  metrics: () => Promise.resolve({ contentType: 'text/plain', body: '' }),
};

async function tmpSocket(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-health-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'control.sock');
}

test('the health check passes when a drowse control API answers on the socket', { timeout: 10_000 }, async (t) => {
  const socket = await tmpSocket(t);
  const server = new ControlServer({ socket, backend, log });
  await server.start();
  t.after(() => server.stop());

  assert.deepEqual(await probeHealth({ socket }), { ok: true });
});

test('the health check passes over TCP with the token and fails without it', { timeout: 10_000 }, async (t) => {
  const server = new ControlServer({ listen: { host: '127.0.0.1', port: 0 }, token: 's3cret', backend, log });
  await server.start();
  t.after(() => server.stop());
  const listen = { host: '127.0.0.1', port: Number(server.where().split(':').pop()) };

  assert.deepEqual(await probeHealth({ listen, token: 's3cret' }), { ok: true });
  const denied = await probeHealth({ listen });
  assert.equal(denied.ok, false);
  assert.match(denied.ok ? '' : denied.error, /bearer token/);
});

test('the health check fails, naming the socket, when nothing listens there', { timeout: 10_000 }, async (t) => {
  const socket = await tmpSocket(t);

  const result = await probeHealth({ socket });

  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.error, new RegExp(`${socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*ENOENT`));
});

test('the health check fails when something other than drowse answers on the socket', { timeout: 10_000 }, async (t) => {
  const socket = await tmpSocket(t);
  const other = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"up"}'));
  await new Promise<void>((resolve) => other.listen(socket, resolve));
  t.after(() => new Promise((resolve) => other.close(resolve)));

  const result = await probeHealth({ socket });

  assert.equal(result.ok, false);
});

test('the health check gives up after its timeout when the daemon hangs', { timeout: 10_000 }, async (t) => {
  const socket = await tmpSocket(t);
  const hung = http.createServer(() => undefined);
  await new Promise<void>((resolve) => hung.listen(socket, resolve));
  t.after(() => { hung.closeAllConnections(); return new Promise((resolve) => hung.close(resolve)); });
  const started = Date.now();

  const result = await probeHealth({ socket }, 300);

  assert.equal(result.ok, false);
  assert.ok(Date.now() - started < 3000, 'answered within the timeout');
});
