import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from './errors.ts';
import { pathMayWake } from './gate.ts';
import { looseReading, readTarget, reservedName, strictReading, type RequestTarget } from './target.ts';

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

test('a path whose query or segments carry a URL is a path, forwarded as sent (only a target that starts with a scheme is absolute-form)', () => {
  for (const url of ['/login?next=http://other.lan/x', '/proxy/https://other.lan/']) {
    const t = read(url, 'GET', 'app.lan');
    assert.equal(t.kind === 'path' && t.forward, url, url);
  }
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

// [path, strict reading, loose reading]: what each reading makes of a spelling.
const readings: Array<[string, string, string]> = [
  ['/a/b', '/a/b', '/a/b'],
  ['/', '/', '/'],
  ['/a/./b', '/a/b', '/a/b'],
  ['/a/b/..', '/a/', '/a/'],
  ['/a/b/.', '/a/b/', '/a/b/'],
  ['/..', '/', '/'],
  ['/../../a', '/a', '/a'],
  ['/a/../../b', '/b', '/b'],
  ['/a/b/../c', '/a/c', '/a/c'],
  ['/%61%2D%2e%5f%7E%30', '/a-._~0', '/a-._~0'],
  ['/a%2fb', '/a%2Fb', '/a/b'],
  ['/a%2Fb', '/a%2Fb', '/a/b'],
  ['/a%5cb', '/a%5Cb', '/a/b'],
  ['/a%20b', '/a%20b', '/a%20b'],
  ['/a%zzb', '/a%zzb', '/a%zzb'],
  ['/a\\b', '/a\\b', '/a/b'],
  ['/a//b', '/a//b', '/a/b'],
  ['/a///b', '/a///b', '/a/b'],
  ['/a;x=1/b;y', '/a;x=1/b;y', '/a/b'],
  ['/A/B', '/A/B', '/A/B'],
  ['/a/%2e%2e/b', '/b', '/b'],
  ['/a%2f%2e%2e%2fb', '/a%2F..%2Fb', '/b'],
];
for (const [path, strict, loose] of readings) {
  test(`path ${path} reads strictly as ${strict} and loosely as ${loose}`, () => {
    assert.equal(strictReading(path), strict);
    assert.equal(looseReading(path), loose);
    const t = read(path);
    assert.deepEqual(t.kind === 'path' && t.readings, strict === loose ? [strict] : [strict, loose], 'the loose reading is kept only when it differs');
  });
}

test('a path that no reading changes is judged as written: the shortcut agrees with both readings on 5,000 generated paths', () => {
  // A fixed-seed generator over the characters the readings care about (and a few they do not).
  const alphabet = ['a', 'B', '/', '/', '.', '.', '%', '2', 'e', 'E', 'f', '5', 'c', '\\', ';', '_', '~', '-'];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 5_000; i++) {
    let path = '/';
    for (let n = next() % 12; n > 0; n--) path += alphabet[next() % alphabet.length];
    const [strict, loose] = [strictReading(path), looseReading(path)];
    const t = read(path);
    assert.deepEqual(t.kind === 'path' && t.readings, strict === loose ? [strict] : [strict, loose], path);
  }
});

test('the query is not part of any reading, and a reserved name is lower-cased', () => {
  const t = read('/__DROWSE/Events?A=/__drowse/x');
  assert.deepEqual(t.kind === 'path' && t.readings, ['/__DROWSE/Events']);
  assert.equal(reservedName(t), 'events');
  assert.equal(reservedName({ kind: 'asterisk' }), undefined, '"*" is never a reserved path');
});

test('a reserved name is found in the loose reading when the strict one is not reserved', () => {
  const t = read('/x%2f..%2f__drowse/Status');
  assert.deepEqual(t.kind === 'path' && t.readings, ['/x%2F..%2F__drowse/Status', '/__drowse/Status']);
  assert.equal(reservedName(t), 'status');
});

test('absolute-form targets: http and https, any case of scheme, and a bare authority', () => {
  for (const [url, forward] of [['HTTP://app.lan/x', '/x'], ['https://app.lan/y?z', '/y?z'], ['Https://app.lan', '/'], ['http://app.lan:80/a/../b', '/a/../b']] as const) {
    const t = read(url, 'GET', 'app.lan');
    assert.equal(t.kind === 'path' && t.forward, forward, url);
  }
  assert.throws(() => read('http://app.lan#x', 'GET', 'app.lan'), { message: 'http entrypoint: the request target has a fragment' });
  assert.throws(() => readTarget('http:///p', 'GET', undefined), BadRequestError, 'no host on either side is no match');
  assert.throws(() => readTarget('http://app.lan/p', 'GET', undefined), { message: 'http entrypoint: an absolute request target must name the same host as the Host header' });
  assert.throws(() => read('httpx://app.lan/p', 'GET', 'app.lan'), { message: 'http entrypoint: the request target is not a path' });
});

test('refusals name what is wrong with the target', () => {
  assert.throws(() => read('*', 'GET'), { message: 'http entrypoint: "*" is a target only for OPTIONS' });
  assert.throws(() => read('*', undefined), BadRequestError);
  assert.throws(() => read('x'), { message: 'http entrypoint: the request target is not a path' });
  assert.throws(() => readTarget(undefined, 'GET', 'app.lan'), { message: 'http entrypoint: the request target is not a path' });
  assert.throws(() => read('/a#b'), { message: 'http entrypoint: the request target has a fragment' });
  assert.throws(() => read('http://other.lan/p', 'GET', 'app.lan'), { message: 'http entrypoint: an absolute request target must name the same host as the Host header' });
});
