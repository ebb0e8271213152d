/**
 * The HTTP wake loop against the real Docker engine: requests to a sleeping container are held,
 * the container is started once, the requests are served, and the container sleeps again when idle.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { WebSocket } from 'ws';
import { controlRequest } from '../../src/control/index.ts';
import { request, startDrowse, requireDocker, ensureTestImage, runContainer, containerState, dockerCli, freePort, waitFor, recordDockerEvents } from '../helpers/index.ts';

let image: string;
before(async () => {
  image = await ensureTestImage();
});

/** A sleeping (created, never started) container running the test HTTP app on a free port. */
async function sleepingApp(t: Parameters<typeof requireDocker>[0], env: Record<string, string> = {}) {
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'web', ...env }, start: false });
  return { name, port };
}

function serviceYaml(name: string, container: string, port: number, extra = ''): string {
  return `services:\n  ${name}:\n    docker: { container: ${container} }\n    http: { host: ${name}.test, target: "http://127.0.0.1:${port}" }\n${extra}`;
}

test('thirty concurrent requests to a sleeping service start the container once and are all served', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t, { START_DELAY_MS: '500' });
  const events = await recordDockerEvents(t, app.name);
  const drowse = await startDrowse(t, serviceYaml('web', app.name, app.port));

  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => request({ port: drowse.port, host: 'web.test', path: `/n/${i}` })));

  assert.deepEqual(answers.map((a) => a.status), Array(30).fill(200));
  assert.deepEqual(answers.map((a) => a.json<{ url: string }>().url), Array.from({ length: 30 }, (_, i) => `/n/${i}`));
  assert.equal(events.count('start'), 1, 'exactly one container start');
});

test('a POST body survives the wake and reaches the app intact', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t, { START_DELAY_MS: '300' });
  const drowse = await startDrowse(t, serviceYaml('web', app.name, app.port));
  const body = JSON.stringify({ hello: 'world', big: 'x'.repeat(200_000) });

  const res = await request({ port: drowse.port, host: 'web.test', path: '/submit', method: 'POST', body, headers: { 'content-type': 'application/json' } });

  assert.equal(res.status, 200);
  const echoed = res.json<{ method: string; body: string; headers: Record<string, string> }>();
  assert.equal(echoed.method, 'POST');
  assert.equal(echoed.body, body);
  assert.equal(echoed.headers['x-forwarded-host'], 'web.test');
  assert.equal(echoed.headers['x-forwarded-proto'], 'http');
  assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1');
});

for (const [method, asleepState, wakeAction] of [
  ['stop', 'exited', 'start'],
  ['pause', 'paused', 'unpause'],
  ['kill', 'exited', 'start'],
] as const) {
  test(`an idle service is put to sleep with stop_method ${method} and woken again by the next request`, async (t) => {
    if (!(await requireDocker(t))) return;
    const app = await sleepingApp(t);
    const events = await recordDockerEvents(t, app.name);
    const drowse = await startDrowse(t, serviceYaml('web', app.name, app.port, `    idle_timeout: 1s\n    stop_method: ${method}\n    stop_timeout: 5s\n`));

    assert.equal((await request({ port: drowse.port, host: 'web.test' })).status, 200);
    await waitFor(async () => (await containerState(app.name)) === asleepState, { timeoutMs: 15_000, message: `container ${asleepState} after idle` });
    await waitFor(() => drowse.daemon.service('web')?.state === 'asleep', { timeoutMs: 5_000, message: 'service asleep' });

    assert.equal((await request({ port: drowse.port, host: 'web.test' })).status, 200);
    assert.equal(await containerState(app.name), 'running');
    assert.equal(events.count(wakeAction), wakeAction === 'start' ? 2 : 1);
  });
}

test('a WebSocket is proxied through a ready service', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'ws-app.js', env: { PORT: String(port) }, start: false });
  const drowse = await startDrowse(t, serviceYaml('ws', name, port));
  assert.equal((await request({ port: drowse.port, host: 'ws.test' })).status, 200, 'the first request wakes it');

  const ws = new WebSocket(`ws://127.0.0.1:${drowse.port}/socket`, { headers: { host: 'ws.test' } });
  t.after(() => ws.terminate());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const echoed = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString('utf8'))));
  ws.send('ping through drowse');
  assert.equal(await echoed, 'ping through drowse');
  assert.equal(drowse.daemon.service('ws')?.status().in_flight, 1, 'an open WebSocket counts as activity');
});

test('a service that never becomes ready answers 503 with Retry-After after wake_timeout', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const name = await runContainer(t, { image, cmd: ['sleep', '3600'], start: false });
  const drowse = await startDrowse(t, serviceYaml('slow', name, port, '    wake_timeout: 2s\n'));

  const started = Date.now();
  const res = await request({ port: drowse.port, host: 'slow.test', headers: { accept: 'application/json' } });
  const waited = Date.now() - started;

  assert.equal(res.status, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.equal(res.headers['content-type'], 'application/problem+json');
  const problem = res.json<{ status: number; detail: string }>();
  assert.equal(problem.status, 503);
  assert.match(problem.detail, /slow/);
  assert.ok(waited >= 1900 && waited < 10_000, `answered after ${waited} ms`);
});

test('a Host that no service claims gets 404 and wakes nothing', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const drowse = await startDrowse(t, serviceYaml('web', app.name, app.port));

  const res = await request({ port: drowse.port, host: 'unknown.test' });

  assert.equal(res.status, 404);
  assert.equal(drowse.daemon.service('web')?.state, 'asleep');
  assert.equal(await containerState(app.name), 'created');
});

