/**
 * What clients see of a service that is not ready (CONTRACT §3), against the real engine: browsers
 * get the loading page, everyone else is held and never gets HTML; the wake is told over SSE;
 * start_endpoint and wake_filter decide who may wake a service.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import {
  request, startDrowse, requireDocker, ensureTestImage, runContainer, containerState, freePort, waitFor,
  recordDockerEvents, openEventStream, type TestResponse,
} from '../helpers/index.ts';

let image: string;
before(async () => {
  image = await ensureTestImage();
});

/** What Chromium sends when a person opens a page. */
const NAVIGATION = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-site': 'none',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
};
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

async function sleepingApp(t: Parameters<typeof requireDocker>[0], opts: { env?: Record<string, string>; cmd?: string[] } = {}) {
  const port = await freePort();
  const name = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'web', ...opts.env }, ...(opts.cmd ? { cmd: opts.cmd } : {}), start: false });
  return { name, port };
}

function yaml(container: string, port: number, extra = '', host = 'web.test'): string {
  return `services:\n  web:\n    docker: { container: ${container} }\n    http: { host: ["${host}"], target: "http://127.0.0.1:${port}" }\n${extra}`;
}

const isHtml = (r: TestResponse) => String(r.headers['content-type'] ?? '').includes('text/html');

test('a browser opening a sleeping service gets the loading page at the same URL, and the wake starts', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t, { env: { START_DELAY_MS: '1500' } });
  const events = await recordDockerEvents(t, app.name);
  const drowse = await startDrowse(t, yaml(app.name, app.port));

  const page = await request({ port: drowse.port, host: 'web.test', path: '/deep/link?x=1', headers: NAVIGATION });

  assert.equal(page.status, 200);
  assert.ok(isHtml(page), `content-type ${page.headers['content-type']}`);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
  assert.match(page.body, /<title>Waking web…<\/title>/);
  assert.match(page.body, /<script src="\/__drowse\/loading.js" defer><\/script>/);
  assert.match(page.body, /<noscript><meta http-equiv="refresh" content="\d+"><\/noscript>/);
  assert.doesNotMatch(page.body, /https?:\/\//, 'no external resources');
  const head = await request({ port: drowse.port, host: 'web.test', path: '/deep/link?x=1', method: 'HEAD', headers: NAVIGATION });
  assert.deepEqual([head.status, isHtml(head), head.body], [200, true, ''], 'HEAD gets the page head without a body');
  await events.waitFor('start', 1, 10_000);
  assert.equal(events.count('start'), 1, 'the page and its HEAD started one wake');

  // Once ready, the same navigation is the app itself.
  await waitFor(async () => (await request({ port: drowse.port, host: 'web.test', path: '/__drowse/status' })).json<{ state: string }>().state === 'ready');
  const app2 = await request({ port: drowse.port, host: 'web.test', path: '/deep/link?x=1', headers: NAVIGATION });
  assert.equal(app2.status, 200);
  assert.equal(app2.json<{ url: string }>().url, '/deep/link?x=1');
});

