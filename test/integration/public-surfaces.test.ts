/**
 * What a visitor can learn, and how often a client can start a container, against the real engine:
 * the public surfaces (/__drowse/status, /__drowse/events, the loading page, 503 answers) show a
 * notice and never a secret, container, target or probe; the operator's surfaces (control API,
 * log) show the detail with every secret redacted; and a failed wake backs off instead of starting
 * the container again for every request.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { controlRequest } from '../../src/control/index.ts';
import { request, startDrowse, requireDocker, ensureTestImage, runContainer, freePort, waitFor, recordDockerEvents, openEventStream, controlText } from '../helpers/index.ts';

let image: string;
before(async () => {
  image = await ensureTestImage();
});

const SECRET = 'k3y-Zq81-do-not-leak';
const NAVIGATION = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

test('a failed wake whose probe URL holds a secret shows visitors a notice, and the operator the detail without the secret', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const container = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'web' }, start: false });
  const logs = collect();
  const drowse = await startDrowse(t, `services:
  web:
    docker: { container: ${container} }
    http: { host: web.test, target: "http://127.0.0.1:${port}" }
    wake_timeout: 2s
    health: { http: { path: "/status/503?key=\${KEY}", expect: "200" }, timeout: 500ms }
`, { env: { KEY: SECRET }, logTo: logs.stream });

  const answer = await request({ port: drowse.port, host: 'web.test', path: '/api', headers: { accept: 'application/json' } });
  assert.equal(answer.status, 503);
  // The request's own wait and the wake's deadline run out together; either says it in public words.
  assert.match(answer.json<{ detail: string }>().detail, /^(web did not become ready within 2s|service "web": not ready after 2s)$/);

  const status = await request({ port: drowse.port, host: 'web.test', path: '/__drowse/status' });
  const events = await openEventStream({ port: drowse.port, host: 'web.test' });
  t.after(() => events.close());
  await events.until((evs) => evs.some((e) => e.type === 'error'));
  const page = await request({ port: drowse.port, host: 'web.test', path: '/', headers: NAVIGATION });
  assert.equal(page.status, 200);
  assert.match(page.body, /web did not become ready within 2s/, 'the page says what happened');

  const publicText = [answer.body, status.body, JSON.stringify(events.json()), page.body].join('\n');
  for (const hidden of [SECRET, container, '/status/503', `127.0.0.1:${port}`, 'local', 'docker']) {
    assert.equal(publicText.includes(hidden), false, `public surfaces show ${JSON.stringify(hidden)}`);
  }
  assert.deepEqual(Object.keys(status.json<object>()).sort(), ['name', 'notice', 'retry_at', 'since', 'state']);

  const control = (await controlRequest({ socket: drowse.controlSocket }, 'GET', '/status')) as { services: { reason?: string }[] };
  const reason = control.services[0]?.reason ?? '';
  assert.match(reason, /wake timed out after 2s \(last check: .*\/status\/503\?key=\[redacted\]/, 'the operator sees the probe, not the key');
  await waitFor(() => logs.text().includes('wake failed'), { timeoutMs: 5_000 });
  assert.equal(logs.text().includes(SECRET), false, 'the log never carries the key');
  assert.match(logs.text(), /\[redacted\]/);
});

test('a container that exits at once is started once for a burst of requests and navigations, then again only after the backoff', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const container = await runContainer(t, { image, cmd: ['sh', '-c', 'exit 3'], start: false });
  const events = await recordDockerEvents(t, container);
  const drowse = await startDrowse(t, `services:
  crash:
    docker: { container: ${container} }
    http: { host: crash.test, target: "http://127.0.0.1:${port}" }
    wake_timeout: 30s
`, { wakeBackoff: { initialMs: 4_000, maxMs: 60_000 } });

  const first = await request({ port: drowse.port, host: 'crash.test', headers: { accept: 'application/json' } });
  assert.equal(first.status, 503);
  await events.waitFor('start', 1);

  const started = Date.now();
  const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => request({ port: drowse.port, host: 'crash.test', path: `/api/${i}`, headers: { accept: 'application/json' } })));
  const pages = await Promise.all(Array.from({ length: 20 }, () => request({ port: drowse.port, host: 'crash.test', path: '/', headers: NAVIGATION })));
  assert.ok(Date.now() - started < 3_000, `the burst was answered at once (${Date.now() - started} ms)`);
  assert.deepEqual([...new Set(burst.map((r) => r.status))], [503]);
  for (const r of burst) {
    const retryAfter = Number(r.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 4, `Retry-After ${r.headers['retry-after']} is the time left in the backoff`);
    assert.match(r.json<{ detail: string }>().detail, /crash could not start: it exited with exit code 3 while waking/);
  }
  for (const p of pages) {
    assert.equal(p.status, 200);
    assert.match(p.body, /<p id="error-text">crash could not start: it exited with exit code 3 while waking<\/p>/);
    assert.match(p.body, /The next try can start in \d s/);
  }
  assert.equal(events.count('start'), 1, '70 clients in the backoff started nothing');

  const status = (await controlRequest({ socket: drowse.controlSocket }, 'GET', '/status')) as { services: { wake_failures?: number; retry_at?: string }[] };
  assert.equal(status.services[0]?.wake_failures, 1);
  assert.ok(Date.parse(status.services[0]?.retry_at ?? '') > Date.now());
  const metrics = await controlText(drowse.controlSocket, '/metrics');
  assert.match(metrics, /^drowse_wake_backoff_seconds\{service="crash"\} [1-4]$/m);

  // An operator's explicit wake is not held off.
  await controlRequest({ socket: drowse.controlSocket }, 'POST', '/services/crash/wake').catch(() => undefined);
  await events.waitFor('start', 2);

  // After the (now doubled) backoff, a request tries again by itself.
  await waitFor(() => drowse.daemon.service('crash')?.retryAt === undefined, { timeoutMs: 15_000, message: 'the backoff ends' });
  await request({ port: drowse.port, host: 'crash.test', headers: { accept: 'application/json' } });
  await events.waitFor('start', 3);
});
