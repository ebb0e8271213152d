/**
 * The Forwarder on its own: a bare front server on 127.0.0.1 hands every request to it, and
 * upstreams on 127.0.0.1 (an echoing one, a raw one that answers exactly the bytes a test writes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { silentLogger, type Logger } from '../../kernel/index.ts';
import { capturingLogger, closedPort, echoUpstream, rawUpstream, sendHttp, sendRaw, waitFor } from '../../../test/helpers/fakes/index.ts';
import { Forwarder, type ForwardTarget } from './forward.ts';

type Route = (req: IncomingMessage, res: ServerResponse, fw: Forwarder) => void;

/** A front server whose requests `route` forwards; `to(port, path)` builds a target. */
async function front(t: { after(fn: () => unknown): void }, route: Route, log: Logger = silentLogger()) {
  const fw = new Forwarder(log);
  const server = http.createServer((req, res) => route(req, res, fw));
  server.on('upgrade', (req: IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    fw.upgrade(req, socket, head, { service: 'web', target: upstreamOf(req), path: req.url ?? '/' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    fw.close();
    server.closeAllConnections();
    server.close();
  });
  return { fw, port: (server.address() as net.AddressInfo).port };
}

/** Tests put the upstream port in a header, so one front serves them all. */
function upstreamOf(req: IncomingMessage): URL {
  return new URL(`http://127.0.0.1:${String(req.headers['x-test-upstream'])}`);
}

const plain: Route = (req, res, fw) => fw.web(req, res, { service: 'web', target: upstreamOf(req), path: req.url ?? '/' });

test('X-Forwarded-* and X-Real-IP are set by drowse; whatever the client sent under those names is dropped', async (t) => {
  const up = await echoUpstream(t);
  const { port } = await front(t, plain);
  await sendHttp(port, {
    host: 'web.test:8080', path: '/p',
    headers: { 'x-test-upstream': up.port, 'x-forwarded-for': '6.6.6.6, 7.7.7.7', 'x-real-ip': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil', 'x-forwarded-port': '1', 'x-drowse-loop': 'forged' },
  });
  const h = up.seen[0]!.headers;
  assert.deepEqual(
    [h['x-forwarded-for'], h['x-real-ip'], h['x-forwarded-proto'], h['x-forwarded-host'], h['x-forwarded-port'], h.host],
    ['127.0.0.1', '127.0.0.1', 'http', 'web.test:8080', String(port), 'web.test:8080'],
  );
  assert.notEqual(h['x-drowse-loop'], 'forged', 'a loop mark from the client is replaced by a fresh one');
  assert.match(String(h['x-drowse-loop']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a random (version 4) UUID');
});

test('a request without Host is forwarded without X-Forwarded-Host, the client\'s own dropped', async (t) => {
  const up = await rawUpstream(t, (s) => s.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'));
  const { port } = await front(t, plain);
  const answer = await sendRaw(port, `GET /p HTTP/1.0\r\nX-Test-Upstream: ${up.port}\r\nX-Forwarded-Host: evil\r\n\r\n`, { end: false });
  assert.match(answer, /^HTTP\/1\.1 204 No Content\r\n/);
  const head = up.heads[0]!.toLowerCase();
  assert.doesNotMatch(head, /x-forwarded-host/);
  assert.match(head, /\r\nx-forwarded-for: 127\.0\.0\.1\r\n/);
});

test('the request target is sent byte for byte, however the client spelled it', async (t) => {
  const up = await rawUpstream(t, (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  const targets = ['/a/../b', '/a/%2e%2e/b?', '//x//y/?q=%2F', '/%7Euser;p=1', '/a\\b'];
  const { port } = await front(t, (req, res, fw) => fw.web(req, res, { service: 'web', target: upstreamOf(req), path: targets[Number(req.headers['x-i'])]! }));
  for (const [i, target] of targets.entries()) {
    await sendHttp(port, { path: '/ignored', headers: { 'x-test-upstream': up.port, 'x-i': i } });
    assert.equal(up.heads[i]!.split('\r\n')[0], `GET ${target} HTTP/1.1`, target);
  }
});

test('an upstream answering with bare LF line endings is understood', async (t) => {
  const up = await rawUpstream(t, (s) => s.end('HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 5\n\nhello'));
  const { port } = await front(t, plain);
  const res = await sendHttp(port, { headers: { 'x-test-upstream': up.port } });
  assert.deepEqual([res.status, res.headers['content-type'], res.body], [200, 'text/plain', 'hello']);
});

test('each request carries its own loop mark, live while it is upstream and spent once the upstream answers', async (t) => {
  let release: (() => void) | undefined;
  const up = await rawUpstream(t, (s, head) => {
    if (head.startsWith('GET /hold ')) {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\n');
      release = () => s.end('done');
      return;
    }
    s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  const marks: string[] = [];
  const { fw, port } = await front(t, (req, res, f) => {
    f.web(req, res, { service: 'web', target: upstreamOf(req), path: req.url ?? '/' });
    marks.push(String(req.headers['x-drowse-loop']));
  });
  await sendHttp(port, { headers: { 'x-test-upstream': up.port } });
  await sendHttp(port, { headers: { 'x-test-upstream': up.port } });
  assert.equal(new Set(marks).size, 2, 'a fresh mark per request');
  const came = (mark: string) => fw.cameBack({ headers: { 'x-drowse-loop': mark } } as unknown as IncomingMessage);
  assert.equal(came(marks[0]!), false, 'spent after the answer');
  const pending = sendHttp(port, { path: '/hold', headers: { 'x-test-upstream': up.port } });
  await waitFor(() => release !== undefined, { timeoutMs: 3000, message: 'the upstream got /hold' });
  // The upstream has sent its head: the mark is spent though the body is still coming.
  await waitFor(() => !came(marks[2]!), { timeoutMs: 3000, message: 'the mark spent on the response head' });
  release!();
  assert.equal((await pending).body, 'done');
  assert.equal(fw.cameBack({ headers: {} } as unknown as IncomingMessage), false);
});

test('a request that comes back while its mark is live is recognised as a loop', async (t) => {
  let looped: boolean | undefined;
  const { fw, port } = await front(t, (req, res, f) => {
    if (req.headers['x-drowse-loop'] !== undefined) {
      looped = f.cameBack(req);
      res.end('loop');
      return;
    }
    f.web(req, res, { service: 'web', target: new URL(`http://127.0.0.1:${String(req.socket.localPort)}`), path: '/' });
  });
  assert.equal((await sendHttp(port)).body, 'loop');
  assert.equal(looped, true);
  assert.equal(fw.cameBack({ headers: { 'x-drowse-loop': 'never-issued' } } as unknown as IncomingMessage), false);
});

test('a client that leaves before the upstream answers spends its mark', async (t) => {
  const up = await rawUpstream(t, () => undefined);
  let mark = '';
  const { fw, port } = await front(t, (req, res, f) => {
    f.web(req, res, { service: 'web', target: upstreamOf(req), path: '/' });
    mark = String(req.headers['x-drowse-loop']);
  });
  const ac = new AbortController();
  const pending = sendHttp(port, { headers: { 'x-test-upstream': up.port }, signal: ac.signal }).catch(() => 'gone');
  await waitFor(() => up.heads.length === 1, { timeoutMs: 3000, message: 'the request upstream' });
  const came = () => fw.cameBack({ headers: { 'x-drowse-loop': mark } } as unknown as IncomingMessage);
  assert.equal(came(), true, 'live while upstream');
  ac.abort();
  assert.equal(await pending, 'gone');
  await waitFor(() => !came(), { timeoutMs: 3000, message: 'spent when the client left' });
});

test('an upstream that dies mid-response cuts the client; one that finishes leaves it whole', async (t) => {
  const up = await rawUpstream(t, (s, head) => {
    if (head.startsWith('GET /die ')) {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      // Long enough for the head to reach the client: the answer has started and cannot become a 502.
      setTimeout(() => s.destroy(), 50);
      return;
    }
    s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nwhole');
  });
  const { port } = await front(t, plain);
  // Cut, not timed out: the client's own 3 s deadline would be an AbortError.
  const cut = await sendHttp(port, { path: '/die', headers: { 'x-test-upstream': up.port }, signal: AbortSignal.timeout(3_000) }).then(() => undefined, (e: unknown) => e as Error);
  assert.ok(cut instanceof Error && cut.name !== 'AbortError' && cut.name !== 'TimeoutError', `cut: ${String(cut)}`);
  assert.equal((cut as NodeJS.ErrnoException).code, 'ECONNRESET');
  assert.equal((await sendHttp(port, { path: '/ok', headers: { 'x-test-upstream': up.port } })).body, 'whole');
});

/** A front whose route records onRefused calls; `refused` answers 299 so the test sees it was called. */
async function refusing(t: { after(fn: () => unknown): void }, log?: Logger) {
  const dead = await closedPort();
  let refusals = 0;
  const { port } = await front(t, (req, res, fw) => {
    fw.web(req, res, {
      service: 'web', target: new URL(`http://127.0.0.1:${dead}`), path: '/',
      ...(req.headers['x-no-recover'] === undefined ? { onRefused: () => {
        refusals++;
        res.writeHead(299).end('refused');
      } } : {}),
    });
  }, log);
  return { port, refusals: () => refusals };
}

test('a refused request without a body goes to onRefused instead of a 502', async (t) => {
  const r = await refusing(t);
  assert.deepEqual([(await sendHttp(r.port)).status, r.refusals()], [299, 1]);
  assert.deepEqual([(await sendHttp(r.port, { method: 'DELETE', headers: { 'content-length': '0' } })).status, r.refusals()], [299, 2], 'an empty body is no body');
});

test('a refused request with a body is answered 502: its body is gone and cannot be sent again', async (t) => {
  const r = await refusing(t);
  const withBody = await sendHttp(r.port, { method: 'POST', body: 'data', headers: { accept: 'application/json' } });
  assert.equal(withBody.status, 502);
  assert.equal(JSON.parse(withBody.body).detail, 'service "web": upstream failed: ECONNREFUSED');
  const chunked = await sendHttp(r.port, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: 'x' });
  assert.equal(chunked.status, 502);
  assert.equal(r.refusals(), 0);
});

test('a refused request is 502 when nothing is there to recover it, and the warning is written once a minute', async (t) => {
  const { log, lines } = capturingLogger();
  const r = await refusing(t, log);
  const res = await sendHttp(r.port, { headers: { 'x-no-recover': '1' } });
  assert.equal(res.status, 502);
  assert.equal(res.body, '502 Bad Gateway: service "web": upstream failed: ECONNREFUSED\n');
  assert.equal((await sendHttp(r.port, { headers: { 'x-no-recover': '1' } })).status, 502);
  const warns = lines.filter((l) => l['msg'] === 'upstream request failed');
  assert.equal(warns.length, 1, 'one line per service and minute');
  assert.deepEqual([warns[0]?.['service'], warns[0]?.['err'], warns[0]?.['suppressed'], warns[0]?.['level']], ['web', 'ECONNREFUSED', 0, 40]);
});

test('an upstream that resets without answering is 502 even for a bodiless request: it may have acted on it', async (t) => {
  const up = await rawUpstream(t, (s) => s.resetAndDestroy());
  let refusals = 0;
  const { port } = await front(t, (req, res, fw) => fw.web(req, res, { service: 'web', target: upstreamOf(req), path: '/', onRefused: () => refusals++ }));
  const res = await sendHttp(port, { headers: { 'x-test-upstream': up.port } });
  assert.equal(res.status, 502);
  assert.match(res.body, /^502 Bad Gateway: service "web": upstream failed: (ECONNRESET|socket hang up)\n$/);
  assert.equal(refusals, 0);
});

test('resend sends the request again with an empty body, to a fresh mark', async (t) => {
  const up = await echoUpstream(t);
  const dead = await closedPort();
  const marks: string[] = [];
  const { port } = await front(t, (req, res, fw) => {
    const again: ForwardTarget = { service: 'web', target: new URL(`http://127.0.0.1:${up.port}`), path: '/again?x' };
    fw.web(req, res, { service: 'web', target: new URL(`http://127.0.0.1:${dead}`), path: '/first', onRefused: () => {
      marks.push(String(req.headers['x-drowse-loop']));
      fw.resend(req, res, again);
      marks.push(String(req.headers['x-drowse-loop']));
    } });
  });
  const res = await sendHttp(port, { method: 'DELETE', path: '/x', headers: { 'x-forwarded-for': '6.6.6.6' } });
  assert.equal(res.body, 'upstream DELETE /again?x');
  assert.equal(up.seen.length, 1);
  assert.deepEqual([up.seen[0]!.body, up.seen[0]!.headers['x-forwarded-for']], ['', '127.0.0.1']);
  assert.notEqual(marks[0], marks[1], 'the resent request has a mark of its own');
});

test('close() ends the idle keep-alive connections to upstreams', async (t) => {
  const up = await echoUpstream(t);
  const upstreamSockets: net.Socket[] = [];
  up.server.on('connection', (s: net.Socket) => upstreamSockets.push(s));
  const { fw, port } = await front(t, plain);
  await sendHttp(port, { headers: { 'x-test-upstream': up.port, connection: 'keep-alive' } });
  await sendHttp(port, { headers: { 'x-test-upstream': up.port, connection: 'keep-alive' } });
  assert.equal(upstreamSockets.length, 1, 'the second request reused the kept-alive connection');
  assert.equal(upstreamSockets[0]!.destroyed, false);
  fw.close();
  await waitFor(() => upstreamSockets[0]!.destroyed, { timeoutMs: 3000, message: 'the idle upstream connection closed' });
});

/** Sends an upgrade through the front and returns what came back once the socket closes or `until` matches (then `keep` keeps the socket open). */
function upgradeThrough(port: number, upstreamPort: number, until: RegExp, keep?: (s: net.Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET /ws?a HTTP/1.1\r\nHost: web.test\r\nX-Test-Upstream: ${upstreamPort}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`));
    let got = '';
    const timer = setTimeout(() => reject(new Error(`no answer: ${JSON.stringify(got)}`)), 5000);
    const done = () => {
      clearTimeout(timer);
      if (keep && !s.destroyed) keep(s);
      else s.destroy();
      resolve(got);
    };
    s.on('data', (c) => {
      got += c.toString();
      if (until.test(got)) done();
    });
    s.on('close', done);
    s.on('error', () => undefined);
  });
}

test('an upgrade is forwarded with its target as sent and X-Forwarded-* set; its mark is spent on the 101', async (t) => {
  const up = await rawUpstream(t, (s) => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
  const { fw, port } = await front(t, plain);
  const answer = await upgradeThrough(port, up.port, /\r\n\r\n/);
  assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  const head = up.heads[0]!;
  assert.equal(head.split('\r\n')[0], 'GET /ws?a HTTP/1.1');
  assert.match(head.toLowerCase(), /\r\nx-forwarded-for: 127\.0\.0\.1\r\n/);
  const mark = /\r\nx-drowse-loop: ([^\r]+)\r\n/i.exec(head)?.[1];
  assert.ok(mark);
  assert.equal(fw.cameBack({ headers: { 'x-drowse-loop': mark } } as unknown as IncomingMessage), false);
});

test('an upgrade the upstream answers with a plain response spends its mark too', async (t) => {
  let mark: string | undefined;
  const ref: { fw?: Forwarder } = {};
  let liveWhileUpstream: boolean | undefined;
  const up = await rawUpstream(t, (s, head) => {
    mark = /\r\nx-drowse-loop: ([^\r]+)\r\n/i.exec(head)?.[1];
    liveWhileUpstream = ref.fw?.cameBack({ headers: { 'x-drowse-loop': mark } } as unknown as IncomingMessage);
    // A body that never ends: the answer alone, not its end, must spend the mark.
    s.write('HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n');
  });
  const { fw, port } = await front(t, plain);
  ref.fw = fw;
  // The client stays connected: the mark is spent by the answer, not by the client leaving.
  const answer = await upgradeThrough(port, up.port, /\r\n\r\n/, (s) => t.after(() => s.destroy()));
  assert.match(answer, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.equal(liveWhileUpstream, true);
  await waitFor(() => !fw.cameBack({ headers: { 'x-drowse-loop': mark } } as unknown as IncomingMessage), { timeoutMs: 3000, message: 'spent on the answer' });
});

test('an upgrade to a refusing upstream closes the client without an answer', async (t) => {
  const dead = await closedPort();
  const { port } = await front(t, plain);
  assert.equal(await upgradeThrough(port, dead, /never/), '');
});