test('API clients, assets, POSTs and WebSockets are held, never answered with HTML, while browsers get the page', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t, { env: { START_DELAY_MS: '800' } });
  const drowse = await startDrowse(t, yaml(app.name, app.port));
  const get = (headers: Record<string, string>, path = '/api') => request({ port: drowse.port, host: 'web.test', path, headers });

  const [curl, fetchJson, fetchHtml, xhr, image, script, post, noAccept, ws, browser] = await Promise.all([
    get({ accept: '*/*', 'user-agent': 'curl/8.5.0' }),
    get({ accept: 'application/json', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }),
    get({ accept: 'text/html', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'hx-request': 'true' }),
    get({ accept: 'text/html, */*; q=0.01', 'x-requested-with': 'XMLHttpRequest' }),
    get({ accept: 'image/avif,image/webp,*/*;q=0.8', 'sec-fetch-dest': 'image', 'sec-fetch-mode': 'no-cors' }, '/logo.png'),
    get({ accept: '*/*', 'sec-fetch-dest': 'script', 'sec-fetch-mode': 'no-cors' }, '/app.js'),
    request({ port: drowse.port, host: 'web.test', path: '/form', method: 'POST', body: 'a=1', headers: { ...NAVIGATION, 'content-type': 'application/x-www-form-urlencoded' } }),
    get({}),
    // The test app speaks no WebSocket: it answers the upgrade with its JSON echo, which proves the
    // upgrade was held through the wake and forwarded rather than answered by drowse.
    new Promise<string>((resolve) => {
      const sock = new WebSocket(`ws://127.0.0.1:${drowse.port}/ws`, { headers: { host: 'web.test' } });
      sock.on('unexpected-response', (_req, res) => resolve(`${res.statusCode} ${res.headers['content-type']}`));
      sock.on('error', () => undefined);
    }),
    get(NAVIGATION, '/'),
  ]);

  for (const [what, r] of Object.entries({ curl, fetchJson, fetchHtml, xhr, image, script, post, noAccept })) {
    assert.equal(r.status, 200, `${what}: status ${r.status}`);
    assert.ok(!isHtml(r), `${what} got HTML`);
    assert.equal(r.json<{ app: string }>().app, 'web', `${what} reached the app`);
  }
  assert.equal(post.json<{ body: string }>().body, 'a=1');
  assert.equal(ws, '200 application/json', 'the upgrade reached the app');
  assert.ok(isHtml(browser), 'the browser got the loading page');
});

test('with loading_page: false a browser is held like an API client and gets the app', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t, { env: { START_DELAY_MS: '300' } });
  const drowse = await startDrowse(t, yaml(app.name, app.port, '    loading_page: false\n'));

  const res = await request({ port: drowse.port, host: 'web.test', path: '/', headers: NAVIGATION });

  assert.equal(res.status, 200);
  assert.equal(res.json<{ app: string }>().app, 'web');
});

test('whatever a client puts in Host or the path is escaped on the loading page', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const drowse = await startDrowse(t, yaml(app.name, app.port, '', '*.web.test'));
  const evil = '"><img src=x onerror=alert(1)>.web.test';

  const page = await request({ port: drowse.port, host: evil, path: '/<script>alert(1)</script>', headers: NAVIGATION });

  assert.equal(page.status, 200);
  assert.ok(!page.body.includes('<img src=x'), 'the Host is not rendered as markup');
  assert.ok(!page.body.includes('<script>alert'), 'the path is not rendered as markup');
  assert.ok(page.body.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.web.test'), 'the Host is shown, escaped');
});

test('the wake is told over SSE with ids and retry, a late subscriber gets the history, and heartbeats flow', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t, { env: { START_DELAY_MS: '700' } });
  const drowse = await startDrowse(t, yaml(app.name, app.port), { sseHeartbeatMs: 200 });

  const early = await openEventStream({ port: drowse.port, host: 'web.test' });
  t.after(() => early.close());
  assert.equal(early.status, 200);
  assert.match(String(early.headers['content-type']), /^text\/event-stream/);
  assert.equal((await request({ port: drowse.port, host: 'web.test', path: '/__drowse/status' })).json<{ state: string }>().state, 'asleep', 'subscribing wakes nothing');

  const served = await request({ port: drowse.port, host: 'web.test', path: '/hello' });
  assert.equal(served.status, 200);
  const seen = await early.until((es) => es.some((e) => e.type === 'ready'));
  assert.deepEqual(seen.map((e) => e.type), ['waking', 'starting', 'started', 'probing', 'ready']);
  assert.deepEqual(early.events.map((e) => Number(e.id)), seen.map((e) => e.id), 'the SSE id is the event id');
  for (let i = 1; i < seen.length; i++) assert.equal(seen[i]!.id, seen[i - 1]!.id + 1, 'ids grow by one');
  for (const e of seen) {
    assert.equal((e as unknown as { service: string }).service, 'web');
    assert.ok(!Number.isNaN(Date.parse((e as unknown as { at: string }).at)));
  }
  assert.equal(early.retry(), 2000, 'retry: is sent');

  // A page that connects after the fact learns everything, ending in ready.
  const late = await openEventStream({ port: drowse.port, host: 'web.test' });
  t.after(() => late.close());
  assert.deepEqual((await late.until((es) => es.length >= 5)).map((e) => e.type), ['waking', 'starting', 'started', 'probing', 'ready']);

  // A reconnecting EventSource sends Last-Event-ID and gets only what it missed.
  const again = await openEventStream({ port: drowse.port, host: 'web.test', headers: { 'last-event-id': String(seen[2]!.id) } });
  t.after(() => again.close());
  assert.deepEqual((await again.until((es) => es.length >= 2)).map((e) => e.type), ['probing', 'ready']);

  await waitFor(() => late.comments.length >= 3, { message: 'three heartbeat comments' });
});

