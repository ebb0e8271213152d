/**
 * Workloads that vanish under a running drowse, against the real engine: a container killed while
 * ready costs its clients a wait, never a 502; a removed container is looked for once, not once per
 * request, and the log says so once.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { request, startDrowse, requireDocker, ensureTestImage, runContainer, removeContainer, testDocker, freePort, waitFor, recordDockerEvents } from '../helpers/index.ts';

let image: string;
before(async () => {
  image = await ensureTestImage();
});

function collect(): { stream: PassThrough; lines: () => { msg: string; level: number; stack?: string; err?: { stack?: string } }[] } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; level: number }) };
}

test('requests right after the container is killed while ready are held through a new wake, none gets 502', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'web' }, start: false });
  const events = await recordDockerEvents(t, name);
  const drowse = await startDrowse(t, `services:
  web:
    docker: { container: ${name} }
    http: { host: web.test, target: "http://127.0.0.1:${port}" }
`);
  assert.equal((await request({ port: drowse.port, host: 'web.test', path: '/warm' })).status, 200);
  assert.equal(drowse.daemon.service('web')?.state, 'ready');

  // SIGKILL, then requests at once: they race the die event, the window in which 502s were seen.
  await testDocker().getContainer(name).kill({ signal: 'SIGKILL' });
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => request({ port: drowse.port, host: 'web.test', path: `/after/${i}` })));

  assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200));
  assert.deepEqual(answers.map((a) => a.json<{ url: string }>().url), Array.from({ length: 8 }, (_, i) => `/after/${i}`));
  assert.equal(events.count('start'), 2, 'one start before the kill, one wake after it');
});

test('a removed container is looked for once: later requests get 503 at once and the log has no line per request', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const base = `gone-${randomBytes(4).toString('hex')}`;
  const create = () => runContainer(t, { image, name: base, randomSuffix: false, app: 'http-app.js', env: { PORT: String(port), NAME: 'web' }, start: false });
  const name = await create();
  const logs = collect();
  const drowse = await startDrowse(t, `services:
  web:
    docker: { container: ${name} }
    http: { host: web.test, target: "http://127.0.0.1:${port}" }
`, { logTo: logs.stream });
  assert.equal((await request({ port: drowse.port, host: 'web.test' })).status, 200);

  await removeContainer(name);
  await waitFor(() => drowse.daemon.service('web')?.state === 'asleep', { timeoutMs: 10_000, message: 'the destroy event is seen' });
  const before = logs.lines().length;
  const answers: number[] = [];
  for (let i = 0; i < 100; i++) answers.push((await request({ port: drowse.port, host: 'web.test', headers: { accept: 'application/json' } })).status);
  assert.deepEqual([...new Set(answers)], [503]);

  const added = logs.lines().slice(before);
  assert.ok(added.length <= 4, `100 requests wrote ${added.length} log lines: ${added.map((l) => l.msg).join(' | ')}`);
  assert.equal(added.filter((l) => l.msg === 'wake failed').length, 1, 'the failure is logged once');
  assert.equal(added.some((l) => l.err?.stack !== undefined), false, 'an expected failure carries no stack');
  assert.equal(drowse.daemon.service('web')?.status().wake_failures, 1, 'only the first request asked the engine');

  // The container comes back (recreated under its name): the create event ends the wait.
  await create();
  await waitFor(() => drowse.daemon.service('web')?.retryAt === undefined, { timeoutMs: 10_000, message: 'the create event is seen' });
  assert.equal((await request({ port: drowse.port, host: 'web.test' })).status, 200);
});
