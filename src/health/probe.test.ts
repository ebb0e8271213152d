import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { execProbe, httpProbe, ownHealthProbe, tcpProbe } from './probe.ts';

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
