import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createLogger } from '../kernel/index.ts';
import { ControlServer, failureBody, type ControlBackend } from './server.ts';

const log = createLogger({ level: 'silent', format: 'json' }, process.stderr);
const backend: ControlBackend = {
  status: () => ({ ok: true }),
  wake: () => Promise.resolve({}),
  sleep: () => ({}),
  hasService: () => false,
  metrics: () => Promise.resolve({ contentType: 'text/plain', body: '' }),
};

function get(port: number, authorization: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = authorization === undefined ? {} : { authorization };
    http.get({ host: '127.0.0.1', port, path: '/health', headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

test('the bearer scheme is matched case-insensitively and the token exactly', { timeout: 10_000 }, async (t) => {
  const server = new ControlServer({ listen: { host: '127.0.0.1', port: 0 }, token: 's3cret', backend, log });
  await server.start();
  t.after(() => server.stop());
  const port = Number(server.where().split(':').pop());
  for (const ok of ['Bearer s3cret', 'bearer s3cret', 'BEARER s3cret', 'BeArEr  s3cret']) assert.equal(await get(port, ok), 200, ok);
  for (const bad of [undefined, 'Bearer S3CRET', 'Bearer s3cre', 'Basic s3cret', 'Bearers3cret', 's3cret', 'Bearer s3cret x']) assert.equal(await get(port, bad), 401, String(bad));
});

test('under umask 000 the control socket is never seen with a mode other than 0660', { timeout: 10_000 }, async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-control-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const socket = path.join(dir, 'run', 'control.sock');
  // A thread of its own watches the path while the server starts, so it sees what any other process could.
  const watcher = new Worker(
    `const { statSync } = require('node:fs'); const { parentPort, workerData } = require('node:worker_threads');
     const modes = new Set(); const until = Date.now() + 5000;
     parentPort.postMessage('watching');
     while (Date.now() < until) { try { modes.add(statSync(workerData).mode & 0o777); if (modes.size > 0 && Date.now() > until - 4000) break; } catch {} }
     parentPort.postMessage([...modes]);`,
    { eval: true, workerData: socket },
  );
  await new Promise((resolve) => watcher.once('message', resolve));
  const modes = new Promise<number[]>((resolve) => watcher.once('message', resolve));
  const old = process.umask(0);
  const server = new ControlServer({ socket, backend, log });
  try {
    await server.start();
  } finally {
    process.umask(old);
  }
  t.after(() => server.stop());
  const seen = await modes;
  assert.ok(seen.length > 0, 'the socket appeared');
  assert.deepEqual(seen.map((m) => m.toString(8)), ['660']);
  assert.equal((await fs.stat(socket)).mode & 0o777, 0o660);
});

test('a failed wake is answered with its kind and the chain of causes down to the backend', () => {
  const backend = new Error('connect ENOENT /var/run/docker.sock');
  const err = Object.assign(new Error('service "web": wake failed', { cause: new Error('docker provider "local": start', { cause: backend }) }), { code: 'provider_unreachable' });
  assert.deepEqual(failureBody(err), { error: 'service "web": wake failed', code: 'provider_unreachable', causes: ['docker provider "local": start', 'connect ENOENT /var/run/docker.sock'] });
  assert.deepEqual(failureBody('plain'), { error: 'plain' });
});

async function socketDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drowse-control-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'control.sock');
}

function health(socket: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath: socket, path: '/health', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

test('a second server on a socket a live drowse answers on is refused, and the first keeps answering', { timeout: 10_000 }, async (t) => {
  const socket = await socketDir(t);
  const first = new ControlServer({ socket, backend, log });
  await first.start();
  t.after(() => first.stop());
  const second = new ControlServer({ socket, backend, log });
  await assert.rejects(second.start(), { name: 'ControlSocketTakenError', message: `control socket ${socket}: a drowse is already running there (it answered); stop it first, or give this one its own control.socket` });
  await second.stop();
  assert.equal(await health(socket), 200);
});

test('stop removes the socket it created, and leaves one another server put in its place', { timeout: 10_000 }, async (t) => {
  const socket = await socketDir(t);
  const first = new ControlServer({ socket, backend, log });
  await first.start();
  await fs.rm(socket);
  const second = new ControlServer({ socket, backend, log });
  await second.start();
  await first.stop();
  assert.equal(await health(socket), 200, "the second server's socket is still there");
  await second.stop();
  await assert.rejects(fs.lstat(socket), { code: 'ENOENT' });
});

test('GET /events is behind the token like every other route, and 404 when the daemon has no feed', { timeout: 10_000 }, async (t) => {
  let attached = 0;
  const events = {
    attach: (_req: http.IncomingMessage, res: http.ServerResponse) => {
      attached++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end();
      return Promise.resolve();
    },
  };
  const withFeed = new ControlServer({ listen: { host: '127.0.0.1', port: 0 }, token: 's3cret', backend, log, events });
  const without = new ControlServer({ listen: { host: '127.0.0.1', port: 0 }, token: 's3cret', backend, log });
  await withFeed.start();
  await without.start();
  t.after(() => withFeed.stop());
  t.after(() => without.stop());
  const port = (s: ControlServer) => Number(s.where().split(':').pop());
  assert.equal(await getPath(port(withFeed), '/events', undefined), 401);
  assert.equal(await getPath(port(withFeed), '/events', 'Bearer wrong'), 401);
  assert.equal(attached, 0, 'no stream without the token');
  assert.equal(await getPath(port(withFeed), '/events', 'Bearer s3cret'), 200);
  assert.equal(attached, 1);
  assert.equal(await getPath(port(without), '/events', 'Bearer s3cret'), 404);
});

function getPath(port: number, path: string, authorization: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers: authorization === undefined ? {} : { authorization }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}
