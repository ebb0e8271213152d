import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, hostName } from './router.ts';

const router = new Router([
  { hosts: ['app.lan'], value: 'app' },
  { hosts: ['*.app.lan'], value: 'any-app' },
  { hosts: ['*.b.app.lan', 'Other.LAN'], value: 'deep' },
]);

const cases: Array<[string, string | undefined, string | undefined]> = [
  ['an exact host matches its route', 'app.lan', 'app'],
  ['the port in Host is ignored', 'app.lan:8080', 'app'],
  ['Host is matched case-insensitively', 'APP.Lan', 'app'],
  ['a trailing dot in Host is ignored', 'app.lan.', 'app'],
  ['a wildcard matches one label below', 'x.app.lan', 'any-app'],
  ['a wildcard matches several labels below', 'y.x.app.lan', 'any-app'],
  ['the longest wildcard wins', 'z.b.app.lan', 'deep'],
  ['a wildcard does not match its own base name', 'b.app.lan', 'any-app'],
  ['config hosts are matched case-insensitively', 'other.lan', 'deep'],
  ['an unknown host matches nothing', 'nope.lan', undefined],
  ['a look-alike suffix does not match a wildcard', 'xapp.lan', undefined],
  ['a Host that is only the wildcard\'s dotted suffix matches nothing', '.app.lan', undefined],
  ['a missing Host matches nothing', undefined, undefined],
  ['an empty Host matches nothing', '', undefined],
];

for (const [name, host, want] of cases) {
  test(name, () => assert.equal(router.match(host), want));
}

test('IPv6 literals keep their brackets and lose their port', () => {
  assert.equal(hostName('[::1]:8080'), '[::1]');
  assert.equal(hostName('[::1'), undefined);
});
