/**
 * Label discovery against the real engine: labelled containers become services without a config
 * entry, follow the engine live (created, recreated, removed), a bad label takes out only its own
 * service, Compose's depends_on is honoured, and the file wins over labels.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { request, startDrowse, requireDocker, ensureTestImage, runContainer, removeContainer, containerState, freePort, waitFor, type Cleanup } from '../helpers/index.ts';

const LABELS = 'providers:\n  docker:\n    local: { labels: true }\n';

let image: string;
before(async () => {
  image = await ensureTestImage();
});

/** A host name no other test's container claims (every drowse in a test sees the whole engine). */
function uniqueHost(what: string): string {
  return `${what}-${randomBytes(4).toString('hex')}.test`;
}

/** A sleeping test HTTP app labelled as a drowse service. */
async function labelledApp(t: Cleanup, labels: Record<string, string>, opts: { port?: number; name?: string; start?: boolean } = {}) {
  const port = opts.port ?? (await freePort());
  const name = await runContainer(t, {
    image,
    app: 'http-app.js',
    ...(opts.name ? { name: opts.name, randomSuffix: false } : {}),
    env: { PORT: String(port), NAME: 'labelled' },
    start: opts.start ?? false,
    labels: { 'drowse.enable': 'true', 'drowse.http.port': String(port), ...labels },
  });
  return { name, port };
}

interface StatusService {
  name: string;
  state: string;
  source?: string;
  container?: string;
  compose?: { project: string; service: string };
  problems?: string[];
  labels_ignored?: string;
}

function statusOf(drowse: { daemon: { status(): object } }, name: string): StatusService | undefined {
  return (drowse.daemon.status() as { services: StatusService[] }).services.find((s) => s.name === name);
}

test('a labelled sleeping container is a service: a request to its host wakes it, and status says it came from labels', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const host = uniqueHost('web');
  const app = await labelledApp(t, { 'drowse.http.host': host, 'drowse.idle_timeout': '1h' });
  const drowse = await startDrowse(t, LABELS);

  const res = await request({ port: drowse.port, host, path: '/hello', headers: { accept: 'application/json' } });

  assert.equal(res.status, 200);
  assert.equal(res.json<{ url: string }>().url, '/hello');
  assert.equal(await containerState(app.name), 'running');
  const s = statusOf(drowse, app.name);
  assert.equal(s?.source, 'labels');
  assert.equal(s?.container, app.name);
  assert.equal(s?.state, 'ready');
});

test('a labelled container created while drowse runs is served, a recreated one with new labels changes its route, and a removed one is gone', { timeout: 90_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const drowse = await startDrowse(t, LABELS);
  const [first, second] = [uniqueHost('first'), uniqueHost('second')];
  const base = `live-${randomBytes(4).toString('hex')}`;
  const port = await freePort();

  const app = await labelledApp(t, { 'drowse.http.host': first }, { port, name: base });
  await waitFor(() => statusOf(drowse, app.name), { timeoutMs: 10_000 });
  assert.equal((await request({ port: drowse.port, host: first, path: '/' })).status, 200);

  // Labels cannot change on a container: compose recreates it under the same name.
  await removeContainer(app.name);
  await labelledApp(t, { 'drowse.http.host': second }, { port, name: base });
  await waitFor(async () => (await request({ port: drowse.port, host: second, path: '/' })).status === 200, { timeoutMs: 20_000 });
  assert.equal((await request({ port: drowse.port, host: first, path: '/' })).status, 404, 'the old host is no longer routed');

  await removeContainer(app.name);
  await waitFor(() => statusOf(drowse, app.name) === undefined, { timeoutMs: 10_000 });
  assert.equal((await request({ port: drowse.port, host: second, path: '/' })).status, 404);
});

test('a container with a bad label is unavailable with a message naming container and label, and the others keep serving', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const [good, bad] = [uniqueHost('good'), uniqueHost('bad')];
  const ok = await labelledApp(t, { 'drowse.http.host': good });
  const broken = await labelledApp(t, { 'drowse.http.host': bad, 'drowse.idle_timeout': 'soon' });
  const lines: string[] = [];
  const logTo = new (await import('node:stream')).Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
  const drowse = await startDrowse(t, LABELS, { logTo });

  const s = await waitFor(() => statusOf(drowse, broken.name));
  assert.equal(s.state, 'unavailable');
  assert.deepEqual(s.problems, [`container "${broken.name}": label drowse.idle_timeout: expected a duration like 30s or 15m`]);
  assert.ok(lines.some((l) => l.includes('labelled container is not served') && l.includes('drowse.idle_timeout')), 'the problem is logged');
  assert.equal((await request({ port: drowse.port, host: bad, path: '/' })).status, 404);
  assert.equal((await request({ port: drowse.port, host: good, path: '/' })).status, 200);
  assert.equal(await containerState(ok.name), 'running');
  assert.equal(await containerState(broken.name), 'created', 'a service that is not served is never started');
});

