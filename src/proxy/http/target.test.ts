import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from './errors.ts';
import { pathMayWake } from './gate.ts';
import { readTarget, reservedName, type RequestTarget } from './target.ts';

const read = (url: string, method = 'GET', host = 'app.lan'): RequestTarget => readTarget(url, method, host);
const mayWake = (t: RequestTarget, endpoints: readonly string[]): boolean => t.kind === 'path' && t.readings.every((r) => pathMayWake(r, endpoints));

// [target, reserved name or undefined, may wake a service with start_endpoint "/app/*"]
const spellings: Array<[string, string | undefined, boolean]> = [
  ['/__drowse/status', 'status', false],
  ['/__drowse/status?x=1', 'status', false],
  ['/x/../__drowse/status', 'status', false],
  ['/x/%2e%2e/__drowse/status', 'status', false],
  ['/x/%2E%2E/__drowse/status', 'status', false],
  ['/x/.%2e/__drowse/status', 'status', false],
  ['/./__drowse/status', 'status', false],
  ['//__drowse/status', 'status', false],
  ['/__drowse//status', '/status', false],
  ['/__DROWSE/status', 'status', false],
  ['/__Drowse/STATUS', 'status', false],
  ['/%5F%5Fdrowse/status', 'status', false],
  ['/__drowse%2fstatus', 'status', false],
  ['/__drowse%2Fstatus', 'status', false],
  ['/x%2f..%2f__drowse/status', 'status', false],
  ['/x\\..\\__drowse/status', 'status', false],
  ['/x;p/../__drowse/status', 'status', false],
  ['/__drowse;x/status', 'status', false],
  ['/__drowse/nope', 'nope', false],
  ['/__drowsey/status', undefined, false],
  ['/__drowse', undefined, false],
  ['/app/x', undefined, true],
  ['/app/a/../b', undefined, true],
  ['/app/%2e%2e/admin', undefined, false],
  ['/app/../admin', undefined, false],
  ['/app/..%2fadmin', undefined, false],
  ['/app%2f..%2fadmin', undefined, false],
  ['/app\\..\\admin', undefined, false],
  ['/app//x', undefined, true],
  ['/APP/x', undefined, false],
  ['/%61pp/x', undefined, true],
  ['/app/%2fx', undefined, true],
  ['/app/x?next=/../admin', undefined, true],
];
for (const [url, name, wakes] of spellings) {
  test(`target ${url} is ${name === undefined ? 'not reserved' : `reserved as ${JSON.stringify(name)}`} and ${wakes ? 'may' : 'may not'} wake /app/*`, () => {
    const t = read(url);
    assert.equal(reservedName(t), name);
    assert.equal(mayWake(t, ['/app/*']), wakes);
  });
}

test('the target is forwarded byte for byte as sent, however it is spelled', () => {
  for (const url of ['/a/../b', '/a/%2e%2e/b', '//x//y/', '/a?', '/a?b=%2e&c', '/%7Euser', '/a\\b', '/a;b=c/d']) {
    const t = read(url);
    assert.equal(t.kind === 'path' && t.forward, url, url);
  }
});

test('an absolute-form target for the same host is forwarded as its origin-form, judged on its path', () => {
  const t = read('http://APP.lan:8080/x/../__drowse/status?q', 'GET', 'app.lan:8080');
  assert.equal(t.kind === 'path' && t.forward, '/x/../__drowse/status?q');
  assert.equal(reservedName(t), 'status');
  const bare = read('http://app.lan?x', 'GET', 'app.lan');
  assert.equal(bare.kind === 'path' && bare.forward, '/?x');
});

test('an absolute-form target naming another host than Host is refused', () => {
  assert.throws(() => read('http://other.lan/p', 'GET', 'app.lan'), BadRequestError);
  assert.throws(() => read('http:///p', 'GET', 'app.lan'), BadRequestError);
});

test('"*" is OPTIONS-only and never a path', () => {
  assert.deepEqual(read('*', 'OPTIONS'), { kind: 'asterisk' });
  assert.throws(() => read('*', 'GET'), BadRequestError);
});

test('targets that are not paths or that carry a fragment are refused', () => {
  for (const url of ['app.lan:443', 'x', '', '/a#b', 'ftp://app.lan/']) assert.throws(() => read(url), BadRequestError, url);
});