test('the default SSE heartbeat is at most 15 seconds', async () => {
  const { DEFAULT_HEARTBEAT_MS } = await import('../../src/loading/index.ts');
  assert.ok(DEFAULT_HEARTBEAT_MS > 0 && DEFAULT_HEARTBEAT_MS <= 15_000);
});

test('a container that exits while waking sends an SSE error at once, with its exit code', async (t) => {
  if (!(await requireDocker(t))) return;
  const port = await freePort();
  const name = await runContainer(t, { image, cmd: ['sh', '-c', 'sleep 1; exit 3'], start: false });
  const drowse = await startDrowse(t, yaml(name, port, '    wake_timeout: 60s\n'));
  const sse = await openEventStream({ port: drowse.port, host: 'web.test' });
  t.after(() => sse.close());
  const startedAt = Date.now();

  const page = await request({ port: drowse.port, host: 'web.test', path: '/', headers: NAVIGATION });
  assert.equal(page.status, 200);
  const events = await sse.until((es) => es.some((e) => e.type === 'error'), 15_000);

  const error = events.at(-1)!;
  assert.equal(error.type, 'error');
  assert.match(String(error.error), /exited with exit code 3 while waking/);
  assert.ok(Date.now() - startedAt < 10_000, 'long before wake_timeout');
});

test('/__drowse/ routes: status JSON, the page files with ETags, 404 and 405, and none of them wakes the service', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const events = await recordDockerEvents(t, app.name);
  const drowse = await startDrowse(t, yaml(app.name, app.port));
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => request({ port: drowse.port, host: 'web.test', path, headers, method });

  const status = await get('/__drowse/status', NAVIGATION);
  assert.equal(status.status, 200);
  assert.match(String(status.headers['content-type']), /^application\/json/);
  assert.deepEqual([status.json<{ name: string }>().name, status.json<{ state: string }>().state], ['web', 'asleep']);

  for (const [file, type] of [['loading.js', /^text\/javascript/], ['loading.css', /^text\/css/], ['favicon.svg', /^image\/svg\+xml/]] as const) {
    const res = await get(`/__drowse/${file}`);
    assert.equal(res.status, 200, file);
    assert.match(String(res.headers['content-type']), type);
    assert.ok(res.body.length > 100, `${file} has content`);
    const etag = String(res.headers.etag);
    assert.equal((await get(`/__drowse/${file}`, { 'if-none-match': etag })).status, 304, `${file} revalidates`);
  }
  assert.equal((await get('/__drowse/nope', NAVIGATION)).status, 404);
  const post = await get('/__drowse/status', {}, 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');

  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(events.count('start'), 0, 'nothing under /__drowse/ woke the container');
  assert.equal(await containerState(app.name), 'created');
});

