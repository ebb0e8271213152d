/**
 * The HTTP entrypoint against hostile clients and odd upstreams, with no Docker: a real
 * HttpEntrypoint and LoadingSite on 127.0.0.1, a fake service whose state the test sets, and
 * plain node upstreams that record the exact request target they receive.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { HttpEntrypoint, TcpEntrypoint, defaultMaxConnections, type HttpLimits, type HttpRoute } from '../../src/proxy/index.ts';
import { LoadingSite, type SseLimits } from '../../src/loading/index.ts';
import { createLogger } from '../../src/kernel/index.ts';
import type { ServiceState } from '../../src/service/index.ts';
import { openEventStream, request, waitFor } from '../helpers/index.ts';

const log = createLogger({ level: (process.env.DROWSE_TEST_LOG ?? 'silent') as 'silent', format: 'json' }, process.stderr);
const TIMEOUT = { timeout: 20_000 };

/** A service whose state the test sets; counts every way a request could wake it. */
class FakeService {
  readonly name: string;
  state: ServiceState = 'ready';
  wakes = 0;
  private readonly waiting = new Set<() => void>();
  constructor(name: string) {
    this.name = name;
  }
  wake(): void {
    this.wakes++;
  }
  acquire(): () => void {
    return () => undefined;
  }
  whenReady(signal: AbortSignal): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    this.wakes++;
    return new Promise((resolve, reject) => {
      this.waiting.add(resolve);
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
  }
  onEvent(): () => void {
    return () => undefined;
  }
  publicStatus(): { state: string } {
    return { state: this.state };
  }
  /** Whether the workload runs; confirmRunning() reports it, and a service that learns it stopped is asleep. */
  running = true;
  confirms = 0;
  async confirmRunning(): Promise<boolean> {
    this.confirms++;
    if (!this.running) this.state = 'asleep';
    return this.running;
  }
  /** Makes the service ready and releases every held request. */
  becomeReady(): void {
    this.state = 'ready';
    for (const resolve of this.waiting) resolve();
    this.waiting.clear();
  }
}

/** An upstream that records the raw request target of every request and answers 200 "upstream". */
async function echoUpstream(t: TestContext): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-loop': String(req.headers['x-drowse-loop'] ?? '') });
    res.end('upstream');
  });
  server.on('upgrade', (req, socket) => {
    seen.push(req.url ?? '');
    socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, seen };
}

interface Harness {
  readonly port: number;
  readonly entrypoint: HttpEntrypoint;
  readonly services: Map<string, FakeService>;
}

/** Starts an entrypoint with one route per name, each with host NAME.test, all forwarding to `upstreamPort`. */
async function startEntrypoint(
  t: TestContext,
  upstreamPort: number,
  opts: { names?: string[]; startEndpoints?: string[]; limits?: Partial<HttpLimits>; sse?: SseLimits } = {},
): Promise<Harness> {
  const services = new Map((opts.names ?? ['app']).map((n) => [n, new FakeService(n)]));
  const site = new LoadingSite({ services: [...services.values()], ...(opts.sse ? { sse: opts.sse } : {}) });
  await site.start();
  const routes: HttpRoute[] = [...services.values()].map((service) => ({
    hosts: [`${service.name}.test`],
    service,
    target: new URL(`http://127.0.0.1:${upstreamPort}`),
    wakeTimeoutMs: 10_000,
    loadingPage: false,
    policy: { ...(opts.startEndpoints ? { startEndpoints: opts.startEndpoints } : {}), wakeFilter: { deny: [], allow: [] } },
  }));
  const entrypoint = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes, site, log, ...(opts.limits ? { limits: opts.limits } : {}) });
  await entrypoint.start();
  t.after(async () => {
    site.stop();
    await entrypoint.stop(100);
  });
  return { port: entrypoint.address().port, entrypoint, services };
}

/** Sends `bytes` as they are on a fresh connection; resolves with everything read until the server closes. */
function raw(port: number, bytes: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes, 'latin1');
  });
}

