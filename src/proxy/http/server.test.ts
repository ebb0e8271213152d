/**
 * The HTTP entrypoint over loopback: a real listener, a real upstream on 127.0.0.1, and a service
 * and site the test drives by hand (ready or not, a wake that succeeds or fails when told).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { createLogger, silentLogger, type Logger } from '../../kernel/index.ts';
import { WakeFailedError, type ServiceState } from '../../service/index.ts';
import { sendHttp, sendRaw, waitFor } from '../../../test/helpers/fakes/index.ts';
import { HttpEntrypoint, type DrowseSite, type HttpRoute, type HttpService } from './server.ts';

/** A service whose readiness the test controls. */
class FakeService implements HttpService {
  readonly name: string;
  state: ServiceState = 'ready';
  wakes = 0;
  acquired = 0;
  /** The workload still runs, so a refused upstream is the app's own answer. */
  async confirmRunning(): Promise<boolean> {
    return true;
  }
  released = 0;
  private waiters: Array<{ resolve(): void; reject(e: unknown): void }> = [];
  constructor(name = 'web') {
    this.name = name;
  }
  wake(): void {
    this.wakes++;
  }
  acquire(): () => void {
    this.acquired++;
    return () => void this.released++;
  }
  whenReady(signal: AbortSignal): Promise<void> {
    this.wake();
    if (this.state === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      this.waiters.push(w);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
  get waiting(): number {
    return this.waiters.length;
  }
  becomeReady(): void {
    this.state = 'ready';
    for (const w of this.waiters.splice(0)) w.resolve();
  }
  fail(reason: string): void {
    this.state = 'error';
    for (const w of this.waiters.splice(0)) w.reject(new WakeFailedError(this.name, reason, { notice: `${this.name} could not start` }));
  }
}

/** drowse's own pages, recorded. */
class FakeSite implements DrowseSite {
  pages: string[] = [];
  sendLoadingPage(_req: IncomingMessage, res: ServerResponse, service: string): void {
    this.pages.push(service);
    res.writeHead(200, { 'content-type': 'text/html' }).end(`loading ${service}`);
  }
  reserved(req: IncomingMessage, res: ServerResponse, service: string, name: string): 'answered' | 'not_found' | 'method_not_allowed' {
    if (name !== 'status' && name !== 'events') return 'not_found';
    if (req.method !== 'GET') return 'method_not_allowed';
    res.writeHead(200).end(`${name} of ${service}`);
    return 'answered';
  }
}

interface Seen { readonly method: string; readonly url: string; readonly headers: IncomingHttpHeaders; readonly body: string }

/** An upstream on 127.0.0.1 that echoes what it got; `/die` cuts the response half way. */
async function upstream(t: { after(fn: () => void): void }) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/die') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`upstream ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, seen };
}

function route(service: HttpService, port: number, over: Partial<HttpRoute> = {}): HttpRoute {
  return {
    hosts: [`${service.name}.test`], service, target: new URL(`http://127.0.0.1:${port}`), wakeTimeoutMs: 5_000,
    loadingPage: true, policy: { wakeFilter: { deny: [], allow: [] } }, ...over,
  };
}

async function entrypoint(t: { after(fn: () => Promise<void>): void }, routes: HttpRoute[], log: Logger = silentLogger()) {
  const site = new FakeSite();
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes, site, log });
  await ep.start();
  t.after(() => ep.stop(100));
  return { ep, site, port: ep.address().port };
}

// One request over a fresh connection, and a raw one for what http.request will not send (no Host header).
const send = sendHttp;
const raw = (port: number, text: string) => sendRaw(port, text);