test('with start_endpoint, other paths get 403 while asleep and wake nothing; the endpoint wakes it; then every path is served', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const events = await recordDockerEvents(t, app.name);
  const drowse = await startDrowse(t, yaml(app.name, app.port, '    start_endpoint: [/wake, "/app/*"]\n'));
  const get = (path: string, headers: Record<string, string> = {}) => request({ port: drowse.port, host: 'web.test', path, headers });

  const forbidden = await get('/admin', { accept: 'application/json' });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.headers['content-type'], 'application/problem+json');
  assert.match(forbidden.json<{ detail: string }>().detail, /\/admin may not wake it/);
  assert.equal((await get('/app/../admin')).status, 403, 'dot segments do not sneak past the list');
  assert.equal((await get('/wake/more')).status, 403, 'an exact entry is not a prefix');
  assert.equal((await get('/', NAVIGATION)).status, 403, 'browsers too');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(events.count('start'), 0);

  assert.equal((await get('/app/x/y')).status, 200, 'a path under a "/app/*" entry wakes the service');
  assert.equal(events.count('start'), 1);
  assert.equal((await get('/admin')).status, 200, 'once awake every path is served');
});

test('a client on the wake_filter deny list gets 503 while asleep, wakes nothing, and never keeps the service awake', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const events = await recordDockerEvents(t, app.name);
  const drowse = await startDrowse(t, yaml(app.name, app.port, '    idle_timeout: 2s\n    wake_filter: { deny: [HomeAssistant] }\n'));
  const get = (ua: string, headers: Record<string, string> = {}) => request({ port: drowse.port, host: 'web.test', path: '/', headers: { ...headers, 'user-agent': ua } });
  const state = async () => (await request({ port: drowse.port, host: 'web.test', path: '/__drowse/status' })).json<{ state: string; last_activity?: string }>();

  const bot = await get(GOOGLEBOT, NAVIGATION);
  assert.equal(bot.status, 503);
  assert.equal(bot.headers['retry-after'], '5');
  assert.ok(!isHtml(bot), 'a denied browser-like bot gets no loading page');
  assert.equal((await get('HomeAssistant/2024.1 aiohttp/3.9')).status, 503, 'a configured deny entry applies too');
  const wsStatus = await new Promise<number>((resolve) => {
    const sock = new WebSocket(`ws://127.0.0.1:${drowse.port}/ws`, { headers: { host: 'web.test', 'user-agent': GOOGLEBOT } });
    sock.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    sock.on('error', () => undefined);
  });
  assert.equal(wsStatus, 503);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(events.count('start'), 0);

  // A person wakes it; the bot is then served but its requests are not activity.
  assert.equal((await get('curl/8.5.0')).status, 200);
  const before = (await state()).last_activity;
  assert.equal((await get(GOOGLEBOT)).status, 200, 'an awake service serves the bot');
  assert.equal((await state()).last_activity, before, 'the bot did not reset the idle timer');

  // Keep a bot polling: the service still sleeps on time.
  const polling = setInterval(() => void get(GOOGLEBOT).catch(() => undefined), 300);
  t.after(() => clearInterval(polling));
  await waitFor(async () => (await state()).state === 'asleep', { timeoutMs: 10_000, message: 'the service to idle out despite the bot' });
  clearInterval(polling);
});

test('an open event stream is not activity: the service sleeps on time while a page listens', async (t) => {
  if (!(await requireDocker(t))) return;
  const app = await sleepingApp(t);
  const drowse = await startDrowse(t, yaml(app.name, app.port, '    idle_timeout: 1s\n'), { sseHeartbeatMs: 200 });
  assert.equal((await request({ port: drowse.port, host: 'web.test', path: '/' })).status, 200);
  const sse = await openEventStream({ port: drowse.port, host: 'web.test' });
  t.after(() => sse.close());

  const events = await sse.until((es) => es.some((e) => e.type === 'asleep'), 10_000);

  // The stream began after the wake; its history (the current episode) ended at ready, then the idle stop followed.
  assert.deepEqual(events.map((e) => e.type).slice(-2), ['stopping', 'asleep']);
});
