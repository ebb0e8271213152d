/**
 * buildEntrypoints over loopback: the entrypoints it builds from a config and its services are
 * started and driven, so each part of the config is seen doing its job (hosts, target, wake budget,
 * loading page, start_endpoint, wake_filter, limits, TCP listeners).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { silentLogger } from '../kernel/index.ts';
import { ServiceUpstream, type Service } from '../service/index.ts';
import type { ServiceConfig } from '../config/index.ts';
import type { Provider } from '../provider/index.ts';
import { echoUpstream, FakeProxyService, FakeSite, sendHttp, sendRaw, waitFor, connectClient as connect } from '../../test/helpers/fakes/index.ts';
import { buildEntrypoints, type EntrypointParts } from './entrypoints.ts';

type Part = Pick<ServiceConfig, 'http' | 'tcp' | 'startEndpoints' | 'loadingPage' | 'wakeFilter'> & { releaseConcurrency?: number };

/** A fake service carrying the parts of a service config buildEntrypoints reads. */
function service(name: string, config: Partial<Part>): FakeProxyService & { config: Part } {
  const s = new FakeProxyService(name) as FakeProxyService & { config: Part };
  s.config = { loadingPage: false, wakeFilter: { deny: [], allow: [] }, ...config };
  (s as unknown as { upstream: ServiceUpstream }).upstream = new ServiceUpstream({ name, ...config });
  return s;
}

const LIMITS = { headerTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, heldPerService: 1_000 };

async function build(t: { after(fn: () => unknown): void }, services: FakeProxyService[], over: { limits?: Partial<EntrypointParts['config']['limits']>; budgets?: Record<string, number> } = {}) {
  const budgetCalls: string[] = [];
  const parts = {
    config: { entrypoints: { http: { host: '127.0.0.1', port: 0 } }, limits: { ...LIMITS, ...over.limits } },
    services: services as unknown as Service[],
    budgetMs: (name: string) => {
      budgetCalls.push(name);
      return over.budgets?.[name] ?? 5_000;
    },
    site: new FakeSite(),
    log: silentLogger(),
  } as unknown as EntrypointParts;
  const eps = buildEntrypoints(parts);
  await eps.http.start();
  t.after(() => eps.http.stop(100));
  for (const tcp of eps.tcp.values()) {
    await tcp.start();
    t.after(() => tcp.stop(100));
  }
  return { ...eps, port: eps.http.address().port, budgetCalls, site: parts.site as FakeSite };
}

/** A TCP echo server ("echo:<chunk>"). */
async function echoTcp(t: { after(fn: () => unknown): void }) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => s.write(`echo:${d.toString()}`));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

test('each service with an http block is routed by its hosts to its target; others have no route', async (t) => {
  const upA = await echoUpstream(t);
  const upB = await echoUpstream(t);
  const web = service('web', { http: { hosts: ['web.test', '*.web.test'], target: `http://127.0.0.1:${upA.port}` } as ServiceConfig['http'] });
  const api = service('api', { http: { hosts: ['api.test'], target: `http://127.0.0.1:${upB.port}/` } as ServiceConfig['http'] });
  const db = service('db', { tcp: { listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 1 }, maxHeld: 10, openKeepsAwake: true } });
  const { port, tcp } = await build(t, [web, api, db]);
  assert.equal((await sendHttp(port, { host: 'x.web.test', path: '/p' })).body, 'upstream GET /p');
  assert.equal((await sendHttp(port, { host: 'api.test', path: '/q' })).body, 'upstream GET /q');
  assert.deepEqual([upA.seen.length, upB.seen.length], [1, 1]);
  assert.equal((await sendHttp(port, { host: 'db.test' })).status, 404, 'a tcp-only service has no http route');
  assert.deepEqual([...tcp.keys()], ['db'], 'tcp listeners only for services with a tcp block');
});

