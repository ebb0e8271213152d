// Error answers and the entrypoint's error classes, beyond the status table in answer.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { acceptsJson, answerFor, answerUpgradeError } from './answer.ts';
import { BadRequestError, LoopDetectedError, MethodNotAllowedError, NoRouteError, NotAStartEndpointError, NotFoundError, UpstreamError, WakeDeniedError } from './errors.ts';

test('an unexpected error is a 500 that never shows its message', () => {
  assert.deepEqual(answerFor(new Error('secret at /etc/shadow')), { status: 500, title: 'Internal Server Error', detail: 'drowse failed to handle the request' });
});

test('JSON is chosen for application/json, problem+json and any +json type, with parameters and case ignored', () => {
  for (const yes of ['application/json', 'text/html, Application/JSON;q=0.9', 'application/problem+json', 'application/vnd.api+json; charset=utf-8']) assert.equal(acceptsJson(yes), true, yes);
  for (const no of [undefined, '', 'text/html', '*/*', 'text/json+x', 'application/jsonx', 'text/plain+json']) assert.equal(acceptsJson(no), false, String(no));
});

test('an upgrade error is a bare status line, closed; nothing is written to a destroyed socket', async () => {
  const socket = new PassThrough();
  let written = '';
  socket.on('data', (c: Buffer) => (written += c.toString()));
  answerUpgradeError(socket, new MethodNotAllowedError('no', 'GET'));
  await new Promise((r) => setImmediate(r));
  assert.equal(written, 'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  assert.equal(socket.writableEnded, true);
  const gone = new PassThrough();
  gone.destroy();
  answerUpgradeError(gone, new Error('x'));
  assert.equal(gone.writableEnded, false);
});

test('upstream errors name the service and the error code, or the message when there is none', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const e = new UpstreamError('web', { cause: refused });
  assert.deepEqual([e.name, e.message, e.service, e.cause], ['UpstreamError', 'service "web": upstream failed: ECONNREFUSED', 'web', refused]);
  assert.equal(new UpstreamError('web', { cause: new Error('socket hang up') }).message, 'service "web": upstream failed: socket hang up');
  assert.equal(new UpstreamError('web', { cause: 'odd' }).message, 'service "web": upstream failed: odd');
});

test('entrypoint errors say what went wrong and keep what a caller needs', () => {
  const noRoute = new NoRouteError('x.test');
  assert.deepEqual([noRoute.name, noRoute.message, noRoute.host], ['NoRouteError', 'http entrypoint: no service for host "x.test"', 'x.test']);
  const start = new NotAStartEndpointError('web', '/api', ['/login', '/app/*']);
  assert.deepEqual([start.name, start.message, start.service], ['NotAStartEndpointError', 'service "web" is asleep; /api may not wake it (start_endpoint: /login, /app/*)', 'web']);
  const denied = new WakeDeniedError('web', 'bot');
  assert.deepEqual([denied.name, denied.service], ['WakeDeniedError', 'web']);
  assert.match(denied.message, /^service "web" is not awake, and this client may not wake it \(user agent matches wake_filter entry "bot"\)$/);
  const loop = new LoopDetectedError('web', 'http://127.0.0.1:8080');
  assert.deepEqual([loop.name, loop.service], ['LoopDetectedError', 'web']);
  assert.equal(loop.message, 'service "web": target http://127.0.0.1:8080 leads back to drowse itself (a proxy loop); point it at the app');
  const method = new MethodNotAllowedError('nope', 'GET');
  assert.deepEqual([method.name, method.allow], ['MethodNotAllowedError', 'GET']);
  assert.equal(new NotFoundError('x').name, 'NotFoundError');
  assert.equal(new BadRequestError('x').name, 'BadRequestError');
});
