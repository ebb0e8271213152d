/**
 * depends_on against the real engine: dependencies start first and are ready before the dependent
 * starts, a shared dependency starts once, a dependency outlives one dependent's sleep, and a
 * dependency that fails fails the wake with its name.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  request, startDrowse, requireDocker, ensureTestImage, runContainer, freePort, recordDockerEvents, waitFor, openEventStream,
  type DockerEventRecorder,
} from '../helpers/index.ts';

let image: string;
before(async () => {
  image = await ensureTestImage();
});

type T = Parameters<typeof requireDocker>[0];

/** A sleeping http-app container and its port. */
async function app(t: T, name: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const container = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: name, ...env }, start: false });
  return { container, port };
}

/** When the container's first `start` event happened, in ms. */
const startedAt = (events: DockerEventRecorder) => {
  const e = events.events.find((x) => x.Action === 'start');
  assert.ok(e?.timeNano, 'a start event');
  return Number(BigInt(e.timeNano) / 1_000_000n);
};

test('a diamond of dependencies starts each once, in dependency order, each ready before its dependents start', async (t) => {
  if (!(await requireDocker(t))) return;
  // top → left, right; left → base; right → base. base, left and right each take 1 s to listen
  // after they start (TCP routes, so readiness waits for that): run one after the other, left and
  // right would start a second apart.
  const slow = { START_DELAY_MS: '1000' };
  const [top, left, right, base] = await Promise.all([app(t, 'top'), app(t, 'left', slow), app(t, 'right', slow), app(t, 'base', slow)]);
  const [eTop, eLeft, eRight, eBase] = await Promise.all([top, left, right, base].map((a) => recordDockerEvents(t, a.container)));
  const [tcpPort, leftPort, rightPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const drowse = await startDrowse(t, `services:
  top:
    docker: { container: ${top.container} }
    http: { host: top.test, target: "http://127.0.0.1:${top.port}" }
    depends_on: [left, right]
  left: { docker: { container: ${left.container} }, depends_on: base, tcp: { listen: "127.0.0.1:${leftPort}", target: "127.0.0.1:${left.port}" } }
  right: { docker: { container: ${right.container} }, depends_on: base, tcp: { listen: "127.0.0.1:${rightPort}", target: "127.0.0.1:${right.port}" } }
  base:
    docker: { container: ${base.container} }
    tcp: { listen: "127.0.0.1:${tcpPort}", target: "127.0.0.1:${base.port}" }
`);
  const sse = await openEventStream({ port: drowse.port, host: 'top.test' });
  t.after(() => sse.close());

  const res = await request({ port: drowse.port, host: 'top.test', path: '/' });

  assert.equal(res.status, 200);
  assert.equal(res.json<{ app: string }>().app, 'top');
  for (const [name, events] of [['top', eTop], ['left', eLeft], ['right', eRight], ['base', eBase]] as const) {
    assert.equal(events!.count('start'), 1, `${name} started exactly once`);
  }
  const [tTop, tLeft, tRight, tBase] = [eTop, eLeft, eRight, eBase].map((e) => startedAt(e!));
  // base is ready only ~1 s after it starts (its app listens late); its dependents wait for that.
  assert.ok(tLeft! - tBase! >= 900, `left started ${tLeft! - tBase!}ms after base: waited for base to be ready`);
  assert.ok(tRight! - tBase! >= 900, `right started ${tRight! - tBase!}ms after base`);
  assert.ok(tTop! - Math.max(tLeft!, tRight!) >= 900, 'top started only after both of its dependencies were ready');
  assert.ok(Math.abs(tLeft! - tRight!) < 800, `left and right woke in parallel (${Math.abs(tLeft! - tRight!)}ms apart, not a second)`);

  const events = await sse.until<{ type: string; dependency?: string }>((es) => es.some((e) => e.type === 'ready'));
  assert.deepEqual(events.filter((e) => e.type.startsWith('dependency_')).map((e) => `${e.type} ${e.dependency}`).sort(), [
    'dependency_ready left', 'dependency_ready right', 'dependency_waking left', 'dependency_waking right',
  ]);
  assert.deepEqual(drowse.daemon.service('top')?.status().depends_on, ['left', 'right']);
});

test('a shared dependency stays up while either dependent is awake and sleeps right after the last one', async (t) => {
  if (!(await requireDocker(t))) return;
  const [a1, a2, db] = await Promise.all([app(t, 'a1'), app(t, 'a2'), app(t, 'db')]);
  const eDb = await recordDockerEvents(t, db.container);
  const drowse = await startDrowse(t, `services:
  a1: { docker: { container: ${a1.container} }, http: { host: a1.test, target: "http://127.0.0.1:${a1.port}" }, depends_on: db, idle_timeout: 1s }
  a2: { docker: { container: ${a2.container} }, http: { host: a2.test, target: "http://127.0.0.1:${a2.port}" }, depends_on: db, idle_timeout: 1h }
  db: { docker: { container: ${db.container} }, idle_timeout: 1s }
`);
  const state = (name: string) => drowse.daemon.service(name)?.state;

  assert.equal((await request({ port: drowse.port, host: 'a1.test' })).status, 200);
  assert.equal((await request({ port: drowse.port, host: 'a2.test' })).status, 200);
  await waitFor(() => state('a1') === 'asleep', { message: 'a1 idles out' });

  // db's own idle timeout (1 s) has long run out, but a2 still needs it.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  assert.equal(state('db'), 'ready', 'db outlives a1');
  assert.deepEqual(drowse.daemon.service('db')?.status().sleep_waits_for, ['a2']);
  assert.equal(eDb.count('die'), 0);

  drowse.daemon.service('a2')?.sleep('manual');
  await waitFor(() => state('db') === 'asleep', { timeoutMs: 15_000, message: 'db sleeps once a2 does' });
  assert.equal(state('a2'), 'asleep', 'the dependent stopped before its dependency');
  assert.equal(eDb.count('start'), 1, 'db started once for both dependents');
});

test('a dependency that fails fails the wake with its name, and the loading page hears of it', async (t) => {
  if (!(await requireDocker(t))) return;
  const top = await app(t, 'top');
  const dbPort = await freePort();
  const db = await runContainer(t, { image, cmd: ['sh', '-c', 'sleep 1; exit 4'], start: false });
  const eTop = await recordDockerEvents(t, top.container);
  const drowse = await startDrowse(t, `services:
  top: { docker: { container: ${top.container} }, http: { host: top.test, target: "http://127.0.0.1:${top.port}" }, depends_on: db }
  db: { docker: { container: ${db} }, tcp: { listen: "127.0.0.1:${await freePort()}", target: "127.0.0.1:${dbPort}" }, wake_timeout: 60s }
`);
  const sse = await openEventStream({ port: drowse.port, host: 'top.test' });
  t.after(() => sse.close());

  const res = await request({ port: drowse.port, host: 'top.test', headers: { accept: 'application/json' } });

  assert.equal(res.status, 503);
  assert.match(res.json<{ detail: string }>().detail, /dependency "db" failed: .*exited with exit code 4 while waking/);
  const events = await sse.until<{ type: string; error?: string }>((es) => es.some((e) => e.type === 'error'));
  assert.deepEqual(events.map((e) => e.type), ['waking', 'dependency_waking', 'error']);
  assert.match(String(events.at(-1)?.error), /dependency "db"/);
  assert.equal(eTop.count('start'), 0, 'the dependent was never started');
});