test('a route to a learned address reads it at each request, over http and tcp alike', async (t) => {
  const up = await echoUpstream(t);
  const tcpUp = await echoTcp(t);
  const reported: { host?: string } = {};
  const workload = { provider: { name: 'pve', kind: 'fake', address: async () => reported.host } as unknown as Provider, ref: { provider: 'pve', id: '101' } };
  const guest = service('guest', {});
  const config = { name: 'guest', http: { hosts: ['guest.test'], port: up.port }, tcp: { listen: { host: '127.0.0.1', port: 0 }, port: tcpUp, maxHeld: 10, openKeepsAwake: false }, address: {} };
  Object.assign(guest.config, config);
  const upstream = new ServiceUpstream(config, workload);
  (guest as unknown as { upstream: ServiceUpstream }).upstream = upstream;
  const { port, tcp } = await build(t, [guest]);
  const tcpPort = tcp.get('guest')?.address().port ?? 0;
  assert.equal((await sendHttp(port, { host: 'guest.test', path: '/a' })).status, 500, 'no address learned: nothing is forwarded');
  const early = await connect(tcpPort);
  await waitFor(() => early.closed(), { timeoutMs: 3000, message: 'tcp client closed: no address to pipe to' });
  reported.host = '127.0.0.1';
  await upstream.learn?.(AbortSignal.timeout(1000));
  assert.equal((await sendHttp(port, { host: 'guest.test', path: '/b' })).body, 'upstream GET /b');
  const c = await connect(tcpPort);
  t.after(() => c.socket.destroy());
  c.socket.write('hi');
  await waitFor(() => c.received() === 'echo:hi', { timeoutMs: 3000, message: 'echoed through the learned address' });
});

test('a request refused by a workload that stopped is resent after the new wake to the address that wake learned', async (t) => {
  const up = await echoUpstream(t);
  const reported: { host?: string } = { host: '127.0.0.3' };
  const workload = { provider: { name: 'pve', kind: 'fake', address: async () => reported.host } as unknown as Provider, ref: { provider: 'pve', id: '101' } };
  const guest = service('guest', {});
  const config = { name: 'guest', http: { hosts: ['guest.test'], port: up.port }, address: {} };
  Object.assign(guest.config, config);
  const upstream = new ServiceUpstream(config, workload);
  (guest as unknown as { upstream: ServiceUpstream }).upstream = upstream;
  await upstream.learn?.(AbortSignal.timeout(1000));
  // Nothing listens on 127.0.0.3: the guest "stopped". Its next wake comes back on 127.0.0.1.
  guest.running = false;
  guest.onConfirm = () => {
    guest.state = 'waking';
    setTimeout(() => {
      upstream.forget();
      reported.host = '127.0.0.1';
      void upstream.learn?.(AbortSignal.timeout(1000)).then(() => guest.becomeReady());
    }, 50);
  };
  const { port } = await build(t, [guest]);
  const res = await sendHttp(port, { host: 'guest.test', path: '/again' });
  assert.deepEqual([res.status, res.body], [200, 'upstream GET /again']);
});

/** An upstream that answers after `ms` and records how many requests it had in hand as each arrived. */
async function countingUpstream(t: { after(fn: () => unknown): void }, ms: number) {
  let inFlight = 0;
  const seen: number[] = [];
  const server = http.createServer((_req, res) => {
    seen.push(++inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('ok');
    }, ms);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, seen };
}

for (const [window, bound] of [[4, 40], [1000, Infinity]] as const) {
  test(`60 requests held through a wake reach the app ${window === 4 ? 'a few at a time, growing as it answers' : 'all at once when release_concurrency allows it'}`, async (t) => {
    // Unlimited, each answer waits long enough that all 60 are in the app's hands together even on a busy machine.
    const up = await countingUpstream(t, window === 4 ? 40 : 1500);
    const web = service('web', { http: { hosts: ['web.test'], target: `http://127.0.0.1:${up.port}` } as ServiceConfig['http'], releaseConcurrency: window });
    web.state = 'asleep';
    const { port, http } = await build(t, [web]);
    const herd = Array.from({ length: 60 }, (_, i) => sendHttp(port, { host: 'web.test', path: `/${i}` }));
    await waitFor(() => http.held('web') === 60, { timeoutMs: 5000, message: 'all 60 held' });
    web.becomeReady();
    const answers = await Promise.all(herd);
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], 'every one served');
    const most = Math.max(...up.seen);
    if (window === 4) {
      assert.equal(Math.max(...up.seen.slice(0, 4)), 4, 'the first four together');
      assert.ok(most <= bound, `never a burst: at most ${most} at once`);
    } else {
      assert.equal(most, 60, 'no limit: one burst');
    }
  });
}

