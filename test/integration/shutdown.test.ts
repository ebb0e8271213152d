/**
 * SIGTERM and SIGINT sent to the real `drowse serve` process: it stops accepting at once, lets an
 * in-flight request finish, answers a held one 503 when shutdown_timeout runs out, ends event
 * streams, leaves the container as it is and exits 0; a second signal exits at once.
 * Real engine: the service's container is a test container; its target is a server of this test
 * on loopback, so the test decides when an in-flight request finishes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { closedPort, containerState, freePort, launchServe, request, requireDocker, runContainer, waitFor, type ServeProcess } from '../helpers/index.ts';

const HOST = 'app.test';
const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];

/** An upstream whose /slow requests are answered only when the test says so. */
async function slowUpstream(t: { after(fn: () => unknown): void }): Promise<{ port: number; arrived: () => number; release: () => void }> {
  let arrived = 0;
  const waiting: http.ServerResponse[] = [];
  let released = false;
  const server = http.createServer((req, res) => {
    if (req.url !== '/slow') return void res.end('ok');
    arrived++;
    if (released) return void res.end('slow done');
    waiting.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    arrived: () => arrived,
    release: () => {
      released = true;
      for (const res of waiting.splice(0)) res.end('slow done');
    },
  };
}

function config(port: number, container: string, target: string, shutdownTimeout: string): string {
  return [
    `entrypoints: { http: "127.0.0.1:${port}" }`,
    `shutdown_timeout: ${shutdownTimeout}`,
    'services:',
    '  app:',
    `    docker: { container: ${container} }`,
    `    http: { host: ${HOST}, target: "${target}" }`,
    '    wake_timeout: 2m',
    '',
  ].join('\n');
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function started(drowse: ServeProcess): Promise<void> {
  await waitFor(() => drowse.output().includes('control API listening'), { timeoutMs: 30_000, message: `drowse started: ${drowse.output()}` });
}

test('SIGTERM stops accepting at once, lets an in-flight request finish, leaves the container running and exits 0', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const container = await runContainer(t, { name: 'shutdown-inflight', cmd: SLEEPER });
  const upstream = await slowUpstream(t);
  const port = await freePort();
  const drowse = await launchServe(t, config(port, container, `http://127.0.0.1:${upstream.port}`, '20s'));
  await started(drowse);

  const answer = request({ port, host: HOST, path: '/slow', timeoutMs: 60_000 });
  await waitFor(() => upstream.arrived() === 1, { timeoutMs: 30_000, message: 'the request to reach the upstream' });
  drowse.child.kill('SIGTERM');
  await waitFor(() => refuses(port), { timeoutMs: 5_000, message: 'the entrypoint to refuse new connections' });
  assert.equal(drowse.child.exitCode, null, 'still running: a request is in flight');

  upstream.release();
  const res = await answer;
  assert.deepEqual([res.status, res.body], [200, 'slow done']);
  const exit = await drowse.exited;
  assert.deepEqual([exit.code, exit.signal], [0, null], drowse.output());
  assert.equal(await containerState(container), 'running', 'the service is left as it is');
  assert.match(drowse.output(), /"msg":"drowse stopped"/);
});

test('a held request is answered 503 when shutdown_timeout runs out, event streams end at once, drowse exits 0', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  // Created, not started: the request wakes it; its target never answers, so the wake never ends and the request stays held.
  const container = await runContainer(t, { name: 'shutdown-held', cmd: SLEEPER, start: false });
  const port = await freePort();
  const drowse = await launchServe(t, config(port, container, `http://127.0.0.1:${await closedPort()}`, '1500ms'));
  await started(drowse);

  let streamEnded: number | undefined;
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/__drowse/events', headers: { host: HOST, accept: 'text/event-stream' }, agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      res.resume();
      res.once('close', () => (streamEnded = Date.now()));
      resolve();
    });
    req.on('error', reject);
  });
  const answer = request({ port, host: HOST, path: '/api', headers: { accept: 'application/json' }, timeoutMs: 60_000 });
  await waitFor(async () => (await containerState(container)) === 'running', { timeoutMs: 30_000, message: 'drowse to start the container for the held request' });

  const signalled = Date.now();
  drowse.child.kill('SIGTERM');
  const res = await answer;
  const answered = Date.now();
  const exit = await drowse.exited;

  assert.equal(res.status, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.match(res.json<{ detail: string }>().detail, /shutting down/);
  assert.ok(answered - signalled >= 1_300, `held for shutdown_timeout (answered after ${answered - signalled} ms)`);
  assert.ok(answered - signalled < 4_000, `answered within the bound (after ${answered - signalled} ms)`);
  assert.deepEqual([exit.code, exit.signal], [0, null], drowse.output());
  assert.ok(exit.at - signalled < 5_000, `exited ${exit.at - signalled} ms after SIGTERM`);
  assert.ok(streamEnded !== undefined && streamEnded - signalled < 1_000, `the event stream ended ${streamEnded === undefined ? 'never' : `${streamEnded - signalled} ms`} after SIGTERM`);
  assert.equal(await containerState(container), 'running', 'the service is left as it is, mid-wake');
});

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`a second ${signal} while requests are still finishing exits at once with ${code}`, { timeout: 120_000 }, async (t) => {
    if (!(await requireDocker(t))) return;
    const container = await runContainer(t, { name: 'shutdown-twice', cmd: SLEEPER });
    const upstream = await slowUpstream(t);
    const port = await freePort();
    const drowse = await launchServe(t, config(port, container, `http://127.0.0.1:${upstream.port}`, '60s'));
    await started(drowse);
    const answer = request({ port, host: HOST, path: '/slow', timeoutMs: 60_000 }).catch((err: unknown) => err);
    await waitFor(() => upstream.arrived() === 1, { timeoutMs: 30_000, message: 'the request to reach the upstream' });

    drowse.child.kill(signal);
    await waitFor(() => drowse.output().includes('"msg":"shutting down"'), { timeoutMs: 5_000, message: 'the first signal to start the shutdown' });
    const second = Date.now();
    drowse.child.kill(signal);
    const exit = await drowse.exited;

    assert.deepEqual([exit.code, exit.signal], [code, null], drowse.output());
    assert.ok(exit.at - second < 2_000, `exited ${exit.at - second} ms after the second signal (shutdown_timeout is 60s)`);
    assert.ok(await answer instanceof Error, 'the in-flight request was cut');
    assert.match(drowse.output(), /second signal: exiting now/);
    assert.equal(await containerState(container), 'running');
  });
}