test('a ready service gets the request as sent, with X-Forwarded-* set by drowse and the client\'s own replaced', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  const { port } = await entrypoint(t, [route(web, up.port)]);
  const res = await send(port, {
    host: 'web.test:8080', path: '/a/b?c=1', method: 'POST', body: 'hello',
    headers: { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil', 'x-forwarded-port': '1' },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'upstream POST /a/b?c=1');
  const got = up.seen[0]!;
  assert.deepEqual([got.method, got.url, got.body], ['POST', '/a/b?c=1', 'hello']);
  assert.equal(got.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(got.headers['x-real-ip'], '127.0.0.1');
  assert.equal(got.headers['x-forwarded-proto'], 'http');
  assert.equal(got.headers['x-forwarded-host'], 'web.test:8080');
  assert.equal(got.headers['x-forwarded-port'], String(port));
  assert.equal(got.headers.host, 'web.test:8080', 'the Host header is kept');
  await waitFor(() => web.released === 1, { message: 'the request released when done' });
  assert.equal(web.acquired, 1);
});

test('requests are routed by Host; an unknown host is 404 and a missing one 400', async (t) => {
  const up = await upstream(t);
  const { port } = await entrypoint(t, [route(new FakeService('web'), up.port), route(new FakeService('api'), up.port, { hosts: ['*.api.test'] })]);
  assert.equal((await send(port, { host: 'x.api.test', path: '/v1' })).body, 'upstream GET /v1');
  const missing = await send(port, { host: 'nobody.test' });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['retry-after'], undefined, 'only a service that is not ready says when to retry');
  assert.equal(missing.body, '404 Not Found: http entrypoint: no service for host "nobody.test"\n');
  assert.equal(missing.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(missing.headers['cache-control'], 'no-store');
  const noHost = await raw(port, 'GET / HTTP/1.0\r\n\r\n');
  assert.match(noHost, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(noHost, /request has no Host header/);
});

test('a client that accepts JSON gets problem details', async (t) => {
  const { port } = await entrypoint(t, []);
  const res = await send(port, { host: 'nobody.test', headers: { accept: 'application/problem+json' } });
  assert.equal(res.headers['content-type'], 'application/problem+json');
  assert.deepEqual(JSON.parse(res.body), { type: 'about:blank', title: 'Not Found', status: 404, detail: 'http entrypoint: no service for host "nobody.test"' });
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)));
});

test('a HEAD request gets the status and headers of an error, without a body', async (t) => {
  const { port } = await entrypoint(t, []);
  const res = await send(port, { host: 'nobody.test', method: 'HEAD' });
  assert.equal(res.status, 404);
  assert.equal(res.body, '');
});

test('a request for a sleeping service is held, wakes it, and is forwarded once it is ready', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'asleep';
  const { ep, port } = await entrypoint(t, [route(web, up.port)]);
  const pending = send(port, { host: 'web.test', path: '/api', headers: { accept: 'application/json' } });
  await waitFor(() => ep.held('web') === 1, { message: 'the request held' });
  assert.equal(up.seen.length, 0, 'nothing forwarded yet');
  assert.ok(web.wakes >= 1);
  web.becomeReady();
  const res = await pending;
  assert.equal(res.body, 'upstream GET /api');
  assert.equal(ep.held('web'), 0);
  assert.equal(ep.held('nobody'), 0);
});

test('a held request gets 503 with Retry-After when the wake fails, and is not forwarded', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'asleep';
  const { ep, port } = await entrypoint(t, [route(web, up.port)]);
  const pending = send(port, { host: 'web.test', headers: { accept: 'application/json' } });
  await waitFor(() => ep.held('web') === 1);
  web.fail('wake failed: it exited');
  const res = await pending;
  assert.equal(res.status, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.equal(JSON.parse(res.body).detail, 'web could not start', 'the public notice, never the reason');
  assert.equal(up.seen.length, 0);
});

test('a request held longer than wake_timeout gets 503 naming the wait', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'waking';
  const { port } = await entrypoint(t, [route(web, up.port, { wakeTimeoutMs: 100 })]);
  const started = Date.now();
  const res = await send(port, { host: 'web.test', headers: { accept: 'application/json' } });
  assert.equal(res.status, 503);
  assert.equal(JSON.parse(res.body).detail, 'service "web": not ready after 100ms');
  assert.ok(Date.now() - started < 3000);
});

test('a client that leaves while held stops waiting and releases its hold', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'waking';
  const { ep, port } = await entrypoint(t, [route(web, up.port)]);
  const ac = new AbortController();
  const pending = send(port, { host: 'web.test', headers: { accept: 'application/json' }, signal: ac.signal }).catch(() => 'gone');
  await waitFor(() => ep.held('web') === 1);
  ac.abort();
  assert.equal(await pending, 'gone');
  // Well before wake_timeout (5 s): the hold ends because the client left.
  await waitFor(() => ep.held('web') === 0 && web.released === 1, { timeoutMs: 1000, message: 'the hold and the activity released' });
  web.becomeReady();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(up.seen.length, 0, 'nothing forwarded for a client that left');
});

test('a browser opening a sleeping service gets the loading page and starts the wake; other clients are held', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'asleep';
  const { site, port } = await entrypoint(t, [route(web, up.port)]);
  const page = await send(port, { host: 'web.test', headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } });
  assert.deepEqual([page.status, page.body, site.pages], [200, 'loading web', ['web']]);
  assert.equal(web.wakes, 1);
  assert.equal(web.acquired, 0, 'a loading page is not activity');
});