test('a container started and stopped by hand is noticed', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const drowse = await startDrowse(t, serviceYaml('web', app.name, app.port));
  const service = () => drowse.daemon.service('web');
  await waitFor(() => drowse.daemon.status() !== undefined && service()?.state === 'asleep', { timeoutMs: 5_000, message: 'asleep at start' });

  await dockerCli(['start', app.name]);
  await waitFor(() => service()?.state === 'ready', { timeoutMs: 15_000, message: 'ready after a manual start' });
  assert.ok(service()?.status().sleeps_at, 'the idle timer runs for a container started by hand');

  await dockerCli(['stop', '-t', '1', app.name]);
  await waitFor(() => service()?.state === 'asleep', { timeoutMs: 15_000, message: 'asleep after a manual stop' });
});

test('a response is streamed to the client chunk by chunk, not buffered', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const drowse = await startDrowse(t, serviceYaml('web', app.name, app.port));
  await request({ port: drowse.port, host: 'web.test' });

  const arrivals: number[] = [];
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: drowse.port, path: '/slow?chunks=4&interval=300', headers: { host: 'web.test' }, agent: false }, (res) => {
      res.on('data', () => arrivals.push(Date.now() - started));
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });

  assert.ok(arrivals.length >= 3, `${arrivals.length} separate chunks`);
  assert.ok((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0) >= 600, `chunks spread over time: ${arrivals.join(', ')} ms`);
});

test('an upstream that dies mid-response closes the client connection instead of leaving it hanging', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const drowse = await startDrowse(t, serviceYaml('web', app.name, app.port));
  await request({ port: drowse.port, host: 'web.test' });

  const outcome = await new Promise<string>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: drowse.port, path: '/break', headers: { host: 'web.test' }, agent: false, timeout: 10_000 }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve('ended normally'));
      res.on('error', () => resolve('closed'));
      res.on('aborted', () => resolve('closed'));
    });
    req.on('timeout', () => resolve('hung'));
    req.on('error', () => resolve('closed'));
    req.end();
  });

  assert.equal(outcome, 'closed');
  const after = await request({ port: drowse.port, host: 'web.test', path: '/after' });
  assert.equal(after.status, 200, 'the proxy still serves after an upstream broke');
});

test('malformed requests get 400 and the proxy keeps serving', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const drowse = await startDrowse(t, serviceYaml('web', app.name, app.port));

  const raw = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(drowse.port, '127.0.0.1', () => socket.end(bytes));
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });

  assert.match(await raw('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await raw('GET / HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 400 /, 'no Host header');
  assert.equal(drowse.daemon.service('web')?.state, 'asleep', 'nothing woke');
  assert.equal((await request({ port: drowse.port, host: 'web.test' })).status, 200);
});

test('the control API wakes a service (answering once it is ready) and puts it to sleep', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t, { START_DELAY_MS: '300' });
  const drowse = await startDrowse(t, serviceYaml('web', app.name, app.port));
  const control = { socket: drowse.controlSocket };

  const woken = (await controlRequest(control, 'POST', '/services/web/wake')) as { state: string; wakes: number };
  assert.equal(woken.state, 'ready');
  assert.equal(woken.wakes, 1);

  await controlRequest(control, 'POST', '/services/web/sleep');
  await waitFor(async () => (await containerState(app.name)) === 'exited', { timeoutMs: 15_000, message: 'container stopped' });
  // The engine reports the container exited a moment before the stop call returns to drowse.
  type Status = { services: Array<{ name: string; state: string }>; providers: Array<{ online: boolean }> };
  const status = await waitFor(async () => {
    const s = (await controlRequest(control, 'GET', '/status')) as Status;
    return s.services[0]?.state === 'asleep' ? s : undefined;
  }, { timeoutMs: 5_000, message: 'status says asleep' });
  assert.deepEqual(status.services.map((s) => [s.name, s.state]), [['web', 'asleep']]);
  assert.equal(status.providers[0]?.online, true);
});

test('a container that exits while waking fails the wake within seconds, not after wake_timeout', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const name = await runContainer(t, { image, cmd: ['sh', '-c', 'sleep 1; exit 3'], start: false });
  const drowse = await startDrowse(t, serviceYaml('crash', name, port, '    wake_timeout: 60s\n'));

  const started = Date.now();
  const res = await request({ port: drowse.port, host: 'crash.test', headers: { accept: 'application/json' } });

  assert.equal(res.status, 503);
  assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms`);
  assert.match(res.json<{ detail: string }>().detail, /exited with exit code 3 while waking/);
  assert.equal(drowse.daemon.service('crash')?.state, 'error');
});

test('a target that leads back to drowse is answered 508 at once instead of looping', async (t) => {
  if (!(await requireDocker(t))) return;
  const name = await runContainer(t, { image, cmd: ['sh', '-c', 'sleep 600'], start: false });
  // The target is a plain TCP relay back to drowse (as a container publishing a port that forwards
  // to drowse would be), so the config check cannot see the loop coming.
  const drowsePort = await freePort();
  const relayed = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const back = net.connect(drowsePort, '127.0.0.1');
    relayed.add(client).add(back);
    client.pipe(back).pipe(client);
    client.on('error', () => back.destroy());
    back.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    relay.close();
    for (const socket of relayed) socket.destroy();
  });
  const relayPort = (relay.address() as net.AddressInfo).port;
  const drowse = await startDrowse(t, serviceYaml('loop', name, relayPort), { httpPort: drowsePort });

  const started = Date.now();
  const res = await request({ port: drowse.port, host: 'loop.test', path: '/x', headers: { accept: 'application/json' } });

  assert.equal(res.status, 508);
  assert.match(res.json<{ detail: string }>().detail, /leads back to drowse itself/);
  assert.ok(Date.now() - started < 10_000);
  assert.equal((await request({ port: drowse.port, host: 'loop.test', path: '/__drowse/status' })).status, 200, 'drowse keeps serving');
});