test("Compose's depends_on label wakes the labelled database first, through its TCP route", { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const project = `proj${randomBytes(3).toString('hex')}`;
  const [dbPort, dbListen] = [await freePort(), await freePort()];
  const db = await runContainer(t, {
    image,
    app: 'http-app.js',
    env: { PORT: String(dbPort), NAME: 'db' },
    start: false,
    labels: {
      'drowse.enable': 'true',
      'drowse.tcp.listen': `127.0.0.1:${dbListen}`,
      'drowse.tcp.port': String(dbPort),
      'com.docker.compose.project': project,
      'com.docker.compose.service': 'db',
    },
  });
  const host = uniqueHost('app');
  const app = await labelledApp(t, {
    'drowse.http.host': host,
    'com.docker.compose.project': project,
    'com.docker.compose.service': 'app',
    'com.docker.compose.depends_on': 'db:service_started:false,redis:service_started:false',
  });
  const drowse = await startDrowse(t, LABELS);

  const res = await request({ port: drowse.port, host, path: '/' });

  assert.equal(res.status, 200);
  assert.equal(await containerState(db), 'running', 'the dependency was woken first');
  const s = statusOf(drowse, app.name);
  assert.deepEqual(s?.compose, { project, service: 'app' });
  // The TCP route of a discovered service is bound and pipes to the database.
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(dbListen, '127.0.0.1', () => socket.end('GET /healthz HTTP/1.0\r\n\r\n'));
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.[01] 200/);
});

test('the file wins over labels: a file service of the same name keeps its own definition', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const [fileHost, labelHost] = [uniqueHost('file'), uniqueHost('label')];
  const name = `same${randomBytes(3).toString('hex')}`;
  const app = await labelledApp(t, { 'drowse.http.host': labelHost, 'drowse.name': name });
  const drowse = await startDrowse(t, `${LABELS}services:\n  ${name}:\n    docker: { container: ${app.name} }\n    http: { host: ${fileHost}, target: "http://127.0.0.1:${app.port}" }\n`);

  assert.equal((await request({ port: drowse.port, host: fileHost, path: '/' })).status, 200);
  assert.equal((await request({ port: drowse.port, host: labelHost, path: '/' })).status, 404);
  const s = statusOf(drowse, name);
  assert.equal(s?.source, 'file');
  assert.match(s?.labels_ignored ?? '', /config file defines this service/);
});

test('a container recreated without drowse.enable is no longer drowse\'s: its service is dropped and drowse never stops it', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const drowse = await startDrowse(t, LABELS);
  const host = uniqueHost('unlabelled');
  const base = `gone-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const app = await labelledApp(t, { 'drowse.http.host': host, 'drowse.idle_timeout': '1s' }, { port, name: base });
  await waitFor(() => statusOf(drowse, app.name), { timeoutMs: 10_000 });
  assert.equal((await request({ port: drowse.port, host, path: '/' })).status, 200);

  await removeContainer(app.name);
  const plain = await runContainer(t, { image, app: 'http-app.js', name: base, randomSuffix: false, env: { PORT: String(port) } });
  await waitFor(() => statusOf(drowse, plain) === undefined, { timeoutMs: 10_000, message: 'the service to be dropped' });

  // Its idle timeout was 1 s: three of them pass, and the container still runs.
  const until = Date.now() + 3000;
  await waitFor(async () => (await containerState(plain)) !== 'running' || Date.now() > until, { timeoutMs: 10_000 });
  assert.equal(await containerState(plain), 'running');
  assert.equal((await request({ port: drowse.port, host, path: '/' })).status, 404);
});

test('a labelled container already running when it is discovered is ready without a request, and sleeps when idle', { timeout: 60_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  const drowse = await startDrowse(t, LABELS);
  const app = await labelledApp(t, { 'drowse.http.host': uniqueHost('running'), 'drowse.idle_timeout': '1s' }, { start: true });

  await waitFor(() => statusOf(drowse, app.name)?.state === 'ready', { timeoutMs: 10_000, message: 'the discovered service to read its running container' });
  await waitFor(async () => (await containerState(app.name)) === 'exited', { timeoutMs: 15_000, message: 'the idle container to be stopped' });
});