test('without loading_page a browser is held like any client', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'asleep';
  const { ep, site, port } = await entrypoint(t, [route(web, up.port, { loadingPage: false })]);
  const pending = send(port, { host: 'web.test', headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } });
  await waitFor(() => ep.held('web') === 1);
  web.becomeReady();
  assert.equal((await pending).body, 'upstream GET /');
  assert.deepEqual(site.pages, []);
});

test('start_endpoint: other paths may not wake a sleeping service (403) but are served once it is awake', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'asleep';
  const { ep, port } = await entrypoint(t, [route(web, up.port, { policy: { startEndpoints: ['/login', '/app/*'], wakeFilter: { deny: [], allow: [] } } })]);
  const refused = await send(port, { host: 'web.test', path: '/api/x?y=1', headers: { accept: 'application/json' } });
  assert.equal(refused.status, 403);
  assert.equal(JSON.parse(refused.body).detail, 'service "web" is asleep; /api/x may not wake it (start_endpoint: /login, /app/*)');
  assert.equal(web.wakes, 0);
  const pending = send(port, { host: 'web.test', path: '/app/home' });
  await waitFor(() => ep.held('web') === 1);
  web.becomeReady();
  assert.equal((await pending).status, 200);
  assert.equal((await send(port, { host: 'web.test', path: '/api/x' })).status, 200, 'a ready service serves every path');
});

test('start_endpoint does not turn away a request while a wake is already running', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'waking';
  const { ep, port } = await entrypoint(t, [route(web, up.port, { policy: { startEndpoints: ['/login'], wakeFilter: { deny: [], allow: [] } } })]);
  const pending = send(port, { host: 'web.test', path: '/api' });
  await waitFor(() => ep.held('web') === 1);
  web.becomeReady();
  assert.equal((await pending).status, 200);
});

test('wake_filter: a denied client may not wake a service, and is served without keeping it awake', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'asleep';
  const policy = { wakeFilter: { deny: ['bot'], allow: ['goodbot'] } };
  const { port } = await entrypoint(t, [route(web, up.port, { policy })]);
  const denied = await send(port, { host: 'web.test', headers: { 'user-agent': 'Mozilla/5.0 (compatible; SomeBot/2.1)', accept: 'application/json' } });
  assert.equal(denied.status, 503);
  assert.match(JSON.parse(denied.body).detail, /may not wake it \(user agent matches wake_filter entry "bot"\)/);
  assert.equal(web.wakes, 0);
  web.state = 'ready';
  assert.equal((await send(port, { host: 'web.test', headers: { 'user-agent': 'SomeBot' } })).status, 200);
  assert.equal(web.acquired, 0, 'a denied client is not activity');
  assert.equal((await send(port, { host: 'web.test', headers: { 'user-agent': 'GoodBot' } })).status, 200);
  assert.equal(web.acquired, 1, 'an allowed one is');
});

test('/__drowse/ routes are drowse\'s own: answered by the site, never forwarded, never a wake', async (t) => {
  const up = await upstream(t);
  const web = new FakeService();
  web.state = 'asleep';
  const { port } = await entrypoint(t, [route(web, up.port)]);
  const status = await send(port, { host: 'web.test', path: '/__drowse/status?x=1' });
  assert.deepEqual([status.status, status.body], [200, 'status of web']);
  const missing = await send(port, { host: 'web.test', path: '/__drowse/nothing', headers: { accept: 'application/json' } });
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.body).detail, 'drowse: no reserved route /__drowse/nothing');
  const post = await send(port, { host: 'web.test', path: '/__drowse/status', method: 'POST', headers: { accept: 'application/json' } });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  assert.equal(JSON.parse(post.body).detail, 'drowse: /__drowse/status does not answer POST');
  const events = await send(port, { host: 'web.test', path: '/__drowse/events', method: 'DELETE' });
  assert.equal(events.headers.allow, 'GET');
  assert.deepEqual([web.wakes, web.acquired, up.seen.length], [0, 0, 0]);
});

test('an upstream that dies mid-response cuts the client connection instead of leaving it waiting', async (t) => {
  const up = await upstream(t);
  const { port } = await entrypoint(t, [route(new FakeService(), up.port)]);
  await assert.rejects(send(port, { host: 'web.test', path: '/die' }), /aborted|ECONNRESET|socket hang up/);
});

