/**
 * answerError over loopback: a bare server answers each request with the error a test names, and
 * the client sees exactly what drowse sends (status, headers, body, or no body).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { HeldTooLongError, WakeFailedError } from '../../service/index.ts';
import { sendHttp, sendRaw } from '../../../test/helpers/fakes/index.ts';
import { answerError } from './answer.ts';
import { BadRequestError, MethodNotAllowedError, NotFoundError, UpstreamError } from './errors.ts';

const errors: Record<string, () => unknown> = {
  notFound: () => new NotFoundError('drowse: no reserved route /__drowse/x'),
  bad: () => new BadRequestError('http entrypoint: request has no Host header'),
  method: () => new MethodNotAllowedError('drowse: /__drowse/events does not answer POST', 'GET'),
  held: () => new HeldTooLongError('web', '2m'),
  wake: () => new WakeFailedError('web', 'wake failed: probe http://127.0.0.1:9/ refused', { notice: 'web could not start', code: 'workload_exited' }),
  upstream: () => new UpstreamError('web', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
  secret: () => new Error('password=hunter2'),
};

async function answering(t: { after(fn: () => unknown): void }) {
  const server = http.createServer((req, res) => {
    const which = String(req.headers['x-error']);
    if (req.headers['x-started'] !== undefined) {
      res.writeHead(200, { 'content-length': '10' });
      res.write('part');
    }
    answerError(req, res, errors[which]!());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

test('a plain client gets "<status> <title>: <detail>" as text, never cached', async (t) => {
  const port = await answering(t);
  const res = await sendHttp(port, { headers: { 'x-error': 'notFound', connection: 'keep-alive' } });
  assert.equal(res.status, 404);
  assert.equal(res.body, '404 Not Found: drowse: no reserved route /__drowse/x\n');
  assert.deepEqual([res.headers['content-type'], res.headers['cache-control'], res.headers['content-length']], ['text/plain; charset=utf-8', 'no-store', String(Buffer.byteLength(res.body))]);
  assert.equal(res.headers['retry-after'], undefined);
  assert.equal(res.headers.allow, undefined);
  assert.notEqual(res.headers.connection, 'close', 'only a malformed request closes the connection');
});

test('a JSON client gets problem details; a failed wake carries its code and its notice only', async (t) => {
  const port = await answering(t);
  const res = await sendHttp(port, { headers: { 'x-error': 'wake', accept: 'text/html, application/problem+json' } });
  assert.equal(res.status, 503);
  assert.equal(res.headers['content-type'], 'application/problem+json');
  assert.equal(res.headers['retry-after'], '5');
  assert.equal(res.body, '{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"web could not start","code":"workload_exited"}');
  const held = await sendHttp(port, { headers: { 'x-error': 'held', accept: 'application/json' } });
  assert.deepEqual(JSON.parse(held.body), { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'service "web": not ready after 2m' });
  assert.equal(held.headers['retry-after'], '5');
});

test('a 405 says what is allowed; a 400 closes the connection', async (t) => {
  const port = await answering(t);
  const method = await sendHttp(port, { headers: { 'x-error': 'method' } });
  assert.deepEqual([method.status, method.headers.allow, method.body], [405, 'GET', '405 Method Not Allowed: drowse: /__drowse/events does not answer POST\n']);
  const raw = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Error: bad\r\n\r\n', { end: false });
  assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(raw, /\r\nconnection: close\r\n/i);
  assert.match(raw, /\r\n\r\n400 Bad Request: http entrypoint: request has no Host header\n$/);
});

test('HEAD gets the status and headers of the answer, with the length of the body it does not get', async (t) => {
  const port = await answering(t);
  const res = await sendHttp(port, { method: 'HEAD', headers: { 'x-error': 'upstream' } });
  assert.equal(res.status, 502);
  assert.equal(res.body, '');
  assert.equal(res.headers['content-length'], String(Buffer.byteLength('502 Bad Gateway: service "web": upstream failed: ECONNREFUSED\n')));
});

test('an unexpected error is a 500 that keeps its message to itself', async (t) => {
  const port = await answering(t);
  const res = await sendHttp(port, { headers: { 'x-error': 'secret', accept: 'application/json' } });
  assert.deepEqual(JSON.parse(res.body), { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'drowse failed to handle the request' });
});

test('an error after the answer has started cuts the connection instead of writing a second answer', async (t) => {
  const port = await answering(t);
  const raw = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Error: upstream\r\nX-Started: 1\r\n\r\n', { end: false });
  // Closed (sendRaw returned) well before the 10 promised bytes, and no second status line.
  assert.doesNotMatch(raw, /502/);
  assert.ok(raw.length < 200, raw);
});