test('a burst of connections past Node\'s default accept queue (511) waits in the kernel instead of being dropped, on http and tcp', async (t) => {
  const db = service('db', { tcp: { listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 1 }, maxHeld: 10, openKeepsAwake: false } });
  const web = service('web', { http: { hosts: ['web.test'], target: 'http://127.0.0.1:1' } as ServiceConfig['http'] });
  const { port, tcp } = await build(t, [web, db]);
  for (const to of [port, tcp.get('db')?.address().port ?? 0]) {
    let connected = 0;
    const sockets = Array.from({ length: 700 }, () => net.connect(to, '127.0.0.1').on('connect', () => connected++).on('error', () => undefined));
    t.after(() => sockets.forEach((s) => s.destroy()));
    await new Promise((r) => setImmediate(r));
    // drowse is busy for a moment and accepts nothing: only the kernel's queue holds the handshakes.
    const until = Date.now() + 300;
    while (Date.now() < until);
    await waitFor(() => connected === 700, { timeoutMs: 500, message: `all 700 connected to ${to} before a dropped SYN's first retry (1 s)` });
    sockets.forEach((s) => s.destroy());
  }
});

test('a route holds requests for its service\'s wake budget', async (t) => {
  const up = await echoUpstream(t);
  const web = service('web', { http: { hosts: ['web.test'], target: `http://127.0.0.1:${up.port}` } as ServiceConfig['http'] });
  web.state = 'waking';
  const { port, budgetCalls } = await build(t, [web], { budgets: { web: 120 } });
  assert.deepEqual(budgetCalls, ['web']);
  const res = await sendHttp(port, { host: 'web.test', headers: { accept: 'application/json' } });
  assert.deepEqual([res.status, JSON.parse(res.body).detail], [503, 'service "web": not ready after 120ms']);
});