test('a target that leads back to drowse is answered 508 instead of looping', async (t) => {
  const captured: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', format: 'json' }, { write: (s: string) => captured.push(JSON.parse(s) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  const web = new FakeService();
  const r = route(web, 1);
  const site = new FakeSite();
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes: [r], site, log });
  await ep.start();
  t.after(() => ep.stop(100));
  const port = ep.address().port;
  (r as { target: URL }).target = new URL(`http://127.0.0.1:${port}`);
  const res = await send(port, { host: 'web.test', headers: { accept: 'application/json' } });
  assert.equal(res.status, 508);
  assert.match(JSON.parse(res.body).detail, /leads back to drowse itself/);
  assert.ok(captured.some((l) => l['msg'] === 'proxy loop: the target leads back to drowse' && l['level'] === 50));
});

test('a malformed request gets 400 and the connection is closed', async (t) => {
  const { port } = await entrypoint(t, []);
  const answer = await raw(port, 'GET / HTTP/1.1\r\nHost: web.test\r\nContent-Length: nope\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
});

test('address() before start and a port in use are clear errors', async (t) => {
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes: [], site: new FakeSite(), log: silentLogger() });
  assert.throws(() => ep.address(), /http entrypoint: not listening/);
  const { port } = await entrypoint(t, []);
  const second = new HttpEntrypoint({ host: '127.0.0.1', port, routes: [], site: new FakeSite(), log: silentLogger() });
  // Named as the config names it, so the user knows which key to change.
  await assert.rejects(second.start(), { name: 'ListenError', code: 'EADDRINUSE', message: `entrypoints.http 127.0.0.1:${port} is already in use: stop what listens there or set entrypoints.http to a free address` });
  await second.stop();
});

test('stop lets a request in progress finish, then closes', async (t) => {
  const slow = http.createServer((_req, res) => setTimeout(() => res.end('late but whole'), 100));
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  t.after(() => slow.close());
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes: [route(new FakeService(), (slow.address() as net.AddressInfo).port)], site: new FakeSite(), log: silentLogger() });
  await ep.start();
  const port = ep.address().port;
  const pending = send(port, { host: 'web.test' });
  await new Promise((r) => setTimeout(r, 30));
  await ep.stop(5_000);
  assert.equal((await pending).body, 'late but whole');
  await assert.rejects(send(port, { host: 'web.test' }), /ECONNREFUSED/);
  await ep.stop();
});

/** An upstream that accepts upgrades: answers 101 and echoes what follows. */
async function upgradeUpstream(t: { after(fn: () => void): void }) {
  const seen: IncomingHttpHeaders[] = [];
  const server = http.createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req, socket) => {
    seen.push(req.headers);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d) => socket.write(`echo:${d.toString()}`));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, seen };
}

