/**
 * Health checks against the real engine: a Docker HEALTHCHECK or an exec probe gates readiness even
 * when the port answers early, and the liveness monitor restarts a service whose app died inside a
 * running container.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  request, startDrowse, requireDocker, ensureTestImage, runContainer, freePort, recordDockerEvents, waitFor, openEventStream,
} from '../helpers/index.ts';

let image: string;
before(async () => {
  image = await ensureTestImage();
});

/** The app listens at once; /tmp/ready appears only after 2 s (what a real app's warm-up looks like to a health check). */
const warmingUp = ['sh', '-c', 'rm -f /tmp/ready; (sleep 2; touch /tmp/ready) & exec node /apps/http-app.js'];

test('a Docker HEALTHCHECK decides readiness: the port answers early, the request is forwarded only once healthy', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const name = await runContainer(t, {
    image, cmd: warmingUp, env: { PORT: String(port), NAME: 'hc' }, start: false,
    healthcheck: { test: ['CMD', 'test', '-f', '/tmp/ready'], intervalMs: 200, retries: 1 },
  });
  const drowse = await startDrowse(t, `services:\n  hc:\n    docker: { container: ${name} }\n    http: { host: hc.test, target: "http://127.0.0.1:${port}" }\n`);
  let answeredEarly = false;
  const pollApp = setInterval(() => {
    void request({ port, path: '/direct', timeoutMs: 500 }).then((r) => (answeredEarly ||= r.status === 200 && drowse.daemon.service('hc')?.state === 'waking'), () => undefined);
  }, 100);
  t.after(() => clearInterval(pollApp));
  const started = Date.now();

  const res = await request({ port: drowse.port, host: 'hc.test', path: '/' });
  clearInterval(pollApp);

  assert.equal(res.status, 200);
  assert.ok(answeredEarly, 'the app answered on its port while drowse still waited');
  assert.ok(Date.now() - started >= 1800, `forwarded only after the HEALTHCHECK passed (${Date.now() - started}ms)`);
  assert.equal(drowse.daemon.service('hc')?.status().check, 'healthcheck');
});

test('an exec probe runs inside the container and gates readiness', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const name = await runContainer(t, { image, cmd: warmingUp, env: { PORT: String(port), NAME: 'ex' }, start: false });
  const drowse = await startDrowse(t, `services:
  ex:
    docker: { container: ${name} }
    http: { host: ex.test, target: "http://127.0.0.1:${port}" }
    health: { exec: [test, -f, /tmp/ready], timeout: 2s }
`);
  const started = Date.now();

  const res = await request({ port: drowse.port, host: 'ex.test', path: '/' });

  assert.equal(res.status, 200);
  assert.ok(Date.now() - started >= 1800, `forwarded only after the exec probe passed (${Date.now() - started}ms)`);
  assert.equal(drowse.daemon.service('ex')?.status().check, 'probe');
});

test('an http probe with its own path and expected statuses gates readiness', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  // /status/503 answers 503 for ever, so a probe expecting 200-299 on it never passes: the wake times out naming it.
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'hp' }, start: false });
  const drowse = await startDrowse(t, `services:
  hp:
    docker: { container: ${name} }
    http: { host: hp.test, target: "http://127.0.0.1:${port}" }
    wake_timeout: 2s
    health: { http: { path: /status/503, expect: "200-299" }, timeout: 500ms }
`);

  const res = await request({ port: drowse.port, host: 'hp.test', path: '/', headers: { accept: 'application/json' } });

  assert.equal(res.status, 503);
  const reason = await waitFor(() => drowse.daemon.service('hp')?.status().reason);
  assert.match(reason, /wake timed out after 2s \(last check: http .*\/status\/503: status 503\)/);
});

test('the liveness monitor restarts a service whose app died inside a running container, and it is served again', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  // The shell outlives the app: when the app exits the container keeps running, serving nothing.
  const name = await runContainer(t, { image, cmd: ['sh', '-c', 'node /apps/http-app.js; sleep 3600'], env: { PORT: String(port), NAME: 'live' }, start: false });
  const events = await recordDockerEvents(t, name);
  const drowse = await startDrowse(t, `services:
  live:
    docker: { container: ${name} }
    http: { host: live.test, target: "http://127.0.0.1:${port}" }
    stop_timeout: 1s
    health: { http: { path: /healthz }, interval: 300ms, retries: 2, timeout: 500ms, auto_restart: true, restart_delay: 200ms }
`);
  const sse = await openEventStream({ port: drowse.port, host: 'live.test' });
  t.after(() => sse.close());
  assert.equal((await request({ port: drowse.port, host: 'live.test', path: '/first' })).status, 200);

  await request({ port: drowse.port, host: 'live.test', path: '/exit?code=1' }).catch(() => undefined);

  await sse.until((es) => es.some((e) => e.type === 'restarting'), 15_000);
  await waitFor(() => drowse.daemon.service('live')?.state === 'ready', { timeoutMs: 20_000, message: 'ready again after the restart' });
  const again = await request({ port: drowse.port, host: 'live.test', path: '/again' });
  assert.equal(again.status, 200);
  assert.equal(again.json<{ url: string }>().url, '/again');
  assert.equal(events.count('start'), 2, 'started by the first wake, then by the restart');
  const types = (await sse.until((es) => es.some((e) => e.type === 'healthy'), 15_000)).map((e) => e.type);
  assert.ok(types.indexOf('unhealthy') < types.indexOf('restarting'), types.join(','));
  const health = drowse.daemon.service('live')?.status().health;
  assert.equal(health?.status, 'healthy');
  assert.equal(health?.consecutive_failures, 0);
});
