import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { execProbe, httpProbe, ownHealthProbe, tcpProbe } from './probe.ts';
import { waitFor } from '../../test/helpers/fakes/index.ts';

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(() => assert.fail('expected a rejection'), (e: unknown) => e as Error);
}

/** A server on 127.0.0.1 that accepts connections and never answers: the hanging app. */
async function silentServer(t: { after(fn: () => void): void }): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

test('an http probe against an app that never answers is cut at its timeout', async (t) => {
  const port = await silentServer(t);
  const started = Date.now();
  await assert.rejects(httpProbe(new URL(`http://127.0.0.1:${port}/`), 200)(new AbortController().signal), /timed out/);
  const took = Date.now() - started;
  assert.ok(took >= 150 && took < 2000, `cut after ${took}ms`);
});

test('an http probe is healthy only on an expected status', async (t) => {
  const server = http.createServer((req, res) => res.writeHead(Number(req.url?.slice(1)) || 200).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const probe = (path: string, expect?: Array<[number, number]>) => httpProbe(new URL(`http://127.0.0.1:${port}/${path}`), 1000, expect)(new AbortController().signal);
  await probe('404');
  await assert.rejects(probe('503'), /status 503/);
  await probe('204', [[200, 299]]);
  await assert.rejects(probe('302', [[200, 299]]), /status 302/);
});

test('a tcp probe fails fast on a refused port', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await assert.rejects(tcpProbe('127.0.0.1', port, 1000)(new AbortController().signal), /ECONNREFUSED/);
});

test('an exec probe is healthy on exit 0, says the exit code otherwise, and is cut when the command hangs', async () => {
  const signal = new AbortController().signal;
  await execProbe(['true'], async () => ({ exitCode: 0, output: '' }), 1000)(signal);
  await assert.rejects(execProbe(['pg_isready'], async () => ({ exitCode: 2, output: 'no response\n' }), 1000)(signal), /exec pg_isready: exit code 2 \(no response\)/);
  const hang = (_c: readonly string[], s: AbortSignal) => new Promise<never>((_, reject) => s.addEventListener('abort', () => reject(s.reason)));
  await assert.rejects(execProbe(['sleep', '60'], hang, 100)(signal), /exec sleep 60: timed out/);
});

test('the own-health probe passes only on healthy', async () => {
  const signal = new AbortController().signal;
  await ownHealthProbe(async () => 'healthy', 1000)(signal);
  await assert.rejects(ownHealthProbe(async () => 'starting', 1000)(signal), /HEALTHCHECK: starting/);
  await assert.rejects(ownHealthProbe(async () => undefined, 1000)(signal), /defines none/);
});

/** An HTTP app on 127.0.0.1 that records what it was sent and when each connection closed. */
async function recordingServer(t: { after(fn: () => void): void }, answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: http.IncomingMessage[] = [];
  const closed: number[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    answer(req, res);
  });
  server.on('connection', (s) => s.on('close', () => closed.push(Date.now())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, seen, closed };
}

test('probe failures are ProbeErrors that keep the underlying error as cause', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const signal = new AbortController().signal;
  for (const probe of [tcpProbe('127.0.0.1', port, 1000), httpProbe(new URL(`http://127.0.0.1:${port}/`), 1000)]) {
    const err = await rejection(probe(signal));
    assert.equal(err.name, 'ProbeError');
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  }
  const boom = Object.assign(new Error('exec failed'), { code: 'ECONNRESET' });
  const err = await rejection(execProbe(['x'], async () => Promise.reject(boom), 1000)(signal));
  assert.equal(err.message, 'exec x: ECONNRESET');
  assert.equal(err.cause, boom);
});

test('a probe whose caller gave up does not start, whatever the target would say', async (t) => {
  const server = await recordingServer(t, (_req, res) => res.end('ok'));
  const gone = AbortSignal.abort();
  await assert.rejects(tcpProbe('127.0.0.1', server.port, 1000)(gone), /tcp 127\.0\.0\.1:\d+: timed out/);
  await assert.rejects(httpProbe(new URL(`http://127.0.0.1:${server.port}/`), 1000)(gone), /timed out/);
  let readSignal: AbortSignal | undefined;
  await assert.rejects(ownHealthProbe(async (s) => {
    readSignal = s;
    throw s.reason;
  }, 1000)(gone));
  assert.equal(readSignal?.aborted, true, 'the health read is handed the caller\'s abort');
  assert.equal(server.seen.length, 0);
});