/** Sends an upgrade request and collects what comes back until `until` matches or the socket ends. */
function upgrade(port: number, host: string, until: RegExp, send = 'ping'): Promise<{ text: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`));
    let text = '';
    let sent = false;
    s.on('data', (c) => {
      text += c.toString();
      if (!sent && text.includes('\r\n\r\n') && text.startsWith('HTTP/1.1 101')) {
        sent = true;
        s.write(send);
      }
      if (until.test(text)) resolve({ text, socket: s });
    });
    s.on('end', () => resolve({ text, socket: s }));
    s.on('error', reject);
    setTimeout(() => reject(new Error(`no answer matching ${until}: ${JSON.stringify(text)}`)), 5000).unref();
  });
}

test('an upgrade to a ready service is forwarded with X-Forwarded-* set, and bytes flow both ways', async (t) => {
  const up = await upgradeUpstream(t);
  const web = new FakeService();
  const { port } = await entrypoint(t, [route(web, up.port)]);
  const { text, socket } = await upgrade(port, 'web.test', /echo:ping/);
  socket.destroy();
  assert.match(text, /^HTTP\/1\.1 101/);
  assert.equal(up.seen[0]?.['x-forwarded-for'], '127.0.0.1');
  assert.equal(web.acquired, 1, 'an open upgrade is activity');
  await waitFor(() => web.released === 1, { message: 'released when the socket closes' });
});

test('an upgrade to a sleeping service is held until it is ready', async (t) => {
  const up = await upgradeUpstream(t);
  const web = new FakeService();
  web.state = 'asleep';
  const { ep, port } = await entrypoint(t, [route(web, up.port)]);
  const pending = upgrade(port, 'web.test', /echo:ping/);
  await waitFor(() => ep.held('web') === 1);
  web.becomeReady();
  const { socket } = await pending;
  socket.destroy();
  assert.equal(up.seen.length, 1);
});

test('an upgrade that cannot go through gets a bare status line: 503 with Retry-After, 404, 403', async (t) => {
  const up = await upgradeUpstream(t);
  const web = new FakeService();
  web.state = 'asleep';
  const guarded = new FakeService('guarded');
  guarded.state = 'asleep';
  const { ep, port } = await entrypoint(t, [route(web, up.port), route(guarded, up.port, { policy: { startEndpoints: ['/login'], wakeFilter: { deny: [], allow: [] } } })]);
  const pending = upgrade(port, 'web.test', /\r\n\r\n/);
  await waitFor(() => ep.held('web') === 1);
  web.fail('wake failed: boom');
  assert.equal((await pending).text, 'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  assert.equal((await upgrade(port, 'nobody.test', /\r\n\r\n/)).text, 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  assert.match((await upgrade(port, 'guarded.test', /\r\n\r\n/)).text, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.equal(up.seen.length, 0);
});

test('an upstream that refuses the connection is answered 502 naming the service and the error', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const closed = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const { port } = await entrypoint(t, [route(new FakeService(), closed)]);
  const res = await send(port, { host: 'web.test', headers: { accept: 'application/json' } });
  assert.equal(res.status, 502);
  assert.equal(JSON.parse(res.body).detail, 'service "web": upstream failed: ECONNREFUSED');
  const up = await upgrade(port, 'web.test', /never/).catch((e: unknown) => e);
  assert.equal((up as { text: string }).text, '', 'an upgrade to a refusing upstream is closed without an answer');
});

// The upgraded socket is not read while held, so a client that leaves is noticed when the hold
// ends (wake_timeout at the latest), not at once.
test('an upgrade whose client leaves while held is forgotten by wake_timeout at the latest', async (t) => {
  const up = await upgradeUpstream(t);
  const web = new FakeService();
  web.state = 'waking';
  const { ep, port } = await entrypoint(t, [route(web, up.port, { wakeTimeoutMs: 300 })]);
  const s = net.connect(port, '127.0.0.1', () => s.write('GET /ws HTTP/1.1\r\nHost: web.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
  await waitFor(() => ep.held('web') === 1);
  s.destroy();
  await waitFor(() => ep.held('web') === 0 && web.released === 1, { timeoutMs: 2000, message: 'released' });
  web.becomeReady();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(up.seen.length, 0, 'nothing forwarded for a client that left');
});

test('stop cuts a request that outlasts the grace period, and closes idle keep-alive connections at once', async (t) => {
  const slow = http.createServer((_req, res) => setTimeout(() => res.end('too late'), 3000));
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    slow.closeAllConnections();
    slow.close();
  });
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes: [route(new FakeService(), (slow.address() as net.AddressInfo).port)], site: new FakeSite(), log: silentLogger() });
  await ep.start();
  const pending = send(ep.address().port, { host: 'web.test' }).then(() => 'answered', () => 'cut');
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await ep.stop(200);
  assert.ok(Date.now() - started < 2000, 'stop did not wait for the slow upstream');
  assert.equal(await pending, 'cut');

  const up = await upstream(t);
  const idle = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes: [route(new FakeService(), up.port)], site: new FakeSite(), log: silentLogger() });
  await idle.start();
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  await new Promise<void>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: idle.address().port, headers: { host: 'web.test' }, agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
  const before = Date.now();
  await idle.stop(5_000);
  assert.ok(Date.now() - before < 1000, 'an idle keep-alive connection does not hold stop for the grace period');
});

test('stop ends an open WebSocket after the grace period instead of waiting for the client to leave', async (t) => {
  const up = await upgradeUpstream(t);
  const ep = new HttpEntrypoint({ host: '127.0.0.1', port: 0, routes: [route(new FakeService(), up.port)], site: new FakeSite(), log: silentLogger() });
  await ep.start();
  const client = net.connect(ep.address().port, '127.0.0.1');
  t.after(() => client.destroy());
  const upgraded = new Promise<void>((resolve) => client.once('data', () => resolve()));
  client.write('GET /ws HTTP/1.1\r\nHost: web.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
  await upgraded;
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const started = Date.now();
  await ep.stop(200);
  await closed;
  assert.ok(Date.now() - started < 3_000, `stop took ${Date.now() - started} ms`);
});