const statusOf = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
const get = (target: string, host = 'app.test', method = 'GET', extra = '') => `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`;
const upgrade = (target: string) => `GET ${target} HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

// --- item 2: every request kind is judged by the same reserved-path and wake rules ---

for (const state of ['asleep', 'ready'] as const) {
  test(`an upgrade to a reserved path is answered by drowse, never forwarded, and wakes nothing (service ${state})`, TIMEOUT, async (t) => {
    const upstream = await echoUpstream(t);
    const h = await startEntrypoint(t, upstream.port);
    const app = h.services.get('app') as FakeService;
    app.state = state;
    for (const target of ['/__drowse/status', '/__drowse/events', '/x/../__drowse/status', '/__drowse/nope']) {
      const res = await raw(h.port, upgrade(target));
      assert.ok([400, 404, 405].includes(statusOf(res)), `${target}: ${res.split('\r\n')[0]}`);
    }
    assert.deepEqual(upstream.seen, []);
    assert.equal(app.wakes, 0);
  });
}

for (const method of ['HEAD', 'OPTIONS', 'POST', 'DELETE', 'PROPFIND']) {
  test(`${method} on a reserved path is never forwarded and wakes nothing`, TIMEOUT, async (t) => {
    const upstream = await echoUpstream(t);
    const h = await startEntrypoint(t, upstream.port);
    const app = h.services.get('app') as FakeService;
    app.state = 'asleep';
    const res = await raw(h.port, get('/__drowse/status', 'app.test', method, 'Content-Length: 0\r\n'));
    assert.ok(statusOf(res) === 200 || statusOf(res) === 405, res.split('\r\n')[0]);
    assert.deepEqual(upstream.seen, []);
    assert.equal(app.wakes, 0);
  });
}

test('OPTIONS * is answered by drowse with Allow and not forwarded; "*" with another method is 400', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port);
  const res = await raw(h.port, get('*', 'app.test', 'OPTIONS'));
  assert.equal(statusOf(res), 200);
  assert.match(res, /\r\nallow: GET, HEAD, POST/i);
  assert.equal(statusOf(await raw(h.port, get('*'))), 400);
  assert.deepEqual(upstream.seen, []);
});

test('CONNECT gets 405 with Allow instead of a dropped connection', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port);
  const res = await raw(h.port, 'CONNECT app.test:443 HTTP/1.1\r\nHost: app.test:443\r\n\r\n');
  assert.equal(statusOf(res), 405);
  assert.match(res, /\r\nAllow: GET/);
  assert.deepEqual(upstream.seen, []);
});

test('an absolute-form target is judged and forwarded as its path; naming another host is 400', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port);
  assert.equal(statusOf(await raw(h.port, get('http://app.test/x/../__drowse/status'))), 200);
  assert.deepEqual(upstream.seen, []);
  assert.equal(statusOf(await raw(h.port, get('http://app.test/a/%2e%2e/b?q'))), 200);
  assert.deepEqual(upstream.seen, ['/a/%2e%2e/b?q']);
  assert.equal(statusOf(await raw(h.port, get('http://other.test/p'))), 400);
  assert.equal(upstream.seen.length, 1);
});

// --- item 3: what is judged is what is forwarded ---

// [target, what drowse does for a ready service: 'reserved' (answered by drowse) or 'forward' (bytes reach upstream as sent)]
const spellings: Array<[string, 'reserved' | 'forward']> = [
  ['/__drowse/status', 'reserved'],
  ['/x/../__drowse/status', 'reserved'],
  ['/x/%2e%2e/__drowse/status', 'reserved'],
  ['/x/%2E%2E/__drowse/status', 'reserved'],
  ['//__drowse/status', 'reserved'],
  ['/__DROWSE/status', 'reserved'],
  ['/%5f%5fdrowse/status', 'reserved'],
  ['/__drowse%2fstatus', 'reserved'],
  ['/x%2f..%2f__drowse/status', 'reserved'],
  ['/x\\..\\__drowse/status', 'reserved'],
  ['/__drowse;x/status', 'reserved'],
  ['/a/../b', 'forward'],
  ['/a/%2e%2e/b', 'forward'],
  ['/a/./b', 'forward'],
  ['//a//b/', 'forward'],
  ['/a%2fb', 'forward'],
  ['/a?', 'forward'],
  ['/a?x=/../__drowse/status', 'forward'],
  ['/%7Euser/%41', 'forward'],
  ['/__drowsey', 'forward'],
];
test('every spelling of a target is either answered by drowse or reaches the upstream byte for byte', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port);
  for (const [target, want] of spellings) {
    upstream.seen.length = 0;
    const res = await raw(h.port, get(target));
    if (want === 'reserved') {
      assert.ok([200, 404].includes(statusOf(res)) && !res.endsWith('upstream'), `${target}: ${res.split('\r\n')[0]}`);
      assert.deepEqual(upstream.seen, [], `${target} must not reach the upstream`);
    } else {
      assert.equal(statusOf(res), 200, target);
      assert.deepEqual(upstream.seen, [target], `${target} must reach the upstream as sent`);
    }
  }
});

test('an upgrade to a ready service reaches the upstream with its target as sent', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port);
  const res = await raw(h.port, upgrade('/ws/../socket?x'));
  assert.equal(statusOf(res), 101);
  assert.deepEqual(upstream.seen, ['/ws/../socket?x']);
});

// [target, may it wake a service with start_endpoint /app/*]
const wakeSpellings: Array<[string, boolean]> = [
  ['/app/x', true],
  ['/app/../admin', false],
  ['/app/%2e%2e/admin', false],
  ['/app/..%2fadmin', false],
  ['/app%2f..%2fadmin', false],
  ['/app\\..\\admin', false],
  ['/APP/x', false],
  ['/app//x', true],
];
test('start_endpoint judges every reading of a spelling: a path wakes only when all of them may', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  for (const [target, wakes] of wakeSpellings) {
    const h = await startEntrypoint(t, upstream.port, { startEndpoints: ['/app/*'] });
    const app = h.services.get('app') as FakeService;
    app.state = 'asleep';
    let answered = false;
    const res = raw(h.port, get(target), 3_000)
      .catch(() => 'held')
      .finally(() => (answered = true));
    await waitFor(() => app.wakes > 0 || answered, { timeoutMs: 2_000, message: target });
    if (wakes) assert.equal(app.wakes, 1, `${target} should wake`);
    else {
      assert.equal(statusOf(await res), 403, target);
      assert.equal(app.wakes, 0, `${target} must not wake`);
    }
    await h.entrypoint.stop(0);
  }
});

// --- item 9: lenient with upstreams, strict with clients ---

test('an upstream answering with bare-LF line endings is forwarded 200 with its body', TIMEOUT, async (t) => {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.0 200 OK\nContent-Type: text/plain\nContent-Length: 6\n\nbusybox'.slice(0, -1)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const h = await startEntrypoint(t, (server.address() as net.AddressInfo).port);
  const res = await request({ port: h.port, host: 'app.test', path: '/cgi-bin/x' });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'busybo');
});

const smuggling: Array<[string, string]> = [
  ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['two different Content-Lengths', 'POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde'],
  ['a Content-Length list', 'POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 4, 5\r\n\r\nabcde'],
  ['Transfer-Encoding not ending in chunked', 'POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
  ['an obfuscated Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n'],
  ['whitespace before the header colon', 'POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n'],
  ['an obs-fold continuation line', 'POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: identity\r\n chunked\r\n\r\n0\r\n\r\n'],
  ['bare LF line endings in the request', 'GET / HTTP/1.1\nHost: app.test\n\n'],
  ['a bare CR in a header', 'GET / HTTP/1.1\r\nHost: app.test\r\nX: a\rb\r\n\r\n'],
  ['a chunk size with junk', 'POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n5;\x00\r\nabcde\r\n0\r\n\r\n'],
  ['a negative Content-Length', 'POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: -1\r\n\r\n'],
  ['a NUL in the target', 'GET /a\x00b HTTP/1.1\r\nHost: app.test\r\n\r\n'],
  ['two Host headers', 'GET / HTTP/1.1\r\nHost: app.test\r\nHost: other.test\r\n\r\n'],
  ['no Host header', 'GET / HTTP/1.1\r\n\r\n'],
];
for (const [name, bytes] of smuggling) {
  test(`a request with ${name} gets 400 and never reaches the upstream`, TIMEOUT, async (t) => {
    const upstream = await echoUpstream(t);
    const h = await startEntrypoint(t, upstream.port);
    assert.equal(statusOf(await raw(h.port, bytes)), 400);
    assert.deepEqual(upstream.seen, []);
  });
}

// --- item 6: bounds on what clients hold ---

test('a connection over limits.max_connections gets 503 with Retry-After at once, and established clients keep working', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port, { limits: { maxConnections: 3 } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 3 });
  t.after(() => agent.destroy());
  const viaAgent = () =>
    new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: h.port, path: '/', headers: { host: 'app.test' }, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }).on('error', reject);
    });
  assert.deepEqual(await Promise.all([viaAgent(), viaAgent(), viaAgent()]), [200, 200, 200]);
  await waitFor(() => h.entrypoint.connections() === 3, { timeoutMs: 2_000, message: 'three open connections' });

  const started = Date.now();
  const refused = await raw(h.port, get('/'));
  assert.equal(statusOf(refused), 503);
  assert.match(refused, /\r\nRetry-After: \d+\r\n/);
  assert.ok(Date.now() - started < 2_000, `answered after ${Date.now() - started} ms`);
  assert.deepEqual(await Promise.all([viaAgent(), viaAgent(), viaAgent()]), [200, 200, 200], 'established connections still serve');
  agent.destroy();
  await waitFor(() => h.entrypoint.connections() === 0, { timeoutMs: 2_000, message: 'connections closed' });
  assert.equal(statusOf(await raw(h.port, get('/'))), 200, 'a freed slot is usable again');
});

test('a client that sends its headers too slowly is cut off with 408 after limits.header_timeout', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port, { limits: { headerTimeoutMs: 500 } });
  const socket = net.connect(h.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write('GET / HTTP/1.1\r\nHost: app.test\r\n');
  const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
  const started = Date.now();
  await closed;
  clearInterval(drip);
  assert.ok(Date.now() - started < 3_000, `closed after ${Date.now() - started} ms`);
  assert.equal(statusOf(Buffer.concat(chunks).toString()), 408);
  assert.deepEqual(upstream.seen, []);
});

test('an idle keep-alive connection is closed after limits.keep_alive_timeout', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port, { limits: { keepAliveTimeoutMs: 300 } });
  const socket = net.connect(h.port, '127.0.0.1');
  socket.on('data', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write('GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
  const started = Date.now();
  await closed;
  assert.ok(Date.now() - started < 2_000, `closed after ${Date.now() - started} ms`);
});

test('requests over limits.held_per_service get 503 at once while the service wakes', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port, { limits: { heldPerService: 2 } });
  const app = h.services.get('app') as FakeService;
  app.state = 'waking';
  const held = [request({ port: h.port, host: 'app.test', timeoutMs: 3_000 }).catch(() => undefined), request({ port: h.port, host: 'app.test', timeoutMs: 3_000 }).catch(() => undefined)];
  await waitFor(() => h.entrypoint.held('app') === 2, { timeoutMs: 2_000, message: 'two held requests' });
  const over = await request({ port: h.port, host: 'app.test', timeoutMs: 2_000 });
  assert.equal(over.status, 503);
  assert.ok(over.headers['retry-after']);
  await Promise.all(held);
});

test('event streams over limits.sse_per_service and limits.sse_total get 503; closing one frees a slot', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port, { names: ['a', 'b'], sse: { perService: 2, total: 3, lifetimeMs: 60_000 } });
  const open = async (host: string) => {
    const s = await openEventStream({ port: h.port, host });
    t.after(() => s.close());
    return s;
  };
  const a1 = await open('a.test');
  await open('a.test');
  assert.equal((await open('a.test')).status, 503, 'third stream of one service');
  assert.equal((await open('b.test')).status, 200);
  const overTotal = await open('b.test');
  assert.equal(overTotal.status, 503, 'fourth stream in all');
  assert.ok(overTotal.headers['retry-after']);
  a1.close();
  await waitFor(async () => (await open('b.test')).status === 200, { timeoutMs: 3_000, message: 'a slot freed by a closed stream' });
});

test('an event stream is ended after limits.sse_lifetime', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port, { sse: { perService: 8, total: 8, lifetimeMs: 300 } });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: h.port, path: '/__drowse/events', headers: { host: 'app.test' }, agent: false }, resolve).on('error', reject);
  });
  assert.equal(res.statusCode, 200);
  res.resume();
  const started = Date.now();
  await new Promise((resolve) => res.on('close', resolve));
  assert.ok(Date.now() - started < 3_000, `ended after ${Date.now() - started} ms`);
});

// --- item 12d: the loop mark cannot be replayed ---

test('the loop mark an upstream saw, replayed in a later request, is not taken for a loop', TIMEOUT, async (t) => {
  const upstream = await echoUpstream(t);
  const h = await startEntrypoint(t, upstream.port);
  const first = await request({ port: h.port, host: 'app.test', path: '/one' });
  const mark = first.headers['x-seen-loop'];
  assert.ok(typeof mark === 'string' && mark.length > 0, 'the upstream saw a mark');
  const replay = await request({ port: h.port, host: 'app.test', path: '/two', headers: { 'x-drowse-loop': mark } });
  assert.equal(replay.status, 200);
  assert.deepEqual(upstream.seen, ['/one', '/two']);
});

test('a target that leads back to drowse is still answered 508', TIMEOUT, async (t) => {
  let drowsePort = 0;
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
    for (const s of relayed) s.destroy();
  });
  const h = await startEntrypoint(t, (relay.address() as net.AddressInfo).port);
  drowsePort = h.port;
  const res = await request({ port: h.port, host: 'app.test', path: '/x', timeoutMs: 5_000 });
  assert.equal(res.status, 508);
  assert.equal(res.body.includes('127.0.0.1'), false, 'the answer does not name the target');
});

test('a TCP route closes connections over limits.max_connections at once and keeps serving the open ones', TIMEOUT, async (t) => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  t.after(() => echo.close());
  const tcp = new TcpEntrypoint({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port },
    service: Object.assign(new FakeService('db'), { touch: () => undefined }),
    wakeTimeoutMs: 5_000,
    maxHeld: 10,
    openKeepsAwake: false,
    maxConnections: 2,
    log,
  });
  await tcp.start();
  t.after(() => tcp.stop(0));
  const connect = () => net.connect(tcp.address().port, '127.0.0.1');
  const roundTrip = (s: net.Socket, text: string) =>
    new Promise<string>((resolve, reject) => {
      s.once('data', (d: Buffer) => resolve(d.toString()));
      s.once('error', reject);
      s.write(text);
    });
  const [a, b] = [connect(), connect()];
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  assert.equal(await roundTrip(a, 'one'), 'one');
  assert.equal(await roundTrip(b, 'two'), 'two');
  const over = connect();
  over.on('error', () => undefined);
  const started = Date.now();
  await new Promise((resolve) => over.once('close', resolve));
  assert.ok(Date.now() - started < 2_000);
  assert.equal(await roundTrip(a, 'still'), 'still');
});

test('the default connection cap is half of the open-files limit less 128', () => {
  const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 1048576              files\n`;
  assert.equal(defaultMaxConnections(limits('1024')), 448);
  assert.equal(defaultMaxConnections(limits('65536')), 32_704);
  assert.equal(defaultMaxConnections(limits('unlimited')), 65_536);
  assert.equal(defaultMaxConnections(limits('100')), 16);
  assert.equal(defaultMaxConnections(''), 1_000, 'no limits to read');
});

