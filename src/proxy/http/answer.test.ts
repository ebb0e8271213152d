import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldTooLongError, WakeFailedError } from '../../service/index.ts';
import { acceptsJson, answerFor } from './answer.ts';
import { BadRequestError, LoopDetectedError, MethodNotAllowedError, NoRouteError, NotAStartEndpointError, NotFoundError, OverLimitError, UpstreamError, WakeDeniedError } from './errors.ts';

const NOW = Date.parse('2026-12-01T10:00:00Z');

const cases: Array<[string, unknown, { status: number; retryAfter?: number; allow?: string; detail?: string | RegExp }]> = [
  ['a host no service claims is 404', new NoRouteError('x.lan'), { status: 404 }],
  ['an unknown reserved route is 404', new NotFoundError('drowse: no reserved route /__drowse/x'), { status: 404 }],
  ['a malformed request is 400', new BadRequestError('no Host'), { status: 400 }],
  ['a path outside start_endpoint is 403', new NotAStartEndpointError('web', '/x', ['/']), { status: 403 }],
  ['a wrong method is 405 with Allow', new MethodNotAllowedError('nope', 'GET, HEAD'), { status: 405, allow: 'GET, HEAD' }],
  ['a held request past its wait is 503 with the default Retry-After', new HeldTooLongError('web', '2m'), { status: 503, retryAfter: 5 }],
  ['a robot that may not wake is 503', new WakeDeniedError('web', 'googlebot'), { status: 503, retryAfter: 5 }],
  ['a request over a limit is 503', new OverLimitError('too many'), { status: 503, retryAfter: 5 }],
  ['a failed wake shows its notice, never its reason', new WakeFailedError('web', 'wake failed: ctr-9 exited; probe http://127.0.0.1:9/?k=s', { notice: 'web could not start' }), { status: 503, retryAfter: 5, detail: 'web could not start' }],
  ['a failed wake in its backoff says how long is left', new WakeFailedError('web', 'r', { notice: 'n', retryAt: NOW + 12_300 }), { status: 503, retryAfter: 13 }],
  ['a missing workload asks clients to come back in a minute', new WakeFailedError('web', 'r', { notice: 'n', retryAt: Infinity }), { status: 503, retryAfter: 60 }],
  ['a loop is 508 without the target', new LoopDetectedError('web', 'http://127.0.0.1:8080'), { status: 508, detail: 'service "web": its target leads back to drowse itself (a proxy loop)' }],
  ['a refusing upstream is 502', new UpstreamError('web', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }), { status: 502, detail: /ECONNREFUSED/ }],
  ['anything else is 500 and says nothing of itself', new Error('secret internals'), { status: 500, detail: 'drowse failed to handle the request' }],
];

for (const [name, err, want] of cases) {
  test(name, (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: NOW });
    const a = answerFor(err);
    assert.equal(a.status, want.status);
    assert.equal(a.retryAfter, want.retryAfter);
    assert.equal(a.allow, want.allow);
    if (typeof want.detail === 'string') assert.equal(a.detail, want.detail);
    else if (want.detail) assert.match(a.detail, want.detail);
  });
}

test('JSON clients are recognised by application/json and any +json type', () => {
  assert.equal(acceptsJson('application/json'), true);
  assert.equal(acceptsJson('text/html, application/problem+json;q=0.9'), true);
  assert.equal(acceptsJson('application/vnd.api+json'), true);
  assert.equal(acceptsJson('text/html'), false);
  assert.equal(acceptsJson('*/*'), false);
  assert.equal(acceptsJson(undefined), false);
});

test('a failed wake carries its kind of failure, so a client can tell a timeout from an unreachable backend', () => {
  assert.equal(answerFor(new WakeFailedError('web', 'r', { notice: 'n', code: 'provider_unreachable' })).code, 'provider_unreachable');
  assert.equal(answerFor(new WakeFailedError('web', 'r', { notice: 'n', code: 'wake_timeout' })).code, 'wake_timeout');
  assert.equal(answerFor(new HeldTooLongError('web', '2m')).code, undefined);
});
