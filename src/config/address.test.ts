import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHostPort, parseHostPort } from './address.ts';

const good: Array<[string, string, number]> = [
  [':8080', '', 8080],
  ['127.0.0.1:80', '127.0.0.1', 80],
  ['[::1]:8443', '::1', 8443],
  ['[fe80::1:2]:1', 'fe80::1:2', 1],
  ['localhost:0', 'localhost', 0],
  ['nas.home.lan:65535', 'nas.home.lan', 65535],
  ['a-b.c9:5432', 'a-b.c9', 5432],
  [`${'a'.repeat(63)}:1`, 'a'.repeat(63), 1],
];
for (const [text, host, port] of good) {
  test(`listen address ${text} is host ${JSON.stringify(host)} port ${port}`, () => {
    assert.deepEqual(parseHostPort(text), { host, port });
  });
}

const bad = [
  '8080', ':', ':65536', ':123456', 'host:port', '[::1]', '::1:80', '[not-v6]:80', '[127.0.0.1]:80', 'bad_host:80',
  '-lead.lan:80', 'trail-.lan:80', 'two..dots:80', `${'a'.repeat(64)}:1`, ' 127.0.0.1:80', '127.0.0.1:80 ', 'a:b:80', '[::1]:80x',
];
for (const text of bad) {
  test(`listen address ${JSON.stringify(text)} is refused`, () => assert.equal(parseHostPort(text), undefined));
}

test('host:port prints the way people write it: brackets around IPv6, ":port" for every interface', () => {
  assert.equal(formatHostPort({ host: '::1', port: 5432 }), '[::1]:5432');
  assert.equal(formatHostPort({ host: '127.0.0.1', port: 80 }), '127.0.0.1:80');
  assert.equal(formatHostPort({ host: '', port: 8080 }), ':8080');
  for (const [text] of good) assert.equal(formatHostPort(parseHostPort(text)!), text, 'printing gives back what was written');
});