test('a refused upstream whose workload died is held through a new wake and sent again, instead of answered 502', TIMEOUT, async (t) => {
  // Take a free port and close it: connections to it are refused, as to a container just killed.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const h = await startEntrypoint(t, port);
  const service = h.services.get('app')!;
  service.running = false;

  const answers = Promise.all(Array.from({ length: 4 }, (_, i) => request({ port: h.port, host: 'app.test', path: `/after-kill/${i}` })));
  await waitFor(() => service.wakes >= 1, { timeoutMs: 5_000, message: 'a refused request wakes the service' });
  assert.equal(service.state, 'asleep');
  // The "new wake": the app listens again on the same port.
  const upstream = http.createServer((req, res) => res.end(`again ${req.url}`));
  await new Promise<void>((resolve) => upstream.listen(port, '127.0.0.1', resolve));
  t.after(() => upstream.close());
  service.becomeReady();

  const done = await answers;
  assert.deepEqual(done.map((a) => a.status), [200, 200, 200, 200]);
  assert.deepEqual(done.map((a) => a.body), [0, 1, 2, 3].map((i) => `again /after-kill/${i}`));
});

test('a refused upstream whose workload still runs, or a refused request with a body, is still 502', TIMEOUT, async (t) => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const h = await startEntrypoint(t, port);
  const service = h.services.get('app')!;

  assert.equal((await request({ port: h.port, host: 'app.test', path: '/' })).status, 502, 'the app itself refuses');
  assert.equal(service.confirms, 1);
  service.running = false;
  const post = await request({ port: h.port, host: 'app.test', path: '/', method: 'POST', body: 'x=1' });
  assert.equal(post.status, 502, 'a body already read cannot be sent again');
  assert.equal(service.confirms, 1, 'nothing asked for a request that cannot be resent');
});

test('a TCP connection refused by the target of a workload that died is held through a new wake and connected again', TIMEOUT, async (t) => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const service = Object.assign(new FakeService('db'), { touch: () => undefined });
  service.running = false;
  const tcp = new TcpEntrypoint({ listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port }, service, wakeTimeoutMs: 5_000, maxHeld: 10, openKeepsAwake: false, log });
  await tcp.start();
  t.after(() => tcp.stop(0));

  const client = net.connect(tcp.address().port, '127.0.0.1');
  t.after(() => client.destroy());
  client.write('hello before the wake');
  await waitFor(() => service.wakes >= 1, { timeoutMs: 5_000, message: 'the refused connect wakes the service' });
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(port, '127.0.0.1', resolve));
  t.after(() => echo.close());
  service.becomeReady();
  const got = await new Promise<string>((resolve, reject) => {
    client.once('data', (d: Buffer) => resolve(d.toString()));
    client.once('close', () => reject(new Error('closed instead of connected')));
  });
  assert.equal(got, 'hello before the wake', 'the early bytes reached the woken target intact');
});