test('the own-health read is cut at the probe timeout', async () => {
  const hang = (s: AbortSignal) => new Promise<never>((_, reject) => s.addEventListener('abort', () => reject(s.reason)));
  const started = Date.now();
  await assert.rejects(ownHealthProbe(hang, 50)(new AbortController().signal));
  assert.ok(Date.now() - started < 2000);
});

test('a tcp probe closes the connection it opened', async (t) => {
  const server = await recordingServer(t, (_req, res) => res.end());
  // The timeout (5 s) would end a forgotten connection too; this must happen well before.
  await tcpProbe('127.0.0.1', server.port, 5000)(new AbortController().signal);
  await waitFor(() => server.closed.length === 1, { timeoutMs: 1000, message: 'the probe connection closed' });
});

test('an http probe introduces itself, asks with GET, and reads the body to the end so the connection closes', async (t) => {
  const big = Buffer.alloc(4 * 1024 * 1024, 'x');
  const server = await recordingServer(t, (_req, res) => res.end(big));
  await httpProbe(new URL(`http://127.0.0.1:${server.port}/health`), 5000)(new AbortController().signal);
  assert.equal(server.seen[0]?.headers['user-agent'], 'drowse-probe');
  assert.equal(server.seen[0]?.method, 'GET');
  await waitFor(() => server.closed.length === 1, { timeoutMs: 1500, message: 'the probe connection closed, long before the 5 s timeout' });
});

test('expected status ranges are inclusive at both ends, and any one range may match', async (t) => {
  const server = await recordingServer(t, (req, res) => res.writeHead(Number(req.url?.slice(1))).end());
  const probe = (status: number, expect: Array<[number, number]>) => httpProbe(new URL(`http://127.0.0.1:${server.port}/${status}`), 1000, expect)(new AbortController().signal);
  await probe(200, [[200, 204]]);
  await probe(204, [[200, 204]]);
  await assert.rejects(probe(205, [[200, 204]]), /status 205/);
  await assert.rejects(probe(404, [[500, 599]]), /status 404/);
  await probe(302, [[200, 204], [300, 399]]);
});

test('an exec probe tells a timeout from a caller that gave up, and from a failure of its own', async () => {
  const hang = (_c: readonly string[], s: AbortSignal) => new Promise<never>((_, reject) => s.addEventListener('abort', () => reject(new Error('exec stopped'))));
  await assert.rejects(execProbe(['sleep', '60'], hang, 50)(new AbortController().signal), { message: 'exec sleep 60: timed out' });
  const caller = new AbortController();
  setTimeout(() => caller.abort(), 20);
  await assert.rejects(execProbe(['sleep', '60'], hang, 10_000)(caller.signal), { message: 'exec sleep 60: exec stopped' });
  // The wake deadline is itself a timeout signal: its TimeoutError reads as "timed out".
  const deadline = AbortSignal.timeout(20);
  const passReason = (_c: readonly string[], s: AbortSignal) => new Promise<never>((_, reject) => s.addEventListener('abort', () => reject(s.reason)));
  await assert.rejects(execProbe(['sleep', '60'], passReason, 10_000)(deadline), { message: 'exec sleep 60: timed out' });
  const refused = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
  await assert.rejects(execProbe(['x'], async () => Promise.reject(refused), 10_000)(new AbortController().signal), { message: 'exec x: ECONNREFUSED' });
});

test('a failed exec probe quotes at most 200 characters of the last output line, and nothing when there was none', async () => {
  const signal = new AbortController().signal;
  const long = 'y'.repeat(300);
  await assert.rejects(execProbe(['check'], async () => ({ exitCode: 1, output: `first\n${long}\n` }), 1000)(signal), { message: `exec check: exit code 1 (${'y'.repeat(200)})` });
  await assert.rejects(execProbe(['check'], async () => ({ exitCode: 1, output: '' }), 1000)(signal), { message: 'exec check: exit code 1' });
});