test('loading_page, start_endpoint and wake_filter come from each service\'s config', async (t) => {
  const up = await echoUpstream(t);
  const target = `http://127.0.0.1:${up.port}`;
  const paged = service('paged', { http: { hosts: ['paged.test'], target } as ServiceConfig['http'], loadingPage: true });
  const plain = service('plain', { http: { hosts: ['plain.test'], target } as ServiceConfig['http'] });
  const guarded = service('guarded', { http: { hosts: ['guarded.test'], target } as ServiceConfig['http'], startEndpoints: ['/login'], wakeFilter: { deny: ['bot'], allow: [] } });
  for (const s of [paged, plain, guarded]) s.state = 'asleep';
  const { http, port, site } = await build(t, [paged, plain, guarded]);
  const nav = { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
  assert.equal((await sendHttp(port, { host: 'paged.test', headers: nav })).body, 'loading paged');
  const held = sendHttp(port, { host: 'plain.test', path: '/any', headers: nav });
  await waitFor(() => http.held('plain') === 1, { timeoutMs: 3000, message: 'without loading_page or start_endpoint any path is held' });
  plain.becomeReady();
  assert.equal((await held).body, 'upstream GET /any');
  assert.deepEqual(site.pages, ['paged']);
  const refused = await sendHttp(port, { host: 'guarded.test', path: '/other', headers: { accept: 'application/json' } });
  assert.deepEqual([refused.status, JSON.parse(refused.body).detail], [403, 'service "guarded" is asleep; /other may not wake it (start_endpoint: /login)']);
  const bot = await sendHttp(port, { host: 'guarded.test', path: '/login', headers: { 'user-agent': 'SomeBot', accept: 'application/json' } });
  assert.equal(bot.status, 503);
  assert.match(JSON.parse(bot.body).detail, /wake_filter entry "bot"/);
});

test('the limits reach the HTTP entrypoint: held_per_service and header_timeout', async (t) => {
  const up = await echoUpstream(t);
  const web = service('web', { http: { hosts: ['web.test'], target: `http://127.0.0.1:${up.port}` } as ServiceConfig['http'] });
  web.state = 'asleep';
  const { http, port } = await build(t, [web], { limits: { heldPerService: 1, headerTimeoutMs: 150 } });
  const first = sendHttp(port, { host: 'web.test' });
  await waitFor(() => http.held('web') === 1, { timeoutMs: 3000, message: 'held' });
  const second = await sendHttp(port, { host: 'web.test', headers: { accept: 'application/json' } });
  assert.match(JSON.parse(second.body).detail, /already holds 1 requests \(limits\.held_per_service\)/);
  const slow = await sendRaw(port, 'GET / HTTP/1.1\r\n', { end: false });
  assert.equal(slow, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  web.becomeReady();
  assert.equal((await first).status, 200);
});

test('max_connections reaches the HTTP entrypoint', async (t) => {
  const up = await echoUpstream(t);
  const web = service('web', { http: { hosts: ['web.test'], target: `http://127.0.0.1:${up.port}` } as ServiceConfig['http'] });
  const { http, port } = await build(t, [web], { limits: { maxConnections: 1 } });
  const open = net.connect(port, '127.0.0.1');
  t.after(() => open.destroy());
  await waitFor(() => http.connections() === 1, { timeoutMs: 3000, message: 'one open' });
  assert.match(await sendRaw(port, ''), /^HTTP\/1\.1 503 Service Unavailable\r\n[^]*too many connections\n$/);
});

test('each tcp block becomes a listener with its target, max_held, open_keeps_awake, budget and max_connections', async (t) => {
  const echo = await echoTcp(t);
  const db = service('db', { tcp: { listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: echo }, maxHeld: 1, openKeepsAwake: false } });
  const cache = service('cache', { tcp: { listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: echo }, maxHeld: 5, openKeepsAwake: true } });
  cache.state = 'waking';
  const { tcp, budgetCalls } = await build(t, [db, cache], { limits: { maxConnections: 1 }, budgets: { cache: 150 } });
  assert.deepEqual(budgetCalls.sort(), ['cache', 'db'], 'the budget of each tcp service (neither has an http route)');
  const dbPort = tcp.get('db')!.address().port;
  const c = await connect(dbPort);
  c.socket.write('x');
  await waitFor(() => c.received() === 'echo:x', { timeoutMs: 3000, message: 'piped to the target' });
  await waitFor(() => db.released === 1, { timeoutMs: 3000, message: 'open_keeps_awake off: released once piped' });
  const over = await connect(dbPort);
  await waitFor(() => over.closed(), { timeoutMs: 3000, message: 'max_connections 1 closes the second' });
  c.socket.destroy();
  const started = Date.now();
  const held = await connect(tcp.get('cache')!.address().port);
  await waitFor(() => held.closed(), { timeoutMs: 3000, message: 'closed after the 150 ms budget' });
  assert.ok(Date.now() - started < 2_000);
  assert.equal(cache.released, 1, 'open_keeps_awake on: released only on close');
});

test('max_held reaches the TCP listener', async (t) => {
  const echo = await echoTcp(t);
  const db = service('db', { tcp: { listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: echo }, maxHeld: 1, openKeepsAwake: true } });
  db.state = 'asleep';
  const { tcp } = await build(t, [db]);
  const ep = tcp.get('db')!;
  const a = await connect(ep.address().port);
  await waitFor(() => ep.heldCount === 1, { timeoutMs: 3000, message: 'one held' });
  const b = await connect(ep.address().port);
  await waitFor(() => b.closed(), { timeoutMs: 3000, message: 'the second closed' });
  a.socket.destroy();
});

test('keep_alive_timeout reaches the HTTP entrypoint', async (t) => {
  const up = await echoUpstream(t);
  const web = service('web', { http: { hosts: ['web.test'], target: `http://127.0.0.1:${up.port}` } as ServiceConfig['http'] });
  const { port } = await build(t, [web], { limits: { keepAliveTimeoutMs: 100 } });
  const started = Date.now();
  // The connection stays open after the answer until the idle timeout (plus Node's 1 s buffer) closes it.
  const answer = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: web.test\r\n\r\n', { end: false });
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(Date.now() - started < 3_000, `closed after ${Date.now() - started} ms`);
});
